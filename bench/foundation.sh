#!/usr/bin/env bash
# Foundation figures (issue 2): time from `serve --demo` to ready, resident memory after
# seeding, and wrk throughput/p99 for GET /api/v1/org/locate and the home page, on SQLite
# and PostgreSQL. Usage: bench/foundation.sh [sqlite|postgres|both] (default both).
# Needs a release build (cargo build --release) and wrk; server and wrk share this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/gongzhi}
PORT=${PORT:-18080}
DURATION=${DURATION:-15s}
CONN=${CONN:-64}
PG_ADMIN=${PG_ADMIN:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
which wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
BIN=$(realpath "$BIN")

run_one() {
  local kind=$1 dir url
  dir=$(mktemp -d)
  if [ "$kind" = postgres ]; then
    psql "$PG_ADMIN" -qc "drop database if exists gongzhi_bench" -qc "create database gongzhi_bench" >/dev/null
    url="${PG_ADMIN%/*}/gongzhi_bench"
  else
    url="sqlite://$dir/gongzhi.db"
  fi
  local t0 t1 pid
  t0=$(date +%s.%N)
  (cd "$dir" && exec "$BIN" serve --demo --addr 127.0.0.1:$PORT --database-url "$url" >"$dir/serve.log" 2>&1) &
  pid=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { cat "$dir/serve.log"; exit 1; }
    sleep 0.05
  done
  t1=$(date +%s.%N)
  sleep 1
  local rss
  rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  local bbox token
  bbox=$(curl -s "http://127.0.0.1:$PORT/api/v1/org/grids?per_page=500" | python3 -c '
import json,sys
xs=[];ys=[]
for g in json.load(sys.stdin)["items"]:
    for x,y in g["geometry"]["coordinates"][0]: xs.append(x); ys.append(y)
print(f"{min(xs)},{min(ys)},{max(xs)},{max(ys)}")')
  token=$(curl -s -XPOST -H 'content-type: application/json' -d '{"username":"staff1","password":"gongzhi-demo"}' "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
  echo "## $kind"
  printf 'serve --demo to ready: %.2f s\n' "$(echo "$t1 - $t0" | bc)"
  echo "resident memory after seeding: $((rss / 1024)) MiB"
  echo "### GET /api/v1/org/locate (random points in the district, $CONN connections, $DURATION)"
  BBOX=$bbox wrk -t2 -c"$CONN" -d"$DURATION" --latency -s bench/locate.lua "http://127.0.0.1:$PORT" | grep -E "Requests/sec|99%|Non-2xx|Socket errors|requests in"
  echo "### GET / (home page as staff1, $CONN connections, $DURATION)"
  wrk -t2 -c"$CONN" -d"$DURATION" --latency -H "Cookie: gz_session=$token" "http://127.0.0.1:$PORT/" | grep -E "Requests/sec|99%|Non-2xx|Socket errors|requests in"
  kill -TERM $pid; wait $pid 2>/dev/null || true
  rm -rf "$dir"
}

case "${1:-both}" in
  sqlite) run_one sqlite ;;
  postgres) run_one postgres ;;
  both) run_one sqlite; run_one postgres ;;
esac
