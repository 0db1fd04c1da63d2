#!/usr/bin/env bash
# Start time and memory of `liandong serve`: from exec to the "listening"
# line (the national division tree is parsed before it), and the server's
# resident memory then. Usage: bench/start.sh [RUNS] (default 9); builds
# the release binary first. Prints one line per run and the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}
cargo build --release --bin liandong -q
bin=target/release/liandong
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" migrate --data-dir "$dir" >/dev/null
times=(); rss=()
for _ in $(seq 1 "$runs"); do
  : > "$dir/out"
  start=$(date +%s%N)
  "$bin" serve --listen 127.0.0.1:0 --data-dir "$dir" > "$dir/out" 2>/dev/null &
  pid=$!
  until grep -q listening "$dir/out"; do sleep 0.002; done
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "run: ${ms} ms to listening, RSS $(( kib / 1024 )) MiB"
  times+=("$ms"); rss+=("$kib")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median: $(median "${times[@]}") ms to listening, RSS $(( $(median "${rss[@]}") / 1024 )) MiB"
