--[[
  Adds one job without a group: the lean path of enqueue-5 (issue #15) for a
  call that carries exactly one job, as an awaited one-by-one enqueue does.
  Each redis.call and each Lua table costs Redis about a microsecond
  (bench/README.md), so this one makes 7 (8 when it wakes consumers) and
  builds one table, the HMGET reply, where enqueue-5 makes 9 and builds a dozen.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] delayed, KEYS[4] marker, KEYS[5] events
  Typed before the first write: meta, wait, delayed, marker, events
  (HMGET and ZCARDs read the first three; the marker's wake-up, a ring that
  holds no state, and the XADD are made with pcall before any other write).
  ARGV[3] message, ARGV[4] agent, ARGV[5] options, as one job of enqueue-5
  (a group is not taken here: the adapter sends a grouped job to enqueue-5).
  Returns the id (an existing id is returned and nothing is added), or
  {QUEUE_NOT_FOUND} or {QUEUE_FULL, depth, limit}.
]]
local kMeta, kWait, kDelayed, kMarker, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local meta = redis.call('HMGET', kMeta, 'max_len', 'max_retries', 'gwn', 'seq')
if not meta[1] then return {QUEUE_NOT_FOUND} end
local s = ARGV[5]
local id, prio, delay, mr, to = '', 0, 0, meta[2], ''
if s ~= '' then
  local ownMr, _
  -- No group here: the adapter sends a grouped job to enqueue-5.
  prio, delay, ownMr, to, _, id = enqueueOptions(s)
  if ownMr ~= '' then mr = ownMr end
  -- A given id's key is read before the first write; a generated id is new by construction (meta seq).
  if id ~= '' then
    local t = redis.call('TYPE', JOB .. id)['ok']
    if t == 'hash' then return id end
    if t ~= 'none' then return wrongType(JOB .. id) end
  end
end
local waitingBefore = redis.call('ZCARD', kWait)
-- Jobs waiting in group sets count too (meta gwn, kept by limits.lua).
local depth = waitingBefore + redis.call('ZCARD', kDelayed) + (tonumber(meta[3]) or 0)
local maxLen = tonumber(meta[1]) or 0
if depth + 1 > maxLen then return {QUEUE_FULL, depth, maxLen} end

local seq = (tonumber(meta[4]) or 0) + 1
if id == '' then id = tostring(seq) end
local _, bad
-- Consumers block only on an empty queue; one that leases passes the wake-up on (dequeue-7).
if waitingBefore == 0 or delay > 0 then
  _, bad = firstWrite(kMarker, 'ZADD', 0, '0')
  if bad then return bad end
end
local agent = ARGV[4]
local entry
if delay > 0 then
  entry, bad = firstWrite(kEvents, 'XADD', 'MAXLEN', '~', EVENTS_MAX, '*', 'e', 'enqueued', 'g', agent, 'j', id, 'd', delay)
else
  entry, bad = firstWrite(kEvents, 'XADD', 'MAXLEN', '~', EVENTS_MAX, '*', 'e', 'enqueued', 'g', agent, 'j', id)
end
if bad then return bad end
-- The entry's id starts with Redis' clock in ms (never behind an earlier entry's): the job's time, without a TIME call.
local now = tonumber(string.sub(entry, 1, string.find(entry, '-', 1, true) - 1))

redis.call('HINCRBY', kMeta, 'seq', 1)
local key = JOB .. id
local m = ARGV[3]
local p1 = string.find(m, '\n', 1, true)
local p2 = string.find(m, '\n', p1 + 1, true)
-- A fourth part, when there is one, is the producer span's W3C traceparent (observability/tracing.ts).
local p3 = string.find(m, '\n', p2 + 1, true)
local src, dst, pl = string.sub(m, 1, p1 - 1), string.sub(m, p1 + 1, p2 - 1), string.sub(m, p2 + 1, (p3 or 0) - 1)
-- `ag` is the agent, so the finishing scripts need not read the whole payload for the metrics history.
if delay > 0 then
  redis.call('HSET', key, 'src', src, 'dst', dst, 'pl', pl, 'ag', agent, 'mr', mr, 'ts', now, 'state', 'delayed', 'run', now + delay)
  redis.call('ZADD', kDelayed, now + delay, id)
else
  redis.call('HSET', key, 'src', src, 'dst', dst, 'pl', pl, 'ag', agent, 'mr', mr, 'ts', now, 'state', 'waiting')
  redis.call('ZADD', kWait, waitScore(prio, seq), id)
end
-- Priority and timeout are left out at their defaults, as enqueue-5 does.
if prio ~= 0 then redis.call('HSET', key, 'prio', prio) end
if to ~= '' then redis.call('HSET', key, 'to', to) end
if p3 then redis.call('HSET', key, 'tp', string.sub(m, p3 + 1)) end
return id
