--[[
  Deletes waiting and delayed jobs, a batch per call (running jobs finish),
  those waiting in group sets (limits.lua) included.
  KEYS[1] wait, KEYS[2] delayed, KEYS[3] events
  ARGV[3] batch size
  Returns the number deleted in this call.
]]
local kWait, kDelayed, kEvents = KEYS[1], KEYS[2], KEYS[3]
local limit = tonumber(ARGV[3])
-- The group keys share the queue's base (`…wait` less its name); all are checked before the first write.
local base = string.sub(kWait, 1, -5)
local kMeta = base .. 'meta'
local bad = checkKeys({ kMeta }) or limitsCheck(kMeta)
if bad then return bad end
local groups, badSet = limitsGroupSets(base)
if not groups then return badSet end
local removed = 0
for _, set in ipairs({ kWait, kDelayed }) do
  local ids = redis.call('ZRANGE', set, 0, limit - removed - 1)
  -- DEL takes a key of any type: a malformed job key goes too.
  deleteJobs(ids)
  if #ids > 0 then redis.call('ZREM', set, unpack(ids)) end
  removed = removed + #ids
  if removed >= limit then break end
end
if removed < limit then removed = removed + limitsDrain(base, groups, limit - removed) end
if removed > 0 then emit(kEvents, 'e', 'drained', 'n', removed) end
return removed
