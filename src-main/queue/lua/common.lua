--[[
  Shared pieces. scripts.ts puts them at the top of the function library
  (Redis 7+), where they are set up once, or of every script (EVALSHA);
  either way a call starts with bind(ARGV), then a typed O(1) read (ZCARD,
  HLEN, XLEN) of each of its keys that its own commands do not meet before
  its first write (scripts.ts, prologue()).

  A queue's keys, all under one hash tag so a script touches a single Redis
  Cluster slot (each script declares, in its header, only those it uses; the
  number in its file name is how many):
    meta       hash: options, paused flag, id and lease counters, event trim marks
    wait       zset: waiting ids, score = priority band + FIFO sequence
    delayed    zset: ids due later, score = due time (ms)
    active     zset: leased ids, score = lease deadline (ms, Redis clock)
    completed  zset: score = finish time
    dead       zset: score = finish time
    cancelled  zset: score = finish time
    marker     zset: wakes consumers blocked in BZPOPMIN
    events     stream: lifecycle events
  ARGV[1] is the job key prefix (`<prefix>:{<queue>}:job:`) and ARGV[2] the
  events stream cap; script-specific arguments follow.

  Helpers take the keys they use as arguments.

  Negative return codes (script-codes.ts maps each to one typed error):
    -1 queue does not exist      -2 queue full
    -3 job not found             -4 lease not held (stale, foreign or empty token)
    -5 job in the wrong state
  Redis keeps a script's earlier writes when a later command fails, so
  nothing is written until every key is known good: a script meets each of
  its keys with a typed read before its first write (its header says which:
  `Typed before the first write: ...`), and the prologue reads the others.
  A key of the wrong type then fails the call before any write, either with
  Redis' own WRONGTYPE error (the adapter then checks every queue key) or
  with the error reply `CONVEYOR_WRONGTYPE <key>` (readJob, firstWrite). The
  adapter sets the key aside and calls again.
]]
local QUEUE_NOT_FOUND, QUEUE_FULL, JOB_NOT_FOUND, LEASE_LOST, INVALID_STATE = -1, -2, -3, -4, -5
local JOB, EVENTS_MAX
-- Set by flows.lua: tells a flow job's parent that the job ended (nil-safe for scripts without flows).
local flowFinal
-- Set by flows.lua: a deleted job that has children leaves a `trim` entry for them, and sets flowTrimWrote.
local flowTrimmed, flowTrimWrote

-- Points the shared pieces at this call's queue.
local function bind(argv)
  JOB = argv[1]
  EVENTS_MAX = tonumber(argv[2])
  flowTrimWrote = false
end

local function wrongType(key)
  return redis.error_reply('CONVEYOR_WRONGTYPE ' .. key)
end

-- The type a queue key must hold, by its last name segment.
local KEY_TYPES = { meta = 'hash', events = 'stream', limits = 'hash', lstate = 'hash' }

-- The error reply for the first of a script's keys that holds another type, or nil.
local function checkKeys(keys)
  for i = 1, #keys do
    local key = keys[i]
    local want = KEY_TYPES[string.match(key, '[^:]+$')] or 'zset'
    local t = redis.call('TYPE', key)['ok']
    if t ~= 'none' and t ~= want then return wrongType(key) end
  end
  return nil
end

-- A script's first write, made with pcall so that a key of the wrong type answers
-- CONVEYOR_WRONGTYPE (nothing written yet) instead of failing the call: returns the
-- command's reply, or nil and the error reply.
local function firstWrite(key, cmd, ...)
  local r = redis.pcall(cmd, key, ...)
  if type(r) == 'table' and r.err then
    if string.find(r.err, 'WRONGTYPE', 1, true) then return nil, wrongType(key) end
    return nil, r
  end
  return r
end

-- HMGET of a job hash; nil and the wrong-type reply when the key holds another type.
local function readJob(id, ...)
  local r = redis.pcall('HMGET', JOB .. id, ...)
  if r.err then return nil, wrongType(JOB .. id) end
  return r
end

