"""Writes a city-scale scenario for `gongzhi simulate scenario` (bench/simulate.sh): a street
of about 100,000 residents — a SIDE × SIDE grid of roads 80 m apart (a node per building
entrance), 4 % of residents vulnerable (elderly living alone, disabled) spread over the
buildings, incidents at city rates for a year, and a responder per 2,000 residents.

Usage: python3 bench/city_scenario.py [SIDE] > city.toml   (SIDE=60: 3,600 nodes)
"""
import random
import sys

side = int(sys.argv[1]) if len(sys.argv) > 1 else 60
rng = random.Random(2026)
residents = 100_000
print('name = "街道级压力测试：10万居民，一年"')
print("seed = 11")
print("days = 365")
print("target_minutes = 5")
print("[roads]")
print("nodes = [")
for r in range(side):
    print("  " + ", ".join(f"[{121.45 + c * 0.00084:.5f}, {31.20 + r * 0.00072:.5f}]" for c in range(side)) + ",")
print("]")
edges = []
for r in range(side):
    for c in range(side):
        i = r * side + c
        if c + 1 < side:
            edges.append(f"[{i}, {i + 1}]")
        if r + 1 < side:
            edges.append(f"[{i}, {i + side}]")
print("edges = [")
for k in range(0, len(edges), 12):
    print("  " + ", ".join(edges[k:k + 12]) + ",")
print("]")
# Yearly rates per 100,000 residents, per day: fires ~0.3, lift entrapments ~8,
# collapses ~6, burst pipes ~10, flooding ~0.5 (seasonal by hour only).
kinds = [("fire", 0.3, 45, "fire"), ("lift_entrapment", 8, 25, "lift"), ("collapse", 6, 30, "first_aid"),
         ("burst_pipe", 10, 40, "plumbing"), ("flooding", 0.5, 90, "plumbing")]
for kind, per_day, scene, skill in kinds:
    print(f'\n[[incidents]]\nkind = "{kind}"\nper_day = {per_day}\non_scene_minutes = {scene}\nskill = "{skill}"')
skills = [["lift", "plumbing", "fire"], ["first_aid", "fire"], ["first_aid", "plumbing"]]
for k in range(residents // 2000):
    post = rng.randrange(side * side)
    shift = "\nshift = [8, 20]" if k % 3 == 1 else ""
    print(f'\n[[responders]]\nname = "responder {k}"\npost = {post}\nskills = {skills[k % 3]!r}\nspeed_kmh = {rng.choice([5, 6, 15])}{shift}'.replace("'", '"'))
for _ in range(residents * 4 // 100 // 2):
    print(f"\n[[vulnerable]]\nnode = {rng.randrange(side * side)}\ncount = 2")
