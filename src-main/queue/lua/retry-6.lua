--[[
  Sends dead or cancelled jobs back to waiting with a fresh retry budget (an
  operator's verb); their attempt history is kept.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] dead, KEYS[4] cancelled, KEYS[5] marker, KEYS[6] events
  ARGV[3] id ('' for a batch), ARGV[4] state of the batch ('dead' | 'cancelled'),
  ARGV[5] batch size
  Returns the number of jobs moved, or JOB_NOT_FOUND, INVALID_STATE (job not dead or cancelled).
]]
local kMeta, kWait, kDead, kCancelled, kMarker, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]

local function revive(id, r, from)
  local key = JOB .. id
  redis.call('ZREM', from, id)
  redis.call('HSET', key, 'rb', r[2] or 0)
  redis.call('HDEL', key, 'fin', 'why', 'cxl', 'err', 'stk', 'res')
  pushWaiting(kMeta, kWait, id, tonumber(r[3]) or 0)
  emit(kEvents, 'e', 'retrying', 'j', id, 'why', 'manual')
  flowFinal(id, 'retried', '', nowMs()) -- flows: its parent waits for it again
end

local ids, from
if ARGV[3] ~= '' then
  ids = { ARGV[3] }
else
  from = ARGV[4] == 'dead' and kDead or kCancelled
  ids = redis.call('ZRANGE', from, 0, tonumber(ARGV[5]) - 1)
end
local read = {}
for i = 1, #ids do
  local r, bad = readJob(ids[i], 'state', 'att', 'prio')
  if not r then return bad end
  read[i] = r
end
if ARGV[3] ~= '' then
  local state = read[1][1]
  if not state then return JOB_NOT_FOUND end
  if state ~= 'dead' and state ~= 'cancelled' then return INVALID_STATE end
  from = state == 'dead' and kDead or kCancelled
end
for i = 1, #ids do revive(ids[i], read[i], from) end
if #ids > 0 then wake(kMarker) end
return #ids
