#!/usr/bin/env bash
# Similar-case search end to end (issue 5): DISPUTES past disputes written to the database
# by `gongzhi mediation generate`, the server's in-memory index rebuilt from them on first
# use (timed), then GET /api/v1/mediation/similar under wrk (HTTP, auth, the access filter of
# a street supervisor, highlights). SQLite by default; DB=postgres uses PG_ADMIN's server.
# Usage: bench/mediation-e2e.sh   (DISPUTES=1000000 DURATION=20s CONN=8; needs a release
# build and wrk; server and load generator share this machine)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-target/release/gongzhi}")
PORT=${PORT:-18091}
DISPUTES=${DISPUTES:-1000000}
DURATION=${DURATION:-20s}
CONN=${CONN:-8}
BASE="http://127.0.0.1:$PORT"
which wrk >/dev/null || { echo "install wrk"; exit 1; }
DIR=$(mktemp -d)
URL="sqlite://$DIR/g.db"
PID=
trap '[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; rm -rf "$DIR"' EXIT
start() {
  (cd "$DIR" && exec "$BIN" serve --demo --addr 127.0.0.1:$PORT --database-url "$URL" >>"$DIR/serve.log" 2>&1) &
  PID=$!
  until curl -sf "$BASE/readyz" >/dev/null 2>&1; do kill -0 $PID 2>/dev/null || { cat "$DIR/serve.log"; exit 1; }; sleep 0.1; done
}
stop() { kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true; PID=; }
login() {
  curl -s -XPOST -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"gongzhi-demo\"}" "$BASE/api/v1/auth/login" \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])'
}
start; stop
echo "### writing $DISPUTES disputes"
(cd "$DIR" && /usr/bin/time -f "generate: %e s, peak RSS %M KiB" "$BIN" mediation generate --count "$DISPUTES" --database-url "$URL")
ls -l "$DIR/g.db" | awk '{printf "database: %.0f MB\n", $5/1e6}'
start
TOKEN=$(login street1)
echo "### first search (builds the index from the database)"
curl -s -o /dev/null -w "first search: %{time_total} s\n" -H "authorization: Bearer $TOKEN" \
  "$BASE/api/v1/mediation/similar?k=5&q=%E6%A5%BC%E4%B8%8A%E6%BC%8F%E6%B0%B4"
grep -o "VmRSS:.*" /proc/$PID/status | sed 's/^/server /'
for c in 1 "$CONN"; do
  echo "### wrk: $c connection(s), $DURATION, street1 (a street supervisor)"
  TOKEN=$TOKEN wrk -t1 -c"$c" -d"$DURATION" --latency -s bench/similar.lua "$BASE" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
done
echo "### filing 20 disputes one after another (type guess, risk, matching, index update)"
R1=$(login resident1)
for i in $(seq 1 20); do
  curl -s -o /dev/null -w "%{time_total}\n" -H "authorization: Bearer $R1" -H 'content-type: application/json' \
    -d '{"account":"楼上卫生间漏水，渗到我家天花板，多次协商对方不肯维修也不赔偿。","parties":[{"name":"402室住户"}],"consent":true}' \
    "$BASE/api/v1/disputes"
done | sort -n | awk '{a[NR]=$1} END {printf "filing: median %.0f ms, max %.0f ms\n", a[int((NR+1)/2)]*1000, a[NR]*1000}'
curl -s -H "authorization: Bearer $TOKEN" "$BASE/api/v1/mediation/similar?k=5&q=%E6%A5%BC%E4%B8%8A%E6%BC%8F%E6%B0%B4" | python3 -c 'import json,sys; r=json.load(sys.stdin)["results"]; print("sample:", [(h["source"], h["type"], h["outcome"]) for h in r])'
