#!/usr/bin/env python3
"""The peer of the matching solver: OR-Tools' SimpleMinCostFlow on the same
generated instances (written by `cargo run --release -p matching --example
bench -- --write FILE`), in a throwaway virtualenv (ortools 9.15.6755).

Usage:  python3 bench/matching_peer.py INSTANCE... [--runs N] [--venv DIR]
                                       [--keep-venv] [--json PATH]

The network: source → each need (capacity 1, cost 0) → its candidate squads
(capacity 1, the distance) → sink (capacity the squad's). `solve()` with the
source supplying every need and the sink taking them; if that is infeasible
(some need cannot be served), `solve_max_flow_with_min_cost()` on the same
network (the time of the failed `solve()` is not counted). Only the solve is
timed, median of N runs on a network built afresh each run. Peak
memory is the process's VmHWM after the runs, and its rise over the peak
once the instance's arrays were read (the solver's own: its graph and work).
Prints one JSON line per instance and writes the list to --json.
"""
import argparse
import json
import os
import statistics
import sys
import time

PINS = [("ortools", "9.15.6755")]

# The venv and pip steps are the resolver peers' (bench/peers.py).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import log, run_in_venv  # noqa: E402


def outer(args):
    def check(install):
        if not install["ortools"]["ok"]:
            sys.exit("could not install ortools==9.15.6755")

    run_in_venv(args.venv, args.keep_venv, "liandong-matching-peer-venv-", PINS,
                lambda install: [*args.instances, "--runs", str(args.runs), "--json", args.json], check)


def peak_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def inner(args):
    import numpy as np
    from ortools.graph.python import min_cost_flow

    results = []
    for path in args.instances:
        with open(path, "rb") as f:
            n, m, k, cap = np.frombuffer(f.read(32), dtype="<i8")
            arcs = n * k
            tails = np.frombuffer(f.read(4 * arcs), dtype="<i4").astype(np.int32)
            heads = np.frombuffer(f.read(4 * arcs), dtype="<i4").astype(np.int32)
            costs = np.frombuffer(f.read(8 * arcs), dtype="<i8").astype(np.int64)
        n, m, k, cap = int(n), int(m), int(k), int(cap)
        arcs = n * k
        source, sink = 0, n + m + 1
        need = np.arange(1, n + 1, dtype=np.int32)
        squad = np.arange(n + 1, n + m + 1, dtype=np.int32)
        all_tails = np.concatenate([np.zeros(n, np.int32), tails + 1, squad])
        all_heads = np.concatenate([need, heads + n + 1, np.full(m, sink, np.int32)])
        caps = np.concatenate([np.ones(n, np.int64), np.ones(arcs, np.int64), np.full(m, cap, np.int64)])
        unit = np.concatenate([np.zeros(n, np.int64), costs, np.zeros(m, np.int64)])
        loaded = peak_mib()
        times, cost, served, how = [], None, None, None
        def network():
            smcf = min_cost_flow.SimpleMinCostFlow()
            smcf.add_arcs_with_capacity_and_unit_cost(all_tails, all_heads, caps, unit)
            smcf.set_node_supply(source, n)
            smcf.set_node_supply(sink, -n)
            return smcf

        for _ in range(args.runs):
            smcf = network()
            t = time.perf_counter()
            status = smcf.solve()
            how = "solve"
            if status != smcf.OPTIMAL:
                smcf = network()
                t = time.perf_counter()
                status = smcf.solve_max_flow_with_min_cost()
                how = "solve_max_flow_with_min_cost"
            times.append(time.perf_counter() - t)
            if status != smcf.OPTIMAL:
                sys.exit(f"OR-Tools: status {status} on {path}")
            cost, served = smcf.optimal_cost(), smcf.maximum_flow()
            del smcf
        peak = peak_mib()
        r = {"instance": os.path.basename(path), "needs": n, "squads": m, "arcs": arcs, "capacity": cap,
             "served": served, "cost": cost, "median_s": round(statistics.median(times), 4),
             "min_s": round(min(times), 4), "runs": len(times), "how": how,
             "peak_mib": round(peak), "solver_mib": round(peak - loaded)}
        print(json.dumps(r), flush=True)
        results.append(r)
    with open(args.json, "w") as f:
        json.dump(results, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("instances", nargs="+")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--venv")
    ap.add_argument("--keep-venv", action="store_true")
    ap.add_argument("--json", default="/tmp/matching-peer.json")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.instances = [os.path.abspath(p) for p in args.instances]
    args.json = os.path.abspath(args.json)
    for p in args.instances:
        if not os.path.exists(p):
            sys.exit(f"no such file: {p}")
    if args.inner:
        inner(args)
    else:
        outer(args)


if __name__ == "__main__":
    main()
