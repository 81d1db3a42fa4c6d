--[[
  Removes a schedule. Its mark (schedule-marks) stays: an id added again
  never fires a tick the old schedule handled.
  KEYS[1] schedule:<id>   hash
  KEYS[2] schedules       zset: schedule ids by next tick
  ARGV[1] schedule id
  Returns 1 (removed), 0 (no such schedule) or {-7, key} (wrong type).
]]
local t1, t2 = redis.call('TYPE', KEYS[1])['ok'], redis.call('TYPE', KEYS[2])['ok']
if t1 ~= 'none' and t1 ~= 'hash' then return {-7, KEYS[1]} end
if t2 ~= 'none' and t2 ~= 'zset' then return {-7, KEYS[2]} end
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])
