--[[
  Completes held jobs and applies the completed retention rule once.
  ARGV[3..] triples of id, token ('' to accept the current one), result JSON
  Returns one code per job: 1 completed, -3 no job, -4 lease not held.
]]
local now = nowMs()
local out = {}
local done = {}
local finished = {}
local events = newEvents('e', 'completed')
for i = 3, #ARGV, 3 do
  local id, token = ARGV[i], ARGV[i + 1]
  local key = JOB .. id
  local r = redis.call('HMGET', key, 'state', 'tok', 'att')
  if not r[1] then
    out[#out + 1] = -3
  elseif r[1] ~= 'active' or (token ~= '' and r[2] ~= token) then
    out[#out + 1] = -4
  else
    -- The last attempt's end and outcome are the job's own (fin, completed), not stored twice:
    -- every field of a kept job costs Redis memory and time (job-codec.ts fills them in).
    redis.call('HSET', key, 'state', 'completed', 'fin', now, 'res', ARGV[i + 2], 'tok', '')
    addEvent(events, id, 'a', r[3])
    done[#done + 1] = id
    finished[#finished + 1] = now
    finished[#finished + 1] = id
    out[#out + 1] = 1
  end
end
flushEvents(events)
for i = 1, #done, 1000 do
  redis.call('ZREM', K_ACTIVE, unpack(done, i, math.min(i + 999, #done)))
  redis.call('ZADD', K_COMPLETED, unpack(finished, 2 * i - 1, math.min(2 * i + 1998, #finished)))
end
retention('completed', now)
return out
