--[[
  Debits the cost a job reported (LLM tokens, say) from its group's and the
  queue's points windows (issue #18; see limits.lua), while its attempt holds
  the lease: before its completion or failure is acknowledged.
  KEYS[1] limits, KEYS[2] lstate
  ARGV[3..] triples of id, token (the attempt's own; '' is never held), cost
  Returns one code per job: 1 charged, JOB_NOT_FOUND, LEASE_LOST.
]]
local kLimits, kState = KEYS[1], KEYS[2]
local read, bad = readJobs(ARGV, 3, #ARGV, 3, 'state', 'tok', 'grp')
if not read then return bad end
local now = nowMs()
local out = {}
for i = 3, #ARGV, 3 do
  local r = read[(i - 3) / 3 + 1]
  if not r[1] then
    out[#out + 1] = JOB_NOT_FOUND
  elseif not holdsLease(r, ARGV[i + 1]) then
    out[#out + 1] = LEASE_LOST
  else
    limitsCharge(kLimits, kState, r[3] or '', tonumber(ARGV[i + 2]) or 0, now)
    out[#out + 1] = 1
  end
end
return out
