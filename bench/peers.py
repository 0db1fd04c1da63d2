#!/usr/bin/env python3
"""Peers of the address resolver on the labelled set: Python cpca 0.5.5 and
jionlp 1.5.31, each in a throwaway virtualenv.

Usage:  python3 bench/peers.py [--rows N] [--set PATH] [--venv DIR] [--keep-venv]
                               [--json PATH]
  --rows N     jionlp rows (default 3000: every k-th row of the set, so every
               kind of mess is in; jionlp does ~100 rows/s). cpca gets all rows.
               (--jionlp-rows is the same option, kept for bench/resolver.sh.)
  --set PATH   the labelled set (default crates/divisions/eval/addresses.tsv)
  --venv DIR   use (and keep) this virtualenv instead of a fresh one under /tmp
  --keep-venv  do not delete the fresh virtualenv at the end
  --json PATH  where the JSON result goes (default /tmp/peers-result.json)

What it does: python3 -m venv, then `pip install cpca==0.5.5` and
`pip install jionlp==1.5.31` (separately: if jionlp fails to install, that is
reported and cpca still runs), then runs itself again with the venv's python:
  cpca    cpca.transform(all addresses) in one batch, 3 runs, median time;
  jionlp  jionlp.parse_location(address, town_village=True) per address, one
          run (one warm-up call first: its first call loads its dictionaries).
Only the peer calls are timed.

Scoring. A peer's output names are mapped to codes with the project's own
tree (crates/divisions/data/divisions.txt, former names from renames.tsv):
province, city and district names are looked up level by level (a city that
is the province's own name (jionlp's 北京市) or a placeholder (cpca's 市辖区,
省直辖县级行政区划) leaves the city open; a former name (renames.tsv) counts
for today's division; a name not in the tree is tried by its short form among
the children of what is already known, as peers' older data write 蓬莱市 for
today's 蓬莱区 and 赣县 for 赣县区; a name still unknown is skipped); when a name fits several divisions,
the claim is their deepest common ancestor, as a person would read it. A city
with a single district (东莞市) implies that district. jionlp's town and
village names are looked up inside the resolved district (exact name, else the
same street/community core as the eval generator uses, unique only).
Per level L (province … community):
  correct  = rows whose claim at L equals the truth at L, among rows whose
             expect_level is L or deeper (the text determines L);
  wrong    = rows whose claim at L contradicts the truth at L, among all rows
             (a claim deeper than the truth's code is not judged).
"wrong (any)" is the share of rows whose claim contradicts the truth anywhere.
Prints a markdown table and writes the JSON result.
"""
import argparse
import contextlib
import importlib.util
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SET = os.path.join(ROOT, "crates", "divisions", "eval", "addresses.tsv")
DATA = os.path.join(ROOT, "crates", "divisions", "data")
GENERATOR = os.path.join(ROOT, "crates", "divisions", "eval", "generate.py")
LEVELS = ["province", "city", "district", "street", "community"]
WIDTH = [2, 4, 6, 9, 12]
PEERS = [("cpca", "0.5.5"), ("jionlp", "1.5.31")]
# City names that stand for no city (cpca writes them): the city stays open.
PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Outside the venv: make it, install, run the inner part


def pip_install(py, spec):
    log(f"pip install {spec} …")
    r = subprocess.run([py, "-m", "pip", "install", "--disable-pip-version-check", "-q", spec],
                       capture_output=True, text=True)
    if r.returncode != 0:
        tail = "\n".join((r.stderr or r.stdout).strip().splitlines()[-15:])
        log(f"pip install {spec} FAILED (exit {r.returncode}):\n{tail}")
        return {"ok": False, "error": tail, "exit": r.returncode}
    return {"ok": True}


