--[[
  Moves a leased job whose stored data cannot be used to dead with reason
  'malformed'; the raw value stays on the job for inspection.
  ARGV[3] id, ARGV[4] what is wrong
  Returns 1, or -3 when the job is gone.
]]
local id = ARGV[3]
local key = JOB .. id
local att = redis.call('HGET', key, 'att')
if not att then return -3 end
local now = nowMs()
redis.call('ZREM', K_ACTIVE, id)
redis.call('ZREM', K_WAIT, id)
endAttempt(id, att, 'failed', now, ARGV[4], nil)
emit('e', 'malformed', 'j', id, 'why', ARGV[4])
toDead(id, 'malformed', now, ARGV[4], nil)
return 1
