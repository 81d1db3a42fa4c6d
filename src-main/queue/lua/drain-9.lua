--[[
  Deletes waiting and delayed jobs, a batch per call (running jobs finish).
  ARGV[3] batch size
  Returns the number deleted in this call.
]]
local limit = tonumber(ARGV[3])
local removed = 0
for _, set in ipairs({ K_WAIT, K_DELAYED }) do
  local ids = redis.call('ZRANGE', set, 0, limit - removed - 1)
  deleteJobs(ids)
  if #ids > 0 then redis.call('ZREM', set, unpack(ids)) end
  removed = removed + #ids
  if removed >= limit then break end
end
if removed > 0 then emit('e', 'drained', 'n', removed) end
return removed
