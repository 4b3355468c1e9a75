#!/usr/bin/env bash
# Issue 17: does an anonymous login flood stall case filing? Case filing (bench/report.lua,
# wrk, CONN connections) alone, then with a flood of unknown-name logins from ever-new
# addresses (bench/login_flood.lua through a trusted proxy, so no throttle stops them and
# every one costs a full Argon2id check), on SQLite and PostgreSQL. Prints p50/p99 and
# throughput of filing in both runs and how many logins the flood made.
# Usage: bench/login_flood.sh [sqlite|postgres|both]   DURATION=20s CONN=4 FLOOD_CONN=8
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/gongzhi}
PORT=${PORT:-18091}
DURATION=${DURATION:-20s}
CONN=${CONN:-4}
FLOOD_CONN=${FLOOD_CONN:-8}
PG_ADMIN=${PG_ADMIN:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
which wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
BIN=$(realpath "$BIN")
BASE="http://127.0.0.1:$PORT"
PID=
trap '[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; true' EXIT

start() { # dir url
  (cd "$1" && exec "$BIN" serve --demo --trusted-proxies 127.0.0.1 --addr 127.0.0.1:$PORT --database-url "$2" >"$1/serve.log" 2>&1) &
  PID=$!
  until curl -sf "$BASE/readyz" >/dev/null 2>&1; do
    kill -0 $PID 2>/dev/null || { cat "$1/serve.log"; exit 1; }
    sleep 0.1
  done
}
stop() { kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true; PID=; }
login() {
  curl -s -XPOST -H 'content-type: application/json' -H 'x-forwarded-for: 192.0.2.1' \
    -d "{\"username\":\"$1\",\"password\":\"gongzhi-demo\"}" "$BASE/api/v1/auth/login" \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])'
}
summary() { # wrk output → "p50 p99 req/s"
  python3 -c '
import re,sys
t=sys.stdin.read()
def ms(s):
    v,u=re.match(r"([\d.]+)(us|ms|s)",s).groups(); return float(v)*{"us":0.001,"ms":1,"s":1000}[u]
p50=ms(re.search(r"^\s+50%\s+(\S+)",t,re.M).group(1)); p99=ms(re.search(r"^\s+99%\s+(\S+)",t,re.M).group(1))
rps=float(re.search(r"Requests/sec:\s+([\d.]+)",t).group(1))
print(f"p50 {p50:.1f} ms  p99 {p99:.1f} ms  {rps:.0f}/s")'
}

run_one() {
  local kind=$1 dir url
  dir=$(mktemp -d)
  if [ "$kind" = postgres ]; then
    psql "$PG_ADMIN" -qc "drop database if exists gongzhi_flood" -qc "create database gongzhi_flood" >/dev/null
    url="${PG_ADMIN%/*}/gongzhi_flood"
  else
    url="sqlite://$dir/gongzhi.db"
  fi
  start "$dir" "$url"
  local token points
  token=$(login resident1)
  points=$(python3 bench/points.py "$BASE" "$token")
  POINTS="$points" TOKEN="$token" wrk -t1 -c"$CONN" -d5s -s bench/report.lua "$BASE/api/v1/cases" >/dev/null
  echo "## $kind"
  echo -n "filing alone:         "
  POINTS="$points" TOKEN="$token" wrk -t1 -c"$CONN" -d"$DURATION" --latency -s bench/report.lua "$BASE/api/v1/cases" | summary
  wrk -t1 -c"$FLOOD_CONN" -d"$DURATION" --latency -s bench/login_flood.lua "$BASE" >"$dir/flood.txt" 2>&1 &
  local fpid=$!
  sleep 1
  echo -n "filing during flood:  "
  POINTS="$points" TOKEN="$token" wrk -t1 -c"$CONN" -d"$DURATION" --latency -s bench/report.lua "$BASE/api/v1/cases" | summary
  wait $fpid || true
  echo -n "the flood's logins:   "
  summary <"$dir/flood.txt"
  stop
  [ "$kind" = postgres ] && psql "$PG_ADMIN" -qc "drop database if exists gongzhi_flood" >/dev/null
  rm -rf "$dir"
}

case "${1:-both}" in
  sqlite) run_one sqlite ;;
  postgres) run_one postgres ;;
  both) run_one sqlite; run_one postgres ;;
esac
