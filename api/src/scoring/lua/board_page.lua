-- Reads one page of a board with each line's stored standing, in one consistent step.
--
-- KEYS[1]  sorted set: the board
-- KEYS[2]  hash: user id -> stored standing (a round's bests or a contest's totals)
-- ARGV[1]  offset (0-based)
-- ARGV[2]  how many
--
-- Returns  { entries on the board, member 1, standing 1, member 2, standing 2, … }
local total = redis.call('ZCARD', KEYS[1])
local out = { total }
local limit = tonumber(ARGV[2])
if limit <= 0 then
  return out
end
local offset = tonumber(ARGV[1])
local members = redis.call('ZRANGE', KEYS[1], offset, offset + limit - 1)
for _, member in ipairs(members) do
  -- A member is "<finished at, 13 digits>:<user id>".
  out[#out + 1] = member
  out[#out + 1] = redis.call('HGET', KEYS[2], string.sub(member, 15)) or ''
end
return out
