-- Records finished attempts in their contest, once each: the round's counters, each member's
-- best attempt in the round, the live boards (all entrants, and every unit on the entrant's
-- path), the unit tallies, and the contest's cumulative standings. Idempotent per attempt and
-- independent of the order results arrive in, so a rebuild replays a contest in batches and
-- gets the state live recording produced.
--
-- KEYS[1]  the contest's base key "<prefix>:contest:{c:<contest id>}". Every key below is
--          built from it (scoring/keys.rs documents the names) and shares its hash tag, so a
--          batch runs on one cluster slot.
-- ARGV[1]  time to live of the contest's keys (ms), refreshed on every new record
-- ARGV[2]  largest score the board encoding holds
-- ARGV[3…] 12 values per result: round id, attempt id, user id, composite, member, perfect
--          (0|1), score, max score, time used (ms), finished at (ms), unit path (unit ids,
--          root first, comma-joined), display name
--
-- Returns  { newly recorded (0|1), became the round best (0|1) } per result, flattened.
--
-- Stored values: best  "composite|member|attempt|score|max|time|finished|path|name"
--                total "composite|member|score|time|finished|path|name"
-- The name comes last so it may hold any character.
local base = KEYS[1]
local ttl = ARGV[1]
local max_score = tonumber(ARGV[2])
local max_time = 4294967295
local touched = {}

local function key(suffix)
  local k = base .. ':' .. suffix
  touched[k] = true
  return k
end

local function split(path)
  local ids = {}
  for id in string.gmatch(path, '[^,]+') do
    ids[#ids + 1] = id
  end
  return ids
end

local function parse_best(v)
  local c, m, a, s, mx, t, f, p, n =
    string.match(v, '^(%d+)|([^|]*)|([^|]*)|(%-?%d+)|(%-?%d+)|(%-?%d+)|(%-?%d+)|([^|]*)|(.*)$')
  return { composite = tonumber(c), member = m, attempt = a, score = tonumber(s),
           time = tonumber(t), finished = tonumber(f), path = p, name = n }
end

local function parse_total(v)
  local c, m, s, t, f, p, n =
    string.match(v, '^(%d+)|([^|]*)|(%-?%d+)|(%-?%d+)|(%-?%d+)|([^|]*)|(.*)$')
  return { composite = c, member = m, score = tonumber(s), time = tonumber(t),
           finished = tonumber(f), path = p, name = n }
end

-- Takes an entry off a board family (`prefix` "r:<round>:" or "") and out of its unit tallies.
local function leave(prefix, path, member, score)
  local units = key(prefix .. 'units')
  redis.call('ZREM', key(prefix .. 'board'), member)
  for _, u in ipairs(split(path)) do
    redis.call('ZREM', key(prefix .. 'board:' .. u), member)
    redis.call('HINCRBY', units, 'p:' .. u, -1)
    -- '%d' because Redis refuses the '-0' that -0 would print as.
    redis.call('HINCRBY', units, 's:' .. u, string.format('%d', -score))
  end
end

local function enter(prefix, path, composite, member, score)
  local units = key(prefix .. 'units')
  redis.call('ZADD', key(prefix .. 'board'), composite, member)
  for _, u in ipairs(split(path)) do
    redis.call('ZADD', key(prefix .. 'board:' .. u), composite, member)
    redis.call('HINCRBY', units, 'p:' .. u, 1)
    redis.call('HINCRBY', units, 's:' .. u, string.format('%d', score))
  end
end

-- The user's standing over the contest: the sum of their best in every round, the latest of
-- those finishes, and the unit path and name of that latest best (so the result does not
-- depend on the order results arrive in; scoring/image.rs computes the same).
local function retotal(user)
  local score, time, finished, path, name = 0, 0, -1, '', ''
  for _, r in ipairs(redis.call('SMEMBERS', key('rounds'))) do
    local v = redis.call('HGET', key('r:' .. r .. ':best'), user)
    if v then
      local b = parse_best(v)
      score = score + b.score
      time = time + b.time
      if b.finished > finished
        or (b.finished == finished and b.path .. '|' .. b.name > path .. '|' .. name) then
        finished, path, name = b.finished, b.path, b.name
      end
    end
  end
  local totals = key('total')
  local old = redis.call('HGET', totals, user)
  if old then
    local o = parse_total(old)
    leave('', o.path, o.member, o.score)
  else
    redis.call('HINCRBY', key('counters'), 'participants', 1)
  end
  local clamped = math.max(0, math.min(score, max_score))
  local composite = string.format('%d', (max_score - clamped) * 4294967296
    + math.max(0, math.min(time, max_time)))
  local member = string.format('%013d', finished) .. ':' .. user
  enter('', path, composite, member, score)
  redis.call('HSET', totals, user, composite .. '|' .. member .. '|' .. string.format('%d', score)
    .. '|' .. string.format('%d', time) .. '|' .. string.format('%d', finished) .. '|' .. path
    .. '|' .. name)
end

local out = {}
local i = 3
while i <= #ARGV do
  local round, attempt, user = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local composite, member, perfect = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  local score, max, time, finished = ARGV[i + 6], ARGV[i + 7], ARGV[i + 8], ARGV[i + 9]
  local path, name = ARGV[i + 10], ARGV[i + 11]
  i = i + 12
  local r = 'r:' .. round .. ':'
  if redis.call('SADD', key(r .. 'recorded'), attempt) == 0 then
    out[#out + 1] = 0
    out[#out + 1] = 0
  else
    redis.call('SADD', key('rounds'), round)
    local counters = key(r .. 'counters')
    redis.call('HINCRBY', counters, 'finished_attempts', 1)
    if perfect == '1' then
      redis.call('HINCRBY', counters, 'perfect_attempts', 1)
      if redis.call('SADD', key(r .. 'perfect'), user) == 1 then
        redis.call('HINCRBY', counters, 'perfect_participants', 1)
      end
    end
    local bests = key(r .. 'best')
    local better = true
    local old = redis.call('HGET', bests, user)
    if old then
      local o = parse_best(old)
      -- Same user on both sides, so the members differ only in their finish-time prefix;
      -- compare it as a number. An exact tie keeps the one recorded first.
      local c, f = tonumber(composite), tonumber(string.sub(member, 1, 13))
      better = c < o.composite or (c == o.composite and f < o.finished)
      if better then
        leave(r, o.path, o.member, o.score)
      end
    else
      redis.call('HINCRBY', counters, 'participants', 1)
    end
    if better then
      enter(r, path, composite, member, tonumber(score))
      redis.call('HSET', bests, user, composite .. '|' .. member .. '|' .. attempt .. '|' .. score
        .. '|' .. max .. '|' .. time .. '|' .. finished .. '|' .. path .. '|' .. name)
      retotal(user)
    end
    out[#out + 1] = 1
    out[#out + 1] = better and 1 or 0
  end
end
for k in pairs(touched) do
  redis.call('PEXPIRE', k, ttl)
end
return out
