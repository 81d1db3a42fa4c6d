--[[
  Moves a delayed job to waiting now (an operator's "run now").
  KEYS[1] meta, KEYS[2] wait, KEYS[3] delayed, KEYS[4] marker, KEYS[5] events
  ARGV[3] id
  Returns 1, or JOB_NOT_FOUND, INVALID_STATE (not delayed).
]]
local kMeta, kWait, kDelayed, kMarker, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id = ARGV[3]
local r, bad = readJob(id, 'state', 'prio')
if not r then return bad end
if not r[1] then return JOB_NOT_FOUND end
if r[1] ~= 'delayed' then return INVALID_STATE end
redis.call('ZREM', kDelayed, id)
redis.call('HDEL', JOB .. id, 'run')
pushWaiting(kMeta, kWait, id, tonumber(r[2]) or 0)
emit(kEvents, 'e', 'promoted', 'j', id)
wake(kMarker)
return 1
