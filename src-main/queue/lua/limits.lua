--[[
  Limits and fair groups (issue #18), included after common.lua. The queue's
  scripts call these with one line each; a queue with no limit and no group
  never reaches them (meta `lim` unset), so its lease stays the plain ZPOPMIN.

  Keys, all under the queue's hash tag, named from the meta key's base:
    limits    hash: configuration, written by the admin verbs only. Per scope
              s ('q' the queue, 'd' every group's default, 'g:<group>' one group):
                s:rT  ms between jobs (rate: period / count)   s:rB  burst (jobs at once)
                s:c   jobs active at once                        s:p   points per window
                s:pW  points window (ms)
    lstate    hash: what the scripts keep: tat:s (GCRA theoretical arrival
              time), act:s (active now), pu:s / pw:s (points used, window
              start), pause:s (paused until, ms), rr (round-robin counter)
    groups    zset: groups with waiting jobs that may run, in turn order (score = rr)
    gblocked  zset: groups with waiting jobs held back, score = when to look again
              (BLOCKED_UNTIL_FREED: until one of its jobs leaves active)
    gw:<g>    zset: a group's waiting ids, scored like wait (priority, then FIFO)
  meta `gwn` counts the ids in all gw:<g> sets, so the queue-full check
  (enqueue-5) costs one HMGET field, not a ZCARD per group.

  Rate is GCRA: one timestamp per limiter, `rB` jobs may start at once, then
  one every `rT` ms; a limiter that refuses knows the exact time it will allow
  the next job, which is what the lease reply's next-timer carries.

  A leased job carries `lc` = '+' .. its group ('+' alone without one): the
  job holds one active slot of the queue and of its group until its attempt ends.
]]
local BLOCKED_UNTIL_FREED = 1e15
local LIMIT_HASHES = { 'limits', 'lstate' }
local LIMIT_ZSETS = { 'groups', 'gblocked' }

local function limBase(kMeta)
  return string.sub(kMeta, 1, -5)
end

-- Adds n (may be negative) to the count of grouped waiting ids, never below 0.
local function limCount(base, n)
  if n == 0 then return end
  if tonumber(redis.call('HINCRBY', base .. 'meta', 'gwn', n)) < 0 then redis.call('HSET', base .. 'meta', 'gwn', 0) end
end

-- The wrong-type reply for the first limit key holding another type, or nil (before any write).
local function limitsCheck(kMeta)
  local base = limBase(kMeta)
  for _, k in ipairs(LIMIT_HASHES) do
    local t = redis.call('TYPE', base .. k)['ok']
    if t ~= 'none' and t ~= 'hash' then return wrongType(base .. k) end
  end
  for _, k in ipairs(LIMIT_ZSETS) do
    local t = redis.call('TYPE', base .. k)['ok']
    if t ~= 'none' and t ~= 'zset' then return wrongType(base .. k) end
  end
  return nil
end

-- Deletes up to `limit` grouped waiting jobs (drain-3); groups left without any leave the turn order.
-- The caller checked the limit keys and every gw:<g> set (limitsGroupSets) before its first write.
local function limitsDrain(base, sets, limit)
  local removed = 0
  for _, g in ipairs(sets) do
    local set = base .. 'gw:' .. g
    repeat
      local ids = redis.call('ZRANGE', set, 0, limit - removed - 1)
      -- An id cancelled or removed while waiting stays in its set (limPopGroup): it leaves, its record stays.
      local doomed = {}
      for _, id in ipairs(ids) do
        local st = redis.pcall('HGET', JOB .. id, 'state')
        if st == 'waiting' or (type(st) == 'table' and st.err) then doomed[#doomed + 1] = id end
      end
      deleteJobs(doomed)
      if #ids > 0 then redis.call('ZREM', set, unpack(ids)) end
      limCount(base, -#ids)
      removed = removed + #doomed
    until #ids == 0 or removed >= limit
    if redis.call('ZCARD', set) == 0 then
      redis.call('ZREM', base .. 'groups', g)
      redis.call('ZREM', base .. 'gblocked', g)
    end
    if removed >= limit then break end
  end
  return removed
end

-- The groups with waiting jobs (in turn or held back), or nil and the wrong-type reply for the
-- first of their gw:<g> sets that is not a zset (no writes).
local function limitsGroupSets(base)
  local seen, out = {}, {}
  for _, k in ipairs(LIMIT_ZSETS) do
    for _, g in ipairs(redis.call('ZRANGE', base .. k, 0, -1)) do
      if not seen[g] then
        seen[g] = true
        local t = redis.call('TYPE', base .. 'gw:' .. g)['ok']
        if t ~= 'none' and t ~= 'zset' then return nil, wrongType(base .. 'gw:' .. g) end
        out[#out + 1] = g
      end
    end
  end
  return out
end

-- Puts a group at the back of the turn order, unless it is held back.
local function limRing(base, g)
  if redis.call('ZSCORE', base .. 'gblocked', g) then return end
  if redis.call('ZSCORE', base .. 'groups', g) then return end
  redis.call('ZADD', base .. 'groups', redis.call('HINCRBY', base .. 'lstate', 'rr', 1), g)
end

-- A grouped job becomes waiting: into its group's set, its group into the turn order.
pushGrouped = function(kMeta, id, prio, g)
  local base = limBase(kMeta)
  local seq = redis.call('HINCRBY', kMeta, 'seq', 1)
  limCount(base, redis.call('ZADD', base .. 'gw:' .. g, waitScore(prio, seq), id))
  redis.call('HSET', JOB .. id, 'state', 'waiting')
  limRing(base, g)
end

-- A new job of group g (enqueue-5): marks the queue as one the lease must limit, and
-- puts a waiting job into its group's set (a delayed one enters it when due).
local function limitsEnqueue(kMeta, key, id, score, g, delayed)
  redis.call('HSET', kMeta, 'lim', '1')
  redis.call('HSET', key, 'grp', g)
  if delayed then return end
  local base = limBase(kMeta)
  limCount(base, redis.call('ZADD', base .. 'gw:' .. g, score, id))
  limRing(base, g)
end

-- Freeing slots in a batch (complete; limitsDone for one job): `acc` sums the slots of the jobs a call ends (their `lc`, which the caller
-- blanks in its own HSET); limitsFreed gives them back with one HINCRBY per scope and one wake-up.
local function limitsFree(acc, lc)
  if not lc or lc == '' then return end
  acc.q = acc.q + 1
  local g = string.sub(lc, 2)
  if g ~= '' then acc.g[g] = (acc.g[g] or 0) + 1 end
end

local function limitsFreed(kMeta, acc)
  if acc.q == 0 then return end
  local base = limBase(kMeta)
  local ks = base .. 'lstate'
  if tonumber(redis.call('HINCRBY', ks, 'act:q', -acc.q)) < 0 then redis.call('HSET', ks, 'act:q', 0) end
  for g, n in pairs(acc.g) do
    if tonumber(redis.call('HINCRBY', ks, 'act:g:' .. g, -n)) < 0 then redis.call('HSET', ks, 'act:g:' .. g, 0) end
    if tonumber(redis.call('ZSCORE', base .. 'gblocked', g) or 0) >= BLOCKED_UNTIL_FREED then
      redis.call('ZREM', base .. 'gblocked', g)
      limRing(base, g)
    end
  end
  redis.call('ZADD', base .. 'marker', 0, '0')
end

-- A job with a lease-time slot (`lc`) left active: frees its slots; a group held back for want of one may run again.
limitsDone = function(kMeta, id, lc)
  if not lc or lc == '' then return end
  local acc = { q = 0, g = {} }
  limitsFree(acc, lc)
  limitsFreed(kMeta, acc)
  redis.call('HDEL', JOB .. id, 'lc')
end

-- A release for 'rate_limited:<ms>' (a 429): the job's group pauses that long; a job without one waits
-- delayed that long. Returns the reason to record, and whether the job went to delayed.
local function limitsRateLimited(kMeta, id, why, now)
  local ms = tonumber(string.match(why, '^rate_limited:(%d+)$'))
  if not ms then return why, false end
  local g = redis.call('HGET', JOB .. id, 'grp')
  if not g then
    redis.call('ZADD', limBase(kMeta) .. 'delayed', now + ms, id)
    redis.call('HSET', JOB .. id, 'state', 'delayed', 'run', now + ms)
    return 'rate_limited', true
  end
  local base = limBase(kMeta)
  local until_ = now + ms
  local ks = base .. 'lstate'
  if until_ > (tonumber(redis.call('HGET', ks, 'pause:g:' .. g)) or 0) then redis.call('HSET', ks, 'pause:g:' .. g, until_) end
  redis.call('ZREM', base .. 'groups', g)
  redis.call('ZADD', base .. 'gblocked', until_, g)
  return 'rate_limited', false
end

-- Debits a finished job's reported cost from its group's and the queue's points windows.
local function limitsCharge(kLimits, ks, g, cost, now)
  local cfg = redis.call('HMGET', kLimits, 'q:pW', 'd:pW', g ~= '' and ('g:' .. g .. ':pW') or 'q:pW')
  local function debit(s, window)
    if not window then return end
    local w = redis.call('HMGET', ks, 'pw:' .. s, 'pu:' .. s)
    local start = tonumber(w[1]) or 0
    if now >= start + window then
      redis.call('HSET', ks, 'pw:' .. s, now - (now % window), 'pu:' .. s, cost)
    else
      redis.call('HINCRBYFLOAT', ks, 'pu:' .. s, cost)
    end
  end
  debit('q', tonumber(cfg[1]))
  if g ~= '' then debit('g:' .. g, tonumber(cfg[3]) or tonumber(cfg[2])) end
end

--[[ The lease side: limitsOpen reads configuration and state once per call;
  limitsPop hands out up to `want` ids the limits allow (fewer: the rest
  must wait); limitsClose writes the state back and says when to look again. ]]
local function limitsOpen(kMeta, kWait, now)
  local base = limBase(kMeta)
  local L = { base = base, now = now, wait = kWait, cfg = {}, st = {}, from = {}, next = -1, turn = 0, dirty = {} }
  local raw = redis.call('HGETALL', base .. 'limits')
  for i = 1, #raw, 2 do L.cfg[raw[i]] = tonumber(raw[i + 1]) end
  return L
end

local function limState(L, field)
  local v = L.st[field]
  if v == nil then
    v = tonumber(redis.call('HGET', L.base .. 'lstate', field)) or false
    L.st[field] = v
  end
  return v or nil
end

local function limSet(L, field, v)
  L.st[field] = v
  L.dirty[field] = true
end

local function limSoonest(L, ms)
  if L.next < 0 or ms < L.next then L.next = ms end
end

-- A setting of scope s, a group falling back to the default group's.
local function limCfg(L, s, field)
  local v = L.cfg[s .. ':' .. field]
  if v == nil and s ~= 'q' then v = L.cfg['d:' .. field] end
  return v
end

-- ms until scope s may start one more job (0: now), or BLOCKED_UNTIL_FREED.
local function limWait(L, s)
  local now = L.now
  local wait = 0
  local paused = limState(L, 'pause:' .. s)
  if paused and paused > now then wait = paused - now end
  local c = limCfg(L, s, 'c')
  if c and (limState(L, 'act:' .. s) or 0) >= c then return BLOCKED_UNTIL_FREED end
  local p = limCfg(L, s, 'p')
  if p then
    local pW = limCfg(L, s, 'pW') or 60000
    local start = limState(L, 'pw:' .. s) or 0
    if now < start + pW and (limState(L, 'pu:' .. s) or 0) >= p then wait = math.max(wait, start + pW - now) end
  end
  local T = limCfg(L, s, 'rT')
  if T then
    local tau = ((limCfg(L, s, 'rB') or 1) - 1) * T
    local tat = limState(L, 'tat:' .. s) or now
    if tat - now > tau then wait = math.max(wait, math.ceil(tat - tau - now)) end
  end
  return wait
end

-- Scope s starts one job.
local function limTake(L, s)
  limSet(L, 'act:' .. s, (limState(L, 'act:' .. s) or 0) + 1)
  local T = limCfg(L, s, 'rT')
  if T then limSet(L, 'tat:' .. s, math.max(limState(L, 'tat:' .. s) or 0, L.now) + T) end
end

-- Undoes scope s's latest limTake (a take for a job that was not there).
local function limUntake(L, s)
  limSet(L, 'act:' .. s, math.max((limState(L, 'act:' .. s) or 1) - 1, 0))
  local T = limCfg(L, s, 'rT')
  if T then limSet(L, 'tat:' .. s, limState(L, 'tat:' .. s) - T) end
end

-- The next waiting id of the group first in turn that may run; groups that may not are held back.
local function limPopGroup(L)
  local base = L.base
  for _ = 1, 1000 do
    local head = redis.call('ZRANGE', base .. 'groups', 0, 0)[1]
    if not head then return nil end
    local s = 'g:' .. head
    local wait = limWait(L, s)
    if wait > 0 then
      redis.call('ZREM', base .. 'groups', head)
      redis.call('ZADD', base .. 'gblocked', wait >= BLOCKED_UNTIL_FREED and BLOCKED_UNTIL_FREED or L.now + wait, head)
      if wait < BLOCKED_UNTIL_FREED then limSoonest(L, wait) end
    else
      local set = base .. 'gw:' .. head
      local popped = redis.call('ZPOPMIN', set, 1)
      local id = popped[1]
      if id then limCount(base, -1) end
      if redis.call('ZCARD', set) == 0 then
        redis.call('ZREM', base .. 'groups', head)
      else
        redis.call('ZADD', base .. 'groups', redis.call('HINCRBY', base .. 'lstate', 'rr', 1), head)
      end
      -- Cancelled or removed while waiting: its id stays in the group's set until its turn.
      if id and redis.call('HGET', JOB .. id, 'state') == 'waiting' then
        limTake(L, s)
        return id, head
      end
    end
  end
  return nil
end

local function limitsPop(L, want)
  local base, now = L.base, L.now
  if L.turn == 0 then
    -- Groups whose hold ran out take their turn again.
    local due = redis.call('ZRANGEBYSCORE', base .. 'gblocked', '-inf', now)
    for _, g in ipairs(due) do
      redis.call('ZREM', base .. 'gblocked', g)
      limRing(base, g)
    end
  end
  if redis.call('EXISTS', base .. 'groups') == 0 then
    -- No group may run now: as many as the queue's limits allow leave the wait set in one ZPOPMIN
    -- (one call per lease, not two per job), takes beyond what was waiting handed back.
    local k = 0
    while k < want do
      local qwait = limWait(L, 'q')
      if qwait > 0 then
        if qwait < BLOCKED_UNTIL_FREED then limSoonest(L, qwait) end
        break
      end
      limTake(L, 'q')
      k = k + 1
    end
    local popped = k > 0 and redis.call('ZPOPMIN', L.wait, k) or {}
    for _ = #popped / 2 + 1, k do limUntake(L, 'q') end
    for i = 1, #popped, 2 do L.from[popped[i]] = '+' end
    L.full = #popped / 2 >= want
    return popped
  end
  local out = {}
  while #out / 2 < want do
    local qwait = limWait(L, 'q')
    if qwait > 0 then
      if qwait < BLOCKED_UNTIL_FREED then limSoonest(L, qwait) end
      break
    end
    -- Ungrouped jobs take turns with the groups, as one more group.
    L.turn = L.turn + 1
    local id, g
    if L.turn % 2 == 0 then
      id = redis.call('ZPOPMIN', L.wait, 1)[1]
      if not id then id, g = limPopGroup(L) end
    else
      id, g = limPopGroup(L)
      if not id then id = redis.call('ZPOPMIN', L.wait, 1)[1] end
    end
    if not id then break end
    limTake(L, 'q')
    L.from[id] = '+' .. (g or '')
    out[#out + 1] = id
    out[#out + 1] = 0
  end
  L.full = #out / 2 >= want
  return out
end

-- Writes the state back; the reply's next timer becomes the sooner of its own and the limiter's.
local function limitsClose(L, out)
  local args = {}
  for f in pairs(L.dirty) do
    args[#args + 1] = f
    local v = L.st[f]
    args[#args + 1] = v == math.floor(v) and string.format('%d', v) or string.format('%.3f', v)
  end
  if #args > 0 then redis.call('HSET', L.base .. 'lstate', unpack(args)) end
  local first = redis.call('ZRANGE', L.base .. 'gblocked', 0, 0, 'WITHSCORES')
  if first[2] and tonumber(first[2]) < BLOCKED_UNTIL_FREED then limSoonest(L, math.max(tonumber(first[2]) - L.now, 0)) end
  if L.next >= 0 and (out[2] < 0 or L.next < out[2]) then out[2] = L.next end
  -- Leased all it asked for and groups still wait: pass the wake-up on, as for the wait set.
  if L.full and redis.call('ZCARD', L.base .. 'groups') > 0 then
    out[3] = 1
    redis.call('ZADD', L.base .. 'marker', 0, '0')
  end
end
