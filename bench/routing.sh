#!/usr/bin/env bash
# Routing-model figures (issue 3): quality by 5-fold cross-validation and on the held-out
# set, beside the scikit-learn peer on the same splits; classify throughput on one core
# against the peer's; training time for 10,000 examples; model size; memory.
# Usage: bench/routing.sh   (needs a release build, python3 with scikit-learn and jieba)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${BIN:-target/release/gongzhi}")
TRAIN=data/reports/train.csv
HELD=data/reports/heldout.csv
W=$(mktemp -d)
python3 -c 'import sklearn, jieba' 2>/dev/null || pip install -q scikit-learn jieba

echo "## 5-fold cross-validation on $TRAIN (same stratified splits for both)"
python3 - "$TRAIN" "$W" <<'PY'
import csv, random, sys, collections
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
by = collections.defaultdict(list)
for r in rows: by[r["label"]].append(r)
rng = random.Random(42); fold = {}
n = 0
for label in sorted(by):
    members = by[label]; rng.shuffle(members)
    for r in members: fold[id(r)] = n % 5; n += 1
for k in range(5):
    for part, keep in (("train", lambda r: fold[id(r)] != k), ("test", lambda r: fold[id(r)] == k)):
        with open(f"{sys.argv[2]}/fold{k}_{part}.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f); w.writerow(["label", "text"])
            for r in rows:
                if keep(r): w.writerow([r["label"], r["text"]])
PY
for k in 0 1 2 3 4; do
  "$BIN" model train --input "$W/fold${k}_train.csv" --out "$W/m$k.bin" >/dev/null
  "$BIN" model eval --model "$W/m$k.bin" --input "$W/fold${k}_test.csv" --json | python3 -c 'import json,sys; e=json.load(sys.stdin); print(json.dumps({"fold": '$k', "gongzhi_accuracy": e["accuracy"], "gongzhi_macro_f1": e["macro_f1"]}))'
  python3 bench/routing_peer.py "$W/fold${k}_train.csv" "$W/fold${k}_test.csv" | python3 -c 'import json,sys; [print(json.dumps({"fold": '$k', "peer": d["peer"], "accuracy": d["accuracy"], "macro_f1": d["macro_f1"]})) for d in map(json.loads, sys.stdin)]'
done | tee "$W/cv.jsonl"
python3 - "$W/cv.jsonl" <<'PY'
import json, sys, collections
acc = collections.defaultdict(list); f1 = collections.defaultdict(list)
for line in open(sys.argv[1]):
    d = json.loads(line)
    if "gongzhi_accuracy" in d:
        acc["gongzhi"].append(d["gongzhi_accuracy"]); f1["gongzhi"].append(d["gongzhi_macro_f1"])
    else:
        acc[d["peer"]].append(d["accuracy"]); f1[d["peer"]].append(d["macro_f1"])
for k in acc:
    print(f"CV mean  {k:<36} accuracy {sum(acc[k])/5:.4f}  macro-F1 {sum(f1[k])/5:.4f}")
PY

echo "## held-out set ($HELD, written independently, never trained on)"
"$BIN" model train --input "$TRAIN" --out "$W/full.bin"
"$BIN" model eval --model "$W/full.bin" --input "$HELD" | head -3
"$BIN" model train --input "$TRAIN" --out "$W/nb.bin" --algorithm naive_bayes >/dev/null
echo "naive Bayes baseline:"; "$BIN" model eval --model "$W/nb.bin" --input "$HELD" | sed -n 2,3p
python3 bench/routing_peer.py "$TRAIN" "$HELD" --repeat 100 | tee "$W/peer.jsonl"

echo "## classify throughput, one core (held-out texts repeated to 174,000 lines)"
python3 - "$HELD" "$W/texts.txt" <<'PY'
import csv, sys
texts = [r["text"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))]
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(texts * 500) + "\n")
PY
head -1 "$W/texts.txt" > "$W/one.txt"
t_one=$( { /usr/bin/time -f "%e" taskset -c 0 "$BIN" classify --model "$W/full.bin" < "$W/one.txt" >/dev/null; } 2>&1 )
t_all=$( { /usr/bin/time -f "%e %M" taskset -c 0 "$BIN" classify --model "$W/full.bin" < "$W/texts.txt" >/dev/null; } 2>&1 )
python3 - "$t_one" "$t_all" "$W/peer.jsonl" <<'PY'
import json, sys
one = float(sys.argv[1]); all_s, rss = sys.argv[2].split(); all_s = float(all_s)
n = 174000
ours = n / max(all_s - one, 1e-9)
print(f"gongzhi classify: {n} texts in {all_s - one:.3f} s after {one:.3f} s start-up -> {ours:,.0f} texts/s; max RSS {int(rss)/1024:.0f} MiB")
for line in open(sys.argv[3]):
    d = json.loads(line)
    print(f"peer {d['peer']}: {d['texts_per_s']:,.0f} texts/s (transform + predict, jieba included) -> gongzhi is {ours/d['texts_per_s']:.1f}x")
PY

echo "## training time for 10,000 examples (the seed corpus repeated to 10,000 rows)"
python3 - "$TRAIN" "$W/train10k.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f); w.writerow(["label", "text"])
    i = 0
    while i < 10000:
        r = rows[i % len(rows)]; w.writerow([r["label"], r["text"] + ("" if i < len(rows) else f" 第{i // len(rows)}次")]); i += 1
PY
/usr/bin/time -f "wall %e s, max RSS %M KiB" "$BIN" model train --input "$W/train10k.csv" --out "$W/m10k.bin"
echo "## model size"
ls -l "$W/full.bin" "$W/m10k.bin" | awk '{print $5, $9}'
rm -rf "$W"
