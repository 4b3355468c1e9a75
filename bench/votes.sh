#!/usr/bin/env bash
# Owners' votes figures (issue 19): a compound of 5,000 units (imported through the register
# API into the buildings of resident1's compound), VOTES compound-wide votes opened on it
# through the API, then staff1 enters paper ballots through the API (wrk, bench/ballots.lua)
# while the live tally of the first vote is read over and over (wrk, second process):
# ballots/s sustained with the tally being read, and the tally's latency p99 under that load;
# then the tally alone (5,000 ballots counted per request).
# Usage: bench/votes.sh [sqlite|postgres] (default sqlite). Needs a release build and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-target/release/gongzhi}")
KIND=${1:-sqlite}
PORT=${PORT:-18090}
UNITS=${UNITS:-5000}
VOTES=${VOTES:-6}
DURATION=${DURATION:-10s}
PG_ADMIN=${PG_ADMIN:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
DIR=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
if [ "$KIND" = postgres ]; then
  psql "$PG_ADMIN" -qc "drop database if exists gongzhi_votes_bench" -qc "create database gongzhi_votes_bench" >/dev/null
  URL="${PG_ADMIN%/*}/gongzhi_votes_bench"
  SQL() { psql "$URL" -Atc "$1"; }
else
  URL="sqlite://$DIR/gongzhi.db"
  SQL() { sqlite3 "$DIR/gongzhi.db" "$1"; }
fi
(cd "$DIR" && exec "$BIN" serve --demo --addr 127.0.0.1:$PORT --database-url "$URL" >"$DIR/serve.log" 2>&1) &
until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
TOKEN=$(curl -s -XPOST -H 'content-type: application/json' -d '{"username":"staff1","password":"gongzhi-demo"}' "$BASE/api/v1/auth/login" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
COMPOUND=$(SQL "select c.id from users u join residents r on r.id = u.resident_id join org_units b on b.id = r.building_id join org_units c on c.id = b.parent_id where u.username = 'resident1'")
BUILDINGS=$(SQL "select id from org_units where parent_id = $COMPOUND and level = 'building' order by id" | tr '\n' ' ')
echo "### $KIND: compound $COMPOUND, buildings: $BUILDINGS; importing $UNITS units"
export BASE TOKEN UNITS BUILDINGS
python3 - <<'PY'
import json, os, urllib.request
base, token, n = os.environ["BASE"], os.environ["TOKEN"], int(os.environ["UNITS"])
buildings = os.environ["BUILDINGS"].split()
def id_number(seq):
    body = "11010119%02d0101%03d" % (40 + seq // 1000 % 50, seq % 1000)
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c) * x for c, x in zip(body, w))
    return body + "10X98765432"[s % 11]
per = -(-n // len(buildings))
seq = 0
for b in buildings:
    rows = ["房号,楼层,专有面积,业主姓名,证件号码"]
    for k in range(per):
        if seq >= n: break
        floor = 1 + k // 20
        # Every 40th owner holds two flats (one head, areas added); 1% unsold.
        owner = seq - 1 if seq % 40 == 1 else seq
        if seq % 100 == 99:
            rows.append("B%d-%d%02d,%d,%.2f,开发商," % (int(b), floor, k % 20 + 1, floor, 70 + seq % 60 + 0.25))
        else:
            rows.append("B%d-%d%02d,%d,%.2f,业主%d,%s" % (int(b), floor, k % 20 + 1, floor, 60 + seq % 70 + 0.5, owner % 10, id_number(owner)))
        seq += 1
    req = urllib.request.Request(f"{base}/api/v1/votes/register/{b}/import", data="\n".join(rows).encode(),
        headers={"authorization": "Bearer " + token, "content-type": "text/csv"})
    r = json.load(urllib.request.urlopen(req))
    assert r["written"] > 0 or r["rows"] == 0, r
PY
DAY=$(date -u -d "+10 days" +%F)
IDS=""
for _ in $(seq 1 "$VOTES"); do
  ID=$(curl -s -XPOST -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"scope\":\"compound\",\"scope_id\":$COMPOUND,\"matter\":\"manager\",\"title\":\"续聘物业服务企业\",\"closes_on\":\"$DAY\"}" \
    "$BASE/api/v1/votes" | python3 -c 'import json,sys;print(json.load(sys.stdin)["id"])')
  IDS="$IDS${IDS:+,}$ID"
done
FIRST=${IDS%%,*}
UNITLIST=$(curl -s "$BASE/api/v1/votes/$FIRST/register.csv" | tail -n +2 | cut -d, -f1 | paste -sd'|')
HEADS=$(curl -s "$BASE/api/v1/votes/$FIRST/tally" | python3 -c 'import json,sys;t=json.load(sys.stdin);print(t["total_heads"], "heads,", t["total_area_m2"], "m2")')
echo "### votes $IDS on $(echo "$UNITLIST" | tr '|' '\n' | wc -l) units ($HEADS)"
echo "### ballots through the API (wrk -t2 -c8, $DURATION) while the live tally is read (wrk -t1 -c2)"
wrk -t1 -c2 -d"$DURATION" --latency "$BASE/api/v1/votes/$FIRST/tally" >"$DIR/tally.txt" &
TOKEN=$TOKEN UNITS=$UNITLIST VOTES=$IDS THREADS=2 wrk -t2 -c8 -d"$DURATION" --latency -s bench/ballots.lua "$BASE" | grep -E "ballots|Latency|99%"
wait %2 2>/dev/null || true
echo "tally under load:"; grep -E "Requests/sec|Latency|50%|99%" "$DIR/tally.txt"
echo "### the tally alone, $(curl -s "$BASE/api/v1/votes/$FIRST/tally" | python3 -c 'import json,sys;print(json.load(sys.stdin)["participating_heads"])') ballots counted (wrk -t2 -c4 10s)"
wrk -t2 -c4 -d10s --latency "$BASE/api/v1/votes/$FIRST/tally" | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "### recount of the published files with the CLI (hyperfine)"
curl -s "$BASE/api/v1/votes/$FIRST/register.csv" >"$DIR/u.csv"; curl -s "$BASE/api/v1/votes/$FIRST/ballots.csv" >"$DIR/b.csv"
diff <("$BIN" votes tally --units "$DIR/u.csv" --ballots "$DIR/b.csv" --matter manager) <(curl -s "$BASE/api/v1/votes/$FIRST/tally"; echo) && echo "recount == live tally"
hyperfine -N --warmup 3 --runs 30 "$BIN votes tally --units $DIR/u.csv --ballots $DIR/b.csv --matter manager" 2>/dev/null | grep -E "Time|Range"
