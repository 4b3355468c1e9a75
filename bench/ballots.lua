-- wrk script: staff enter paper ballots (with a small scan) for the units of open votes,
-- each unit once: thread t of T takes units t, t+T, t+2T … of VOTES (comma-separated ids),
-- UNITS=unit numbers separated by '|' (the same register for every vote). After the last
-- unit the thread reads the tally instead (so no 409 inflates the rate); `done` prints
-- how many ballots were created.
local units = {}
for u in string.gmatch(os.getenv("UNITS") or "", "([^|]+)") do units[#units + 1] = u end
local votes = {}
for v in string.gmatch(os.getenv("VOTES") or "", "(%d+)") do votes[#votes + 1] = v end
local token = os.getenv("TOKEN") or ""
local png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
local choices = { "agree", "agree", "agree", "disagree", "abstain" }
local threads = {}
local counter = 1
setup = function(thread)
  thread:set("tid", counter - 1)
  counter = counter + 1
  table.insert(threads, thread)
end
init = function(args)
  n = 0
  created = 0
  other = 0
  T = tonumber(os.getenv("THREADS") or "2")
end
request = function()
  local i = n * T + tid
  n = n + 1
  local total = #units * #votes
  if i >= total then
    return wrk.format("GET", "/api/v1/votes/" .. votes[1] .. "/tally")
  end
  local v = votes[math.floor(i / #units) + 1]
  local u = units[(i % #units) + 1]
  local body = string.format('{"choice":"%s","channel":"paper","owner":"%s","attachment":"%s"}',
    choices[(i % #choices) + 1], u, png)
  return wrk.format("POST", "/api/v1/votes/" .. v .. "/ballots", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
response = function(status, headers, body)
  if status == 201 then created = created + 1 elseif status ~= 200 then other = other + 1 end
end
done = function(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
  end
  io.write(string.format("ballots created: %d; refused: %d; %.0f ballots/s over the run\n",
    c, o, c / (summary.duration / 1e6)))
end
