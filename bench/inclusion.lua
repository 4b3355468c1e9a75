-- wrk: inclusion proofs of random entries in a log of SIZE entries (bench/ledger.sh).
local size = tonumber(os.getenv("SIZE") or "1000000")
math.randomseed(6962)
request = function()
  local i = math.random(0, size - 1)
  return wrk.format("GET", "/api/v1/ledger/proof/inclusion?index=" .. i .. "&size=" .. size)
end
