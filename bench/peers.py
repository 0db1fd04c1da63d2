#!/usr/bin/env python3
"""Peers of the address resolver on the same labelled set: Python cpca 0.5.5
and jionlp 1.5.31, installed in a throwaway virtualenv.

Usage: python3 bench/peers.py [--jionlp-rows N] [--set PATH]
Prints a markdown table: rows/second (cpca: median of 3 batch runs over the
whole set; jionlp: one run over N rows spread over the set, it is slow) and accuracy
scored exactly as the Rust eval example scores Liandong (district, street and
community correct among rows whose text determines that level; wrong claims =
a code that contradicts the truth). Peer output is mapped to codes through
the same embedded division data: names looked up under the parent the peer
returned.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.environ.get("LIANDONG_PEERS_VENV", "/tmp/liandong-peers-venv")
SET = os.path.join(ROOT, "crates", "divisions", "eval", "addresses.tsv")
DATA = os.path.join(ROOT, "crates", "divisions", "data", "divisions.txt")
LEVELS = ["province", "city", "district", "street", "community"]
WIDTH = [2, 4, 6, 9, 12]


def ensure_venv():
    py = os.path.join(VENV, "bin", "python")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    ok = subprocess.run([py, "-c", "import cpca, jionlp"], capture_output=True).returncode == 0
    if not ok:
        subprocess.run([py, "-m", "pip", "install", "-q", "cpca==0.5.5", "jionlp==1.5.31"], check=True)
    return py


class Tree:
    """Name lookups under a parent, from the embedded data."""

    def __init__(self):
        self.children = {"": {}}
        stack = [""] * 6
        with open(DATA, encoding="utf-8") as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split("\t")
                level, suffix = int(parts[0][0]), parts[0][1:]
                parent = stack[level - 1] if level > 1 else ""
                code = parent + suffix
                stack[level] = code
                self.children.setdefault(parent, {})[parts[1]] = code
                self.children.setdefault(code, {})

    def find(self, parent, name, loose=False):
        """The child of `parent` called `name` (or, loose, whose name starts with it)."""
        if not name:
            return None
        kids = self.children.get(parent, {})
        if name in kids:
            return kids[name]
        if loose:
            hits = [c for n, c in kids.items() if n.startswith(name) or name.startswith(n)]
            if len(hits) == 1:
                return hits[0]
        return None

    def under_placeholder(self, province, name):
        # Municipalities: districts sit under 市辖区/县, which peers do not name.
        for city in self.children.get(province, {}).values():
            code = self.find(city, name)
            if code:
                return code
        return None


def score(rows, codes):
    due = {l: 0 for l in LEVELS}
    ok = {l: 0 for l in LEVELS}
    wrong = 0
    for (addr, truth, expect, kind), got in zip(rows, codes):
        got = got or ""
        if got and not truth.startswith(got):
            wrong += 1
        if expect not in LEVELS:
            continue
        for i, level in enumerate(LEVELS):
            if i <= LEVELS.index(expect):
                due[level] += 1
                ok[level] += int(len(got) >= WIDTH[i] and truth.startswith(got[: WIDTH[i]]))
    pct = lambda a, b: f"{100 * a / b:.2f}%" if b else "—"
    return {l: pct(ok[l], due[l]) for l in ("district", "street", "community")} | {"wrong": pct(wrong, len(rows))}


def inner(args):
    rows = []
    with open(args.set, encoding="utf-8") as f:
        next(f)
        for line in f:
            rows.append(tuple(line.rstrip("\n").split("\t")))
    addresses = [r[0] for r in rows]
    tree = Tree()
    results = []

    import cpca
    times = []
    for _ in range(3):
        t = time.perf_counter()
        df = cpca.transform(addresses)
        times.append(time.perf_counter() - t)
    codes = []
    for prov, city, dist in zip(df["省"], df["市"], df["区"]):
        p = tree.find("", prov) if prov else None
        c = tree.find(p, city) if p and city else None
        d = None
        if c and dist:
            d = tree.find(c, dist)
        elif p and dist:
            d = tree.under_placeholder(p, dist)
        codes.append(d or c or p or "")
    results.append(("cpca 0.5.5", len(rows), len(rows) / statistics.median(times), score(rows, codes)))

    import jionlp
    # Every k-th row, so that every kind of mess is in the sample.
    step = max(1, len(rows) // args.jionlp_rows)
    sub = rows[::step][: args.jionlp_rows]
    codes = []
    t = time.perf_counter()
    parsed = [jionlp.parse_location(a, town_village=True) for a, *_ in sub]
    elapsed = time.perf_counter() - t
    for r in parsed:
        p = tree.find("", r.get("province"))
        c = tree.find(p, r.get("city")) if p else None
        d = None
        if r.get("county"):
            d = tree.find(c, r["county"]) if c else (tree.under_placeholder(p, r["county"]) if p else None)
        s = tree.find(d, r.get("town"), loose=True) if d else None
        v = tree.find(s, r.get("village"), loose=True) if s else None
        codes.append(v or s or d or c or p or "")
    results.append((f"jionlp 1.5.31 (every {step}th row)", len(sub), len(sub) / elapsed, score(sub, codes)))

    print("| peer | rows | rows/s | district | street | community | wrong claims |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, n, rate, s in results:
        print(f"| {name} | {n} | {rate:,.0f} | {s['district']} | {s['street']} | {s['community']} | {s['wrong']} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jionlp-rows", type=int, default=3000)
    ap.add_argument("--set", default=SET)
    ap.add_argument("--inner", action="store_true")
    args = ap.parse_args()
    if args.inner:
        inner(args)
        return
    py = ensure_venv()
    env = dict(os.environ)
    subprocess.run([py, os.path.abspath(__file__), "--inner", "--jionlp-rows", str(args.jionlp_rows), "--set", args.set],
                   check=True, env=env)


if __name__ == "__main__":
    main()
