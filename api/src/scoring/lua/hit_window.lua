-- Counts one hit in a fixed window, atomically.
--
-- KEYS[1]  the counter
-- ARGV[1]  window length in milliseconds
--
-- Returns  { count including this hit, milliseconds until the window resets }
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
