--[[
  Fails the current attempt of held jobs. A job with retries left is delayed
  by the queue's backoff; one without (or not retryable) goes to dead; one
  whose cancel was requested, or that failed because it was cancelled, ends cancelled.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] delayed, KEYS[4] active, KEYS[5] dead,
  KEYS[6] cancelled, KEYS[7] marker, KEYS[8] events
  ARGV[3..] groups of 6: id, token (the attempt's own; '' is never held), error, stack,
    retryable (1/0), outcome (failed, crashed, timeout, out_of_memory, cancelled, …)
  Returns one value per job: 'delayed' | 'waiting' | 'dead' | 'cancelled', or JOB_NOT_FOUND / LEASE_LOST.
]]
local kMeta, kWait, kDelayed, kActive, kDead, kCancelled, kMarker, kEvents =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local read, bad = readJobs(ARGV, 3, 6, 'state', 'tok', 'att', 'cxl', 'prio', 'rb', 'par', 'lc', unpack(MX_READ))
if not read then return bad end
local now = nowMs()
local b = redis.call('HMGET', kMeta, 'backoff_type', 'backoff_delay', 'backoff_max')
local out = {}
local anyDead, anyRetry = false, false
local mx = {} -- metrics history (metrics.lua)
for i = 3, #ARGV, 6 do
  local id, token, err, stk, retryable, outcome = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  local key = JOB .. id
  local r = read[(i - 3) / 6 + 1]
  if not r[1] then
    out[#out + 1] = JOB_NOT_FOUND
  elseif not holdsLease(r, token) then
    out[#out + 1] = LEASE_LOST
  else
    local att = tonumber(r[3]) or 0
    metricsJob(mx, id, att, (r[4] == '1' or outcome == 'cancelled') and 'x' or (retryable == '1' and retriesLeft(id, att) > 0) and 'r' or 'd', now, r, 9)
    redis.call('ZREM', kActive, id)
    if r[8] then limitsDone(kMeta, id, r[8]) end
    endAttempt(id, att, outcome, now, err, stk)
    redis.call('HSET', key, 'err', err)
    if stk ~= '' then redis.call('HSET', key, 'stk', stk) end
    emit(kEvents, 'e', 'failed', 'j', id, 'a', att, 'err', err, 'why', outcome)
    if r[4] == '1' or outcome == 'cancelled' then
      redis.call('ZADD', kCancelled, now, id)
      redis.call('HSET', key, 'state', 'cancelled', 'fin', now, 'why', 'cancelled')
      emit(kEvents, 'e', 'cancelled', 'j', id)
      if r[7] then flowFinal(id, 'cancelled', err, now) end -- flows
      out[#out + 1] = 'cancelled'
    elseif retryable == '1' and retriesLeft(id, att) > 0 then
      local k = att - (tonumber(r[6]) or 0)
      local delay = tonumber(b[2]) or 0
      if b[1] == 'exponential' then delay = delay * 2 ^ (k - 1) end
      delay = math.min(delay, tonumber(b[3]) or delay)
      emit(kEvents, 'e', 'retrying', 'j', id, 'a', att, 'd', delay)
      if delay > 0 then
        redis.call('ZADD', kDelayed, now + delay, id)
        redis.call('HSET', key, 'state', 'delayed', 'run', now + delay)
        out[#out + 1] = 'delayed'
      else
        pushWaiting(kMeta, kWait, id, tonumber(r[5]) or 0)
        out[#out + 1] = 'waiting'
      end
      anyRetry = true
    else
      toDead(kDead, kEvents, id, retryable == '1' and outcome or 'not_retryable', now, err, stk)
      anyDead = true
      out[#out + 1] = 'dead'
    end
  end
end
-- Blocked consumers compute their wait from the next due time: wake them to re-read it.
metricsFlush(mx, kMeta, now)
if anyRetry then wake(kMarker) end
if anyDead then retention(kMeta, kDead, 'dead', now) end
return out
