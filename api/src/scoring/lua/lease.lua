-- Takes or renews a lease: held by whoever wrote its token, until it expires.
--
-- KEYS[1]  the lease
-- ARGV[1]  the caller's token (random per holder)
-- ARGV[2]  lifetime in milliseconds
--
-- Returns  1 when the caller holds the lease now (taken or renewed), 0 when another does
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
