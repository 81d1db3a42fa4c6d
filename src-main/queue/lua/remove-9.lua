--[[
  Deletes a job that is not running, with its logs.
  ARGV[3] id
  Returns 1, or -3 (no job), -5 (active: cancel it first).
]]
local id = ARGV[3]
local state = redis.call('HGET', JOB .. id, 'state')
if not state then return -3 end
if state == 'active' then return -5 end
local sets = { waiting = K_WAIT, delayed = K_DELAYED, completed = K_COMPLETED, dead = K_DEAD, cancelled = K_CANCELLED }
if sets[state] then redis.call('ZREM', sets[state], id) end
deleteJobs({ id })
emit('e', 'removed', 'j', id)
return 1
