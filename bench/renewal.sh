#!/usr/bin/env bash
# Micro-renewal figures (issue 20): the page of a round with 50 projects.
#  1. An open round: 50 ideas proposed by resident1 through the API, taken through
#     co-design and review by staff1, put to a round that is voting now; resident1's page
#     (the ballot form with 50 projects) is read with wrk.
#  2. A closed round: a pabulib file of 50 projects and VOTERS approval ballots imported
#     through the API (tallied with Equal Shares and published on import); its results page
#     (votes, cost and why for each of the 50) is read with wrk.
# Goal: each page in < 100 ms (p99).
# Usage: bench/renewal.sh [sqlite|postgres] (default sqlite). Needs a release build and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-target/release/gongzhi}")
KIND=${1:-sqlite}
PORT=${PORT:-18091}
VOTERS=${VOTERS:-5000}
DURATION=${DURATION:-10s}
PG_ADMIN=${PG_ADMIN:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
DIR=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
if [ "$KIND" = postgres ]; then
  psql "$PG_ADMIN" -qc "drop database if exists gongzhi_renewal_bench" -qc "create database gongzhi_renewal_bench" >/dev/null
  URL="${PG_ADMIN%/*}/gongzhi_renewal_bench"
else
  URL="sqlite://$DIR/gongzhi.db"
fi
(cd "$DIR" && exec "$BIN" serve --demo --addr 127.0.0.1:$PORT --database-url "$URL" >"$DIR/serve.log" 2>&1) &
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
export BASE VOTERS
python3 - >"$DIR/ids" <<'PY'
import json, os, random, urllib.request, datetime
base = os.environ["BASE"]
def call(path, token=None, body=None, method=None):
    h = {"content-type": "application/json"}
    if token: h["authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode(), headers=h, method=method)
    with urllib.request.urlopen(req) as r:
        t = r.read()
        return json.loads(t) if t else {}
def login(u): return call("/api/v1/auth/login", body={"username": u, "password": "gongzhi-demo"})["token"]
r1, staff = login("resident1"), login("staff1")
me = call("/api/v1/renewal/projects", r1)
# resident1's own building: the pin of every idea.
proj = call(f"/api/v1/renewal/projects/{me[-1]['id']}", r1)
lng, lat = proj["lng"], proj["lat"]
ids = []
for i in range(50):
    p = call("/api/v1/renewal/projects", r1, {"title": f"微更新想法{i+1}号", "description": "测试用想法，描述空间现状与改造设想。" * 3,
             "place": f"{i % 12 + 1}号楼旁", "lng": lng, "lat": lat})["id"]
    for a in ({"action": "codesign"}, {"action": "review"}, {"action": "feasible", "cost_fen": (5 + i % 20) * 1_000_00, "text": "可行"}):
        call(f"/api/v1/renewal/projects/{p}/actions", staff, a)
    ids.append(p)
now = datetime.datetime.utcnow() + datetime.timedelta(hours=8)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M")
open_round = call("/api/v1/renewal/rounds", staff, {"title": "基准：50个项目", "budget_fen": 100_000_000, "rule": "mes",
    "vote_opens": fmt(now - datetime.timedelta(hours=1)), "vote_closes": fmt(now + datetime.timedelta(days=7)), "projects": ids})["id"]
random.seed(20)
n = int(os.environ["VOTERS"])
lines = ["META", "key;value", "description;基准导入", f"num_projects;50", f"num_votes;{n}", "budget;1000000", "vote_type;approval",
         "PROJECTS", "project_id;cost;name"]
lines += [f"{k+1};{(5 + k % 20) * 1000};导入项目{k+1}" for k in range(50)]
lines += ["VOTES", "voter_id;vote"]
for v in range(n):
    lines.append(f"{v+1};" + ",".join(str(k) for k in sorted(random.sample(range(1, 51), random.randint(1, 8)))))
closed_round = call("/api/v1/renewal/rounds/import", staff, {"rule": "mes", "file": "\n".join(lines) + "\n"})["id"]
print(r1, open_round, closed_round)
PY
read -r TOKEN OPEN CLOSED <"$DIR/ids"
for what in "open:$OPEN" "closed:$CLOSED"; do
  ID=${what#*:}
  BYTES=$(curl -s -H "authorization: Bearer $TOKEN" "$BASE/renewal/rounds/$ID" | wc -c)
  ROWS=$(curl -s -H "authorization: Bearer $TOKEN" "$BASE/renewal/rounds/$ID" | grep -c 'data-key=')
  echo "### $KIND: ${what%%:*} round $ID, $ROWS projects on the page ($BYTES bytes), wrk -t2 -c4 $DURATION"
  wrk -t2 -c4 -d"$DURATION" --latency -H "authorization: Bearer $TOKEN" "$BASE/renewal/rounds/$ID" | grep -E "Requests/sec|Latency|50%|99%"
done
