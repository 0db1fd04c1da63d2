#!/usr/bin/env bash
# `liandong divisions resolve` as a screening office runs it: a file of
# addresses in, CSV out, start-up included, pinned to one core.
# Usage: bench/resolve-cli.sh [LINES] [RUNS] (default 1,400,000 lines, 5 runs;
# the labelled set's addresses, repeated in a shuffled order).
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1400000}
runs=${2:-5}
cargo build --release -q --bin liandong
bin=target/release/liandong
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$lines" crates/divisions/eval/addresses.tsv > "$dir/in.txt" <<'PY'
import random, sys
n = int(sys.argv[1])
rows = [l.split('\t')[0] for l in open(sys.argv[2], encoding='utf-8').read().splitlines()[1:]]
random.seed(2021)
out = []
while len(out) < n:
    random.shuffle(rows)
    out.extend(rows)
sys.stdout.write('\n'.join(out[:n]) + '\n')
PY
echo "input: $lines lines, $(du -h "$dir/in.txt" | cut -f1)"
rates=()
for _ in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  taskset -c 0 "$bin" divisions resolve "$dir/in.txt" > "$dir/out.csv"
  end=$(date +%s%N)
  got=$(( $(wc -l < "$dir/out.csv") - 1 ))
  [ "$got" -eq "$lines" ] || { echo "wrote $got rows for $lines lines" >&2; exit 1; }
  ms=$(( (end - start) / 1000000 ))
  rate=$(( lines * 1000 / ms ))
  echo "run: ${ms} ms, ${rate} lines/s"
  rates+=("$rate")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median: $(median "${rates[@]}") lines/s (one core, file in, CSV out, start-up included)"
