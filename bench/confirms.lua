-- wrk script: staff confirm pending time-bank services, each once: thread t of T confirms
-- ids FIRST+t, FIRST+t+T, … up to LAST; after the last it reads the account instead (so no
-- 409 inflates the rate). `done` prints how many were confirmed (200) and anything else.
local token = os.getenv("TOKEN") or ""
local first = tonumber(os.getenv("FIRST") or "1")
local last = tonumber(os.getenv("LAST") or "0")
local threads = {}
local counter = 1
setup = function(thread)
  thread:set("tid", counter - 1)
  counter = counter + 1
  table.insert(threads, thread)
end
init = function(args)
  n = 0
  ok = 0
  other = 0
  T = tonumber(os.getenv("THREADS") or "2")
end
request = function()
  local id = first + n * T + tid
  n = n + 1
  local h = { ["authorization"] = "Bearer " .. token, ["content-type"] = "application/json" }
  if id > last then
    return wrk.format("GET", "/api/v1/timebank/account", h)
  end
  return wrk.format("POST", "/api/v1/timebank/services/" .. id .. "/confirm", h, "{}")
end
response = function(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end
done = function(summary, latency, requests)
  local total_ok, total_other = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_other = total_other + t:get("other")
  end
  io.write(string.format("answered 200: %d, other: %d\n", total_ok, total_other))
end
