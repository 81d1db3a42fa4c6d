--[[
  Completes held jobs and applies the completed retention rule once.
  KEYS[1] meta, KEYS[2] active, KEYS[3] completed, KEYS[4] events
  Typed before the first write: meta
  ARGV[3] n, then n triples of id, token (the attempt's own; '' is never held), result JSON,
  then optionally the batch's metrics history as pairs of field and increment (metrics.lua's
  names), from an adapter that holds every one of these leases and knows each wait and run time:
  applied when every job completes; otherwise each completed job is counted from its hash.
  Returns one code per job: 1 completed, JOB_NOT_FOUND, LEASE_LOST; then 'flow' when a
  completed job has a flow parent (its outbox entry is written, see flows.lua).
]]
local kMeta, kActive, kCompleted, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local n = tonumber(ARGV[3])
local last = 3 + 3 * n
-- The retention settings, and whether a job here can have a flow parent (fcq) or hold limit slots (lim):
-- both flags stay set once set, so without one no job has that field, and reading it (absent, a scan of
-- the whole job hash) is skipped.
local m = redis.call('HMGET', kMeta, 'completed_count', 'completed_age_s', 'fkq', 'fcq', 'lim')
local fields = { 'state', 'tok', 'att' }
if m[4] then fields[#fields + 1] = 'par' end
if m[5] then fields[#fields + 1] = 'lc' end
local iPar, iLc = m[4] and 4, m[5] and #fields
-- Every job hash read before the first write (see common.lua).
local read, bad = readJobs(ARGV, 4, last, 3, unpack(fields))
if not read then return bad end
local now = nowMs()
local out = {}
local done = {}
local finished = {}
local events = newEvents(kMeta, kEvents, 'e', 'completed')
local flowed = false
local counted = {} -- attempt numbers of the completed jobs, for the history when the batch's is not given
local freed = { q = 0, g = {} } -- limit slots the jobs held (limits.lua)
for i = 4, last, 3 do
  local id, token = ARGV[i], ARGV[i + 1]
  local r = read[(i - 4) / 3 + 1]
  if not r[1] then
    out[#out + 1] = JOB_NOT_FOUND
  elseif not holdsLease(r, token) then
    out[#out + 1] = LEASE_LOST
  else
    counted[#counted + 1] = r[3]
    -- The last attempt's end and outcome are the job's own (fin, completed), not stored twice:
    -- every field of a kept job costs Redis memory and time (job-codec.ts fills them in).
    -- A job that held limit slots gives them back (lc blanked here, freed below).
    local lc = iLc and r[iLc]
    if lc and lc ~= '' then
      redis.call('HSET', JOB .. id, 'state', 'completed', 'fin', now, 'res', ARGV[i + 2], 'tok', '', 'lc', '')
      limitsFree(freed, lc)
    else
      redis.call('HSET', JOB .. id, 'state', 'completed', 'fin', now, 'res', ARGV[i + 2], 'tok', '')
    end
    addEvent(events, id, 'a', r[3])
    if iPar and r[iPar] then flowed = flowFinal(id, 'completed', ARGV[i + 2], now) or flowed end -- flows
    done[#done + 1] = id
    finished[#finished + 1] = now
    finished[#finished + 1] = id
    out[#out + 1] = 1
  end
end
flushEvents(events)
for i = 1, #done, 1000 do
  redis.call('ZREM', kActive, unpack(done, i, math.min(i + 999, #done)))
  redis.call('ZADD', kCompleted, unpack(finished, 2 * i - 1, math.min(2 * i + 1998, #finished)))
end
limitsFreed(kMeta, freed)
if #done == n and #ARGV > last then
  metricsAdd(ARGV, last + 1, kMeta, now)
else
  local mx = {}
  for j = 1, #done do metricsJob(mx, done[j], counted[j], 'c', now) end
  metricsFlush(mx, kMeta, now)
end
trim(kCompleted, tonumber(m[1]) or 1000, tonumber(m[2]) or 0, now, m[3] ~= false) -- retention, with the settings read above
-- flows: one element past the jobs' codes says the outbox has an entry to apply now (a child ended, a parent was trimmed)
if flowed or flowTrimWrote then out[#out + 1] = 'flow' end
return out
