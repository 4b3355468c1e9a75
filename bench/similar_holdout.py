"""Precision@5 of the dispute type for accounts written elsewhere, end to end: each account of a
JSON-lines file (`type`, `text`; default data/mediation-holdout/disputes.jsonl) is sent to
GET /api/v1/mediation/similar of a running server as USER (default mediator1), and the share
of each answer's five cases of the account's type is averaged.

Usage: python3 bench/similar_holdout.py BASE_URL [FILE] [USER]
"""
import json
import sys
import urllib.parse
import urllib.request

base = sys.argv[1].rstrip("/")
path = sys.argv[2] if len(sys.argv) > 2 else "data/mediation-holdout/disputes.jsonl"
user = sys.argv[3] if len(sys.argv) > 3 else "mediator1"
req = urllib.request.Request(
    base + "/api/v1/auth/login",
    data=json.dumps({"username": user, "password": "gongzhi-demo"}).encode(),
    headers={"content-type": "application/json"},
)
token = json.load(urllib.request.urlopen(req))["token"]
rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
per_type, total = {}, []
sources = {"published": 0, "dispute": 0}
for r in rows:
    q = urllib.parse.quote(r["text"])
    req = urllib.request.Request(
        f"{base}/api/v1/mediation/similar?k=5&q={q}", headers={"authorization": "Bearer " + token}
    )
    results = json.load(urllib.request.urlopen(req))["results"]
    p = sum(1 for h in results[:5] if h["type"] == r["type"]) / 5
    for h in results[:5]:
        sources[h["source"]] += 1
    total.append(p)
    per_type.setdefault(r["type"], []).append(p)
print(json.dumps({
    "queries": len(total),
    "user": user,
    "precision_at_5": round(sum(total) / len(total), 3),
    "by_type": {t: round(sum(v) / len(v), 3) for t, v in sorted(per_type.items())},
    "results_by_source": sources,
}, ensure_ascii=False))
