#!/usr/bin/env bash
# Mediation figures (issue 5), each beside its peer (SQLite FTS5 with the trigram tokenizer)
# in the same run:
#   1. retrieval quality on the 97 published cases, leave-one-out: precision@5 of the
#      dispute type, and the accuracy of the type guess;
#   2. similar-case search over DOCS synthetic disputes: build time, size, search p50/p99
#      (k=5, restricted to ten communities as a supervisor's search is, with highlights).
# Usage: bench/mediation.sh   (DOCS=1000000 QUERIES=300; needs a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/gongzhi}
DOCS=${DOCS:-1000000}
QUERIES=${QUERIES:-300}
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
echo "### leave-one-out on the 97 published cases"
"$BIN" mediation eval --k 5
echo "### $DOCS synthetic disputes, $QUERIES searches (k=5): ours (tantivy + jieba) and the peer"
/usr/bin/time -f "peak RSS %M KiB" "$BIN" mediation bench --docs "$DOCS" --queries "$QUERIES" --k 5 --dir "$DIR" 2>&1 | grep -v "slow statement"
