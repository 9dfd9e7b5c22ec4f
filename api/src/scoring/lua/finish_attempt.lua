-- Finishes an attempt once: scores the recorded selections against the key (all-or-nothing per
-- question), stamps the finish and stores the result. Later calls return the stored result.
--
-- KEYS[1]  the attempt's meta hash
-- KEYS[2]  the attempt's questions hash
-- KEYS[3]  the attempt's answers hash
-- ARGV[1]  now (ms since the epoch, server clock)
-- ARGV[2]  the prediction (an integer), or '' for none
-- ARGV[3]  time to live of the attempt's keys after the finish (ms)
--
-- Returns  { 'ok', score, max_score, correct_count, time_used_ms, finished_at_ms,
--            already_finished (0|1), round id, user id, prediction or nil,
--            then, from the call that finishes it only, for each question:
--            question id, its selection (canonical) or nil, 1 if right else 0 }
--          or { 'not_found' }
--
-- finished_at = clamp(now, started, deadline) and time_used = finished_at - started: a finish
-- during the grace period or an automatic one later is stamped at the deadline
-- (scoring/attempt.rs `finish_stamp` is the same rule for the in-process store).
local m = redis.call('HMGET', KEYS[1], 'started', 'deadline', 'grace', 'finished', 'round', 'user')
if not m[1] then
  return { 'not_found' }
end
if m[4] then
  local r = redis.call('HMGET', KEYS[1],
    'score', 'max', 'correct', 'time_used', 'finished_at', 'prediction')
  return { 'ok', r[1], r[2], r[3], r[4], r[5], 1, m[5], m[6], r[6] or false }
end
local now = tonumber(ARGV[1])
local started, deadline, grace = tonumber(m[1]), tonumber(m[2]), tonumber(m[3])

local answers = {}
local a = redis.call('HGETALL', KEYS[3])
for i = 1, #a, 2 do
  answers[a[i]] = a[i + 1]
end
local score, max, correct = 0, 0, 0
-- What the database keeps of each question (app/attempts `finish`), judged here against the
-- key scored with, so that the finish need not read the questions again.
local answered = {}
local q = redis.call('HGETALL', KEYS[2])
for i = 1, #q, 2 do
  local points, key = string.match(q[i + 1], '^%a|(%d+)|[^|]*|(.*)$')
  points = tonumber(points)
  max = max + points
  -- Both sides are canonical (sorted, comma-joined), so equality is all-or-nothing.
  local right = answers[q[i]] == key
  if right then
    score = score + points
    correct = correct + 1
  end
  answered[#answered + 1] = q[i]
  answered[#answered + 1] = answers[q[i]] or false
  answered[#answered + 1] = (right and answers[q[i]] ~= '') and 1 or 0
end

local finished_at = math.max(math.min(now, deadline), started)
local time_used = finished_at - started
-- A prediction counts only while answers are still accepted.
local prediction = false
if ARGV[2] ~= '' and now <= deadline + grace then
  prediction = ARGV[2]
  redis.call('HSET', KEYS[1], 'prediction', prediction)
end
-- %d keeps large millisecond values out of Lua's 14-digit number formatting.
redis.call('HSET', KEYS[1], 'finished', '1',
  'score', string.format('%d', score), 'max', string.format('%d', max),
  'correct', string.format('%d', correct), 'time_used', string.format('%d', time_used),
  'finished_at', string.format('%d', finished_at))
for i = 1, 3 do
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
local reply = { 'ok', score, max, correct, time_used, finished_at, 0, m[5], m[6], prediction }
for i = 1, #answered do
  reply[10 + i] = answered[i]
end
return reply
