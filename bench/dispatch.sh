#!/usr/bin/env bash
# A day of Xi'an dispatch through the real server (issue 13): the demo city
# with OPEN open needs among 20,000 (about 22% of the open ones verified:
# 9,100 give about 2,000), 8,000 volunteers in 400 squads, 144 streets
# sealed; GET /api/dispatch/proposal as the city's coordinator (李协调, 西安市)
# over HTTP, REQUESTS times after 2 warm-ups: the median and p90 of the
# whole request (read needs, goods, stock, squads, holds; solve; answer).
# Target: ≤1 s for 2,000 verified needs. SQLite, and PostgreSQL when
# reachable.
# Usage: bench/dispatch.sh [OPEN] [REQUESTS] (default 9100 20)
set -euo pipefail
cd "$(dirname "$0")/.."
open=${1:-9100}
requests=${2:-20}
cargo build --release -q --bin liandong -p liandong
bin=$PWD/target/release/liandong
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

run_engine() { # NAME DATABASE_URL
  echo "### $1"
  echo
  "$bin" demo --demo-needs 20000 --demo-open "$open" --database "$2" | grep "^demo: [0-9]" | head -2
  : > "$dir/out"
  "$bin" serve --listen 127.0.0.1:0 --database "$2" > "$dir/out" 2>/dev/null &
  pid=$!
  until grep -q listening "$dir/out"; do sleep 0.05; done
  addr=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$dir/out")
  curl -s -c "$dir/ck" -H 'content-type: application/json' \
    -d '{"username":"coordinator","password":"liandong-demo-2021"}' "$addr/api/session" > /dev/null
  : > "$dir/times"
  for i in $(seq 1 $((requests + 2))); do
    t=$(curl -s -b "$dir/ck" -o "$dir/p.json" -w '%{time_total}' "$addr/api/dispatch/proposal")
    [ "$i" -gt 2 ] && echo "$t" >> "$dir/times"
  done
  python3 - "$dir" <<'PY'
import json, statistics, sys
from collections import Counter
d = sys.argv[1]
t = sorted(float(x) * 1000 for x in open(f"{d}/times"))
p = json.load(open(f"{d}/p.json"))
reasons = Counter(u["reason"] for u in p["unserved"])
print(f"- verified needs considered: {p['needs']:,}; proposed: {len(p['tasks']):,}; left out: {len(p['unserved']):,} "
      f"({', '.join(f'{k} {v:,}' for k, v in reasons.most_common())})")
print(f"- GET /api/dispatch/proposal: median {statistics.median(t):.0f} ms, p90 {t[int(len(t) * 0.9) - 1]:.0f} ms over {len(t)} requests")
PY
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  echo
}

run_engine "SQLite (WAL)" "sqlite://$dir/bench.db"
if pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  db="liandong_dispatch_$$"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" postgres
  run_engine "PostgreSQL $(psql -h 127.0.0.1 -U postgres -Atc 'SHOW server_version' postgres)" \
    "postgres://postgres@127.0.0.1/$db"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres
fi
