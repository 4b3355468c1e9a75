#!/usr/bin/env bash
# Public-ledger figures (issue 6), each beside the machine's SHA-256 rate (the physical
# limit: every append hashes its entry, every verification hashes every entry):
#   1. durable appends per second, batched (each batch one committed transaction), SQLite;
#      and PostgreSQL when PG_URL is set (its database is dropped and made again);
#   2. inclusion-proof latency in a log of BIG entries (in the process, and over HTTP with wrk);
#   3. full verification of a log of N entries: from the database, and over HTTP.
# Usage: bench/ledger.sh   (N=1000000 BIG=10000000; needs a release build, wrk, hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-target/release/gongzhi}")
LUA=$(realpath bench/inclusion.lua)
N=${N:-1000000}
BIG=${BIG:-10000000}
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
DIR=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$DIR"' EXIT
cd "$DIR"

echo "### SHA-256 on this machine (openssl speed): 64-byte nodes and 400-byte entries"
openssl speed -seconds 3 -bytes 64 sha256 2>/dev/null | tail -1
openssl speed -seconds 3 -bytes 400 sha256 2>/dev/null | tail -1

echo "### $N appends, batches of 1000, SQLite (then 10,000 inclusion proofs at $N)"
"$BIN" --database-url "sqlite://$DIR/n.db" ledger bench --entries "$N" --batch 1000 --proofs 10000 2>/dev/null
if [ -n "${PG_URL:-}" ]; then
  echo "### $N appends, batches of 1000, PostgreSQL"
  psql "$PG_URL" -qc "drop database if exists gongzhi_ledger_bench" -c "create database gongzhi_ledger_bench"
  "$BIN" --database-url "${PG_URL%/*}/gongzhi_ledger_bench" ledger bench --entries "$N" --batch 1000 --proofs 10000 2>/dev/null
fi

echo "### full verification of $N entries: from the database, then over HTTP"
"$BIN" --database-url "sqlite://$DIR/n.db" serve --addr 127.0.0.1:8097 >/dev/null 2>&1 &
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:8097/ledger/key >/dev/null && break; sleep 0.2; done
KEY=$(curl -s http://127.0.0.1:8097/ledger/key)
hyperfine --warmup 1 --runs 5 \
  "$BIN --database-url sqlite://$DIR/n.db ledger verify" \
  "$BIN ledger verify --url http://127.0.0.1:8097 --key '$KEY'"
kill %1; wait %1 2>/dev/null || true

echo "### $BIG appends, batches of 10,000, SQLite; then 100,000 inclusion proofs at $BIG"
/usr/bin/time -f "peak RSS %M KiB" "$BIN" --database-url "sqlite://$DIR/big.db" ledger bench --entries "$BIG" --batch 10000 --proofs 100000 2>&1 | grep -v INFO
ls -l big.db | awk '{printf "database size %.1f GB\n", $5/1e9}'
echo "### inclusion proofs at $BIG over HTTP (wrk, 1 and 4 connections)"
"$BIN" --database-url "sqlite://$DIR/big.db" serve --addr 127.0.0.1:8098 >/dev/null 2>&1 &
for _ in $(seq 1 50); do curl -sf http://127.0.0.1:8098/ledger/key >/dev/null && break; sleep 0.2; done
SIZE=$BIG wrk -t1 -c1 -d15s --latency -s "$LUA" http://127.0.0.1:8098 | grep -E "Latency|50%|99%|Requests/sec"
SIZE=$BIG wrk -t2 -c4 -d15s --latency -s "$LUA" http://127.0.0.1:8098 | grep -E "Latency|50%|99%|Requests/sec"
