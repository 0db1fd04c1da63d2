#!/usr/bin/env bash
# The care side at the city's size (issue 14): 8,000 volunteers and
# 50,000 care recipients across Xi'an's communities, each with a guardian
# and a backup from their street; read over HTTP as the city's
# coordinator on SQLite and (when reachable) PostgreSQL. Targets: the
# coverage report of the city in ≤200 ms; the gap list after a sealing
# that strands 500 guardians in ≤100 ms.
# Usage: bench/care.sh [RECIPIENTS] [REQUESTS] [STRANDED] (default 50000 30 500).
set -euo pipefail
cd "$(dirname "$0")/.."
recipients=${1:-50000}
requests=${2:-30}
stranded=${3:-500}
cargo build --release -q --bin liandong -p liandong --example care_load
bin=target/release/liandong
load=target/release/examples/care_load
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

run_engine() { # NAME DATABASE_URL
  echo "### $1"
  echo
  "$bin" demo --demo-needs 0 --demo-subjects 0 --demo-volunteers 8000 --demo-work 2000 \
    --demo-care "$recipients" --database "$2" | grep "^demo: [0-9]"
  # What autovacuum does within a minute of a bulk load in a deployment:
  # the planner's statistics, and the visibility map index-only scans use.
  case "$2" in postgres*) psql -q -d "$2" -c "VACUUM ANALYZE" ;; esac
  echo
  : > "$dir/out"
  "$bin" serve --listen 127.0.0.1:0 --database "$2" > "$dir/out" 2>/dev/null &
  pid=$!
  until grep -q listening "$dir/out"; do sleep 0.05; done
  addr=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$dir/out")
  "$load" "$addr" "$requests" "$stranded"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  echo
}

run_engine "SQLite (WAL)" "sqlite://$dir/bench.db"
if pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  db="liandong_care_$$"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" postgres
  run_engine "PostgreSQL $(psql -h 127.0.0.1 -U postgres -Atc 'SHOW server_version' postgres)" \
    "postgres://postgres@127.0.0.1/$db"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres
fi
