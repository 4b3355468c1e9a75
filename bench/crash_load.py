"""Write load for the crash test: THREADS workers POST reports until the server dies,
recording the id of every report that was acknowledged (201 or 200). Prints the ids as
JSON on stdout when every worker has stopped (the server is gone).

Usage: crash_load.py BASE_URL TOKEN POINTS THREADS
"""
import json
import random
import sys
import threading
import urllib.error
import urllib.request

base, token, points, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spots = [tuple(map(float, p.split(","))) for p in points.split(";") if p]
texts = ["楼道灯坏了", "垃圾桶满了没人清运", "水管漏水", "电梯不动了", "路灯不亮", "井盖松动", "夜间施工噪音"]
acked, lock = [], threading.Lock()


def worker(seed):
    rnd = random.Random(seed)
    failures = 0
    while failures < 20:
        lng, lat = rnd.choice(spots)
        body = json.dumps({"text": f"{rnd.choice(texts)}（{rnd.randint(1, 99)}号楼 {rnd.random():.6f}）",
                           "lng": lng + (rnd.random() - 0.5) * 0.004,
                           "lat": lat + (rnd.random() - 0.5) * 0.003}).encode()
        req = urllib.request.Request(f"{base}/api/v1/cases", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                if r.status in (200, 201):
                    with lock:
                        acked.append(json.loads(r.read())["id"])
                failures = 0
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            failures += 1


ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(json.dumps(sorted(set(acked))))
