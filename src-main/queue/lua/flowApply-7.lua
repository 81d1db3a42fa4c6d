--[[
  Applies outbox entries of children to their parent (src-main/flows/flow-outbox.ts),
  idempotently: only the first application of an outcome changes the parent,
  so a crashed applier's entries may be applied again by anyone. Runs in the
  PARENT's slot; the children's entries live in theirs.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] waitchildren, KEYS[4] dead, KEYS[5] marker,
  KEYS[6] events, KEYS[7] outbox
  ARGV[3] parent id, then triples (in order): child ref '<queue>/<id>', outcome
    (completed, dead, cancelled, retried), result JSON or error text
  The child's policy (kept on the parent as d:<ref> = p:<policy>) decides a failure:
    fail      the parent ends dead, reason child_failed (`fb` names the child)
    ignore    recorded; counts as done
    continue  the parent runs now, with what it has
    remove    pending siblings are cancelled (`cancel` entries here) and the parent runs now
  `retried`: a child that had failed is pending again; a parent it had failed waits again.
  Returns 0 nothing changed, 1 applied, 2 applied and wrote entries to this outbox.
]]
local kMeta, kWait, kWaitChildren, kDead, kMarker, kEvents, kOutbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local id = ARGV[3]
local r, bad = readJob(id, 'state', 'prio', 'fb')
if not r then return bad end
if not r[1] then return 0 end
local key = JOB .. id
local state = r[1]
local now = nowMs()
local result = 0

local function resume()
  redis.call('ZREM', kWaitChildren, id)
  redis.call('HDEL', key, 'fi')
  pushWaiting(kMeta, kWait, id, tonumber(r[2]) or 0)
  wake(kMarker)
  emit(kEvents, 'e', 'children_done', 'j', id)
  state = 'waiting'
end

-- One entry; returns 0, 1 or 2 as the script does.
local function apply(ref, outcome, payload)
  local dField, rField = 'd:' .. ref, 'r:' .. ref
  local dep = redis.call('HGET', key, dField)
  if not dep then return 0 end
  local waiting = state == 'waiting-children'
  if outcome == 'retried' then
    if string.sub(dep, 1, 2) == 'p:' or dep == 'completed' or dep == 'removed' then return 0 end
    redis.call('HSET', key, dField, 'p:' .. (string.match(dep, ':(%a+)$') or 'fail'))
    redis.call('HDEL', key, rField)
    redis.call('HINCRBY', key, 'fp', 1)
    if state == 'dead' and redis.call('HGET', key, 'fb') == ref then
      redis.call('ZREM', kDead, id)
      redis.call('HDEL', key, 'fin', 'why', 'err', 'fb')
      redis.call('HSET', key, 'state', 'waiting-children')
      redis.call('ZADD', kWaitChildren, now, id)
      emit(kEvents, 'e', 'waiting_children', 'j', id)
      state = 'waiting-children'
      -- A parent of a parent: its own parent hears of it through this outbox.
      if flowFinal(id, 'retried', '', now) then return 2 end
    end
    return 1
  end
  if string.sub(dep, 1, 2) ~= 'p:' then return 0 end
  local policy = string.sub(dep, 3)
  local left = redis.call('HINCRBY', key, 'fp', -1)
  if outcome == 'completed' then
    redis.call('HSET', key, dField, 'completed', rField, payload)
    if waiting and left <= 0 then resume() end
    return 1
  end
  redis.call('HSET', key, dField, outcome .. ':' .. policy, rField, payload)
  if policy == 'ignore' then
    if waiting and left <= 0 then resume() end
  elseif policy == 'continue' then
    if waiting then resume() end
  elseif policy == 'remove' then
    local h = redis.call('HGETALL', key)
    local wrote = 0
    for i = 1, #h, 2 do
      local f, v = h[i], h[i + 1]
      if string.sub(f, 1, 2) == 'd:' and string.sub(v, 1, 2) == 'p:' then
        local sib = string.sub(f, 3)
        local slash = string.find(sib, '/', 1, true)
        redis.call('HSET', key, f, 'removed')
        redis.call('ZADD', kOutbox, now, 'cancel\n' .. string.sub(sib, 1, slash - 1) .. '\n' .. string.sub(sib, slash + 1))
        wrote = wrote + 1
      end
    end
    redis.call('HSET', key, 'fp', 0)
    if waiting then resume() end
    if wrote > 0 then return 2 end
  elseif waiting then
    redis.call('ZREM', kWaitChildren, id)
    redis.call('HDEL', key, 'fi')
    redis.call('HSET', key, 'fb', ref)
    toDead(kDead, kEvents, id, 'child_failed', now, 'child ' .. ref .. ' ended ' .. outcome .. ': ' .. payload, nil)
    state = 'dead'
    return 2
  end
  return 1
end

for i = 4, #ARGV, 3 do
  result = math.max(result, apply(ARGV[i], ARGV[i + 1], ARGV[i + 2]))
end
return result
