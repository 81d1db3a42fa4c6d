--[[
  Fails the current attempt of held jobs. A job with retries left is delayed
  by the queue's backoff; one without (or not retryable) goes to dead; one
  whose cancel was requested, or that failed because it was cancelled, ends cancelled.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] delayed, KEYS[4] active, KEYS[5] dead,
  KEYS[6] cancelled, KEYS[7] marker, KEYS[8] events
  ARGV[3..] groups of 6: id, token (the attempt's own; '' is never held), error, stack,
    retryable (1/0), outcome (failed, crashed, timeout, out_of_memory, cancelled, …)
  Returns one value per job: 'delayed' | 'waiting' | 'dead' | 'cancelled', or JOB_NOT_FOUND / LEASE_LOST;
  then 'flow' when the outbox has an entry to apply now (a flow job ended, a parent was trimmed; flows.lua).
]]
local kMeta, kWait, kDelayed, kActive, kDead, kCancelled, kMarker, kEvents =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local read, bad = readJobs(ARGV, 3, #ARGV, 6, 'state', 'tok', 'att', 'cxl', 'prio', 'rb', 'par', 'lc', 'mr', unpack(MX_READ))
if not read then return bad end
local now = nowMs()
local b = redis.call('HMGET', kMeta, 'backoff_type', 'backoff_delay', 'backoff_max')
local out = {}
-- Ids leaving active, and (score, id) pairs for the sets they go to: one command per set and call.
local ended, dead, cancelled, delayed = {}, {}, {}, {}
local anyRetry, flowed = false, false
local mx = {} -- metrics history (metrics.lua)
local function addAll(list, ...)
  local n = #list
  for k = 1, select('#', ...) do list[n + k] = (select(k, ...)) end
end

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
    -- Attempts before the last manual retry (rb) do not count, and the first attempt is not a retry.
    local retry = retryable == '1' and (tonumber(r[9]) or 0) - (att - (tonumber(r[6]) or 0) - 1) > 0
    local isCancel = r[4] == '1' or outcome == 'cancelled'
    metricsJob(mx, id, att, isCancel and 'x' or retry and 'r' or 'd', now, r, 10)
    ended[#ended + 1] = id
    if r[8] then limitsDone(kMeta, id, r[8]) end
    -- The attempt's end (common.lua's endAttempt) and the job's error, with where it goes, in one write.
    local p = 'a:' .. att .. ':'
    local h = { p .. 'ended', now, p .. 'outcome', outcome, p .. 'error', err, 'err', err, 'tok', '' }
    if stk ~= '' then addAll(h, p .. 'stack', stk, 'stk', stk) end
    -- One entry per event: events.ts reads batched entries of the lease and complete events only.
    emit(kEvents, 'e', 'failed', 'j', id, 'a', att, 'err', err, 'why', outcome)
    if isCancel then
      addAll(h, 'state', 'cancelled', 'fin', now, 'why', 'cancelled')
      redis.call('HSET', key, unpack(h))
      addAll(cancelled, now, id)
      emit(kEvents, 'e', 'cancelled', 'j', id)
      if r[7] then flowed = flowNotify(id, r[7], 'cancelled', err, now) or flowed end -- flows
      out[#out + 1] = 'cancelled'
    elseif retry then
      local k = att - (tonumber(r[6]) or 0)
      local delay = tonumber(b[2]) or 0
      if b[1] == 'exponential' then delay = delay * 2 ^ (k - 1) end
      delay = math.min(delay, tonumber(b[3]) or delay)
      emit(kEvents, 'e', 'retrying', 'j', id, 'a', att, 'd', delay)
      if delay > 0 then
        addAll(h, 'state', 'delayed', 'run', now + delay)
        redis.call('HSET', key, unpack(h))
        addAll(delayed, now + delay, id)
        out[#out + 1] = 'delayed'
      else
        redis.call('HSET', key, unpack(h))
        pushWaiting(kMeta, kWait, id, tonumber(r[5]) or 0)
        out[#out + 1] = 'waiting'
      end
      anyRetry = true
    else
      -- common.lua's toDead, its writes merged with the ones above.
      local why = retryable == '1' and outcome or 'not_retryable'
      addAll(h, 'state', 'dead', 'fin', now, 'why', why)
      redis.call('HSET', key, unpack(h))
      addAll(dead, now, id)
      emit(kEvents, 'e', 'dead', 'j', id, 'why', why)
      if r[7] then flowed = flowNotify(id, r[7], 'dead', err, now) or flowed end -- flows: tell the parent
      out[#out + 1] = 'dead'
    end
  end
end
for i = 1, #ended, 1000 do
  redis.call('ZREM', kActive, unpack(ended, i, math.min(i + 999, #ended)))
end
for set, list in pairs({ [kDead] = dead, [kCancelled] = cancelled, [kDelayed] = delayed }) do
  for i = 1, #list, 2000 do
    redis.call('ZADD', set, unpack(list, i, math.min(i + 1999, #list)))
  end
end
metricsFlush(mx, kMeta, now)
-- Blocked consumers compute their wait from the next due time: wake them to re-read it.
if anyRetry then wake(kMarker) end
if #dead > 0 then retention(kMeta, kDead, 'dead', now) end
if flowed or flowTrimWrote then out[#out + 1] = 'flow' end
return out
