--[[
  Hands leases back without spending an attempt (graceful shutdown, or jobs
  that shared a thread with one that had to be killed): active -> waiting.
  ARGV[3..] pairs of id, token ('' for the current one)
  Returns one code per job: 1 released, -3 no job, -4 lease not held.
]]
local now = nowMs()
local out = {}
for i = 3, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local key = JOB .. id
  local r = redis.call('HMGET', key, 'state', 'tok', 'att', 'prio')
  if not r[1] then
    out[#out + 1] = -3
  elseif r[1] ~= 'active' or (token ~= '' and r[2] ~= token) then
    out[#out + 1] = -4
  else
    redis.call('ZREM', K_ACTIVE, id)
    endAttempt(id, r[3], 'released', now, nil, nil)
    -- The attempt stays in the history but does not count against retries.
    redis.call('HINCRBY', key, 'rb', 1)
    pushWaiting(id, tonumber(r[4]) or 0)
    emit('e', 'retrying', 'j', id, 'a', r[3], 'why', 'released')
    out[#out + 1] = 1
  end
end
if #out > 0 then wake() end
return out
