-- wrk script: GET /api/v1/org/locate at pseudo-random points inside the district's extent
-- (BBOX env: west,south,east,north). Deterministic sequence per thread.
local w, s, e, n = os.getenv("BBOX"):match("([^,]+),([^,]+),([^,]+),([^,]+)")
w, s, e, n = tonumber(w), tonumber(s), tonumber(e), tonumber(n)
local seed = 12345
local function rnd()
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
end
request = function()
  local lng = w + (e - w) * rnd()
  local lat = s + (n - s) * rnd()
  return wrk.format("GET", string.format("/api/v1/org/locate?lng=%.6f&lat=%.6f", lng, lat))
end
