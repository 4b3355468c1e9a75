#!/usr/bin/env bash
# Crash test (issue 4): kill -9 the server in the middle of a write load; after a restart
# every report that got 201/200 must be there, and the audit chain must verify.
# Usage: bench/crash.sh [sqlite|postgres|both]. Needs a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-target/release/gongzhi}")
PORT=${PORT:-18091}
PG_ADMIN=${PG_ADMIN:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
BASE="http://127.0.0.1:$PORT"

start() {
  (cd "$DIR" && exec "$BIN" serve --demo --addr 127.0.0.1:$PORT --database-url "$URL" >>"$DIR/serve.log" 2>&1) &
  PID=$!
  until curl -sf "$BASE/readyz" >/dev/null 2>&1; do kill -0 $PID 2>/dev/null || { cat "$DIR/serve.log"; exit 1; }; sleep 0.1; done
}

run_one() {
  local kind=$1
  DIR=$(mktemp -d)
  if [ "$kind" = postgres ]; then
    psql "$PG_ADMIN" -qc "drop database if exists gongzhi_crash" -qc "create database gongzhi_crash" >/dev/null
    URL="${PG_ADMIN%/*}/gongzhi_crash"
  else
    URL="sqlite://$DIR/gongzhi.db"
  fi
  start
  local token points
  token=$(curl -s -XPOST -H 'content-type: application/json' -d '{"username":"resident1","password":"gongzhi-demo"}' "$BASE/api/v1/auth/login" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])')
  points=$(python3 bench/points.py "$BASE" "$token")
  python3 bench/crash_load.py "$BASE" "$token" "$points" 8 >"$DIR/acked.json" &
  local load=$!
  sleep "${LOAD_SECONDS:-6}"
  kill -9 $PID
  wait $PID 2>/dev/null || true
  wait $load
  start
  local n missing
  n=$(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))))' "$DIR/acked.json")
  missing=$(python3 - "$DIR/acked.json" "$BASE" "$token" <<'PY'
import json, sys, urllib.request
ids = json.load(open(sys.argv[1]))
missing = 0
for i in ids:
    req = urllib.request.Request(f"{sys.argv[2]}/api/v1/cases/{i}", headers={"Authorization": f"Bearer {sys.argv[3]}"})
    try:
        urllib.request.urlopen(req, timeout=5).read()
    except Exception:
        missing += 1
print(missing)
PY
)
  kill -TERM $PID; wait $PID 2>/dev/null || true
  echo "## $kind: $n reports acknowledged before kill -9; missing after restart: $missing"
  "$BIN" --database-url "$URL" audit verify
  [ "$missing" = 0 ] || exit 1
  rm -rf "$DIR"
}

case "${1:-both}" in
  sqlite) run_one sqlite ;;
  postgres) run_one postgres ;;
  both) run_one sqlite; run_one postgres ;;
esac
