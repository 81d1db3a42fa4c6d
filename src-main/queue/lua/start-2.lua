--[[
  Records that a worker started the current attempt of held jobs.
  KEYS[1] active, KEYS[2] events
  Typed before the first write: active
  ARGV[3..] triples of id, token (the attempt's own; '' is never held), worker id
  Returns one value per job: the attempt number, or JOB_NOT_FOUND,
  LEASE_LOST (stale, expired, or started by another worker).
]]
local kActive, kEvents = KEYS[1], KEYS[2]
-- Attempt 1's worker and start guessed into the read (by far the most common): no call of their own.
local read, bad = readJobs(ARGV, 3, #ARGV, 3, 'state', 'tok', 'att', 'a:1:worker', 'a:1:started')
if not read then return bad end
local now = nowMs()
local out = {}
for i = 3, #ARGV, 3 do
  local id, token, worker = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = JOB .. id
  local r = read[(i - 3) / 3 + 1]
  local deadline = redis.call('ZSCORE', kActive, id)
  if not r[1] then
    out[#out + 1] = JOB_NOT_FOUND
  elseif not holdsLease(r, token) or not deadline or tonumber(deadline) < now then
    out[#out + 1] = LEASE_LOST
  else
    local p = 'a:' .. r[3] .. ':'
    local started = r[3] == '1' and { r[4], r[5] } or redis.call('HMGET', key, p .. 'worker', p .. 'started')
    if started[2] and started[1] ~= worker then
      out[#out + 1] = LEASE_LOST
    else
      redis.call('HSET', key, p .. 'worker', worker, p .. 'started', now)
      emit(kEvents, 'e', 'started', 'j', id, 'a', r[3], 'w', worker)
      out[#out + 1] = tonumber(r[3]) or 0
    end
  end
end
return out
