--[[
  Metrics history, written by the scripts a job's attempt ends in (complete-4,
  fail-8, and recoverStalled in common.lua); src-main/observability/history.ts
  reads and merges it.

  Per queue and minute, one hash under the queue's hash tag,
    <prefix>:{<queue>}:m:<minute>   (minute = Redis ms // 60000)
  with fields '<kind>|<agent>' (agent '' for a job that names none):
    c completed, f failed attempts (retried, dead and cancelled ones included),
    r retried, d dead, x cancelled;
    w<i> / t<i> wait / run time histogram, bucket i of MX_BOUNDS (ms, upper
    bounds; i = #MX_BOUNDS + 1 is beyond the last). Buckets hold counts, not
    cumulative ones, so any two histograms merge by adding them;
    W / T the sums of those wait / run times (ms).
  Wait = lease (or start) of the attempt minus the latest of enqueue, due time
  and the previous attempt's end; run = end minus start (or lease).

  The same fields also add up, never expiring, in <prefix>:{<queue>}:m:all:
  the running totals Prometheus counters and histograms are read from.

  A call sums its jobs in a Lua table and writes one HINCRBY per distinct field
  and one EXPIRE: cheap per job when calls carry many (bench/README.md has the
  figure). The key's lifetime is meta 'mx_ttl' (seconds; 7 days if unset).
  The key is not among a script's KEYS (like job keys, it is built from the
  job prefix, in the same slot): a wrong-typed one is replaced when written
  (mxIncr), so the history can never make a state change fail.
]]
local MX_BOUNDS = { 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 900000, 3600000 }

local function mxBucket(ms)
  for i = 1, #MX_BOUNDS do
    if ms <= MX_BOUNDS[i] then return i end
  end
  return #MX_BOUNDS + 1
end

-- Per attempt number, the names of its lease, start and previous end fields: built once, not per job
-- (in the function library this table outlives the call).
local MX_ATT = {}
local function mxAttFields(att)
  local f = MX_ATT[att]
  if not f then
    f = { 'a:' .. att .. ':leased', 'a:' .. att .. ':started', 'a:' .. (att - 1) .. ':ended' }
    if att < 64 then MX_ATT[att] = f end
  end
  return f
end

--[[
  What metricsJob needs of a job hash, for the read a script does anyway:
  readJobs(..., <its own fields>, unpack(MX_READ)). It guesses attempt 1 (by
  far the most common), so a first attempt costs no call of its own; any
  other attempt reads its fields with one more HMGET.
]]
local MX_READ = { 'pl', 'ts', 'run', 'a:1:leased', 'a:1:started' }

-- Counts one attempt of job `id` ending now as `kind` ('c', 'r', 'd' or 'x'). `r` is the job's read with
-- MX_READ's values from index `at`, or nil to read them here. Call it before the script changes 'run'.
-- Sums go in `acc` per agent; field names are built by metricsFlush, once per call.
local function metricsJob(acc, id, att, kind, now, r, at)
  att = tonumber(att) or 0
  local pl, ts, run, leased, started, prev
  if r and att == 1 then
    pl, ts, run, leased, started = r[at], r[at + 1], r[at + 2], r[at + 3], r[at + 4]
  else
    local f = mxAttFields(att)
    local m = redis.call('HMGET', JOB .. id, 'pl', 'ts', 'run', f[1], f[2], f[3])
    pl, ts, run, leased, started, prev = m[1], m[2], m[3], m[4], m[5], m[6]
  end
  -- Agent payloads start with their agent (agentItem); any other payload counts under ''.
  local agent = pl and string.match(pl, '^{"agent":"([^"\\]*)"') or ''
  local a = acc[agent]
  if not a then
    a = { c = 0, r = 0, d = 0, x = 0, W = 0, T = 0, w = {}, t = {} }
    acc[agent] = a
  end
  a[kind] = a[kind] + 1
  started = tonumber(started)
  leased = tonumber(leased) or started
  if leased then
    local base = math.max(tonumber(ts) or 0, tonumber(run) or 0, tonumber(prev) or 0)
    if base > 0 then
      local wait = math.max(leased - base, 0)
      local b = mxBucket(wait)
      a.w[b] = (a.w[b] or 0) + 1
      a.W = a.W + wait
    end
    local ran = math.max(now - (started or leased), 0)
    local b = mxBucket(ran)
    a.t[b] = (a.t[b] or 0) + 1
    a.T = a.T + ran
  end
end

-- HINCRBY into a history hash. One that holds another type (or a non-integer) is ours and only counts:
-- it is replaced rather than let the command fail after the script's own writes. Returns the new value.
local function mxIncr(key, field, n)
  local r = redis.pcall('HINCRBY', key, field, n)
  if type(r) == 'table' and r.err then
    redis.call('DEL', key)
    r = redis.call('HINCRBY', key, field, n)
  end
  return r
end

-- Writes what a call counted into this minute's hash and the totals. The minute hash gets its lifetime
-- when a field is new in it (always so when the key is): an existing field means an existing key, which has it.
local function metricsFlush(acc, kMeta, now)
  if next(acc) == nil then return end
  local base = string.sub(JOB, 1, -5) .. 'm:'
  local key, all = base .. math.floor(now / 60000), base .. 'all'
  local fresh = false
  local function add(field, n)
    if n > 0 then
      if mxIncr(key, field, n) == n then fresh = true end
      mxIncr(all, field, n)
    end
  end
  for agent, a in pairs(acc) do
    local sfx = '|' .. agent
    for _, k in ipairs({ 'c', 'r', 'd', 'x', 'W', 'T' }) do add(k .. sfx, a[k]) end
    add('f' .. sfx, a.r + a.d + a.x)
    for b, n in pairs(a.w) do add('w' .. b .. sfx, n) end
    for b, n in pairs(a.t) do add('t' .. b .. sfx, n) end
  end
  if fresh then redis.call('EXPIRE', key, tonumber(redis.call('HGET', kMeta, 'mx_ttl')) or 604800) end
end
