#!/usr/bin/env bash
# Mediation figures (issue 5): retrieval quality on the published case base (leave-one-out
# precision@5), and similar-case search over DOCS synthetic disputes (index build time and
# size, search p50/p99 with an access filter and highlights).
# Usage: bench/mediation.sh   (DOCS=1000000 QUERIES=1000; needs a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/gongzhi}
DOCS=${DOCS:-1000000}
QUERIES=${QUERIES:-1000}
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
echo "### leave-one-out on the 97 published cases"
"$BIN" mediation eval --k 5
echo "### $DOCS synthetic disputes, $QUERIES searches (k=5)"
/usr/bin/time -f "peak RSS %M KiB" "$BIN" mediation bench --docs "$DOCS" --queries "$QUERIES" --k 5 --dir "$DIR/index"
