--[[
  Heartbeat: pushes the lease deadline of each held job to now + lease_ms.
  KEYS[1] meta, KEYS[2] active
  Typed before the first write: meta, active
  (active by the first write itself, ZADD XX: on a key of another type it fails, and the call, having written nothing)
  ARGV[3..] pairs of id, token (the attempt's own; '' is never held)
  Returns per job: {deadline, cancel requested (0/1)} flattened; deadline
  LEASE_LOST when the lease is not held (the job stalled, was removed or
  re-leased).
]]
local kMeta, kActive = KEYS[1], KEYS[2]
local read, bad = readJobs(ARGV, 3, #ARGV, 2, 'state', 'tok', 'cxl', 'att')
if not read then return bad end
local leaseMs = tonumber(redis.call('HGET', kMeta, 'lease_ms') or '30000')
local now = nowMs()
local out = {}
for i = 3, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local r = read[(i - 3) / 2 + 1]
  -- XX: only a job still in active; CH answers 1 when its deadline moved, so the usual heartbeat needs no
  -- ZSCORE first. 0 is also a deadline set already in this very ms: then ZSCORE tells.
  if holdsLease(r, token) and (redis.call('ZADD', kActive, 'XX', 'CH', now + leaseMs, id) == 1 or redis.call('ZSCORE', kActive, id)) then
    redis.call('HSET', JOB .. id, 'a:' .. r[4] .. ':hb', now)
    out[#out + 1] = now + leaseMs
    out[#out + 1] = r[3] == '1' and 1 or 0
  else
    out[#out + 1] = LEASE_LOST
    out[#out + 1] = 0
  end
end
return out
