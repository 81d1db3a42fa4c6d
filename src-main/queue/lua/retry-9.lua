--[[
  Sends dead or cancelled jobs back to waiting with a fresh retry budget; their
  attempt history is kept.
  ARGV[3] id ('' for a batch), ARGV[4] state of the batch ('dead' | 'cancelled'),
  ARGV[5] batch size
  Returns the number of jobs moved, or -3 (no job), -5 (job not dead or cancelled).
]]
local function revive(id, from)
  local key = JOB .. id
  local r = redis.call('HMGET', key, 'att', 'prio')
  redis.call('ZREM', from, id)
  redis.call('HSET', key, 'rb', r[1] or 0)
  redis.call('HDEL', key, 'fin', 'why', 'cxl', 'err', 'stk', 'res')
  pushWaiting(id, tonumber(r[2]) or 0)
  emit('e', 'retrying', 'j', id, 'why', 'manual')
end

local moved = 0
if ARGV[3] ~= '' then
  local state = redis.call('HGET', JOB .. ARGV[3], 'state')
  if not state then return -3 end
  if state ~= 'dead' and state ~= 'cancelled' then return -5 end
  revive(ARGV[3], state == 'dead' and K_DEAD or K_CANCELLED)
  moved = 1
else
  local from = ARGV[4] == 'dead' and K_DEAD or K_CANCELLED
  local ids = redis.call('ZRANGE', from, 0, tonumber(ARGV[5]) - 1)
  for i = 1, #ids do revive(ids[i], from) end
  moved = #ids
end
if moved > 0 then wake() end
return moved
