--[[
  Leases up to n jobs: promotes due delayed jobs, recovers expired leases,
  then moves the next waiting jobs to active with a fresh lease token.
  ARGV[3] n, ARGV[4] worker id ('' if unknown yet),
  ARGV[5] '1' to also record the attempts as started by that worker (a pool
          that runs what it leases at once saves a round trip and an event)
  Returns {paused, ms until the next timer (a delayed job falls due or a lease
           expires; -1 if none), more waiting (0/1),
           then 7 values per job: id, message, attempt, max retries, timeout, token, deadline}
  or {-1} when the queue does not exist.
]]
local n = tonumber(ARGV[3])
local worker = ARGV[4]
local start = ARGV[5] == '1' and worker ~= ''
local meta = redis.call('HMGET', K_META, 'lease_ms', 'paused')
if not meta[1] then return {-1} end
local leaseMs = tonumber(meta[1]) or 30000
local now = nowMs()

-- The earliest score of a timer set: when its first delayed job falls due, or its first lease expires.
local function firstDue(set)
  local first = redis.call('ZRANGE', set, 0, 0, 'WITHSCORES')
  return first[2] and tonumber(first[2])
end

-- Housekeeping only when something is due: most leases find nothing to promote or recover.
local delayedDue = firstDue(K_DELAYED)
if delayedDue and delayedDue <= now then
  promoteDelayed(now, 1000)
  delayedDue = firstDue(K_DELAYED)
end
local leaseDue = firstDue(K_ACTIVE)
if leaseDue and leaseDue <= now then
  recoverStalled(now, 100)
  leaseDue = firstDue(K_ACTIVE)
end

local out = {0, -1, 0}
-- Blocked consumers must wake for these even when nobody enqueues (0: more are due already).
for _, due in ipairs({ delayedDue or false, leaseDue or false }) do
  if due then
    local ms = math.max(due - now, 0)
    if out[2] < 0 or ms < out[2] then out[2] = ms end
  end
end
if meta[2] == '1' then
  out[1] = 1
  return out
end

local deadline = now + leaseMs
local active = {}
local leased = 0
local events = start and newEvents('e', 'started', 'w', worker) or newEvents('e', 'leased')
-- Skipped (malformed) ids do not count: keep popping until n are leased or none wait.
local drained = false
while leased < n and not drained do
  local popped = redis.call('ZPOPMIN', K_WAIT, n - leased)
  -- Fewer than asked: the set is empty now, no need to ask it again.
  drained = #popped / 2 < n - leased
  if #popped == 0 then break end
  -- Lease tokens for this slice, reserved as a range in one call.
  local token = redis.call('HINCRBY', K_META, 'lseq', #popped / 2) - #popped / 2
  for i = 1, #popped, 2 do
    local id = popped[i]
    local key = JOB .. id
    token = token + 1
    local r = redis.pcall('HMGET', key, 'pl', 'mr', 'to', 'att', 'src', 'dst')
    -- The message as one JSON text again; a job enqueued before it was split holds it whole, in msg.
    local msg
    if not r.err then
      if r[1] and r[5] and r[6] then
        msg = '{"source":' .. r[5] .. ',"destination":' .. r[6] .. ',"payload":' .. r[1] .. '}'
      else
        msg = redis.call('HGET', key, 'msg')
      end
    end
    if r.err then
      -- The job key holds another type: keep its raw value beside a dead record.
      redis.call('RENAME', key, key .. ':raw')
      redis.call('HSET', key, 'state', 'dead', 'why', 'malformed', 'fin', now, 'ts', now, 'att', 0, 'mr', 0, 'prio', 0,
        'err', 'job key held a ' .. redis.call('TYPE', key .. ':raw')['ok'] .. ', not a hash; raw value kept at ' .. key .. ':raw')
      redis.call('ZADD', K_DEAD, now, id)
      emit('e', 'malformed', 'j', id, 'why', 'job key is not a hash')
    elseif not msg then
      -- A waiting id without its job hash: nothing to run, nothing to keep.
      emit('e', 'malformed', 'j', id, 'why', 'missing job hash')
    else
      local att = (tonumber(r[4]) or 0) + 1
      local p = 'a:' .. att .. ':'
      if start then
        -- Leased and started at once: 'started' alone says both (job-codec.ts reads the lease time from it).
        redis.call('HSET', key, 'state', 'active', 'att', att, 'tok', token, p .. 'worker', worker, p .. 'started', now)
      elseif worker ~= '' then
        redis.call('HSET', key, 'state', 'active', 'att', att, 'tok', token, p .. 'leased', now, p .. 'worker', worker)
      else
        redis.call('HSET', key, 'state', 'active', 'att', att, 'tok', token, p .. 'leased', now)
      end
      addEvent(events, id, 'a', att)
      active[#active + 1] = deadline
      active[#active + 1] = id
      local o = #out
      out[o + 1] = id
      out[o + 2] = msg
      out[o + 3] = att
      out[o + 4] = tonumber(r[2]) or 0
      out[o + 5] = r[3] or ''
      out[o + 6] = tostring(token)
      out[o + 7] = deadline
      leased = leased + 1
    end
  end
end
flushEvents(events)
for i = 1, #active, 1000 do
  redis.call('ZADD', K_ACTIVE, unpack(active, i, math.min(i + 999, #active)))
end
-- Other blocked consumers may be waiting for what is left: pass the wake-up on.
if not drained and redis.call('ZCARD', K_WAIT) > 0 then
  out[3] = 1
  wake()
end
return out
