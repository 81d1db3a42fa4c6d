--[[
  Cancels a job: a waiting or delayed one ends cancelled at once; an active
  one gets a cancel request that its worker honours (its abort signal fires).
  ARGV[3] id
  Returns 'cancelled' | 'cancel_requested', or -3 (no job), -5 (already final).
]]
local id = ARGV[3]
local key = JOB .. id
local state = redis.call('HGET', key, 'state')
if not state then return -3 end
local now = nowMs()
if state == 'active' then
  redis.call('HSET', key, 'cxl', '1')
  emit('e', 'cancel_requested', 'j', id)
  return 'cancel_requested'
end
if state == 'waiting' then
  redis.call('ZREM', K_WAIT, id)
elseif state == 'delayed' then
  redis.call('ZREM', K_DELAYED, id)
else
  return -5
end
redis.call('ZADD', K_CANCELLED, now, id)
redis.call('HSET', key, 'state', 'cancelled', 'fin', now, 'why', 'cancelled')
emit('e', 'cancelled', 'j', id)
return 'cancelled'
