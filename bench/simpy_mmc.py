"""The peer of `gongzhi simulate mmc`: the same M/M/c model in SimPy (bench/simulate.sh).

Prints one JSON object: mean wait, share who waited, customers, SimPy's own event count
(every event it scheduled: timeouts, resource requests and releases, process starts) and
the seconds env.run() took.
"""
import json
import random
import sys
import time

import simpy


def run(lam, mu, c, n, seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    waits = []

    def customer(env):
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(mu))

    def source(env):
        for _ in range(n):
            yield env.timeout(rng.expovariate(lam))
            env.process(customer(env))

    env.process(source(env))
    t = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - t
    events = next(env._eid)  # SimPy numbers every event it schedules
    warm = n // 50
    kept = waits[warm:]
    return {
        "mean_wait": sum(kept) / len(kept),
        "p_wait": sum(1 for w in kept if w > 0) / len(kept),
        "customers": n,
        "events": events,
        "seconds": seconds,
        "simpy": simpy.__version__,
    }


if __name__ == "__main__":
    lam, mu, c, n, seed = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    print(json.dumps(run(lam, mu, c, n, seed)))
