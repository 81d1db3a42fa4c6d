--[[
  Metrics history, written by the scripts a job's attempt ends in (complete-4,
  fail-8, quarantine-7, and recoverStalled in common.lua); src-main/observability/history.ts
  reads and merges it.

  Per queue and minute, one hash under the queue's hash tag,
    <prefix>:{<queue>}:m:<minute>   (minute = Redis ms // 60000)
  with fields '<name>.|<agent>' (agent '' for a job that names none), name:
    c completed, r retried, d dead, x cancelled (failed attempts = r + d + x,
    added up by the readers, not written);
    w<i> / t<i> wait / run time histogram, bucket i of MX_BOUNDS (ms, upper
    bounds; i = #MX_BOUNDS + 1 is beyond the last). Buckets hold counts, not
    cumulative ones, so any two histograms merge by adding them;
    W / T the sums of those wait / run times (ms).
  The '.' marks this layout: earlier versions wrote the same names without it
  into the minute and the totals at once, so a minute joins the totals with its
  dotted fields only (mixed versions may write one minute during an upgrade);
  history-keys.ts reads both. (A field per outcome and both buckets would cut a
  call's writes to 3, but multiply a minute's fields, past what a listpack holds.)
  Wait = lease (or start) of the attempt minus the latest of enqueue, due time
  and the previous attempt's end; run = end minus start (or lease).

  The running totals Prometheus counters and histograms are read from are the
  sum of <prefix>:{<queue>}:m:all (never expiring) and the open minute, the one
  meta 'mx_m' names: a minute joins m:all when a call first writes the next
  one (mxRoll), so a call writes each field once, not twice. history.ts reads
  the three keys in one script. A queue idle longer than the history's
  lifetime, or a meta rebuilt by a repair, loses its open minute from the totals.

  A call sums its jobs in a Lua table (or, for complete-4, takes the sums the
  adapter sent: metricsAdd) and writes one HINCRBY per distinct field
  (bench/README.md has the figures). A minute hash lives for meta 'mx_ttl'
  (seconds; 7 days if unset): set when it opens, counted from its minute's end once closed.
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
  other attempt reads its fields with one more HMGET. The agent is the job's
  `ag`, written at enqueue: the payload, which may be large, is read only for
  a job enqueued before `ag` was.
]]
local MX_READ = { 'ag', 'ts', 'run', 'a:1:leased', 'a:1:started' }

-- The agent of a job without `ag`: agent payloads start with it (agentItem); any other counts under ''.
local function mxAgentOfPayload(id)
  local pl = redis.call('HGET', JOB .. id, 'pl')
  return type(pl) == 'string' and string.match(pl, '^{"agent":"([^"\\]*)"') or ''
end

-- The wait of an attempt leased at `leased`: from the latest of enqueue (ts), due time (run) and the
-- previous attempt's end; nil when none is known.
local function mxWait(leased, ts, run, prev)
  local base = math.max(tonumber(ts) or 0, tonumber(run) or 0, tonumber(prev) or 0)
  if base > 0 then return math.max(leased - base, 0) end
  return nil
end

-- The sums of one agent in a call's table: per kind, W and T, and bucket i of wait at 100 + i, of run at 200 + i.
local function mxOf(acc, agent)
  local a = acc[agent]
  if not a then
    a = { W = 0, T = 0 }
    acc[agent] = a
  end
  return a
end

-- Counts an attempt that ended as `kind` with no wait or run time known (a job set aside as malformed).
local function metricsCount(acc, agent, kind)
  local a = mxOf(acc, agent)
  a[kind] = (a[kind] or 0) + 1
end

-- Counts one attempt of job `id` ending now as `kind` ('c', 'r', 'd' or 'x'). `r` is the job's read with
-- MX_READ's values from index `at`, or nil to read them here. Call it before the script changes 'run'.
-- Sums go in `acc` per agent; field names are built by metricsFlush, once per call and field.
local function metricsJob(acc, id, att, kind, now, r, at)
  att = tonumber(att) or 0
  local ag, ts, run, leased, started, prev
  if r and att == 1 then
    ag, ts, run, leased, started = r[at], r[at + 1], r[at + 2], r[at + 3], r[at + 4]
  else
    local f = mxAttFields(att)
    local m = redis.call('HMGET', JOB .. id, 'ag', 'ts', 'run', f[1], f[2], f[3])
    ag, ts, run, leased, started, prev = m[1], m[2], m[3], m[4], m[5], m[6]
  end
  local a = mxOf(acc, ag or mxAgentOfPayload(id))
  a[kind] = (a[kind] or 0) + 1
  started = tonumber(started)
  leased = tonumber(leased) or started
  if leased then
    local wait = mxWait(leased, ts, run, prev)
    if wait then
      local b = 100 + mxBucket(wait)
      a[b] = (a[b] or 0) + 1
      a.W = a.W + wait
    end
    local ran = math.max(now - (started or leased), 0)
    local b = 200 + mxBucket(ran)
    a[b] = (a[b] or 0) + 1
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

-- The minute hash `open` (the one meta 'mx_m' names) joins the totals, and `minute`'s becomes the open one,
-- kept for the queue's history lifetime. Runs once a minute per queue, when a call writes a new minute.
local function mxRoll(kMeta, base, open, minute)
  local ttl = redis.pcall('HGET', kMeta, 'mx_ttl')
  ttl = type(ttl) == 'string' and tonumber(ttl) or 604800
  if open and open < minute then
    local key = base .. open
    local h = redis.pcall('HGETALL', key)
    if h.err then
      redis.call('DEL', key)
    else
      for i = 1, #h, 2 do
        local f = h[i]
        local bar = string.find(f, '|', 1, true)
        if bar and string.byte(f, bar - 1) == 46 then mxIncr(base .. 'all', f, tonumber(h[i + 1]) or 0) end -- 46: '.'
      end
      -- Its lifetime from the end of its own minute (gone at once when that is past).
      redis.call('PEXPIREAT', key, (open + 1) * 60000 + ttl * 1000)
    end
  end
  redis.call('EXPIRE', base .. minute, ttl)
  -- Only on a queue that exists: a meta hash is what makes one.
  if redis.call('EXISTS', kMeta) == 1 then redis.pcall('HSET', kMeta, 'mx_m', minute) end
end

-- A writer of history fields into this minute's hash, one HINCRBY per field. The running totals (m:all)
-- are the closed minutes' sum: a minute joins them when the next is written (mxRoll), so a call does not
-- write every field twice; readers add the open minute (history.ts). kMeta: the queue's meta, or nil for it.
-- A field new in the minute may mean a new minute: only then is meta asked which minute is open.
local function mxWriter(kMeta, now)
  local base = string.sub(JOB, 1, -5) .. 'm:'
  local minute = math.floor(now / 60000)
  local key = base .. minute
  kMeta = kMeta or string.sub(JOB, 1, -5) .. 'meta'
  local checked = false
  return function(field, n)
    if mxIncr(key, field, n) == n and not checked then
      checked = true
      -- pcall: a script that was not given meta (quarantine-7) has not checked its type.
      local open = redis.pcall('HGET', kMeta, 'mx_m')
      local o = type(open) == 'string' and tonumber(open)
      if type(open) == 'table' or (o and o > minute) then
        -- meta unreadable, or the clock went back: this minute's counts stay out of the totals, and it expires.
        redis.call('EXPIRE', key, 604800)
      elseif o ~= minute then
        mxRoll(kMeta, base, o or nil, minute)
      end
    end
  end
end

-- Writes what a call counted (metricsJob, metricsCount) into this minute's hash.
local function metricsFlush(acc, kMeta, now)
  if next(acc) == nil then return end
  local write = mxWriter(kMeta, now)
  for agent, a in pairs(acc) do
    local sfx = '|' .. agent
    for code, n in pairs(a) do
      if type(code) == 'number' then
        write((code < 200 and 'w' or 't') .. code % 100 .. '.' .. sfx, n)
      elseif n > 0 then
        write(code .. '.' .. sfx, n)
      end
    end
  end
end

-- Writes a batch's history as the adapter summed it (complete-4): pairs of field and increment
-- from argv[from], in this file's field names (src-main/observability/batch-history.ts builds them).
local function metricsAdd(argv, from, kMeta, now)
  local write = mxWriter(kMeta, now)
  for i = from, #argv - 1, 2 do
    local n = tonumber(argv[i + 1])
    if n and n > 0 then write(argv[i], n) end
  end
end
