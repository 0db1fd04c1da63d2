#!/usr/bin/env bash
# The matching solver (crates/matching, `plan`: what the server calls) side
# by side in one run with OR-Tools' SimpleMinCostFlow (bench/matching_peer.py,
# ortools 9.15 in a throwaway virtualenv) on the same generated instances,
# the optimal cost of each checked equal. Instances (issue 13): 10,000 needs
# × 5,000 squads, 30 candidates each, capacity 3; 100,000 × 40,000, 20
# candidates each (2M arcs), capacity 3; and a tight one, 100,000 × 40,000
# at capacity 2 (80,000 places for 100,000 needs), where the two answer
# different questions (see BENCHMARKS.md).
# Usage: bench/matching.sh [RUNS] (default 5; the tight instance runs once);
#        VENV=DIR reuses (and keeps) a virtualenv for the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release -q -p matching --example bench
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ours() { # NAME RUNS ARGS...
  local name=$1 n=$2; shift 2
  target/release/examples/bench "$@" --runs "$n" --write "$dir/$name.bin" | tee "$dir/$name.ours"
}
ours small "$runs" --needs 10000 --squads 5000 --candidates 30 --capacity 3 --seed 1
ours large "$runs" --needs 100000 --squads 40000 --candidates 20 --capacity 3 --seed 2
ours tight 1 --needs 100000 --squads 40000 --candidates 20 --capacity 2 --seed 3
python3 bench/matching_peer.py "$dir/small.bin" "$dir/large.bin" --runs "$runs" --json "$dir/peer.json" ${VENV:+--venv "$VENV"}
python3 bench/matching_peer.py "$dir/tight.bin" --runs 1 --json "$dir/peer-tight.json" ${VENV:+--venv "$VENV"}
python3 - "$dir" <<'EOF'
import json, sys
d = sys.argv[1]
peer = {r["instance"]: r for f in ("peer.json", "peer-tight.json") for r in json.load(open(f"{d}/{f}"))}
print()
print("| instance | arcs | Liandong median | OR-Tools median | ratio | served (L / O) | cost (L / O) | peak MiB (L / O, O's solver) |")
print("|---|---|---|---|---|---|---|---|")
bad = False
for name in ("small", "large", "tight"):
    o = json.loads(open(f"{d}/{name}.ours").read())
    p = peer[f"{name}.bin"]
    same = o["served"] == p["served"] and o["cost"] == p["cost"]
    if name != "tight" and not same:
        bad = True
    print(f"| {o['needs']:,} × {o['squads']:,}, capacity {o['capacity']} | {o['arcs']:,} | {o['median_s']:.3f} s | "
          f"{p['median_s']:.3f} s | {p['median_s'] / o['median_s']:.1f}× | {o['served']:,} / {p['served']:,} | "
          f"{o['cost']:,} / {p['cost']:,}{'' if same else ' (differ)'} | {o['peak_mib']} / {p['peak_mib']}, {p['solver_mib']} |")
if bad:
    sys.exit("the optimal costs differ on an instance where every need can be served")
EOF