-- Reads the job hashes a batch names (ids at argv[first], then every `step`, up to argv[last]), all
-- before any write. Returns their replies in order, or nil and the wrong-type reply.
local function readJobs(argv, first, last, step, ...)
  local read = {}
  for i = first, last, step do
    local r, bad = readJob(argv[i], ...)
    if not r then return nil, bad end
    read[#read + 1] = r
  end
  return read
end

-- The fence: whether `token` holds the job's current attempt. `r` starts with the job's state and tok;
-- the empty token never holds one, so no caller can act on an attempt it was not given.
local function holdsLease(r, token)
  return r[1] == 'active' and token ~= '' and r[2] == token
end

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function emit(kEvents, ...)
  redis.call('XADD', kEvents, 'MAXLEN', '~', EVENTS_MAX, '*', ...)
end

--[[
  Batched events: a call that moves many jobs the same way appends one entry
  for up to EVENT_BATCH of them, not one per job (see bench/README.md for what
  an XADD costs against one more job's fields):
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

-- A batch of events on kEvents (generations counted in kMeta) headed by the shared fields ('e', type, ...).
local function newEvents(kMeta, kEvents, ...)
  return { meta = kMeta, stream = kEvents, head = { ... }, args = { ... }, jobs = 0 }
end

local function flushEvents(b)
  if b.jobs == 0 then return end
  if b.jobs == 1 then
    emit(b.stream, unpack(b.args))
  else
    local id = redis.call('XADD', b.stream, 'MAXLEN', '~', EVENTS_MAX, '*', unpack(b.args))
    local total = redis.call('HINCRBY', b.meta, 'evn', b.jobs)
    if math.floor(total / EVENTS_MAX) > math.floor((total - b.jobs) / EVENTS_MAX) then
      local began = redis.call('HGET', b.meta, 'evg')
      -- Exact, as it runs once a generation. MINID needs Redis 6.2; an older server keeps to the entries cap.
      if began then redis.pcall('XTRIM', b.stream, 'MINID', began) end
      redis.call('HSET', b.meta, 'evg', id)
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

-- Set by limits.lua (issue #18): a job of a group waits in its group's set; a job that
-- leaves active frees the limit slots it held.
local pushGrouped, limitsDone

local function pushWaiting(kMeta, kWait, id, prio)
  local g = redis.call('HGET', JOB .. id, 'grp')
  if g then return pushGrouped(kMeta, id, prio, g) end
  local seq = redis.call('HINCRBY', kMeta, 'seq', 1)
  redis.call('ZADD', kWait, waitScore(prio, seq), id)
  redis.call('HSET', JOB .. id, 'state', 'waiting')
end

-- A job's enqueue options (enqueue-5, enqueueOne-5), 'priority|delay ms|max retries|timeout ms|group|id':
-- priority and delay as numbers (0 when empty), the rest as given ('' for the default; the id may hold '|').
local function enqueueOptions(s)
  local p1 = string.find(s, '|', 1, true)
  local p2 = string.find(s, '|', p1 + 1, true)
  local p3 = string.find(s, '|', p2 + 1, true)
  local p4 = string.find(s, '|', p3 + 1, true)
  local p5 = string.find(s, '|', p4 + 1, true)
  return tonumber(string.sub(s, 1, p1 - 1)) or 0, tonumber(string.sub(s, p1 + 1, p2 - 1)) or 0, string.sub(s, p2 + 1, p3 - 1),
    string.sub(s, p3 + 1, p4 - 1), string.sub(s, p4 + 1, p5 - 1), string.sub(s, p5 + 1)
end

local function wake(kMarker)
  redis.call('ZADD', kMarker, 0, '0')
end

local FINAL_STATES = { completed = true, dead = true, cancelled = true }

-- Deletes jobs with their logs, many keys per DEL: each redis.call costs more than the keys it names.
-- `parents` false: no job of the queue ever had children (meta fkq unset), so none is read first.
local function deleteJobs(ids, parents)
  local keys = {}
  for i = 1, #ids do
    -- flows: a final job with children (`fk`) has them deleted too; pcall, as a malformed key is deleted as well.
    if parents ~= false then
      local f = redis.pcall('HMGET', JOB .. ids[i], 'fk', 'state')
      if not f.err and f[1] and FINAL_STATES[f[2]] then flowTrimmed(ids[i], f[1]) end
    end
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
local function trim(kSet, count, ageS, now, parents)
  if ageS > 0 then
    local old = redis.call('ZRANGEBYSCORE', kSet, '-inf', now - ageS * 1000, 'LIMIT', 0, 200)
    if #old > 0 then
      deleteJobs(old, parents)
      redis.call('ZREM', kSet, unpack(old))
    end
  end
  local n = redis.call('ZCARD', kSet)
  if n > count then
    -- The oldest, taken off the set with their scores: every other element is an id.
    local popped = redis.call('ZPOPMIN', kSet, n - count)
    local excess = {}
    for i = 1, #popped, 2 do excess[#excess + 1] = popped[i] end
    deleteJobs(excess, parents)
  end
end

-- Applies the retention rule of `kind` ('completed' | 'dead') to its set.
local function retention(kMeta, kSet, kind, now)
  local r = redis.call('HMGET', kMeta, kind .. '_count', kind .. '_age_s', 'fkq')
  trim(kSet, tonumber(r[1]) or 1000, tonumber(r[2]) or 0, now, r[3] ~= false)
end

-- Ends the current attempt of a job.
local function endAttempt(id, att, outcome, now, err, stk)
  local key = JOB .. id
  local p = 'a:' .. att .. ':'
  redis.call('HSET', key, p .. 'ended', now, p .. 'outcome', outcome)
  if err then redis.call('HSET', key, p .. 'error', err) end
  if stk and stk ~= '' then redis.call('HSET', key, p .. 'stack', stk) end
  redis.call('HDEL', key, 'tok')
end

local function toDead(kDead, kEvents, id, reason, now, err, stk)
  local key = JOB .. id
  redis.call('ZADD', kDead, now, id)
  redis.call('HSET', key, 'state', 'dead', 'fin', now, 'why', reason)
  if err then redis.call('HSET', key, 'err', err) end
  if stk and stk ~= '' then redis.call('HSET', key, 'stk', stk) end
  emit(kEvents, 'e', 'dead', 'j', id, 'why', reason)
  flowFinal(id, 'dead', err or reason, now) -- flows: tell the parent, if any
end

-- A job key that holds another type: its raw value goes beside a dead record (callers took the id off its set).
local function deadMalformedKey(kDead, kEvents, id, now)
  local key = JOB .. id
  local aside = key .. ':raw'
  redis.call('RENAME', key, aside)
  redis.call('HSET', key, 'state', 'dead', 'why', 'malformed', 'fin', now, 'ts', now, 'att', 0, 'mr', 0,
    'err', 'job key held a ' .. redis.call('TYPE', aside)['ok'] .. ', not a hash; raw value kept at ' .. aside)
  redis.call('ZADD', kDead, now, id)
  emit(kEvents, 'e', 'malformed', 'j', id, 'why', 'job key is not a hash')
end

-- The metrics history's helpers (scripts.ts puts metrics.lua here: recoverStalled below uses them).
--#include metrics.lua

-- Retries a job has left after attempt `att`; attempts before its last manual
-- retry (`rb`) do not count, and the first attempt is not a retry.
local function retriesLeft(id, att)
  local r = redis.call('HMGET', JOB .. id, 'mr', 'rb')
  return (tonumber(r[1]) or 0) - (att - (tonumber(r[2]) or 0) - 1)
end

-- Moves due delayed jobs to waiting; a due id whose key is not a hash ends dead, malformed.
local function promoteDelayed(kMeta, kWait, kDelayed, kDead, kEvents, now, limit)
  local due = redis.call('ZRANGEBYSCORE', kDelayed, '-inf', now, 'LIMIT', 0, limit)
  for i = 1, #due do
    local id = due[i]
    local r = redis.pcall('HMGET', JOB .. id, 'prio', 'state')
    redis.call('ZREM', kDelayed, id)
    if r.err then
      deadMalformedKey(kDead, kEvents, id, now)
    elseif r[2] then
      -- No hash: the job is gone. No priority: the default, 0 (enqueue leaves it out).
      pushWaiting(kMeta, kWait, id, tonumber(r[1]) or 0)
    end
  end
  return #due
end

-- Jobs whose lease expired go back to waiting (attempt counted) or to dead.
local function recoverStalled(kMeta, kWait, kActive, kDead, kMarker, kEvents, now, limit)
  local expired = redis.call('ZRANGEBYSCORE', kActive, '-inf', now, 'LIMIT', 0, limit)
  local retried, dead = 0, 0
  local mx = {} -- metrics history (metrics.lua)
  for i = 1, #expired do
    local id = expired[i]
    redis.call('ZREM', kActive, id)
    local r = redis.pcall('HMGET', JOB .. id, 'att', 'prio', 'lc')
    if r.err then
      deadMalformedKey(kDead, kEvents, id, now)
      dead = dead + 1
    elseif r[1] then
      if r[3] then limitsDone(kMeta, id, r[3]) end
      local att = tonumber(r[1]) or 0
      metricsJob(mx, id, att, retriesLeft(id, att) > 0 and 'r' or 'd', now)
      endAttempt(id, att, 'stalled', now, 'lease expired', nil)
      emit(kEvents, 'e', 'stalled', 'j', id, 'a', att)
      if retriesLeft(id, att) > 0 then
        pushWaiting(kMeta, kWait, id, tonumber(r[2]) or 0)
        retried = retried + 1
      else
        toDead(kDead, kEvents, id, 'stalled', now, 'lease expired ' .. att .. ' times', nil)
        dead = dead + 1
      end
    end
  end
  metricsFlush(mx, kMeta, now)
  if retried > 0 then wake(kMarker) end
  return retried, dead
end
