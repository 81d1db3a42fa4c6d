--[[
  Adds one job of a flow (src-main/flows/flow-producer.ts), idempotently: a
  job that exists already is left as it is.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] waitchildren, KEYS[4] marker, KEYS[5] events, KEYS[6] outbox
  Typed before the first write: meta
  ARGV[3] message (source, destination, payload JSON joined by '\n', as enqueue-5),
  ARGV[4] agent (stored as ag, as enqueue-5 does), ARGV[5] options 'priority|0|max retries|timeout ms|group|id' (the id is required; a group is ignored),
  ARGV[6] parent ref '<queue>/<id>' or '', ARGV[7] children: '' for a leaf, else
    lines '<queue>/<id> <policy>' (policy: fail, ignore, continue, remove),
  ARGV[8] the children's specs (JSON), kept as `fi` until they are all written.
  A leaf is waiting. A parent is waiting-children, lists its children as
  pending, and leaves an `enqueue` entry in its outbox: the intent that any
  process completes if this producer dies before writing every child.
  Returns {id, 1} added, {id, 0} already there, or {QUEUE_NOT_FOUND}.
]]
local kMeta, kWait, kWaitChildren, kMarker, kEvents, kOutbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local meta = redis.call('HMGET', kMeta, 'max_len', 'max_retries')
if not meta[1] then return {QUEUE_NOT_FOUND} end
local s = ARGV[5]
local p1 = string.find(s, '|', 1, true)
local p2 = string.find(s, '|', p1 + 1, true)
local p3 = string.find(s, '|', p2 + 1, true)
local p4 = string.find(s, '|', p3 + 1, true)
-- The fifth field, a fair-queueing group (limits.lua), is not taken by flow jobs: they wait in the plain set.
local p5 = string.find(s, '|', p4 + 1, true)
local prio, mr, to, id = tonumber(string.sub(s, 1, p1 - 1)) or 0, string.sub(s, p2 + 1, p3 - 1), string.sub(s, p3 + 1, p4 - 1), string.sub(s, p5 + 1)
local key = JOB .. id
local t = redis.call('TYPE', key)['ok']
if t == 'hash' then return {id, 0} end
if t ~= 'none' then return wrongType(key) end

local now = nowMs()
local seq = redis.call('HINCRBY', kMeta, 'seq', 1)
local m = ARGV[3]
local m1 = string.find(m, '\n', 1, true)
local m2 = string.find(m, '\n', m1 + 1, true)
-- A fourth part, when there is one, is the producer span's traceparent (as in enqueue-5).
local m3 = string.find(m, '\n', m2 + 1, true)
if mr == '' then mr = meta[2] end
redis.call('HSET', key, 'src', string.sub(m, 1, m1 - 1), 'dst', string.sub(m, m1 + 1, m2 - 1), 'pl', string.sub(m, m2 + 1, (m3 or 0) - 1), 'ag', ARGV[4], 'mr', mr, 'ts', now)
if m3 then redis.call('HSET', key, 'tp', string.sub(m, m3 + 1)) end
if prio ~= 0 then redis.call('HSET', key, 'prio', prio) end
if to ~= '' then redis.call('HSET', key, 'to', to) end
if ARGV[6] ~= '' then
  redis.call('HSET', key, 'par', ARGV[6])
  -- The queue has flow children now: complete-4 reads each job's par from here on.
  redis.call('HSET', kMeta, 'fcq', 1)
end
local children = ARGV[7]
if children == '' then
  local before = redis.call('ZCARD', kWait)
  redis.call('HSET', key, 'state', 'waiting')
  redis.call('ZADD', kWait, waitScore(prio, seq), id)
  if before == 0 then wake(kMarker) end
  emit(kEvents, 'e', 'enqueued', 'j', id, 'g', ARGV[4])
  return {id, 1}
end
local fields, refs, n = {}, {}, 0
for line in string.gmatch(children, '[^\n]+') do
  local sp = string.find(line, ' ', 1, true)
  refs[#refs + 1] = string.sub(line, 1, sp - 1)
  fields[#fields + 1] = 'd:' .. refs[#refs]
  fields[#fields + 1] = 'p:' .. string.sub(line, sp + 1)
  n = n + 1
end
for i = 1, #fields, 1000 do
  redis.call('HSET', key, unpack(fields, i, math.min(i + 999, #fields)))
end
-- fk keeps the children's order (a hash keeps none).
redis.call('HSET', key, 'state', 'waiting-children', 'fp', n, 'fi', ARGV[8], 'fk', table.concat(refs, '\n'))
redis.call('ZADD', kWaitChildren, now, id)
-- The queue has parents now: its retention reads a trimmed job's children (common.lua deleteJobs).
redis.call('HSET', kMeta, 'fkq', 1)
redis.call('ZADD', kOutbox, now, 'enqueue\n' .. flowQueue() .. '\n' .. id)
emit(kEvents, 'e', 'enqueued', 'j', id, 'g', ARGV[4])
emit(kEvents, 'e', 'waiting_children', 'j', id, 'count', n)
return {id, 1}
