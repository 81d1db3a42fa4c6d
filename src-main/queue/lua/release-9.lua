--[[
  Hands leases back without spending an attempt (graceful shutdown, or jobs
  that shared a thread with one that had to be killed): active -> waiting.
  ARGV[3..] triples of id, token ('' for the current one), reason (shutdown,
    prefetch_hold, neighbour_killed, resize, outage), kept on the attempt as
    a:<n>:why and on the event as r
  Returns one code per job: 1 released, -3 no job, -4 lease not held.
]]
local now = nowMs()
local out = {}
for i = 3, #ARGV, 3 do
  local id, token, why = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = JOB .. id
  local r = redis.call('HMGET', key, 'state', 'tok', 'att', 'prio')
  if not r[1] then
    out[#out + 1] = -3
  elseif r[1] ~= 'active' or (token ~= '' and r[2] ~= token) then
    out[#out + 1] = -4
  else
    redis.call('ZREM', K_ACTIVE, id)
    endAttempt(id, r[3], 'released', now, nil, nil)
    redis.call('HSET', key, 'a:' .. r[3] .. ':why', why)
    -- The attempt stays in the history but does not count against retries.
    redis.call('HINCRBY', key, 'rb', 1)
    pushWaiting(id, tonumber(r[4]) or 0)
    emit('e', 'retrying', 'j', id, 'a', r[3], 'why', 'released', 'r', why)
    out[#out + 1] = 1
  end
end
if #out > 0 then wake() end
return out
