--[[
  Cancels a job (an operator's verb): a waiting, delayed or waiting-children one
  (its pending flow children with it, flows.lua) ends cancelled
  at once; an active one gets a cancel request that its worker honours (its
  abort signal fires).
  KEYS[1] wait, KEYS[2] delayed, KEYS[3] cancelled, KEYS[4] events
  ARGV[3] id
  Returns 'cancelled' | 'cancel_requested', or JOB_NOT_FOUND, INVALID_STATE (already final).
]]
local kWait, kDelayed, kCancelled, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id = ARGV[3]
local key = JOB .. id
local r, bad = readJob(id, 'state', 'par')
if not r then return bad end
local state = r[1]
if not state then return JOB_NOT_FOUND end
local now = nowMs()
if state == 'active' then
  redis.call('HSET', key, 'cxl', '1')
  emit(kEvents, 'e', 'cancel_requested', 'j', id)
  return 'cancel_requested'
end
if state == 'waiting' then
  redis.call('ZREM', kWait, id)
elseif state == 'delayed' then
  redis.call('ZREM', kDelayed, id)
elseif state == 'waiting-children' then
  flowCancelChildren(id, now) -- flows: its pending children are cancelled too
else
  return INVALID_STATE
end
redis.call('ZADD', kCancelled, now, id)
redis.call('HSET', key, 'state', 'cancelled', 'fin', now, 'why', 'cancelled')
emit(kEvents, 'e', 'cancelled', 'j', id)
if r[2] then flowFinal(id, 'cancelled', 'cancelled', now) end -- flows
return 'cancelled'
