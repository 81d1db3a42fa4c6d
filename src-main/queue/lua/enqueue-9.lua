--[[
  Adds one or more jobs, all or nothing.
  ARGV[3] number of jobs, then 7 values per job:
    id ('' to generate), message JSON, agent, priority, delay ms,
    max retries ('' for the queue's), timeout ms ('' for none)
  Returns the ids, in order (an existing id is returned and nothing is added),
  or {-1} (no queue) or {-2, depth, limit} (full).
]]
local n = tonumber(ARGV[3])
local meta = redis.call('HMGET', K_META, 'max_len', 'max_retries')
if not meta[1] then return {-1} end
local maxLen = tonumber(meta[1]) or 0

local fresh = 0
local exists = {}
for i = 0, n - 1 do
  local id = ARGV[4 + i * 7]
  if id == '' then
    fresh = fresh + 1
  elseif redis.call('EXISTS', JOB .. id) == 1 then
    exists[i] = true
  else
    fresh = fresh + 1
  end
end
if fresh == 0 then
  local ids = {}
  for i = 0, n - 1 do ids[#ids + 1] = ARGV[4 + i * 7] end
  return ids
end
local waitingBefore = redis.call('ZCARD', K_WAIT)
local depth = waitingBefore + redis.call('ZCARD', K_DELAYED)
if depth + fresh > maxLen then return {-2, depth, maxLen} end

local now = nowMs()
-- One counter for generated ids and FIFO order, reserved as a range per batch
-- (a generated id is its job's sequence number).
local seq = redis.call('HINCRBY', K_META, 'seq', fresh) - fresh
local ids = {}
local waiting = {}
for i = 0, n - 1 do
  local b = 4 + i * 7
  local id = ARGV[b]
  if exists[i] or (id ~= '' and redis.call('EXISTS', JOB .. id) == 1) then
    -- Already there (or repeated within this batch): same id, nothing added.
    ids[#ids + 1] = id
  else
    seq = seq + 1
    if id == '' then id = tostring(seq) end
    local prio = tonumber(ARGV[b + 3])
    local delay = tonumber(ARGV[b + 4])
    local mr = ARGV[b + 5]
    if mr == '' then mr = meta[2] end
    local key = JOB .. id
    if delay > 0 then
      redis.call('HSET', key, 'msg', ARGV[b + 1], 'agent', ARGV[b + 2], 'prio', prio, 'att', 0, 'mr', mr, 'ts', now,
        'state', 'delayed', 'run', now + delay)
      redis.call('ZADD', K_DELAYED, now + delay, id)
      emit('e', 'enqueued', 'j', id, 'g', ARGV[b + 2], 'd', delay)
    else
      redis.call('HSET', key, 'msg', ARGV[b + 1], 'agent', ARGV[b + 2], 'prio', prio, 'att', 0, 'mr', mr, 'ts', now,
        'state', 'waiting')
      waiting[#waiting + 1] = waitScore(prio, seq)
      waiting[#waiting + 1] = id
      emit('e', 'enqueued', 'j', id, 'g', ARGV[b + 2])
    end
    if ARGV[b + 6] ~= '' then redis.call('HSET', key, 'to', ARGV[b + 6]) end
    ids[#ids + 1] = id
  end
end
-- One ZADD per batch (in slices: Lua's unpack has a stack limit).
for i = 1, #waiting, 1000 do
  redis.call('ZADD', K_WAIT, unpack(waiting, i, math.min(i + 999, #waiting)))
end
-- Consumers block only on an empty queue; one that leases passes the wake-up on (dequeue-9).
if waitingBefore == 0 or #waiting == 0 then wake() end
return ids
