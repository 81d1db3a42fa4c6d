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
    cumulative ones, so any two histograms merge by adding them.
  Wait = lease (or start) of the attempt minus the latest of enqueue, due time
  and the previous attempt's end; run = end minus start (or lease).

  A call sums its jobs in a Lua table and writes one HINCRBY per distinct field
  and one EXPIRE: cheap per job when calls carry many (bench/README.md has the
  figure). The key's lifetime is meta 'mx_ttl' (seconds; 7 days if unset).
  The key is not among a script's KEYS (like job keys, it is built from the
  job prefix, in the same slot): a wrong-typed one is deleted before it is
  written, so the history can never make a state change fail.
]]
local MX_BOUNDS = { 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 900000, 3600000 }

local function mxBucket(ms)
  for i = 1, #MX_BOUNDS do
    if ms <= MX_BOUNDS[i] then return i end
  end
  return #MX_BOUNDS + 1
end

local function mxAdd(acc, field)
  acc[field] = (acc[field] or 0) + 1
end

-- Counts one attempt of job `id` ending now as `kind` ('c', 'r', 'd' or 'x'; all but 'c' also count 'f').
-- Call it before the script changes the job's 'run' field.
local function metricsJob(acc, id, att, kind, now)
  att = tonumber(att) or 0
  local p = 'a:' .. att .. ':'
  local r = redis.call('HMGET', JOB .. id, 'pl', 'ts', 'run', p .. 'leased', p .. 'started', 'a:' .. (att - 1) .. ':ended')
  -- Agent payloads start with their agent (agentItem); any other payload counts under ''.
  local agent = r[1] and string.match(string.sub(r[1], 1, 120), '^{"agent":"([^"\\]*)"') or ''
  local sfx = '|' .. agent
  mxAdd(acc, kind .. sfx)
  if kind ~= 'c' then mxAdd(acc, 'f' .. sfx) end
  local leased = tonumber(r[4]) or tonumber(r[5])
  if leased then
    local base = math.max(tonumber(r[2]) or 0, tonumber(r[3]) or 0, tonumber(r[6]) or 0)
    if base > 0 then mxAdd(acc, 'w' .. mxBucket(math.max(leased - base, 0)) .. sfx) end
    mxAdd(acc, 't' .. mxBucket(math.max(now - (tonumber(r[5]) or leased), 0)) .. sfx)
  end
end

-- Writes what a call counted into this minute's hash.
local function metricsFlush(acc, kMeta, now)
  if next(acc) == nil then return end
  local key = string.sub(JOB, 1, -5) .. 'm:' .. math.floor(now / 60000)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'hash' and t ~= 'none' then redis.call('DEL', key) end
  for f, n in pairs(acc) do redis.call('HINCRBY', key, f, n) end
  redis.call('EXPIRE', key, tonumber(redis.call('HGET', kMeta, 'mx_ttl')) or 604800)
end