def run_in_venv(venv, keep, prefix, pins, inner_args, check=lambda install: None):
    """Run this script's caller again inside a virtualenv with `pins`
    installed: `venv` reused (and kept) when given, else a fresh one under
    /tmp, deleted unless `keep`. `check(install)` may stop before the run;
    `inner_args(install)` is the inner run's command line after the script."""
    fresh = venv is None
    venv = venv or tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    py = os.path.join(venv, "bin", "python")
    install = {}
    t = time.perf_counter()
    try:
        if not os.path.exists(py):
            log(f"python3 -m venv {venv}")
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        for name, version in pins:
            have = subprocess.run([py, "-c", f"import importlib.metadata as m; "
                                   f"assert m.version('{name}') == '{version}'"],
                                  capture_output=True).returncode == 0
            install[name] = {"ok": True, "already": True} if have else pip_install(py, f"{name}=={version}")
        log(f"venv ready in {time.perf_counter() - t:.0f} s: {venv}")
        check(install)
        rc = subprocess.run([py, os.path.abspath(sys.argv[0]), "--inner", *inner_args(install)]).returncode
        if rc != 0:
            sys.exit(rc)
    finally:
        if fresh and not keep:
            shutil.rmtree(venv, ignore_errors=True)
        elif fresh:
            log(f"kept the virtualenv: {venv} (reuse with --venv {venv})")


def outer(args):
    def check(install):
        if not install["cpca"]["ok"] and not install["jionlp"]["ok"]:
            sys.exit("neither peer could be installed")

    run_in_venv(args.venv, args.keep_venv, "liandong-peers-venv-", PEERS,
                lambda install: ["--rows", str(args.rows), "--set", args.set, "--json", args.json,
                                 "--install", json.dumps(install)], check)


# ---------------------------------------------------------------------------
# Inside the venv


def load_generator():
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    spec = importlib.util.spec_from_file_location("eval_generate", GENERATOR)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Tree:
    """The division tree by code, with name look-ups for mapping peers' output."""

    def __init__(self, gen):
        self.gen = gen
        self.name, self.level, self.children = {}, {}, defaultdict(list)
        self.by_name = defaultdict(list)  # (level, name) -> codes; levels 1-3, former names too
        stack = [""] * 6
        with open(os.path.join(DATA, "divisions.txt"), encoding="utf-8") as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                parts = line.rstrip("\n").split("\t")
                level, suffix = int(parts[0][0]), parts[0][1:]
                parent = stack[level - 1] if level > 1 else ""
                code = parent + suffix
                stack[level] = code
                self.name[code], self.level[code] = parts[1], level
                self.children[parent].append(code)
                if level <= 3:
                    self.by_name[(level, parts[1])].append(code)
        self.former = defaultdict(list)  # former name -> codes (any level)
        with open(os.path.join(DATA, "renames.tsv"), encoding="utf-8") as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    old, code = line.split("\t")[:2]
                    self.former[old].append(code)
        # Short forms at city and district level: 蓬莱 for 蓬莱区, so that a peer's
        # older 蓬莱市 (a county-level city until 2020) finds today's district.
        self.by_short = defaultdict(list)
        for (level, name), codes in list(self.by_name.items()):
            if level >= 2:
                for code in codes:
                    short = self.short(name, code)
                    if short:
                        self.by_short[(level, short)].append(code)
        self.street_cores, self.community_cores = {}, {}

    def short(self, name, code):
        class N:  # what the generator's short_form reads
            pass
        n = N()
        n.name, n.flags = name, ("z" if self.level.get(code) == 3 and code[4] == "7" else "")
        return self.gen.short_form(n)

    @staticmethod
    def common(codes):
        """The deepest common ancestor of codes (by code prefix at level widths)."""
        codes = list(codes)
        if not codes:
            return ""
        if len(codes) == 1:
            return codes[0]
        for w in reversed(WIDTH):
            if all(len(c) >= w for c in codes) and len({c[:w] for c in codes}) == 1:
                return codes[0][:w]
        return ""

    def under(self, level, name, parents):
        """Codes called `name` under any of `parents` (None: anywhere): at `level`
        by name; else by former name (at this level or deeper: 莱芜市 is now a
        district); else, inside a known parent, by short form (蓬莱市 → 蓬莱区)."""
        def within(codes):
            return list(codes) if parents is None else [c for c in codes if any(c.startswith(p) for p in parents)]
        hits = within(self.by_name.get((level, name), []))
        if not hits:
            hits = within(c for c in self.former.get(name, []) if self.level[c] >= level)
        if not hits and parents is not None and level == 3:  # 赣县 → 赣县区, 沙县 → 沙县区
            hits = within(self.by_name.get((level, name + "区"), []))
        if not hits and parents is not None and level >= 2:
            short = self.short(name, "")
            if short:
                hits = within(self.by_short.get((level, short), []))
        return hits

    def admin(self, province, city, district):
        """Map province/city/district names to a claim code."""
        claim = ""
        scope = None  # codes the next level must lie under; None = anywhere
        if province:
            ps = self.under(1, province, None)
            if ps:
                scope, claim = ps, self.common(ps)
        if city and city not in PLACEHOLDER_CITIES and not (province and city == province):
            cs = self.under(2, city, scope)
            if cs:
                scope, claim = cs, self.common(cs)
        if district and len(claim) <= 4:
            ds = self.under(3, district, scope)
            if ds:
                claim = self.common(ds)
        if len(claim) == 4:
            kids = self.children.get(claim, [])
            if len(kids) == 1:  # 东莞市, 中山市, 儋州市 …: one district
                claim = kids[0]
        return claim

    def _cores(self, parent, level):
        cache = self.street_cores if level == 4 else self.community_cores
        if parent not in cache:
            core = self.gen.street_core if level == 4 else self.gen.community_core
            index = defaultdict(list)
            if level == 4:
                kids = self.children.get(parent, [])
            else:  # all communities of a district, or of a street
                kids = ([v for s in self.children.get(parent, []) for v in self.children.get(s, [])]
                        if len(parent) == 6 else self.children.get(parent, []))
            for k in kids:
                index[self.name[k]].append(k)
                index["core:" + core(self.name[k])].append(k)
            cache[parent] = index
        return cache[parent]

    def below(self, parent, name, level):
        """A street (level 4) or community (level 5) called `name` under parent:
        exact name, else the same core; unique only."""
        if not name or not parent:
            return None
        index = self._cores(parent, level)
        hits = index.get(name) or index.get("core:" + (self.gen.street_core(name) if level == 4
                                                        else self.gen.community_core(name)), [])
        return hits[0] if len(hits) == 1 else None


