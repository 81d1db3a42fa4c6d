--[[
  Deletes a job that is not running, with its logs (an operator's verb).
  KEYS[1] wait, KEYS[2] delayed, KEYS[3] completed, KEYS[4] dead, KEYS[5] cancelled, KEYS[6] events
  ARGV[3] id
  Returns 1, or JOB_NOT_FOUND, INVALID_STATE (active: cancel it first).
]]
local kWait, kDelayed, kCompleted, kDead, kCancelled, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local id = ARGV[3]
local r, bad = readJob(id, 'state', 'par')
if not r then return bad end
local state = r[1]
if not state then return JOB_NOT_FOUND end
if state == 'active' then return INVALID_STATE end
local sets = { waiting = kWait, delayed = kDelayed, completed = kCompleted, dead = kDead, cancelled = kCancelled }
if sets[state] then redis.call('ZREM', sets[state], id) end
-- flows: a removed parent cancels its pending children; a removed unfinished child counts as cancelled for its parent.
if state == 'waiting-children' then flowCancelChildren(id, nowMs()) end
if r[2] and (state == 'waiting' or state == 'delayed') then flowNotify(id, r[2], 'cancelled', 'removed', nowMs()) end
deleteJobs({ id })
emit(kEvents, 'e', 'removed', 'j', id)
return 1
