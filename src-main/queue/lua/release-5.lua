--[[
  Hands leases back without spending an attempt (graceful shutdown, or jobs
  that shared a thread with one that had to be killed): active -> waiting.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] active, KEYS[4] marker, KEYS[5] events
  ARGV[3..] triples of id, token (the attempt's own; '' is never held), reason
    (shutdown, prefetch_hold, neighbour_killed, resize, outage, or
    rate_limited:<ms> for a 429: the job's group pauses that long), kept on the
    attempt as a:<n>:why and on the event as r
  Returns one code per job: 1 released, JOB_NOT_FOUND, LEASE_LOST.
]]
local kMeta, kWait, kActive, kMarker, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local read, bad = readJobs(ARGV, 3, #ARGV, 3, 'state', 'tok', 'att', 'prio', 'lc')
if not read then return bad end
local now = nowMs()
local out = {}
local any = false
local ended = {} -- ids leaving active: one ZREM per call
for i = 3, #ARGV, 3 do
  local id, token, why = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local key = JOB .. id
  local r = read[(i - 3) / 3 + 1]
  if not r[1] then
    out[#out + 1] = JOB_NOT_FOUND
  elseif not holdsLease(r, token) then
    out[#out + 1] = LEASE_LOST
  else
    ended[#ended + 1] = id
    if r[5] then limitsDone(kMeta, id, r[5]) end
    -- A 429 ('rate_limited:<ms>'): the group pauses, or the job waits delayed (limits.lua).
    local held
    why, held = limitsRateLimited(kMeta, id, why, now)
    -- The attempt's end (common.lua's endAttempt) and why, in one write.
    local p = 'a:' .. r[3] .. ':'
    redis.call('HSET', key, p .. 'ended', now, p .. 'outcome', 'released', p .. 'why', why, 'tok', '')
    -- The attempt stays in the history but does not count against retries.
    redis.call('HINCRBY', key, 'rb', 1)
    if not held then pushWaiting(kMeta, kWait, id, tonumber(r[4]) or 0) end
    emit(kEvents, 'e', 'retrying', 'j', id, 'a', r[3], 'why', 'released', 'r', why)
    out[#out + 1] = 1
    any = true
  end
end
for i = 1, #ended, 1000 do
  redis.call('ZREM', kActive, unpack(ended, i, math.min(i + 999, #ended)))
end
if any then wake(kMarker) end
return out
