--[[
  Leases up to n jobs: promotes due delayed jobs, recovers expired leases,
  then moves the next waiting jobs to active with a fresh lease token.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] delayed, KEYS[4] active, KEYS[5] dead,
  KEYS[6] marker, KEYS[7] events
  Typed before the first write: meta, delayed
  ARGV[3] n, ARGV[4] worker id ('' if unknown yet),
  ARGV[5] '1' to also record the attempts as started by that worker (a pool
          that runs what it leases at once saves a round trip and an event)
  Returns {paused, ms until the next timer (a delayed job falls due or a lease
           expires; -1 if none), more waiting (0/1), s ids skipped, the lease time (ms),
           then 10 values per job: id, message, attempt, max retries, timeout (nil if none),
           token, deadline, trace context (nil if none), and what its wait counts from: its
           enqueue time (or, for a retry, its previous attempt's end) and its due time (nil
           if none); the adapter takes the later, and sends the wait back with the
           completion as part of the batch's history (metrics.lua). Numbers are integer
           replies and absent values nil where the script has them as such: a bulk string
           costs the client a buffer and a string per value.
           then s pairs: id, why it was skipped (it ended dead, or had no hash)}
  or {QUEUE_NOT_FOUND}.
]]
local kMeta, kWait, kDelayed, kActive, kDead, kMarker, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local n = tonumber(ARGV[3])
local worker = ARGV[4]
local start = ARGV[5] == '1' and worker ~= ''
local meta = redis.call('HMGET', kMeta, 'lease_ms', 'paused', 'lim')
if not meta[1] then return {QUEUE_NOT_FOUND} end
-- Limits or groups in use (limits.lua): checked before the first write.
if meta[3] then
  local bad = limitsCheck(kMeta)
  if bad then return bad end
end
local leaseMs = tonumber(meta[1]) or 30000
local now = nowMs()

-- The earliest score of a timer set: when its first delayed job falls due, or its first lease expires.
local function firstDue(set)
  local first = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')
  return first[2] and tonumber(first[2])
end

-- Housekeeping only when something is due: most leases find nothing to promote or recover.
local delayedDue = firstDue(kDelayed)
if delayedDue and delayedDue <= now then
  promoteDelayed(kMeta, kWait, kDelayed, kDead, kEvents, now, 1000)
  delayedDue = firstDue(kDelayed)
end
local leaseDue = firstDue(kActive)
if leaseDue and leaseDue <= now then
  recoverStalled(kMeta, kWait, kActive, kDead, kMarker, kEvents, now, 100)
  leaseDue = firstDue(kActive)
end

local out = {0, -1, 0, 0, now}
-- Blocked consumers must wake for these even when nobody enqueues (0: more are due already).
for _, due in ipairs({ delayedDue or false, leaseDue or false }) do
  if due then
    local ms = math.max(due - now, 0)
    if out[2] < 0 or ms < out[2] then out[2] = ms end
  end
end
if meta[2] == '1' then
  out[1] = 1
  return out
end

