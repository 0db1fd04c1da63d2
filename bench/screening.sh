#!/usr/bin/env bash
# A screening list at the field report's size, end to end with the command
# users run, side by side in one run with a pandas + cpca pipeline doing the
# same read–normalise–dedupe–route (bench/screening_peer.py, in a throwaway
# virtualenv). Data: bench/screening_data.py (2,000,000 people already known
# from two lists, then a 1,000,000-row list: 35% known people, 8% people
# twice, 1.5% rows sent twice, 30 bad rows; truth.json says what must come
# out). Then a seat's worklist at that size over HTTP, as the screener of
# 小寨路街道 reads it. SQLite, and PostgreSQL when reachable.
# Usage: bench/screening.sh [EXISTING] [ROWS] [REQUESTS]
#        (default 2000000 1000000 30; data cached in /tmp by size);
#        ENGINES=postgres (or sqlite) runs one engine (sqlite runs the peer).
set -euo pipefail
cd "$(dirname "$0")/.."
existing=${1:-2000000}
rows=${2:-1000000}
requests=${3:-30}
cargo build --release -q --bin liandong -p liandong
bin=$PWD/target/release/liandong
data=/tmp/liandong-screening-data-$existing-$rows
if [ ! -f "$data/truth.json" ]; then
  python3 bench/screening_data.py "$data" --existing "$existing" --rows "$rows" >&2
fi
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT

import() { # DATABASE_URL FILE SOURCE → "seconds peak_MB report-line"
  /usr/bin/time -f "%e %M" -o "$dir/time" "$bin" screening import "$2" --source "$3" --kind a \
    --as coordinator --database "$1" > "$dir/import.out"
  read -r secs kb < "$dir/time"
  echo "$secs $((kb / 1024)) $(grep '^list ' "$dir/import.out")"
}

worklist() { # DATABASE_URL: median and p90 ms of the screener's worklist page and API
  : > "$dir/serve.out"
  "$bin" serve --listen 127.0.0.1:0 --database "$1" > "$dir/serve.out" 2>/dev/null &
  pid=$!
  until grep -q listening "$dir/serve.out"; do sleep 0.05; done
  addr=$(sed -n 's/.*listening on \(http:\/\/[^ ]*\).*/\1/p' "$dir/serve.out")
  python3 - "$addr" "$requests" <<'EOF'
import http.cookiejar, json, statistics, sys, time, urllib.request
url, n = sys.argv[1], int(sys.argv[2])
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
web.open(urllib.request.Request(f"{url}/api/session", method="POST",
         data=json.dumps({"username": "screener", "password": "liandong-demo-2021"}).encode(),
         headers={"content-type": "application/json"}))
for what, path in [("worklist page (/screening/calls)", "/screening/calls"),
                   ("worklist API", "/api/screening/worklist")]:
    times, size = [], 0
    for i in range(n + 3):
        t = time.perf_counter()
        body = web.open(f"{url}{path}").read()
        if i >= 3:  # warmed up
            times.append((time.perf_counter() - t) * 1000)
        size = len(body)
    times.sort()
    print(f"| {what} | {statistics.median(times):.1f} ms | {times[int(len(times) * 0.9)]:.1f} ms | {size // 1024} KB |")
EOF
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

run_engine() { # NAME DATABASE_URL [SQLITE_FILE]
  echo "### $1"
  echo
  "$bin" demo --demo-needs 0 --demo-volunteers 0 --demo-subjects 50 --database "$2" > /dev/null
  echo "| step | time | peak memory | what came out |"
  echo "| --- | ---: | ---: | --- |"
  local n=0
  for f in "$data"/existing-*.csv; do
    n=$((n + 1))
    read -r secs mb line <<< "$(import "$2" "$f" "铁路12306")"
    echo "| known people, list $n ($(basename "$f")) | $secs s | $mb MB | $line |"
  done
  if [ -n "${3:-}" ]; then # a consistent copy (the WAL too) for the peer
    python3 -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))" "$3" "$dir/peer.db"
  fi
  read -r secs mb line <<< "$(import "$2" "$data/list.csv" "铁路12306")"
  echo "| **the list: $rows rows against $existing known** | **$secs s** | **$mb MB** | $line |"
  echo
  echo "truth: $(python3 -c "import json,sys; t=json.load(open(sys.argv[1])); print(', '.join(f'{k} {t[k]}' for k in ['rows','new_subjects','joined','repeated','refused']))" "$data/truth.json")"
  echo
  echo "| read as 小寨路街道's screener (seat 1 of the day shift) | median | p90 | size |"
  echo "| --- | ---: | ---: | ---: |"
  worklist "$2"
  echo
}

engines=${ENGINES:-sqlite,postgres}
if [[ $engines == *sqlite* ]]; then
run_engine "SQLite (WAL, synchronous=FULL)" "sqlite://$dir/bench.db" "$dir/bench.db"
echo "### Peer: pandas + cpca, on a copy of the SQLite database before the list"
echo
python3 bench/screening_peer.py --db "$dir/peer.db" --list "$data/list.csv" --json "$dir/peer.json" > /dev/null
python3 - "$dir/peer.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["seconds"]
print("| peer | read | normalise | route | dedupe | write | **total** | peak memory | new | joined | repeated | refused |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
print(f"| {r['peer']} | {s['read']:.1f} s | {s['normalise']:.1f} s | {s['route']:.1f} s | {s['dedupe']:.1f} s "
      f"| {s['write']:.1f} s | **{s['total']:.1f} s** | {r['peak_rss_mb']:.0f} MB | {r['new_subjects']} "
      f"| {r['joined']} | {r['repeated']} | {r['refused']} |")
print()
print(f"(routed to {r['routed_to']}; imports outside the timing: {r.get('import_seconds')})")
EOF
echo
fi
if [[ $engines == *postgres* ]] && pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  db="liandong_screening_$$"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" postgres
  run_engine "PostgreSQL $(psql -h 127.0.0.1 -U postgres -Atc 'SHOW server_version' postgres)" \
    "postgres://postgres@127.0.0.1/$db"
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" postgres
fi
