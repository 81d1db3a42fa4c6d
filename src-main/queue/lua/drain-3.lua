--[[
  Deletes waiting and delayed jobs, a batch per call (running jobs finish).
  KEYS[1] wait, KEYS[2] delayed, KEYS[3] events
  ARGV[3] batch size
  Returns the number deleted in this call.
]]
local kWait, kDelayed, kEvents = KEYS[1], KEYS[2], KEYS[3]
local limit = tonumber(ARGV[3])
local removed = 0
for _, set in ipairs({ kWait, kDelayed }) do
  local ids = redis.call('ZRANGE', set, 0, limit - removed - 1)
  -- DEL takes a key of any type: a malformed job key goes too.
  deleteJobs(ids)
  if #ids > 0 then redis.call('ZREM', set, unpack(ids)) end
  removed = removed + #ids
  if removed >= limit then break end
end
if removed > 0 then emit(kEvents, 'e', 'drained', 'n', removed) end
return removed
