--[[
  Test-harness fixture: proves `?raw` Lua imports work under vitest.
  KEYS[1] key to set
  ARGV[1] value
  Output: the value read back.
]]
redis.call('SET', KEYS[1], ARGV[1])
return redis.call('GET', KEYS[1])
