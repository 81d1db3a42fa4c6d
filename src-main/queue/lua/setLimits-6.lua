--[[
  Sets or removes one scope's limits (an operator's verb, issue #18; see limits.lua).
  KEYS[1] meta, KEYS[2] limits, KEYS[3] lstate, KEYS[4] groups, KEYS[5] gblocked, KEYS[6] marker
  ARGV[3] scope ('q' the queue, 'd' every group's default, 'g:<group>'),
  ARGV[4..] pairs of field (rT, rB, c, p, pW) and value ('' removes the field)
  Returns 1, or QUEUE_NOT_FOUND.
  Every held-back group takes its turn again and blocked consumers wake, so
  every worker leases under the new limits at its next call.
]]
local kMeta, kLimits, kState, kGroups, kBlocked, kMarker = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
if redis.call('EXISTS', kMeta) == 0 then return QUEUE_NOT_FOUND end
local scope = ARGV[3]
local set, del = {}, {}
for i = 4, #ARGV, 2 do
  local f = scope .. ':' .. ARGV[i]
  if ARGV[i + 1] == '' then del[#del + 1] = f else
    set[#set + 1] = f
    set[#set + 1] = ARGV[i + 1]
  end
end
if #set > 0 then redis.call('HSET', kLimits, unpack(set)) end
if #del > 0 then redis.call('HDEL', kLimits, unpack(del)) end
-- A rate's schedule starts afresh under a new rate (its old timestamp would hold the first jobs back).
redis.call('HDEL', kState, 'tat:' .. scope)
redis.call('HSET', kMeta, 'lim', '1')
local held = redis.call('ZRANGE', kBlocked, 0, -1)
for _, g in ipairs(held) do
  -- A 429's pause stands whatever the limits say.
  local paused = tonumber(redis.call('HGET', kState, 'pause:g:' .. g)) or 0
  if paused <= nowMs() then
    redis.call('ZREM', kBlocked, g)
    redis.call('ZADD', kGroups, redis.call('HINCRBY', kState, 'rr', 1), g)
  end
end
wake(kMarker)
return 1
