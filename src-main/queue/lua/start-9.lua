--[[
  Records that a worker started the job's current attempt.
  ARGV[3] id, ARGV[4] token ('' to accept the current one), ARGV[5] worker id
  Returns {attempt} or -3 (no job), -4 (lease not held: stale, expired or another worker's).
]]
local id, token, worker = ARGV[3], ARGV[4], ARGV[5]
local key = JOB .. id
local r = redis.call('HMGET', key, 'state', 'tok', 'att')
if not r[1] then return -3 end
if r[1] ~= 'active' or (token ~= '' and r[2] ~= token) then return -4 end
local now = nowMs()
local deadline = redis.call('ZSCORE', K_ACTIVE, id)
if not deadline or tonumber(deadline) < now then return -4 end
local p = 'a:' .. r[3] .. ':'
local owner = redis.call('HGET', key, p .. 'worker')
if owner and owner ~= worker and redis.call('HEXISTS', key, p .. 'started') == 1 then return -4 end
redis.call('HSET', key, p .. 'worker', worker, p .. 'started', now, 'wk', worker)
emit('e', 'started', 'j', id, 'a', r[3], 'w', worker)
return tonumber(r[3])
