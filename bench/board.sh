#!/usr/bin/env bash
# The coordinator board and the dashboard over 100,000 needs (10,000 open)
# across Xi'an's 13 districts, read over HTTP as the city's coordinator, on
# SQLite and (when reachable) PostgreSQL. Targets (issue 10): a filtered
# board page ≤100 ms server time and ≤100 KB, the dashboard ≤200 ms.
# Usage: bench/board.sh [NEEDS] [OPEN] [REQUESTS] (default 100000 10000 30).
set -euo pipefail
cd "$(dirname "$0")/.."
needs=${1:-100000}
open=${2:-10000}
requests=${3:-30}
cargo build --release -q --bin liandong -p liandong --example board_load
bin=target/release/liandong
load=target/release/examples/board_load
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

run_engine() { # NAME DATABASE_URL
  echo "### $1"
  echo
  local t0=$(date +%s.%N)
  "$bin" demo --demo-needs "$needs" --demo-open "$open" --demo-volunteers 0 --database "$2" | grep "^demo: [0-9]"
  echo "(filled in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s)"
  echo
  : > "$dir/out"
  "$bin" serve --listen 127.0.0.1:0 --database "$2" > "$dir/out" 2>/dev/null &
  pid=$!
  until grep -q listening "$dir/out"; do sleep 0.05; done
  addr=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$dir/out")
  "$load" "$addr" "$requests"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  echo
}

run_engine "SQLite (WAL)" "sqlite://$dir/bench.db"
if pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  db="liandong_board_$$"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" postgres
  run_engine "PostgreSQL $(psql -h 127.0.0.1 -U postgres -Atc 'SHOW server_version' postgres)" \
    "postgres://postgres@127.0.0.1/$db"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres
fi
