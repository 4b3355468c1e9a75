#!/usr/bin/env bash
# Placement on the demo district (issue 7): for each of the 6 demo communities, the fire
# scenario the builder proposes (today's posts: property duty technicians, a grid worker per
# grid, building-head volunteers, the fire station 8 minutes out), built from the community
# model and run through the API as the admin; coverage of vulnerable residents within 5
# minutes — today, greedy, exact — averaged over the day and in the weakest period, the exact
# solve time, and the simulated share of vulnerable residents reached in time.
# Then the same with the grid workers taken off (volunteers and technicians only), where
# posts matter more. Usage: bench/twin-demo.sh   (needs a release build and sqlite3)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-target/release/gongzhi}")
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
DIR=$(mktemp -d)
PORT=${PORT:-18087}
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
cd "$DIR"
"$BIN" --database-url "sqlite://$DIR/demo.db" serve --demo --addr "127.0.0.1:$PORT" >serve.log 2>&1 &
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 1; done
IDS=$(sqlite3 "$DIR/demo.db" "select id from org_units where level = 'community' order by id" | tr '\n' ',')
python3 - "$PORT" "$IDS" <<'PY'
import json, sys, urllib.request
base = "http://127.0.0.1:%s" % sys.argv[1]
def call(path, body=None, token=None):
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(),
                                 headers={"content-type": "application/json", **({"authorization": "Bearer " + token} if token else {})})
    return json.load(urllib.request.urlopen(req))
tok = call("/api/v1/auth/login", {"username": "admin", "password": "gongzhi-demo"})["token"]
ids = [int(x) for x in sys.argv[2].split(",") if x]
print("| community | variant | posts | placed | vulnerable | today: day avg / weakest | greedy | exact | exact solve (ms) | whole run (s) | reached in time (sim.): today → exact |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for cid in ids:
    m = call("/api/v1/twin/communities/%d/model" % cid, token=tok)
    for variant in ("as today", "no grid workers"):
        spec = m["default_spec"]
        if variant != "as today":
            spec = dict(spec, responders=[r for r in spec["responders"] if r["role"] != "grid_worker"])
        spec["name"] = "bench " + variant
        v = call("/api/v1/twin/communities/%d/scenarios" % cid, spec, tok)
        c = v["result"]
        posts = sum(1 for n in v["model"]["nodes"] if n["kind"] != "external")
        placed = sum(1 for r in v["scenario"]["responders"] if not r.get("fixed") and "fire" in r["skills"])
        def cov(p): return "%.1f / %.0f" % (c[p]["covered"], min(c[p]["covered_by_period"]))
        def reach(p):
            m_ = c[p]["metrics"]
            return "%d/%d" % (m_["vulnerable_reached_in_time"], m_["vulnerable_affected"])
        print("| %s | %s | %d | %d | %.0f | %s | %s | %s | %.1f | %.2f | %s → %s |" % (
            v["community_name"], variant, posts, placed, c["vulnerable"], cov("today"), cov("greedy"),
            cov("optimised"), c["solve_ms"], v["run_seconds"], reach("today"), reach("optimised")))
PY
