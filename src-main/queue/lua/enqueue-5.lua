--[[
  Adds one or more jobs, all or nothing.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] delayed, KEYS[4] marker, KEYS[5] events
  Typed before the first write: meta, wait, delayed
  ARGV[3] number of jobs, then 3 values per job: message, agent, options.
  The message is its source, destination and payload JSON joined by '\n'
  (JSON text never holds a raw one), stored as fields src, dst and pl, and
  optionally a trace context, stored as tp: small
  values keep a small job's hash a listpack. The agent is stored as ag, so
  the finishing scripts need not read the payload for it. Options:
    '' for all defaults, else 'priority|delay ms|max retries|timeout ms|group|id',
    each '' for its default (0, 0, the queue's, none, none, generated); the id comes
    last so that it may hold any byte, '|' included.
  Returns the ids, in order (an existing id is returned and nothing is added),
  or {QUEUE_NOT_FOUND} or {QUEUE_FULL, depth, limit}.
]]
local kMeta, kWait, kDelayed, kMarker, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local n = tonumber(ARGV[3])
local meta = redis.call('HMGET', kMeta, 'max_len', 'max_retries', 'gwn')
if not meta[1] then return {QUEUE_NOT_FOUND} end
local maxLen = tonumber(meta[1]) or 0

-- Options of the jobs that have some, by job index: {prio, delay, max retries, timeout, id}.
local opts = {}
local grouped = false
local fresh = 0
local exists = {}
for i = 0, n - 1 do
  local s = ARGV[6 + i * 3]
  local id = ''
  if s ~= '' then
    local prio, delay, mr, to, group
    prio, delay, mr, to, group, id = enqueueOptions(s)
    opts[i] = { prio, delay, mr, to, id, group }
    if opts[i][6] ~= '' then grouped = true end
  end
  -- A given id's key is read before the first write; a generated id is new by construction (meta seq).
  local t = id ~= '' and redis.call('TYPE', JOB .. id)['ok'] or 'none'
  if t == 'hash' then
    exists[i] = true
  elseif t == 'none' then
    fresh = fresh + 1
  else
    return wrongType(JOB .. id)
  end
end
-- A job with a group waits in its group's set (limits.lua): those keys are checked before the first write too.
if grouped then
  local bad = limitsCheck(kMeta)
  if bad then return bad end
end
if fresh == 0 then
  local ids = {}
  for i = 0, n - 1 do ids[#ids + 1] = opts[i][5] end
  return ids
end
local waitingBefore = redis.call('ZCARD', kWait)
-- Jobs waiting in group sets count too (meta gwn, kept by limits.lua).
local depth = waitingBefore + redis.call('ZCARD', kDelayed) + (tonumber(meta[3]) or 0)
if depth + fresh > maxLen then return {QUEUE_FULL, depth, maxLen} end

local now = nowMs()
-- Converted once: a number argument is formatted again by every redis.call it is passed to.
local nowText = tostring(now)
-- One counter for generated ids and FIFO order, reserved as a range per batch
-- (a generated id is its job's sequence number).
local seq = redis.call('HINCRBY', kMeta, 'seq', fresh) - fresh
local ids = {}
local waiting = {}
-- The entry names the first job's agent once, as a shared field; a job that asks for another names its own.
local agent = ARGV[5]
local events = newEvents(kMeta, kEvents, 'e', 'enqueued', 'g', agent)
for i = 0, n - 1 do
  local b = 4 + i * 3
  local o = opts[i]
  local id = o and o[5] or ''
  if exists[i] or (id ~= '' and redis.call('EXISTS', JOB .. id) == 1) then
    -- Already there (or repeated within this batch): same id, nothing added.
    ids[#ids + 1] = id
  else
    seq = seq + 1
    if id == '' then id = tostring(seq) end
    local key = JOB .. id
    local prio, delay, mr = 0, 0, meta[2]
    if o then
      prio, delay = o[1], o[2]
      if o[3] ~= '' then mr = o[3] end
      if prio ~= 0 then redis.call('HSET', key, 'prio', prio) end
      if o[4] ~= '' then redis.call('HSET', key, 'to', o[4]) end
    end
    local m = ARGV[b]
    local p1 = string.find(m, '\n', 1, true)
    local p2 = string.find(m, '\n', p1 + 1, true)
    -- A fourth part, when there is one, is the producer span's W3C traceparent (observability/tracing.ts).
    local p3 = string.find(m, '\n', p2 + 1, true)
    local src, dst, pl = string.sub(m, 1, p1 - 1), string.sub(m, p1 + 1, p2 - 1), string.sub(m, p2 + 1, (p3 or 0) - 1)
    if p3 then redis.call('HSET', key, 'tp', string.sub(m, p3 + 1)) end
    local own = ARGV[b + 1]
    -- Every field costs Redis time and memory: priority and attempts are left out at 0, their default for every reader.
    if delay > 0 then
      redis.call('HSET', key, 'src', src, 'dst', dst, 'pl', pl, 'ag', own, 'mr', mr, 'ts', nowText, 'state', 'delayed', 'run', now + delay)
      redis.call('ZADD', kDelayed, now + delay, id)
    else
      redis.call('HSET', key, 'src', src, 'dst', dst, 'pl', pl, 'ag', own, 'mr', mr, 'ts', nowText, 'state', 'waiting')
      if not (o and o[6] ~= '') then
        waiting[#waiting + 1] = waitScore(prio, seq)
        waiting[#waiting + 1] = id
      end
    end
    if o and o[6] ~= '' then limitsEnqueue(kMeta, key, id, waitScore(prio, seq), o[6], delay > 0) end
    if own == agent then
      if delay > 0 then addEvent(events, id, 'd', delay) else addEvent(events, id) end
    elseif delay > 0 then
      addEvent(events, id, 'g', own, 'd', delay)
    else
      addEvent(events, id, 'g', own)
    end
    ids[#ids + 1] = id
  end
end
flushEvents(events)
-- One ZADD per batch (in slices: Lua's unpack has a stack limit).
for i = 1, #waiting, 1000 do
  redis.call('ZADD', kWait, unpack(waiting, i, math.min(i + 999, #waiting)))
end
-- Consumers block only on an empty queue; one that leases passes the wake-up on (dequeue-7).
if waitingBefore == 0 or #waiting == 0 then wake(kMarker) end
return ids
