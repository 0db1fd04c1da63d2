#!/usr/bin/env bash
# The volunteer side at the field report's size: 8,000 volunteers across
# Xi'an's 13 districts in 400 squads, a city day of 50,000 contacts (2,000
# volunteers in squads at work), 50,000 needs for their households; read
# over HTTP as the city's coordinator on SQLite and (when reachable)
# PostgreSQL. Targets (issue 11): the vetting queue of 8,000 pages in
# ≤100 ms, the exposure trace over the city day in ≤50 ms, the movable
# count by district after a sealing in ≤100 ms.
# Usage: bench/squads.sh [VOLUNTEERS] [CONTACTS] [REQUESTS] (default 8000 50000 30).
set -euo pipefail
cd "$(dirname "$0")/.."
volunteers=${1:-8000}
work=${2:-50000}
requests=${3:-30}
cargo build --release -q --bin liandong -p liandong --example squads_load
bin=target/release/liandong
load=target/release/examples/squads_load
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

run_engine() { # NAME DATABASE_URL
  echo "### $1"
  echo
  "$bin" demo --demo-needs 50000 --demo-open 5000 --demo-volunteers "$volunteers" --demo-work "$work" \
    --database "$2" | grep "^demo: [0-9]"
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
  db="liandong_squads_$$"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" postgres
  run_engine "PostgreSQL $(psql -h 127.0.0.1 -U postgres -Atc 'SHOW server_version' postgres)" \
    "postgres://postgres@127.0.0.1/$db"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres
fi
