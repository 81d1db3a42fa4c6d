--[[
  Stores progress and log lines of held jobs and events them. Updates for a
  job whose lease is gone are dropped (its attempt already ended).
  ARGV[3] max log lines kept per job, then groups of 5:
    id, token ('' for the current one), fraction ('' for none), message, log line ('' for none)
  Returns how many updates were applied.
]]
local keep = tonumber(ARGV[3])
local applied = 0
for i = 4, #ARGV, 5 do
  local id, token, fraction, message, line = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local key = JOB .. id
  local r = redis.call('HMGET', key, 'state', 'tok', 'att')
  if r[1] == 'active' and (token == '' or r[2] == token) then
    if fraction ~= '' then
      redis.call('HSET', key, 'prog', cjson.encode({ fraction = tonumber(fraction), message = message ~= '' and message or nil }))
      emit('e', 'progress', 'j', id, 'a', r[3], 'f', fraction, 'm', message)
    end
    if line ~= '' then
      redis.call('RPUSH', key .. ':logs', line)
      redis.call('LTRIM', key .. ':logs', -keep, -1)
      emit('e', 'log', 'j', id, 'a', r[3], 'm', line)
    end
    applied = applied + 1
  end
end
return applied
