#!/usr/bin/env bash
# Intake figures (issue 4): report → dispatched work order, sustained reports/s and p50/p99
# with wrk, beside the bare baseline endpoint (authenticate + insert one row) in the same
# run, on SQLite and PostgreSQL; then the supervision queries over 1,000,000 generated cases.
# Usage: bench/cases.sh [sqlite|postgres|both] (default both). CASES=1000000 DURATION=10s ROUNDS=3
# WARMUP=5s (each endpoint, before the rounds). PARTS=intake skips the million-case part; PARTS=supervision only runs it.
# Needs a release build and wrk + hyperfine; server and load generator share this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/gongzhi}
PORT=${PORT:-18090}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-5s}
CONN=${CONN:-16}
CASES=${CASES:-1000000}
PG_ADMIN=${PG_ADMIN:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
for t in wrk hyperfine; do which $t >/dev/null || { echo "install $t (apt-get install $t)"; exit 1; }; done
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
BIN=$(realpath "$BIN")
BASE="http://127.0.0.1:$PORT"

start() { # kind dir url
  (cd "$2" && exec "$BIN" serve --demo --bench-endpoints --addr 127.0.0.1:$PORT --database-url "$3" >"$2/serve.log" 2>&1) &
  PID=$!
  until curl -sf "$BASE/readyz" >/dev/null 2>&1; do
    kill -0 $PID 2>/dev/null || { cat "$2/serve.log"; exit 1; }
    sleep 0.1
  done
}
stop() { kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true; }
# A failed step must not leave the server running (the next run could not drop its database).
PID=
trap '[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; true' EXIT
login() {
  curl -s -XPOST -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"gongzhi-demo\"}" "$BASE/api/v1/auth/login" \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])'
}
sql() { # kind url query
  if [ "$1" = postgres ]; then psql "$2" -qAtc "$3"; else python3 -c 'import sqlite3,sys;print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "${2#sqlite://}" "$3"; fi
}

run_one() {
  local kind=$1 dir url
  dir=$(mktemp -d)
  if [ "$kind" = postgres ]; then
    psql "$PG_ADMIN" -qc "drop database if exists gongzhi_bench" -qc "create database gongzhi_bench" >/dev/null
    url="${PG_ADMIN%/*}/gongzhi_bench"
  else
    url="sqlite://$dir/gongzhi.db"
  fi
  start "$kind" "$dir" "$url"
  local token points before after
  token=$(login resident1)
  points=$(python3 bench/points.py "$BASE" "$token")
  echo "## $kind"
  if [ "${PARTS:-all}" != supervision ]; then
  # Pipeline and baseline alternate, ROUNDS times each, so that both see the same machine
  # (a shared 2-core VM varies by ±15 % from minute to minute); the medians are reported.
  before=$(sql "$kind" "$url" "select count(*) from cases")
  echo "### POST /api/v1/cases (report → classified, located, routed, deadlines, dispatched) vs POST /api/v1/bench/baseline (authenticate + insert one row); $CONN connections, $DURATION each, $ROUNDS rounds"
  local out="$dir/rounds.txt"
  : >"$out"
  # Warm-up, not measured: both endpoints once for WARMUP (new pool connections prepare
  # their statements, the database settles after the demo load), then the rounds.
  for ep in cases bench/baseline; do
    POINTS=$points TOKEN=$token wrk -t"$(( CONN < 2 ? 1 : 2 ))" -c"$CONN" -d"$WARMUP" -s bench/report.lua "$BASE/api/v1/$ep" >/dev/null
  done
  for r in $(seq "$ROUNDS"); do
    for ep in cases bench/baseline; do
      POINTS=$points TOKEN=$token wrk -t"$(( CONN < 2 ? 1 : 2 ))" -c"$CONN" -d"$DURATION" --latency -s bench/report.lua "$BASE/api/v1/$ep" >"$dir/wrk.txt"
      python3 - "$ep" "$r" "$dir/wrk.txt" >>"$out" <<'PY'
import re, sys
ep, r, t = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
err = re.search(r"Socket errors: (.*)", t)
print(f"{ep} {r} {rps:.0f} {ms('50%'):.1f} {ms('99%'):.1f} {bad.group(1) if bad else 0} {err.group(1) if err else '-'}")
PY
    done
  done
  python3 - "$out" <<'PY'
import statistics, sys
rows = [l.split(maxsplit=6) for l in open(sys.argv[1])]
for l in rows:
    print(f"round {l[1]:>2}  {l[0]:<15} {l[2]:>6} req/s  p50 {l[3]:>5} ms  p99 {l[4]:>6} ms  non-2xx {l[5]}  socket errors {l[6].strip()}")
med = {ep: statistics.median(float(l[2]) for l in rows if l[0] == ep) for ep in ("cases", "bench/baseline")}
p99 = {ep: statistics.median(float(l[4]) for l in rows if l[0] == ep) for ep in ("cases", "bench/baseline")}
print(f"median: pipeline {med['cases']:.0f} req/s (p99 {p99['cases']:.1f} ms), baseline {med['bench/baseline']:.0f} req/s; "
      f"pipeline / baseline = {100 * med['cases'] / med['bench/baseline']:.0f} %")
PY
  after=$(sql "$kind" "$url" "select count(*) from cases")
  echo "new cases: $((after - before)); orders now: $(sql "$kind" "$url" "select count(*) from work_orders")"
  fi
  stop
  if [ "${PARTS:-all}" = intake ]; then rm -rf "$dir"; return; fi
  echo "### $CASES generated cases: supervision queries"
  local t0=$SECONDS
  (cd "$dir" && "$BIN" --database-url "$url" cases generate --count "$CASES")
  echo "generation took $((SECONDS - t0)) s"
  start "$kind" "$dir" "$url"
  token=$(login street1)
  local H="Authorization: Bearer $token"
  hyperfine -N --warmup 2 --runs 15 --export-markdown "$dir/h.md" \
    -n "rates by unit (30 days)" "curl -sf -H '$H' $BASE/api/v1/insight/rates?level=unit" \
    -n "rates by community (365 days)" "curl -sf -H '$H' '$BASE/api/v1/insight/rates?level=community&from=2025-11-22'" \
    -n "rates by grid (30 days)" "curl -sf -H '$H' $BASE/api/v1/insight/rates?level=grid" \
    -n "overdue open cases (queue)" "curl -sf -H '$H' '$BASE/api/v1/cases?status=open&overdue=true&order=queue&per_page=20'" \
    -n "supervised open cases" "curl -sf -H '$H' '$BASE/api/v1/cases?status=open&supervised=true&per_page=20'" \
    -n "dispatcher queue (open, urgent first)" "curl -sf -H '$H' '$BASE/api/v1/cases?status=open&order=queue&per_page=50'" \
    -n "supervision page (all of it)" "curl -sf -H 'Cookie: gz_session=$token' $BASE/supervision" >/dev/null
  cat "$dir/h.md"
  stop
  rm -rf "$dir"
}

case "${1:-both}" in
  sqlite) run_one sqlite ;;
  postgres) run_one postgres ;;
  both) run_one sqlite; run_one postgres ;;
esac
