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
local maxLen = tonumber(meta[1])

local fresh = 0
for i = 0, n - 1 do
  local id = ARGV[4 + i * 7]
  if id == '' or redis.call('EXISTS', JOB .. id) == 0 then fresh = fresh + 1 end
end
local depth = redis.call('ZCARD', K_WAIT) + redis.call('ZCARD', K_DELAYED)
if fresh > 0 and depth + fresh > maxLen then return {-2, depth, maxLen} end

local now = nowMs()
local ids = {}
for i = 0, n - 1 do
  local b = 4 + i * 7
  local id = ARGV[b]
  if id ~= '' and redis.call('EXISTS', JOB .. id) == 1 then
    ids[#ids + 1] = id
  else
    if id == '' then id = tostring(redis.call('HINCRBY', K_META, 'idseq', 1)) end
    local prio = tonumber(ARGV[b + 3])
    local delay = tonumber(ARGV[b + 4])
    local mr = ARGV[b + 5]
    if mr == '' then mr = meta[2] end
    local key = JOB .. id
    redis.call('HSET', key, 'msg', ARGV[b + 1], 'agent', ARGV[b + 2], 'prio', prio, 'att', 0, 'mr', mr, 'ts', now)
    if ARGV[b + 6] ~= '' then redis.call('HSET', key, 'to', ARGV[b + 6]) end
    if delay > 0 then
      redis.call('ZADD', K_DELAYED, now + delay, id)
      redis.call('HSET', key, 'state', 'delayed', 'run', now + delay)
      emit('e', 'enqueued', 'j', id, 'd', delay)
    else
      pushWaiting(id, prio)
      emit('e', 'enqueued', 'j', id)
    end
    ids[#ids + 1] = id
  end
end
if fresh > 0 then wake() end
return ids
