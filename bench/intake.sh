#!/usr/bin/env bash
# Intake throughput over HTTP, durable (SQLite synchronous=FULL; PostgreSQL
# default), on loopback: the hotline API and the public form, each for a
# bounded time, with the engine's bare durable insert rate measured in the
# same run, and a check that every acknowledged need is stored once.
# Usage: bench/intake.sh [SECONDS] [CONNECTIONS] (default 10 s, 64).
# PostgreSQL at 127.0.0.1:5432 (user postgres) is used when reachable.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-64}
cargo build --release -q --bin liandong -p liandong --example intake_load
bin=target/release/liandong
load=target/release/examples/intake_load
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

serve() { # DATABASE_URL → sets $addr and $pid
  : > "$dir/out"
  "$bin" serve --demo --demo-volunteers 0 --listen 127.0.0.1:0 --database "$1" --trusted-proxy 127.0.0.1 \
    > "$dir/out" 2>/dev/null &
  pid=$!
  until grep -q listening "$dir/out"; do sleep 0.05; done
  addr=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$dir/out")
}

run_engine() { # NAME DATABASE_URL
  echo "### $1"
  echo
  echo "| engine | per commit | bare insert rate |"
  echo "| --- | --- | ---: |"
  "$load" ceiling "$2" 3
  echo
  serve "$2"
  echo "| path | connections | acknowledged | throughput | p50 | p99 | p99.9 | errors | stored | lost | duplicated |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  "$load" load "$addr" "$2" api "$conns" "$secs"
  "$load" load "$addr" "$2" help "$conns" "$secs"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  echo
}

run_engine "SQLite (WAL, synchronous=FULL)" "sqlite://$dir/bench.db"
if pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  db="liandong_bench_$$"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" postgres
  run_engine "PostgreSQL $(psql -h 127.0.0.1 -U postgres -Atc 'SHOW server_version' postgres)" \
    "postgres://postgres@127.0.0.1/$db"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres
fi
