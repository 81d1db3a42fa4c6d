--[[
  Recovers jobs whose lease expired (judged by the Redis clock) and promotes
  due delayed jobs. Safe to run from any number of processes at once.
  ARGV[3] max jobs per call
  Returns {retried, dead}.
]]
local now = nowMs()
promoteDelayed(now, tonumber(ARGV[3]))
local retried, dead = recoverStalled(now, tonumber(ARGV[3]))
if dead > 0 then retention('dead', now) end
return {retried, dead}