def s(x):
    return x if isinstance(x, str) and x else None


def score(rows, claims):
    n = len(rows)
    due, ok, wrong = [0] * 5, [0] * 5, [0] * 5
    any_wrong = 0
    for (_, truth, expect, _), got in zip(rows, claims):
        depth = LEVELS.index(expect) if expect in LEVELS else -1
        bad = False
        for i, w in enumerate(WIDTH):
            if i <= depth:
                due[i] += 1
                ok[i] += int(len(got) >= w and len(truth) >= w and got[:w] == truth[:w])
            if len(got) >= w and len(truth) >= w and got[:w] != truth[:w]:
                wrong[i] += 1
                bad = True
        any_wrong += bad
    out = {}
    for i, level in enumerate(LEVELS):
        out[level] = {"due": due[i], "correct": ok[i], "correct_pct": 100 * ok[i] / due[i] if due[i] else None,
                      "wrong": wrong[i], "wrong_pct": 100 * wrong[i] / n if n else None}
    out["any"] = {"wrong": any_wrong, "wrong_pct": 100 * any_wrong / n if n else None}
    return out


def by_kind(rows, claims):
    groups = defaultdict(list)
    for r, c in zip(rows, claims):
        groups[r[3]].append((r, c))
    return {k: score([r for r, _ in v], [c for _, c in v]) for k, v in sorted(groups.items())}


def run_cpca(rows, tree):
    import cpca
    addresses = [r[0] for r in rows]
    times = []
    for i in range(3):
        t = time.perf_counter()
        df = cpca.transform(addresses)
        times.append(time.perf_counter() - t)
        log(f"cpca run {i + 1}: {times[-1]:.2f} s")
    claims = [tree.admin(s(p), s(c), s(d)) for p, c, d in zip(df["省"], df["市"], df["区"])]
    return {"peer": "cpca", "version": cpca.__version__ if hasattr(cpca, "__version__") else "0.5.5",
            "call": "cpca.transform(list), one batch", "rows": len(rows), "runs": 3,
            "seconds": statistics.median(times), "seconds_all": times}, claims


