--[[
  Claims a schedule's due ticks and enqueues their jobs, in one step: the
  claim (the schedule's next tick, revision and mark) and the jobs are
  written together or not at all, so a tick gets one job however many
  schedulers race for it and wherever one crashes. Job ids are
  <schedule id>@<tick ms>: a second job for a tick cannot exist either.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] delayed, KEYS[4] marker, KEYS[5] events
  (the queue's, see common.lua), then the schedule's, under the same hash tag:
  KEYS[6] schedule:<id>   hash: the schedule (fields: see schedules/store.ts)
  KEYS[7] schedules       zset: schedule ids by next tick (inf: paused or ended)
  KEYS[8] schedule-marks  hash: <id> -> latest tick handled; ':rev' counter
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
  {2, ms} (not due yet by the Redis clock), {QUEUE_NOT_FOUND}; before any
  write, the CONVEYOR_WRONGTYPE error reply when a key holds another type.
]]
local kMeta, kWait, kDelayed, kMarker, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local kSched, kIndex, kMarks = KEYS[6], KEYS[7], KEYS[8]
local wrongTypeReply = checkKeys({ kMeta, kWait, kDelayed, kMarker, kEvents })
if wrongTypeReply then return wrongTypeReply end
-- checkKeys knows queue keys by their last name segment; the schedule's are checked here.
for key, kind in pairs({ [kSched] = 'hash', [kIndex] = 'zset', [kMarks] = 'hash' }) do
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= kind then return wrongType(key) end
end
local meta = redis.call('HMGET', kMeta, 'max_len', 'max_retries')
if not meta[1] then return {QUEUE_NOT_FOUND} end
local sid = ARGV[3]
local s = redis.call('HMGET', kSched, 'gen', 'paused', 'next', 'src', 'dst', 'pl', 'agent', 'prio', 'mr', 'to')
if s[1] ~= ARGV[4] or s[2] == '1' or s[3] ~= ARGV[5] or s[3] == '' then return {0} end
local now = nowMs()
local dueFrom = tonumber(s[3])
if dueFrom > now then return {2, dueFrom - now} end
local handled = tonumber(ARGV[7])
if handled > now then return {2, handled - now} end
local mark = tonumber(redis.call('HGET', kMarks, sid) or '-1')
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
  if redis.call('ZCARD', kWait) + redis.call('ZCARD', kDelayed) + #fire > maxLen then
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
  redis.call('HSET', key, 'src', s[4], 'dst', s[5], 'pl', s[6], 'ag', s[7] or '', 'mr', mr, 'ts', nowText)
  if prio ~= 0 then redis.call('HSET', key, 'prio', prio) end
  if s[10] and s[10] ~= '' then redis.call('HSET', key, 'to', s[10]) end
  pushWaiting(kMeta, kWait, jid, prio)
  emit(kEvents, 'e', 'enqueued', 'j', jid, 'g', s[7])
  ids[#ids + 1] = jid
  lastJob = jid
end
if #fire > 0 then wake(kMarker) end
local rev = redis.call('HINCRBY', kMarks, ':rev', 1)
if handled > mark then redis.call('HSET', kMarks, sid, ARGV[7]) end
redis.call('HSET', kSched, 'rev', rev, 'next', ARGV[6], 'last', ARGV[7], 'lastRun', nowText, 'lastError', err)
if lastJob then redis.call('HSET', kSched, 'lastJob', lastJob) end
if #fire > 0 then redis.call('HINCRBY', kSched, 'runs', #fire) end
if skipped > 0 then redis.call('HINCRBY', kSched, 'skipped', skipped) end
-- An ended schedule stays listed, after every active one.
redis.call('ZADD', kIndex, ARGV[6] == '' and 'inf' or ARGV[6], sid)
local out = {1, rev}
for i = 1, #ids do out[#out + 1] = ids[i] end
return out
