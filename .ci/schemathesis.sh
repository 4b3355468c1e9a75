#!/usr/bin/env bash
# Fuzzes the whole JSON API with schemathesis (property-based requests generated from the
# OpenAPI document) against the demo, as three roles, and fails on any undocumented status
# code or any 5xx. Bounded: 25 examples per operation per role, a fixed seed (a failure
# reproduces), at most 5 minutes per role.
#   .ci/schemathesis.sh sqlite|pg      (PG: GONGZHI_TEST_DATABASE_URL, default the CI one)
set -euo pipefail
cd "$(dirname "$0")/.."
DB="${1:-sqlite}"
BIN="${BIN:-target/debug/gongzhi}"
PG_URL="${GONGZHI_TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
[ -x "$BIN" ] || cargo build --quiet
work="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
pgname=""
if [ "$DB" = pg ]; then
  pgname="st_$(date +%s)_$RANDOM"
  psql "$PG_URL" -qc "create database $pgname"
  url="${PG_URL%/*}/$pgname"
else
  url="sqlite://$work/demo.db"
fi
"$BIN" --database-url "$url" --key-file "$work/key" --ledger-key-file "$work/ledger.key" \
  --tombstone-journal "$work/tombstones.jsonl" serve --demo --addr "127.0.0.1:$port" \
  >"$work/serve.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -n "$pgname" ]; then psql "$PG_URL" -qc "drop database if exists $pgname with (force)" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 1
done
curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { cat "$work/serve.log"; exit 1; }
fail=0
for user in street1 resident1 unit-water; do
  token="$(curl -sf -X POST -H 'content-type: application/json' \
    -d "{\"username\":\"$user\",\"password\":\"gongzhi-demo\"}" \
    "http://127.0.0.1:$port/api/v1/auth/login" | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')"
  echo "--- schemathesis as $user ($DB)"
  timeout 300 schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --url "http://127.0.0.1:$port" -H "Authorization: Bearer $token" \
    --checks status_code_conformance,not_a_server_error \
    --max-examples 25 --seed 17 --phases examples,coverage,fuzzing \
    --exclude-path-regex '/auth/logout|/me/cancel|/me/password|/me/totp' \
    --no-color >"$work/st-$user.txt" 2>&1 || { fail=1; cat "$work/st-$user.txt"; }
  grep -E "generated" "$work/st-$user.txt" | tail -1 || true
done
exit "$fail"
