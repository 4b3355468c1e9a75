"""Device event over MQTT → dispatched work order: end-to-end latency.

Publishes N alarm events (QoS 1) from the demo devices at RATE per second to Mosquitto,
each with its send time in the event id, spread over the district's compounds and nine
alarm types so that nearly every event files a new case; then reads, from the database,
when gongzhi had committed each event's case and orders (device_events.received_at is
written after that commit) and prints p50/p99/max in milliseconds.

Usage: mqtt_latency.py MQTT_HOST MQTT_PORT DATABASE_URL POINTS N RATE
(POINTS = "lng,lat;lng,lat;…"; DATABASE_URL = sqlite:///path or postgres://…)
Needs paho-mqtt (pip).
"""
import json
import sqlite3
import subprocess
import sys
import time

import paho.mqtt.client as mqtt

host, port, db, points, n, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6])
spots = [tuple(map(float, p.split(","))) for p in points.split(";") if p]
types = ["smoke", "water_leak", "garbage_overflow", "fire_lane_blocked", "illegal_parking",
         "street_vendor", "manhole_open", "elevator_trapped", "gas_leak"]
devices = ["SMOKE-0001", "SMOKE-0002", "WATER-0001", "CAM-0001", "CAM-0002", "CAM-0003", "LIFT-0001", "GAS-0001"]

c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-{time.time_ns()}", clean_session=True)
c.connect(host, port)
c.loop_start()
sent = {}
t0 = time.time()
for i in range(n):
    due = t0 + i / rate
    while time.time() < due:
        time.sleep(0.0005)
    lng, lat = spots[i % len(spots)]
    kind = types[(i // len(spots)) % len(types)]
    now_ms = int(time.time() * 1000)
    eid = f"lat-{now_ms}-{i}"
    body = json.dumps({"event_id": eid, "type": kind, "lng": lng, "lat": lat})
    c.publish(f"gongzhi/devices/{devices[i % len(devices)]}/events", body, qos=1)
    sent[eid] = now_ms
deadline = time.time() + 60


def handled():
    q = "select event_id, received_at from device_events where event_id like 'lat-%'"
    if db.startswith("postgres"):
        out = subprocess.run(["psql", db, "-qAtF,", "-c", q], capture_output=True, text=True, check=True).stdout
        return dict((a, int(b)) for a, b in (l.split(",") for l in out.split()))
    con = sqlite3.connect(db.removeprefix("sqlite://"))
    return dict(con.execute(q).fetchall())


got = {}
while time.time() < deadline:
    got = handled()
    if sum(1 for e in sent if e in got) >= n:
        break
    time.sleep(0.5)
c.loop_stop()
lat = sorted(got[e] - s for e, s in sent.items() if e in got)
if not lat:
    sys.exit("no events were handled")
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
cases = len(set(got))
print(f"events sent {n} at {rate:.0f}/s; handled {len(lat)}; "
      f"latency p50 {pct(0.5)} ms, p99 {pct(0.99)} ms, max {lat[-1]} ms")
