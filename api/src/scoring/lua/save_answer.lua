-- Records (or replaces) the selection for one question of an open attempt, atomically.
-- Never reveals correctness.
--
-- KEYS[1]  the attempt's meta hash
-- KEYS[2]  the attempt's questions hash
-- KEYS[3]  the attempt's answers hash
-- KEYS[4…6] (optional, on a single server only: another hash slot) the caller's session
--          markers `ended`, `not_before`, `disabled`, so the answer path checks its session
--          in this one round trip
-- ARGV[1]  now (ms since the epoch, server clock)
-- ARGV[2]  question id
-- ARGV[3]  the caller's user id, or '' to skip the owner check; someone else's attempt reads
--          as 'not_found', so the answer path needs no database read to check ownership
-- ARGV[4]  when the caller's token was issued (ms), with KEYS[4…6]; else ''
-- ARGV[5…] selected option ids, sorted and without repeats (may be none)
--
-- Returns  { 'ok', saved_at_ms, remaining_ms until the deadline (≥ 0) }
--          or { reason }: 'account_disabled' | 'session_ended' (the rule of
--          `SessionMarkers::refusal`) | 'not_found' | 'closed' | 'unknown_question'
--          | 'unknown_option' | 'invalid_selection' (checked in that order)
if #KEYS == 6 then
  local s = redis.call('MGET', KEYS[4], KEYS[5], KEYS[6])
  if s[3] then
    return { 'account_disabled' }
  end
  if s[1] or (s[2] and tonumber(ARGV[4]) < tonumber(s[2])) then
    return { 'session_ended' }
  end
end
local m = redis.call('HMGET', KEYS[1], 'deadline', 'grace', 'finished', 'user')
if not m[1] or (ARGV[3] ~= '' and m[4] ~= ARGV[3]) then
  return { 'not_found' }
end
local now = tonumber(ARGV[1])
local deadline = tonumber(m[1])
-- Inclusive: an answer arriving exactly at deadline + grace still counts.
if m[3] or now > deadline + tonumber(m[2]) then
  return { 'closed' }
end
local spec = redis.call('HGET', KEYS[2], ARGV[2])
if not spec then
  return { 'unknown_question' }
end
local kind, options = string.match(spec, '^(%a)|%d+|([^|]*)|')
options = ',' .. options .. ','
local count = #ARGV - 4
for i = 5, #ARGV do
  if not string.find(options, ',' .. ARGV[i] .. ',', 1, true) then
    return { 'unknown_option' }
  end
end
if count < 1 or (kind ~= 'm' and count ~= 1) then
  return { 'invalid_selection' }
end
-- The answers hash is created lazily, by an attempt's first answer; only then does it need the
-- attempt's remaining lifetime (a changed answer or a further one keeps the hash's).
if redis.call('HSET', KEYS[3], ARGV[2], table.concat(ARGV, ',', 5)) == 1
    and redis.call('HLEN', KEYS[3]) == 1 then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[3], ttl)
  end
end
return { 'ok', now, math.max(deadline - now, 0) }
