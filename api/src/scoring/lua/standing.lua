-- Reads one user's place on a board: the board's size, and their stored standing and its rank,
-- in one consistent step (a rank is always below the size it is read with).
--
-- KEYS[1]  sorted set: the board
-- KEYS[2]  hash: user id -> stored standing (a round's bests or a contest's totals)
-- ARGV[1]  user id
--
-- Returns  { entries on the board, rank (0-based), standing }, or { entries on the board }
--          when the user is not on this board.
local total = redis.call('ZCARD', KEYS[1])
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then
  return { total }
end
-- Every stored standing starts "composite|member|".
local member = string.match(v, '^[^|]*|([^|]*)|')
local rank = member and redis.call('ZRANK', KEYS[1], member)
if not rank then
  return { total }
end
return { total, rank, v }
