-- Records a finished attempt in its round, once: counters, and the user's best attempt in the
-- live leaderboard. Idempotent on its own, so after a crash it is simply run again.
--
-- KEYS[1]  set: attempt ids already recorded
-- KEYS[2]  hash: counters (participants, finished_attempts, perfect_attempts,
--          perfect_participants)
-- KEYS[3]  set: users with a perfect attempt
-- KEYS[4]  hash: user id -> best attempt "composite|member|attempt|score|max|time|finished"
-- KEYS[5]  sorted set: leaderboard, member -> composite (ascending; rank 0 is best)
-- ARGV[1]  attempt id
-- ARGV[2]  user id
-- ARGV[3]  composite (integer < 2^52; lower is better)
-- ARGV[4]  member "<finished_at, 13 digits>:<user id>"
-- ARGV[5]  1 when every question was right, else 0
-- ARGV[6]  the best-attempt value to store (format of KEYS[4])
-- ARGV[7]  time to live of the round's keys (ms), refreshed on every new record
--
-- Returns  { newly recorded (0|1), became the user's best (0|1) }
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return { 0, 0 }
end
redis.call('HINCRBY', KEYS[2], 'finished_attempts', 1)
if ARGV[5] == '1' then
  redis.call('HINCRBY', KEYS[2], 'perfect_attempts', 1)
  if redis.call('SADD', KEYS[3], ARGV[2]) == 1 then
    redis.call('HINCRBY', KEYS[2], 'perfect_participants', 1)
  end
end
local composite = tonumber(ARGV[3])
local better = true
local old = redis.call('HGET', KEYS[4], ARGV[2])
if old then
  local old_composite, old_member = string.match(old, '^(%d+)|([^|]+)|')
  old_composite = tonumber(old_composite)
  -- Same user on both sides, so the members differ only in their finish-time prefix; compare
  -- it as a number (Lua string comparison follows the locale). An exact tie keeps the old one.
  local finished = tonumber(string.sub(ARGV[4], 1, 13))
  local old_finished = tonumber(string.sub(old_member, 1, 13))
  better = composite < old_composite or (composite == old_composite and finished < old_finished)
  if better then
    redis.call('ZREM', KEYS[5], old_member)
  end
else
  redis.call('HINCRBY', KEYS[2], 'participants', 1)
end
if better then
  redis.call('ZADD', KEYS[5], ARGV[3], ARGV[4])
  redis.call('HSET', KEYS[4], ARGV[2], ARGV[6])
end
for i = 1, 5 do
  redis.call('PEXPIRE', KEYS[i], ARGV[7])
end
return { 1, better and 1 or 0 }
