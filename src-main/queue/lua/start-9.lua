--[[
  Records that a worker started the current attempt of held jobs.
  ARGV[3..] triples of id, token ('' to accept the current one), worker id
  Returns one value per job: the attempt number, or -3 (no job),
  -4 (lease not held: stale, expired, or started by another worker).
]]
local now = nowMs()
local out = {}
for i = 3, #ARGV, 3 do
  local id, token, worker = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = JOB .. id
  local r = redis.call('HMGET', key, 'state', 'tok', 'att')
  local deadline = redis.call('ZSCORE', K_ACTIVE, id)
  if not r[1] then
    out[#out + 1] = -3
  elseif r[1] ~= 'active' or (token ~= '' and r[2] ~= token) or not deadline or tonumber(deadline) < now then
    out[#out + 1] = -4
  else
    local p = 'a:' .. r[3] .. ':'
    local started = redis.call('HMGET', key, p .. 'worker', p .. 'started')
    if started[2] and started[1] ~= worker then
      out[#out + 1] = -4
    else
      redis.call('HSET', key, p .. 'worker', worker, p .. 'started', now)
      emit('e', 'started', 'j', id, 'a', r[3], 'w', worker)
      out[#out + 1] = tonumber(r[3]) or 0
    end
  end
end
return out
