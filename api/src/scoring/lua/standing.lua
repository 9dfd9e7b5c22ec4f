-- Reads one user's line on a board: their stored standing and its rank, in one consistent step.
--
-- KEYS[1]  sorted set: the board
-- KEYS[2]  hash: user id -> stored standing (a round's bests or a contest's totals)
-- ARGV[1]  user id
--
-- Returns  { rank (0-based), standing }, or {} when the user is not on this board.
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then
  return {}
end
-- Every stored standing starts "composite|member|".
local member = string.match(v, '^[^|]*|([^|]*)|')
local rank = member and redis.call('ZRANK', KEYS[1], member)
if not rank then
  return {}
end
return { rank, v }
