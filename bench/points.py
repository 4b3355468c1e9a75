"""Prints the demo compounds' centroids as "lng,lat;lng,lat;…" (load scripts draw points
near them). Usage: points.py BASE_URL TOKEN"""
import json
import sys
import urllib.request

req = urllib.request.Request(f"{sys.argv[1]}/api/v1/org/compounds?per_page=500",
                             headers={"Authorization": f"Bearer {sys.argv[2]}"})
items = json.load(urllib.request.urlopen(req))["items"]
out = []
for c in items:
    ring = c["geometry"]["coordinates"][0]
    out.append("%.6f,%.6f" % (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)))
print(";".join(out))
