#!/usr/bin/env bash
# Digital-twin figures (issue 7): the event engine on M/M/c beside SimPy on the same model,
# one million customers, in the same run; each beside Erlang C's exact values.
# Usage: bench/simulate.sh   (N=1000000; needs a release build; installs simpy from PyPI)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/gongzhi}
N=${N:-1000000}
[ -x "$BIN" ] || { echo "build first: cargo build --release"; exit 1; }
python3 -c "import simpy" 2>/dev/null || pip install -q "simpy==4.1.2"
for model in "2.25 0.25 10" "8 2 5" "0.8 1 1"; do
  set -- $model
  echo "### M/M/c λ=$1 μ=$2 c=$3, $N customers"
  for seed in 1 2 3; do
    echo "ours (seed $seed):  $("$BIN" simulate mmc --lambda "$1" --mu "$2" --servers "$3" --customers "$N" --seed "$seed")"
  done
  echo "simpy (seed 1):  $(python3 bench/simpy_mmc.py "$1" "$2" "$3" "$N" 1)"
done
echo "### whole-process time of ours at λ=2.25 μ=0.25 c=10 (hyperfine)"
hyperfine --warmup 1 --runs 10 "$BIN simulate mmc --lambda 2.25 --mu 0.25 --servers 10 --customers $N --seed 1"
