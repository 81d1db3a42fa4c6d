--[[
  Moves a delayed job to waiting now (an operator's "run now").
  ARGV[3] id
  Returns 1, or -3 (no job), -5 (not delayed).
]]
local id = ARGV[3]
local key = JOB .. id
local r = redis.call('HMGET', key, 'state', 'prio')
if not r[1] then return -3 end
if r[1] ~= 'delayed' then return -5 end
redis.call('ZREM', K_DELAYED, id)
redis.call('HDEL', key, 'run')
pushWaiting(id, tonumber(r[2]) or 0)
emit('e', 'promoted', 'j', id)
wake()
return 1
