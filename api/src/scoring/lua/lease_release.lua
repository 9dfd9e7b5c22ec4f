-- Gives a lease back, only if the caller still holds it (an expired lease taken over by
-- another holder stays theirs).
--
-- KEYS[1]  the lease
-- ARGV[1]  the caller's token
--
-- Returns  1 when released, 0 when the caller did not hold it
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
