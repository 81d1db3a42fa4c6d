--[[
  Shared pieces. scripts.ts puts them at the top of the function library
  (Redis 7+), where they are set up once, or of every script (EVALSHA);
  either way a call starts with bind(KEYS, ARGV).

  Every script receives the same nine queue keys, all under one hash tag so a
  script touches a single Redis Cluster slot:
    KEYS[1] meta       hash: options, paused flag, id and lease counters, event trim marks
    KEYS[2] wait       zset: waiting ids, score = priority band + FIFO sequence
    KEYS[3] delayed    zset: ids due later, score = due time (ms)
    KEYS[4] active     zset: leased ids, score = lease deadline (ms, Redis clock)
    KEYS[5] completed  zset: score = finish time
    KEYS[6] dead       zset: score = finish time
    KEYS[7] cancelled  zset: score = finish time
    KEYS[8] marker     zset: wakes consumers blocked in BZPOPMIN
    KEYS[9] events     stream: lifecycle events
  ARGV[1] is the job key prefix (`<prefix>:{<queue>}:job:`) and ARGV[2] the
  events stream cap; script-specific arguments follow.

  Negative return codes (mapped to typed errors in errors.ts):
    -1 queue does not exist      -2 queue full
    -3 job not found             -4 lease not held (stale or foreign token)
    -5 job in the wrong state    -6 job id already used by another queue item
]]
local K_META, K_WAIT, K_DELAYED, K_ACTIVE, K_COMPLETED, K_DEAD, K_CANCELLED, K_MARKER, K_EVENTS
local JOB, EVENTS_MAX

-- Points the shared pieces at this call's queue.
local function bind(keys, argv)
  K_META, K_WAIT, K_DELAYED, K_ACTIVE = keys[1], keys[2], keys[3], keys[4]
  K_COMPLETED, K_DEAD, K_CANCELLED = keys[5], keys[6], keys[7]
  K_MARKER, K_EVENTS = keys[8], keys[9]
  JOB = argv[1]
  EVENTS_MAX = tonumber(argv[2])
end

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function emit(...)
  redis.call('XADD', K_EVENTS, 'MAXLEN', '~', EVENTS_MAX, '*', ...)
end

