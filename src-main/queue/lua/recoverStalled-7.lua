--[[
  Recovers jobs whose lease expired (judged by the Redis clock) and promotes
  due delayed jobs. Safe to run from any number of processes at once.
  KEYS[1] meta, KEYS[2] wait, KEYS[3] delayed, KEYS[4] active, KEYS[5] dead,
  KEYS[6] marker, KEYS[7] events
  ARGV[3] max jobs per call
  Returns {retried, dead}.
]]
local kMeta, kWait, kDelayed, kActive, kDead, kMarker, kEvents = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local now = nowMs()
promoteDelayed(kMeta, kWait, kDelayed, kDead, kEvents, now, tonumber(ARGV[3]))
local retried, dead = recoverStalled(kMeta, kWait, kActive, kDead, kMarker, kEvents, now, tonumber(ARGV[3]))
if dead > 0 then retention(kMeta, kDead, 'dead', now) end
return {retried, dead}
