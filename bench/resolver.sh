#!/usr/bin/env bash
# The address resolver and its peers, side by side in one run, on the
# labelled set (crates/divisions/eval/addresses.tsv):
#   Liandong's resolver (release build, one core and all cores),
#   Python cpca 0.5.5 and jionlp 1.5.31 in a throwaway virtualenv.
# Usage: bench/resolver.sh [JIONLP_ROWS] (default 3000; jionlp does a few
# hundred rows a second).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "## Liandong resolver"
cargo run --release -q -p divisions --example resolve_eval crates/divisions/eval/addresses.tsv 5 | sed '/^wrong claims/,$d'
echo
echo "## Peers"
python3 bench/peers.py --jionlp-rows "${1:-3000}"
