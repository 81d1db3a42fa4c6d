--[[
  Sets aside a job whose stored data cannot be used, so the queue keeps moving.
  KEYS[1] wait, KEYS[2] delayed, KEYS[3] active, KEYS[4] completed, KEYS[5] dead,
  KEYS[6] cancelled, KEYS[7] events
  ARGV[3] id, ARGV[4] what is wrong, ARGV[5] what to repair:
    'message' a leased job whose message is unusable: it ends dead, reason
              'malformed', its raw value kept on the job;
    'key'     a job key that holds another type (a script refused to run on
              it): in a state set, it becomes a dead record with its raw value
              kept at <key>:raw; in none, it is renamed to <key>:malformed:<ms>.
  Either way a job that was not final yet counts in the metrics history as
  dead (metrics.lua), like every other job that ends in the dead set.
  Returns 1, 0 when there was nothing to repair, or JOB_NOT_FOUND.
]]
local kWait, kDelayed, kActive, kCompleted, kDead, kCancelled, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local sets = flowStateSets({ kWait, kDelayed, kActive, kCompleted, kDead, kCancelled }) -- flows: and waiting-children
local id, why, what = ARGV[3], ARGV[4], ARGV[5]
local key = JOB .. id
local now = nowMs()
if what == 'key' then
  local t = redis.call('TYPE', key)['ok']
  if t == 'hash' or t == 'none' then return 0 end
  local held, final = false, false
  for i = 1, #sets do
    if redis.call('ZSCORE', sets[i], id) then
      held = true
      -- sets[4..6]: completed, dead, cancelled (counted when the job got there).
      if i >= 4 and i <= 6 then final = true end
    end
  end
  if not held then
    redis.call('RENAME', key, key .. ':malformed:' .. now)
    emit(kEvents, 'e', 'malformed', 'j', id, 'why', 'job key held a ' .. t .. ', in no state set; set aside')
    return 1
  end
  for i = 1, #sets do redis.call('ZREM', sets[i], id) end
  deadMalformedKey(kDead, kEvents, id, now)
  if not final then
    -- Its hash is gone: no agent, no times to count.
    local mx = {}
    metricsCount(mx, '', 'd')
    metricsFlush(mx, nil, now)
  end
  return 1
end
local r, bad = readJob(id, 'att', 'lc', unpack(MX_READ))
if not r then return bad end
local att = r[1]
if not att then return JOB_NOT_FOUND end
local mx = {}
metricsJob(mx, id, att, 'd', now, r, 3)
redis.call('ZREM', kActive, id)
-- limits.lua names a queue's keys from the base the wait key shares with meta.
if r[2] then limitsDone(kWait, id, r[2]) end
redis.call('ZREM', kWait, id)
endAttempt(id, att, 'failed', now, why, nil)
emit(kEvents, 'e', 'malformed', 'j', id, 'why', why)
toDead(kDead, kEvents, id, 'malformed', now, why, nil)
metricsFlush(mx, nil, now)
return 1
