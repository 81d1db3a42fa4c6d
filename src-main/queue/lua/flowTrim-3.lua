--[[
  Deletes a child of a deleted (trimmed, removed) parent, from a `trim` outbox
  entry (flows.lua; src-main/flows/flow-outbox.ts). Runs in the CHILD's slot.
  Idempotent: a child already gone, of another parent, or not final (waiting,
  delayed, running, waiting for its own children) is left as it is.
  KEYS[1] completed, KEYS[2] dead, KEYS[3] cancelled
  ARGV[3] child id, ARGV[4] parent ref '<queue>/<id>'
  Returns 0 nothing deleted, 1 deleted, 2 deleted and wrote a `trim` entry for its own children.
]]
local kCompleted, kDead, kCancelled = KEYS[1], KEYS[2], KEYS[3]
local id = ARGV[3]
local r, bad = readJob(id, 'state', 'par', 'fk')
if not r then return bad end
local sets = { completed = kCompleted, dead = kDead, cancelled = kCancelled }
if not sets[r[1]] or r[2] ~= ARGV[4] then return 0 end
redis.call('ZREM', sets[r[1]], id)
deleteJobs({ id })
if r[3] then return 2 end
return 1