--[[
  Batched events: a call that moves many jobs the same way appends one entry
  for up to EVENT_BATCH of them, not one per job (an XADD costs Redis about
  1 µs; one more job's fields in an entry, a small fraction of that):
    e <type> [shared field, value ...] j <id> [its own field, value ...] j <id> ...
  events.ts expands an entry into one event per `j`, each with the shared
  fields and its own. A batch of one job is the plain entry emit() writes.

  EVENTS_MAX caps entries, which alone would keep up to EVENT_BATCH times as
  many events. So batched entries are also trimmed by their events, in
  generations of EVENTS_MAX (meta `evn` counts them, `evg` is the id of the
  entry that began the current generation): starting a new generation drops
  the entries before the current one began. The stream keeps at least the
  latest EVENTS_MAX events, and about twice as many batched ones at most.
]]
local EVENT_BATCH = 64

-- A batch of events headed by the shared fields ('e', type, ...).
local function newEvents(...)
  return { head = { ... }, args = { ... }, jobs = 0 }
end

local function flushEvents(b)
  if b.jobs == 0 then return end
  if b.jobs == 1 then
    emit(unpack(b.args))
  else
    local id = redis.call('XADD', K_EVENTS, 'MAXLEN', '~', EVENTS_MAX, '*', unpack(b.args))
    local total = redis.call('HINCRBY', K_META, 'evn', b.jobs)
    if math.floor(total / EVENTS_MAX) > math.floor((total - b.jobs) / EVENTS_MAX) then
      local began = redis.call('HGET', K_META, 'evg')
      -- Exact, as it runs once a generation. MINID needs Redis 6.2; an older server keeps to the entries cap.
      if began then redis.pcall('XTRIM', K_EVENTS, 'MINID', began) end
      redis.call('HSET', K_META, 'evg', id)
    end
  end
  b.args = { unpack(b.head) }
  b.jobs = 0
end

-- Adds one job's event: its id, then the field/value pairs of its own.
local function addEvent(b, id, ...)
  local args = b.args
  local n = #args
  args[n + 1] = 'j'
  args[n + 2] = id
  for i = 1, select('#', ...) do args[n + 2 + i] = (select(i, ...)) end
  b.jobs = b.jobs + 1
  if b.jobs == EVENT_BATCH then flushEvents(b) end
end

-- Higher priority pops first; within a priority, FIFO by sequence. Fits in a
-- double exactly: (2e6 bands) * 2^32 < 2^53.
local function waitScore(prio, seq)
  return (1000000 - prio) * 4294967296 + (seq % 4294967296)
end

local function pushWaiting(id, prio)
  local seq = redis.call('HINCRBY', K_META, 'seq', 1)
  redis.call('ZADD', K_WAIT, waitScore(prio, seq), id)
  redis.call('HSET', JOB .. id, 'state', 'waiting')
end

local function wake()
  redis.call('ZADD', K_MARKER, 0, '0')
end

-- Deletes jobs with their logs, many keys per DEL: each redis.call costs more than the keys it names.
local function deleteJobs(ids)
  local keys = {}
  for i = 1, #ids do
    keys[#keys + 1] = JOB .. ids[i]
    keys[#keys + 1] = JOB .. ids[i] .. ':logs'
    if #keys >= 1000 then
      redis.call('DEL', unpack(keys))
      keys = {}
    end
  end
  if #keys > 0 then redis.call('DEL', unpack(keys)) end
end

-- Keeps a final-state set within its count and age; deletes trimmed jobs.
local function trim(setKey, count, ageS, now)
  if ageS > 0 then
    local old = redis.call('ZRANGEBYSCORE', setKey, '-inf', now - ageS * 1000, 'LIMIT', 0, 200)
    if #old > 0 then
      deleteJobs(old)
      redis.call('ZREM', setKey, unpack(old))
    end
  end
  local n = redis.call('ZCARD', setKey)
  if n > count then
    -- The oldest, taken off the set with their scores: every other element is an id.
    local popped = redis.call('ZPOPMIN', setKey, n - count)
    local excess = {}
    for i = 1, #popped, 2 do excess[#excess + 1] = popped[i] end
    deleteJobs(excess)
  end
end

local function retention(kind, now)
  local r = redis.call('HMGET', K_META, kind .. '_count', kind .. '_age_s')
  trim(kind == 'completed' and K_COMPLETED or K_DEAD, tonumber(r[1]) or 1000, tonumber(r[2]) or 0, now)
end

-- Ends the current attempt of a job; `extra` holds more field/value pairs.
local function endAttempt(id, att, outcome, now, err, stk)
  local key = JOB .. id
  local p = 'a:' .. att .. ':'
  redis.call('HSET', key, p .. 'ended', now, p .. 'outcome', outcome)
  if err then redis.call('HSET', key, p .. 'error', err) end
  if stk and stk ~= '' then redis.call('HSET', key, p .. 'stack', stk) end
  redis.call('HDEL', key, 'tok')
end

local function toDead(id, reason, now, err, stk)
  local key = JOB .. id
  redis.call('ZADD', K_DEAD, now, id)
  redis.call('HSET', key, 'state', 'dead', 'fin', now, 'why', reason)
  if err then redis.call('HSET', key, 'err', err) end
  if stk and stk ~= '' then redis.call('HSET', key, 'stk', stk) end
  emit('e', 'dead', 'j', id, 'why', reason)
end

-- Retries a job has left after attempt `att`; attempts before its last manual
-- retry (`rb`) do not count, and the first attempt is not a retry.
local function retriesLeft(id, att)
  local r = redis.call('HMGET', JOB .. id, 'mr', 'rb')
  return (tonumber(r[1]) or 0) - (att - (tonumber(r[2]) or 0) - 1)
end

-- Moves due delayed jobs to waiting.
local function promoteDelayed(now, limit)
  local due = redis.call('ZRANGEBYSCORE', K_DELAYED, '-inf', now, 'LIMIT', 0, limit)
  for i = 1, #due do
    local id = due[i]
    local r = redis.call('HMGET', JOB .. id, 'prio', 'state')
    redis.call('ZREM', K_DELAYED, id)
    -- No hash: the job is gone. No priority: the default, 0 (enqueue leaves it out).
    if r[2] then pushWaiting(id, tonumber(r[1]) or 0) end
  end
  return #due
end

-- Jobs whose lease expired go back to waiting (attempt counted) or to dead.
local function recoverStalled(now, limit)
  local expired = redis.call('ZRANGEBYSCORE', K_ACTIVE, '-inf', now, 'LIMIT', 0, limit)
  local retried, dead = 0, 0
  for i = 1, #expired do
    local id = expired[i]
    redis.call('ZREM', K_ACTIVE, id)
    local r = redis.call('HMGET', JOB .. id, 'att', 'prio')
    if r[1] then
      local att = tonumber(r[1]) or 0
      endAttempt(id, att, 'stalled', now, 'lease expired', nil)
      emit('e', 'stalled', 'j', id, 'a', att)
      if retriesLeft(id, att) > 0 then
        pushWaiting(id, tonumber(r[2]) or 0)
        retried = retried + 1
      else
        toDead(id, 'stalled', now, 'lease expired ' .. att .. ' times', nil)
        dead = dead + 1
      end
    end
  end
  if retried > 0 then wake() end
  return retried, dead
end
