--[[
  Stores progress and log lines of held jobs and events them. Updates for a
  job whose lease is gone are dropped (its attempt already ended).
  KEYS[1] events
  ARGV[3] max log lines kept per job, then groups of 5:
    id, token (the attempt's own; '' is never held), fraction ('' for none), message, log line ('' for none)
  Returns how many updates were applied.
]]
local kEvents = KEYS[1]
local keep = tonumber(ARGV[3])
local read = {}
for i = 4, #ARGV, 5 do
  local r, bad = readJob(ARGV[i], 'state', 'tok', 'att')
  if not r then return bad end
  if ARGV[i + 4] ~= '' then
    local logs = JOB .. ARGV[i] .. ':logs'
    local t = redis.call('TYPE', logs)['ok']
    if t ~= 'none' and t ~= 'list' then return wrongType(logs) end
  end
  read[#read + 1] = r
end
local applied = 0
local now = nowMs()
for i = 4, #ARGV, 5 do
  local id, token, fraction, message, line = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local key = JOB .. id
  local r = read[(i - 4) / 5 + 1]
  if holdsLease(r, token) then
    if fraction ~= '' then
      redis.call('HSET', key, 'prog', cjson.encode({ fraction = tonumber(fraction), message = message ~= '' and message or nil }))
      emit(kEvents, 'e', 'progress', 'j', id, 'a', r[3], 'f', fraction, 'm', message)
    end
    if line ~= '' then
      -- Stored as '<ms> <attempt> <line>' (decoded by job-codec's decodeLogLine); the event keeps the bare line.
      redis.call('RPUSH', key .. ':logs', now .. ' ' .. r[3] .. ' ' .. line)
      redis.call('LTRIM', key .. ':logs', -keep, -1)
      emit(kEvents, 'e', 'log', 'j', id, 'a', r[3], 'm', line)
    end
    applied = applied + 1
  end
end
return applied
