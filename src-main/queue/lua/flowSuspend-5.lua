--[[
  A running job spawned children and gives its slot back until they end
  (flows inside an agent, src-main/flows/agent-flow.ts): active -> waiting-children,
  fenced by its lease. The attempt ends `suspended` and does not count against
  retries. Its children are then written by the flow writer, as for enqueueFlow.
  KEYS[1] meta, KEYS[2] active, KEYS[3] waitchildren, KEYS[4] events, KEYS[5] outbox
  ARGV[3] id, ARGV[4] token (the attempt's own; '' is never held),
  ARGV[5] children: lines '<queue>/<id> <policy>', ARGV[6] their specs (JSON, the intent),
  ARGV[7] the step memo (JSON)
  Returns 1, or JOB_NOT_FOUND, LEASE_LOST.
]]
local kMeta, kActive, kWaitChildren, kEvents, kOutbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id = ARGV[3]
local key = JOB .. id
local r, bad = readJob(id, 'state', 'tok', 'att', 'fk')
if not r then return bad end
if not r[1] then return JOB_NOT_FOUND end
if not holdsLease(r, ARGV[4]) then return LEASE_LOST end
local now = nowMs()
redis.call('ZREM', kActive, id)
endAttempt(id, r[3], 'suspended', now, nil, nil)
redis.call('HINCRBY', key, 'rb', 1)
local refs, n = {}, 0
for line in string.gmatch(ARGV[5], '[^\n]+') do
  local sp = string.find(line, ' ', 1, true)
  local ref = string.sub(line, 1, sp - 1)
  refs[#refs + 1] = ref
  redis.call('HSET', key, 'd:' .. ref, 'p:' .. string.sub(line, sp + 1))
  n = n + 1
end
local order = table.concat(refs, '\n')
if r[4] and r[4] ~= '' then order = r[4] .. '\n' .. order end
redis.call('HSET', key, 'state', 'waiting-children', 'fp', n, 'fi', ARGV[6], 'fk', order, 'fm', ARGV[7])
redis.call('ZADD', kWaitChildren, now, id)
-- The queue has parents now: its retention reads a trimmed job's children (common.lua deleteJobs).
redis.call('HSET', kMeta, 'fkq', 1)
redis.call('ZADD', kOutbox, now, 'enqueue\n' .. flowQueue() .. '\n' .. id)
emit(kEvents, 'e', 'waiting_children', 'j', id, 'count', n)
return 1
