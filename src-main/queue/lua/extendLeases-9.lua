--[[
  Heartbeat: pushes the lease deadline of each held job to now + lease_ms.
  ARGV[3..] pairs of id, token
  Returns per job: {deadline, cancel requested (0/1)} flattened; deadline -4
  when the lease is no longer held (the job stalled, was removed or re-leased).
]]
local leaseMs = tonumber(redis.call('HGET', K_META, 'lease_ms') or '30000')
local now = nowMs()
local out = {}
for i = 3, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local key = JOB .. id
  local r = redis.call('HMGET', key, 'state', 'tok', 'cxl', 'att')
  if r[1] == 'active' and (token == '' or r[2] == token) and redis.call('ZSCORE', K_ACTIVE, id) then
    redis.call('ZADD', K_ACTIVE, 'XX', now + leaseMs, id)
    redis.call('HSET', key, 'a:' .. r[4] .. ':hb', now)
    out[#out + 1] = now + leaseMs
    out[#out + 1] = r[3] == '1' and 1 or 0
  else
    out[#out + 1] = -4
    out[#out + 1] = 0
  end
end
return out
