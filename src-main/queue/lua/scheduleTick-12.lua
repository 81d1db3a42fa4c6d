--[[
  Claims a schedule's due ticks and enqueues their jobs, in one step: the
  claim (the schedule's next tick, revision and mark) and the jobs are
  written together or not at all, so a tick gets one job however many
  schedulers race for it and wherever one crashes. Job ids are
  <schedule id>@<tick ms>: a second job for a tick cannot exist either.
  KEYS[1..9] the queue's keys (see common.lua)
  KEYS[10] schedule:<id>   hash: the schedule (fields: see schedules/store.ts)
  KEYS[11] schedules       zset: schedule ids by next tick (inf: paused or ended)
  KEYS[12] schedule-marks  hash: <id> -> latest tick handled; ':rev' counter
  ARGV[1] job key prefix, ARGV[2] events cap (as every queue script)
  ARGV[3] schedule id
  ARGV[4] generation the caller planned from (changes with the schedule's
          timing, so a plan made from an old definition is refused; a new
          job template or catch-up policy keeps it: claims never starve
          behind upserts that leave the ticks alone)
  ARGV[5] the schedule's next tick as read: the first due (another claim
          moved it on: refused)
  ARGV[6] next tick after these (ms), '' when the schedule has ended
  ARGV[7] latest due tick: it and every tick before it count as handled
  ARGV[8] ticks skipped (for the schedule's counters)
  ARGV[9] number of ticks to fire, ARGV[10..] those ticks (ms, ascending)
  Returns {1, revision, job id ...} (claimed; ids of jobs added),
  {0} (changed, paused or removed since read: read again),
  {2, ms} (not due yet by the Redis clock), {-1} (no queue),
  {-7, key} (a key holds the wrong type).
]]
local K_SCHED, K_INDEX, K_MARKS = KEYS[10], KEYS[11], KEYS[12]
local meta = redis.call('HMGET', K_META, 'max_len', 'max_retries')
if not meta[1] then return {-1} end
local want = { [K_WAIT] = 'zset', [K_MARKER] = 'zset', [K_EVENTS] = 'stream', [K_SCHED] = 'hash', [K_INDEX] = 'zset', [K_MARKS] = 'hash' }
for key, kind in pairs(want) do
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= kind then return {-7, key} end
end
local sid = ARGV[3]
local s = redis.call('HMGET', K_SCHED, 'gen', 'paused', 'next', 'src', 'dst', 'pl', 'agent', 'prio', 'mr', 'to')
if s[1] ~= ARGV[4] or s[2] == '1' or s[3] ~= ARGV[5] or s[3] == '' then return {0} end
local now = nowMs()
local dueFrom = tonumber(s[3])
if dueFrom > now then return {2, dueFrom - now} end
local handled = tonumber(ARGV[7])
if handled > now then return {2, handled - now} end
local mark = tonumber(redis.call('HGET', K_MARKS, sid) or '-1')
local n = tonumber(ARGV[9])
local fire = {}
for i = 1, n do
  local t = ARGV[9 + i]
  local tn = tonumber(t)
  -- Never a tick past the latest due one, nor one handled before (by this schedule or an earlier one of its id).
  if tn <= handled and tn > mark and redis.call('EXISTS', JOB .. sid .. '@' .. t) == 0 then fire[#fire + 1] = t end
end
local skipped = tonumber(ARGV[8])
local err = ''
if #fire > 0 then
  local maxLen = tonumber(meta[1]) or 0
  if redis.call('ZCARD', K_WAIT) + redis.call('ZCARD', K_DELAYED) + #fire > maxLen then
    skipped = skipped + #fire
    fire = {}
    err = 'queue full'
  end
end
local nowText = tostring(now)
local prio = tonumber(s[8]) or 0
local mr = (s[9] and s[9] ~= '') and s[9] or meta[2]
local ids = {}
local lastJob = nil
for i = 1, #fire do
  local jid = sid .. '@' .. fire[i]
  local key = JOB .. jid
  redis.call('HSET', key, 'src', s[4], 'dst', s[5], 'pl', s[6], 'mr', mr, 'ts', nowText)
  if prio ~= 0 then redis.call('HSET', key, 'prio', prio) end
  if s[10] and s[10] ~= '' then redis.call('HSET', key, 'to', s[10]) end
  pushWaiting(jid, prio)
  emit('e', 'enqueued', 'j', jid, 'g', s[7])
  ids[#ids + 1] = jid
  lastJob = jid
end
if #fire > 0 then wake() end
local rev = redis.call('HINCRBY', K_MARKS, ':rev', 1)
if handled > mark then redis.call('HSET', K_MARKS, sid, ARGV[7]) end
redis.call('HSET', K_SCHED, 'rev', rev, 'next', ARGV[6], 'last', ARGV[7], 'lastRun', nowText, 'lastError', err)
if lastJob then redis.call('HSET', K_SCHED, 'lastJob', lastJob) end
if #fire > 0 then redis.call('HINCRBY', K_SCHED, 'runs', #fire) end
if skipped > 0 then redis.call('HINCRBY', K_SCHED, 'skipped', skipped) end
-- An ended schedule stays listed, after every active one.
redis.call('ZADD', K_INDEX, ARGV[6] == '' and 'inf' or ARGV[6], sid)
local out = {1, rev}
for i = 1, #ids do out[#out + 1] = ids[i] end
return out
