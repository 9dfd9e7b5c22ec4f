-- Stores a new attempt's server-side state; a no-op when the attempt already exists.
--
-- KEYS[1]  the attempt's meta hash
-- KEYS[2]  the attempt's questions hash
-- KEYS[3]  the attempt's answers hash
-- ARGV[1]  time to live of the keys, in milliseconds
-- ARGV[2]  round id
-- ARGV[3]  user id
-- ARGV[4]  started at (ms since the epoch, server clock)
-- ARGV[5]  deadline (ms)
-- ARGV[6]  grace after the deadline (ms)
-- ARGV[7]  question ids in order, comma-joined
-- ARGV[8]  n, the number of answers given with the attempt (an attempt restored from the
--          answer journal; 0 for a new one): stored in this same step, so that no answer saved
--          once the attempt exists can be overwritten by an older one
-- ARGV[9…] n pairs: question id, selected option ids sorted and comma-joined
-- then     pairs: question id, spec "kind|points|option,ids|sorted,key,ids"
--          (kind: s single, m multiple, t true/false)
--
-- Returns  1 when created, 0 when the attempt already existed (nothing changed)
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1],
  'round', ARGV[2], 'user', ARGV[3], 'started', ARGV[4],
  'deadline', ARGV[5], 'grace', ARGV[6], 'order', ARGV[7])
local answers_end = 8 + 2 * tonumber(ARGV[8])
for i = 9, answers_end, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
end
for i = answers_end + 1, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
if tonumber(ARGV[8]) > 0 then
  redis.call('PEXPIRE', KEYS[3], ARGV[1])
end
return 1
