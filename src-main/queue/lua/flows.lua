--[[
  Flows across slots (issue #19; README "Flows"). A parent and its children
  may live on different queues, so on different Cluster slots: no script
  touches both. A child that ends (completed, dead, cancelled) or is retried
  writes, in the script that moved it, an outbox entry in ITS OWN slot:
    child\n<parent queue>\n<parent id>\n<child queue>/<child id>\n<outcome>\n<payload>
  Any process then applies it to the parent's slot with flowApply-7 (idempotent:
  only the first application of an outcome changes the parent) and deletes it.
  A process that dies between the steps leaves the entry; the sweeper (run with
  recoverStalled on every worker's timers) finishes it. The parent's slot also
  holds `cancel` entries (cancel a pending child) and `enqueue` entries (the
  intent of a flow a producer is still writing). A final job with children that
  is deleted (retention, remove) leaves a `trim` entry in its own slot:
    trim\n<queue>\n<id>\n\n\n<child refs, one a line>
  applied with flowTrim-3 in each child's slot, which deletes the child if it is
  final (and, through the child's own outbox, its children in turn).
  A job of a flow carries `par` (<queue>/<id> of its parent); a parent carries
  `fp` (children pending), `fk` (their refs, in order), `d:<ref>` (p:<policy> while pending, then the
  outcome) and `r:<ref>` (the child's result, or its error).
]]

-- A key of this queue beside the job hashes (JOB is `<prefix>:{<queue>}:job:`).
local function flowKey(name)
  return string.sub(JOB, 1, -5) .. name
end

local function flowQueue()
  return string.match(JOB, '{([^{}]*)}:job:$')
end

-- The outbox, a zset; a value of another type is set aside first (this may run after other writes, and cannot fail).
local function flowOutbox()
  local k = flowKey('outbox')
  local t = redis.call('TYPE', k)['ok']
  if t ~= 'none' and t ~= 'zset' then redis.call('RENAME', k, k .. ':malformed:' .. nowMs()) end
  return k
end

-- Writes the outbox entry telling a job's parent how it ended; nothing when the job has no parent.
local function flowNotify(id, par, outcome, payload, now)
  if not par then return false end
  local slash = string.find(par, '/', 1, true)
  if not slash then return false end
  redis.call('ZADD', flowOutbox(), now, 'child\n' .. string.sub(par, 1, slash - 1) .. '\n' .. string.sub(par, slash + 1) ..
    '\n' .. flowQueue() .. '/' .. id .. '\n' .. outcome .. '\n' .. (payload or ''))
  return true
end

-- Adds the waiting-children set to a list of state sets (when it is one), for scripts that search them all.
local function flowStateSets(sets)
  local k = flowKey('waitchildren')
  if redis.call('TYPE', k)['ok'] == 'zset' then sets[#sets + 1] = k end
  return sets
end

-- Declared in common.lua (toDead calls it): a job of a flow that ends dead tells its parent.
flowFinal = function(id, outcome, payload, now)
  return flowNotify(id, redis.call('HGET', JOB .. id, 'par'), outcome, payload, now)
end

-- A parent waiting for children is cancelled: off waiting-children, and a `cancel` entry per pending child.
local function flowCancelChildren(id, now)
  redis.call('ZREM', flowKey('waitchildren'), id)
  local h = redis.call('HGETALL', JOB .. id)
  local ob = flowOutbox()
  for i = 1, #h, 2 do
    local f, v = h[i], h[i + 1]
    if string.sub(f, 1, 2) == 'd:' and string.sub(v, 1, 2) == 'p:' then
      local ref = string.sub(f, 3)
      local slash = string.find(ref, '/', 1, true)
      redis.call('ZADD', ob, now, 'cancel\n' .. string.sub(ref, 1, slash - 1) .. '\n' .. string.sub(ref, slash + 1))
    end
  end
end

-- Declared in common.lua (deleteJobs calls it): the `trim` entry of a deleted job with children.
flowTrimmed = function(id, fk)
  redis.call('ZADD', flowOutbox(), nowMs(), 'trim\n' .. flowQueue() .. '\n' .. id .. '\n\n\n' .. fk)
  flowTrimWrote = true
end
