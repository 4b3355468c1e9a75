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

DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
echo "### city scale: a street of ~100,000 residents for a year (bench/city_scenario.py 60: 3,600 road nodes, 50 responders, 4,000 vulnerable residents)"
python3 bench/city_scenario.py 60 > "$DIR/city.toml"
/usr/bin/time -f "peak RSS %M KiB, wall %e s" "$BIN" simulate scenario "$DIR/city.toml" | python3 -c '
import json, sys
v = json.load(sys.stdin)
print("incidents", v["incidents"], "events", v["events"], "simulated in %.3f s" % v["seconds"],
      "within 5 min %.3f" % v["within_target"], "vulnerable reached in time %d / %d" % (v["vulnerable_reached_in_time"], v["vulnerable_affected"]))'
echo "### placement: exact MIP (good_lp + microlp) vs greedy vs today, by grid size (every node a candidate post)"
for side in 10 15 20; do
  python3 bench/city_scenario.py "$side" > "$DIR/p$side.toml"
  timeout 600 "$BIN" simulate scenario "$DIR/p$side.toml" --compare | python3 -c '
import json, sys
v = json.load(sys.stdin)["placement"]
side = sys.argv[1]
print("side %s (%d candidates): vulnerable %d; covered today %d, greedy %d, exact %d; exact solved in %.1f ms; reached in time: today %d, greedy %d, exact %d of %d" % (
    side, int(side) ** 2, v["vulnerable"], v["today"]["covered"], v["greedy"]["covered"], v["optimised"]["covered"], v["solve_ms"],
    v["today"]["metrics"]["vulnerable_reached_in_time"], v["greedy"]["metrics"]["vulnerable_reached_in_time"],
    v["optimised"]["metrics"]["vulnerable_reached_in_time"], v["optimised"]["metrics"]["vulnerable_affected"]))' "$side" || echo "side $side: no answer within 600 s"
done
