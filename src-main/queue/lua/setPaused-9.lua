--[[
  Pauses or resumes a queue: paused, it keeps taking jobs but leases none.
  ARGV[3] '1' to pause, '0' to resume
  Returns 1, or -1 when the queue does not exist.
]]
if redis.call('EXISTS', K_META) == 0 then return -1 end
redis.call('HSET', K_META, 'paused', ARGV[3])
if ARGV[3] == '1' then
  emit('e', 'paused')
else
  emit('e', 'resumed')
  wake()
end
return 1
