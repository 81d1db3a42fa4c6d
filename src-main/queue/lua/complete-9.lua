--[[
  Completes held jobs and applies the completed retention rule once.
  ARGV[3..] triples of id, token ('' to accept the current one), result JSON
  Returns one code per job: 1 completed, -3 no job, -4 lease not held.
]]
local now = nowMs()
local out = {}
for i = 3, #ARGV, 3 do
  local id, token = ARGV[i], ARGV[i + 1]
  local key = JOB .. id
  local r = redis.call('HMGET', key, 'state', 'tok', 'att')
  if not r[1] then
    out[#out + 1] = -3
  elseif r[1] ~= 'active' or (token ~= '' and r[2] ~= token) then
    out[#out + 1] = -4
  else
    redis.call('ZREM', K_ACTIVE, id)
    endAttempt(id, r[3], 'completed', now, nil, nil)
    redis.call('ZADD', K_COMPLETED, now, id)
    redis.call('HSET', key, 'state', 'completed', 'fin', now, 'res', ARGV[i + 2])
    emit('e', 'completed', 'j', id, 'a', r[3])
    out[#out + 1] = 1
  end
end
retention('completed', now)
return out
