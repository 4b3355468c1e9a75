-- wrk script: logins with unknown names and wrong passwords, each from another client
-- address (X-Forwarded-For through a trusted proxy), so that neither the per-name nor the
-- per-address throttle stops them: every one costs a full Argon2id check.
math.randomseed(os.time())
local n = 0
request = function()
  n = n + 1
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  local body = string.format('{"username":"nobody%d","password":"wrong-password-%d"}', n, n)
  return wrk.format("POST", "/api/v1/auth/login", {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = ip,
  }, body)
end