local L = meta[3] and limitsOpen(kMeta, kWait, now)
local deadline = now + leaseMs
local active = {}
local leased = 0
local skipped = {}
local mx -- metrics history of jobs that end dead here, malformed (metrics.lua); made when there is one
local events = start and newEvents(kMeta, kEvents, 'e', 'started', 'w', worker) or newEvents(kMeta, kEvents, 'e', 'leased')
-- Skipped (malformed) ids do not count: keep popping until n are leased or none wait.
local drained = false
while leased < n and not drained do
  local popped = L and limitsPop(L, n - leased) or redis.call('ZPOPMIN', kWait, n - leased)
  -- Fewer than asked: the set is empty now, no need to ask it again.
  drained = #popped / 2 < n - leased
  if #popped == 0 then break end
  -- Lease tokens for this slice, reserved as a range in one call.
  local token = redis.call('HINCRBY', kMeta, 'lseq', #popped / 2) - #popped / 2
  for i = 1, #popped, 2 do
    local id = popped[i]
    local key = JOB .. id
    token = token + 1
    local r = redis.pcall('HMGET', key, 'pl', 'mr', 'to', 'att', 'src', 'dst', 'state', 'tp', 'ts', 'run')
    if r.err then
      -- The job key holds another type: keep its raw value beside a dead record.
      deadMalformedKey(kDead, kEvents, id, now)
      mx = mx or {}
      metricsCount(mx, '', 'd')
      skipped[#skipped + 1] = id
      skipped[#skipped + 1] = 'job key is not a hash'
    elseif not r[7] then
      -- A waiting id without its job hash: nothing to run, nothing to keep.
      emit(kEvents, 'e', 'malformed', 'j', id, 'why', 'missing job hash')
      skipped[#skipped + 1] = id
      skipped[#skipped + 1] = 'missing job hash'
    elseif not (r[1] and r[5] and r[6]) then
      -- A job hash without its message: nothing to run; the record stays, dead, for inspection.
      local why = 'job hash has no message (src, dst, pl)'
      emit(kEvents, 'e', 'malformed', 'j', id, 'why', why)
      toDead(kDead, kEvents, id, 'malformed', now, why, nil)
      mx = mx or {}
      metricsCount(mx, '', 'd')
      skipped[#skipped + 1] = id
      skipped[#skipped + 1] = why
    else
      local att = (tonumber(r[4]) or 0) + 1
      local p = 'a:' .. att .. ':'
      -- Under limits the job holds its slots until its attempt ends (lc, limits.lua), written with the lease in
      -- the same call; without, the call has no lc pair at all (a repeated field costs a lookup per job).
      if start then
        -- Leased and started at once: 'started' alone says both (job-codec.ts reads the lease time from it).
        if L then
          redis.call('HSET', key, 'state', 'active', 'att', att, 'tok', token, p .. 'worker', worker, p .. 'started', now, 'lc', L.from[id])
        else
          redis.call('HSET', key, 'state', 'active', 'att', att, 'tok', token, p .. 'worker', worker, p .. 'started', now)
        end
      elseif worker ~= '' then
        if L then
          redis.call('HSET', key, 'state', 'active', 'att', att, 'tok', token, p .. 'leased', now, p .. 'worker', worker, 'lc', L.from[id])
        else
          redis.call('HSET', key, 'state', 'active', 'att', att, 'tok', token, p .. 'leased', now, p .. 'worker', worker)
        end
      elseif L then
        redis.call('HSET', key, 'state', 'active', 'att', att, 'tok', token, p .. 'leased', now, 'lc', L.from[id])
      else
        redis.call('HSET', key, 'state', 'active', 'att', att, 'tok', token, p .. 'leased', now)
      end
      addEvent(events, id, 'a', att)
      active[#active + 1] = deadline
      active[#active + 1] = id
      local o = #out
      out[o + 1] = id
      -- The message as one JSON text again, from its three parts.
      out[o + 2] = '{"source":' .. r[5] .. ',"destination":' .. r[6] .. ',"payload":' .. r[1] .. '}'
      out[o + 3] = att
      out[o + 4] = tonumber(r[2]) or 0
      out[o + 5] = r[3] or false
      out[o + 6] = token
      out[o + 7] = deadline
      out[o + 8] = r[8] or false
      -- What the job's wait counts from (metrics.lua's mxWait: the latest of these), as stored: the adapter does the
      -- arithmetic (a number read from a hash costs a conversion here). A retry's is its previous attempt's end.
      out[o + 9] = att > 1 and redis.call('HGET', key, 'a:' .. (att - 1) .. ':ended') or r[9] or false
      out[o + 10] = r[10] or false
      leased = leased + 1
    end
  end
end
flushEvents(events)
if mx then metricsFlush(mx, kMeta, now) end
if L then limitsClose(L, out) end
for i = 1, #active, 1000 do
  redis.call('ZADD', kActive, unpack(active, i, math.min(i + 999, #active)))
end
-- Other blocked consumers may be waiting for what is left: pass the wake-up on.
if not drained and redis.call('ZCARD', kWait) > 0 then
  out[3] = 1
  wake(kMarker)
end
out[4] = #skipped / 2
for i = 1, #skipped do out[#out + 1] = skipped[i] end
return out
