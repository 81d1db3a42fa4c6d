--[[
  Writes a schedule whole (upsert, pause, resume), if nobody changed it since
  the caller read it: optimistic, the caller reads again and retries on 0.
  KEYS[1] meta            hash: the queue's; must exist
  KEYS[2] schedule:<id>   hash: the schedule
  KEYS[3] schedules       zset: schedule ids, score = next tick (ms; inf when
                          paused or ended)
  KEYS[4] schedule-marks  hash: <id> -> latest tick handled (outlives the
                          schedule, so a re-added id cannot fire an old tick);
                          ':rev' -> revision counter of the queue's schedules
  ARGV[1] schedule id
  ARGV[2] revision read ('' = the schedule must not exist)
  ARGV[3] mark read ('' = none): the next tick was computed past it
  ARGV[4] next tick (ms), '' when paused or ended
  ARGV[5] generation (see scheduleTick-8): the one read when the ticks stay
          as they were, '' for a new one (the new revision)
  ARGV[6..] the schedule's other fields, name/value pairs
  Returns {1, new revision}, {0} (changed since read: read again),
  {-1} (no queue) or {-7, key} (a key holds the wrong type).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local want = { 'hash', 'hash', 'zset', 'hash' }
for i = 2, 4 do
  local t = redis.call('TYPE', KEYS[i])['ok']
  if t ~= 'none' and t ~= want[i] then return {-7, KEYS[i]} end
end
local id = ARGV[1]
if (redis.call('HGET', KEYS[2], 'rev') or '') ~= ARGV[2] then return {0} end
if (redis.call('HGET', KEYS[4], id) or '') ~= ARGV[3] then return {0} end
local rev = redis.call('HINCRBY', KEYS[4], ':rev', 1)
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'rev', rev, 'gen', ARGV[5] == '' and rev or ARGV[5], unpack(ARGV, 6))
redis.call('ZADD', KEYS[3], ARGV[4] == '' and 'inf' or ARGV[4], id)
return {1, rev}
