#!/usr/bin/env python3
"""Participatory-budgeting rules beside pabutools (the reference implementation, PyPI).

1. Agreement: N generated elections (random sizes, costs and approval profiles with
   popular and niche projects), each written as a pabulib file and tallied by
   `gongzhi budget tally` and by pabutools (greedy_utilitarian_welfare and
   method_of_equal_shares, both with Cost_Sat, lexicographic tie-breaking, MES without
   completion); the selected sets are compared. Every other election is made to tie often
   (three cost values, a handful of voters), so the tie-breaking is compared too.
2. Speed: one election of 200 projects and 100,000 voters, both rules, our CLI (whole
   process, file reading included) and pabutools (parsing excluded), in the same run.

Usage: bench/budget_peer.py [N] (default 200; needs `pip install pabutools` and a release build)
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

BIN = os.environ.get("BIN", os.path.join(os.path.dirname(__file__), "..", "target", "release", "gongzhi"))


def generate(rng, projects, voters, path, ties=False):
    # With `ties`, costs come from three values and voters are few, so equal prices and
    # equal approval counts are common (the tie-breaking is then what decides).
    if ties:
        costs = [rng.choice([1000, 2000, 3000]) for _ in range(projects)]
    else:
        costs = [rng.randint(1, 100) * 1000 for _ in range(projects)]
    budget = int(sum(costs) * rng.uniform(0.2, 0.6))
    # Popularity: a few popular projects, many niche ones; voters approve 1..8 projects.
    weights = [rng.paretovariate(1.2) for _ in range(projects)]
    with open(path, "w") as f:
        f.write("META\nkey;value\ndescription;generated\nnum_projects;%d\nnum_votes;%d\nbudget;%d\nvote_type;approval\nrule;greedy\n" % (projects, voters, budget))
        f.write("PROJECTS\nproject_id;cost;name\n")
        for i, c in enumerate(costs):
            f.write("%d;%d;p%d\n" % (i + 1, c, i + 1))
        f.write("VOTES\nvoter_id;vote\n")
        ids = list(range(projects))
        for v in range(voters):
            k = min(projects, rng.randint(1, 8))
            chosen = set()
            while len(chosen) < k:
                chosen.add(rng.choices(ids, weights)[0])
            f.write("%d;%s\n" % (v + 1, ",".join(str(p + 1) for p in sorted(chosen))))


def ours(path, rule):
    t = time.perf_counter()
    out = subprocess.run([BIN, "budget", "tally", "--pb", path, "--rule", rule], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout)["selected"]), time.perf_counter() - t


def theirs(path, rule, parsed=None):
    inst, prof = parsed or parse_pabulib(path)
    t = time.perf_counter()
    if rule == "greedy":
        res = greedy_utilitarian_welfare(inst, prof, sat_class=Cost_Sat)
    else:
        res = method_of_equal_shares(inst, prof, sat_class=Cost_Sat)
    return {p.name for p in res}, time.perf_counter() - t


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rng = random.Random(20261206)
    tmp = tempfile.mkdtemp()
    agree = {"greedy": 0, "mes": 0}
    differ = []
    for i in range(n):
        path = os.path.join(tmp, "e%d.pb" % i)
        ties = i % 2 == 1
        generate(rng, rng.randint(3, 30), rng.randint(3, 12) if ties else rng.randint(5, 400), path, ties)
        parsed = parse_pabulib(path)
        for rule in ("greedy", "mes"):
            a, _ = ours(path, rule)
            b, _ = theirs(path, rule, parsed)
            if a == b:
                agree[rule] += 1
            else:
                differ.append((path, rule, sorted(a), sorted(b)))
    for rule in ("greedy", "mes"):
        print("agreement %s: %d / %d elections" % (rule, agree[rule], n))
    for d in differ[:5]:
        print("differs:", d)
    path = os.path.join(tmp, "big.pb")
    generate(random.Random(7), 200, 100_000, path)
    t = time.perf_counter()
    parsed = parse_pabulib(path)
    print("pabutools parse of 200 projects x 100,000 voters: %.2f s" % (time.perf_counter() - t))
    for rule in ("greedy", "mes"):
        a, ta = ours(path, rule)
        b, tb = theirs(path, rule, parsed)
        print("%s: gongzhi %.3f s (whole process), pabutools %.2f s (rule only), %.0fx, same selection: %s" % (rule, ta, tb, tb / ta, a == b))


if __name__ == "__main__":
    main()
