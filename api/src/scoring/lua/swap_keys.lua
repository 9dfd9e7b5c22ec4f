-- Replaces a contest's live result keys by the staged ones a rebuild wrote, atomically.
--
-- KEYS[1 .. n]            the live keys to delete
-- KEYS[n+1 .. n+m]        the staged keys
-- KEYS[n+m+1 .. n+2m]     their live names, in the same order
-- ARGV[1]  n
-- ARGV[2]  m
--
-- Every key shares the contest's hash tag, so this runs on one cluster slot. RENAME keeps each
-- staged key's time to live.
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 1, n do
  redis.call('DEL', KEYS[i])
end
for i = 1, m do
  if redis.call('EXISTS', KEYS[n + i]) == 1 then
    redis.call('RENAME', KEYS[n + i], KEYS[n + m + i])
  end
end
return m
