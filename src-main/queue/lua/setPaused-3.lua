--[[
  Pauses or resumes a queue (an operator's verb): paused, it keeps taking jobs but leases none.
  KEYS[1] meta, KEYS[2] marker, KEYS[3] events
  ARGV[3] '1' to pause, '0' to resume
  Returns 1, or QUEUE_NOT_FOUND.
]]
local kMeta, kMarker, kEvents = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', kMeta) == 0 then return QUEUE_NOT_FOUND end
redis.call('HSET', kMeta, 'paused', ARGV[3])
if ARGV[3] == '1' then
  emit(kEvents, 'e', 'paused')
else
  emit(kEvents, 'e', 'resumed')
  wake(kMarker)
end
return 1