def run_jionlp(rows, tree):
    with contextlib.redirect_stdout(io.StringIO()):  # its import prints a banner
        import jionlp
    t = time.perf_counter()
    jionlp.parse_location("陕西省西安市雁塔区小寨路街道", town_village=True)
    warm = time.perf_counter() - t
    out = []
    t = time.perf_counter()
    for a, *_ in rows:
        try:
            out.append(jionlp.parse_location(a, town_village=True))
        except Exception as e:  # a peer's crash on one row counts as no answer
            out.append({"error": repr(e)})
    seconds = time.perf_counter() - t
    log(f"jionlp: {seconds:.1f} s for {len(rows)} rows (warm-up call {warm:.2f} s)")
    claims, errors = [], 0
    for r in out:
        errors += "error" in r
        code = tree.admin(s(r.get("province")), s(r.get("city")), s(r.get("county")))
        if len(code) == 6:
            street = tree.below(code, s(r.get("town")), 4)
            village = tree.below(street or code, s(r.get("village")), 5)
            code = village or street or code
        claims.append(code)
    return {"peer": "jionlp", "version": getattr(jionlp, "__version__", "1.5.31"),
            "call": "jionlp.parse_location(address, town_village=True), one by one", "rows": len(rows),
            "runs": 1, "seconds": seconds, "warmup_seconds": warm, "errors": errors}, claims


def pct(x):
    return "—" if x is None else f"{x:.2f}%"


def inner(args):
    install = json.loads(args.install) if args.install else {}
    with open(args.set, encoding="utf-8") as f:
        header = next(f).rstrip("\n").split("\t")
        assert header[:4] == ["address", "truth", "expect_level", "kind"], header
        rows = [tuple(line.rstrip("\n").split("\t")[:4]) for line in f if line.strip()]
    tree = Tree(load_generator())
    results = []
    if install.get("cpca", {}).get("ok", True):
        meta, claims = run_cpca(rows, tree)
        results.append((meta, rows, claims))
    if install.get("jionlp", {}).get("ok", True):
        step = max(1, len(rows) // max(1, args.rows))
        sub = rows[::step][: args.rows]
        meta, claims = run_jionlp(sub, tree)
        meta["sample"] = f"every {step}th row of the set"
        results.append((meta, sub, claims))

    report = {"set": os.path.relpath(args.set, ROOT), "set_rows": len(rows), "install": install, "peers": []}
    print(f"Set: {report['set']} ({len(rows)} rows). Correct at a level: among rows whose text "
          f"determines it; wrong: a claim that contradicts the truth, share of all rows.\n")
    print("| peer | rows | seconds | rows/s | province | city | district | street | community "
          "| wrong: province | city | district | street | community | any |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for meta, rs, claims in results:
        sc = score(rs, claims)
        meta["rows_per_second"] = meta["rows"] / meta["seconds"]
        meta["accuracy"] = sc
        meta["by_kind"] = by_kind(rs, claims)
        meta["claim_depth"] = {lvl: sum(1 for c in claims if len(c) == w) for lvl, w in zip(LEVELS, WIDTH)}
        meta["claim_depth"]["none"] = sum(1 for c in claims if not c)
        report["peers"].append(meta)
        name = f"{meta['peer']} {meta['version']}" + (f" ({meta['sample']})" if "sample" in meta else "")
        timing = "median of 3" if meta["runs"] == 3 else "1 run"
        print(f"| {name} | {meta['rows']} | {meta['seconds']:.2f} ({timing}) | {meta['rows_per_second']:,.0f} | "
              + " | ".join(pct(sc[l]["correct_pct"]) for l in LEVELS) + " | "
              + " | ".join(pct(sc[l]["wrong_pct"]) for l in LEVELS) + f" | {pct(sc['any']['wrong_pct'])} |")
    for name, st in install.items():
        if not st.get("ok"):
            print(f"\n**{name} could not be installed**: {st.get('error', '')[-500:]}")
            report["peers"].append({"peer": name, "install_failed": True, "error": st.get("error")})
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(report, f, ensure_ascii=False, indent=1)
    log(f"wrote {args.json}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", "--jionlp-rows", type=int, default=3000, dest="rows")
    ap.add_argument("--set", default=SET)
    ap.add_argument("--venv")
    ap.add_argument("--keep-venv", action="store_true")
    ap.add_argument("--json", default="/tmp/peers-result.json")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--install", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.set = os.path.abspath(args.set)
    if args.inner:
        inner(args)
    else:
        outer(args)


if __name__ == "__main__":
    main()
