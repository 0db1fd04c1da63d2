#!/usr/bin/env python3
"""The peer of the screening-list import: the same work done as a data
team would with pandas and cpca, in a throwaway virtualenv.

Usage:  python3 bench/screening_peer.py --db SQLITE_FILE --list CSV
                                        [--venv DIR] [--keep-venv] [--json OUT]
  --db PATH    a copy of the project's SQLite database: its `subjects` are the
               people already known; the peer writes its own tables into it
  --list CSV   the list (bench/screening_data.py's list.csv, or any list with
               the headers 姓名,手机号,身份证号,现住址,户籍地址,行程,日期)
  --venv DIR   use (and keep) this virtualenv instead of a fresh one under /tmp
  --keep-venv  do not delete the fresh virtualenv at the end
  --json PATH  where the JSON result goes (default /tmp/screening-peer.json)

What it does: python3 -m venv, `pip install pandas==2.2.3 cpca==0.5.5`, then
runs itself again with the venv's python. Importing pandas and cpca (cpca
reads its tables at import) is outside the timing and reported apart. Phases,
each timed with time.perf_counter:
  read       pd.read_csv(list, dtype=str, keep_default_na=False)
  normalise  full-width to ASCII; phones without spaces, dashes and a
             +86/0086/86 prefix, valid as 1[3-9] and 9 digits; ID numbers
             upper case, 18 characters, GB 11643 check character and a birth
             date (vectorised with numpy); names and cells trimmed; dates in
             2026-12-01, 2026/12/1 or 2026年12月1日 (and . separators; unlike
             the project, not 20261201 nor a spreadsheet's day number).
             Refused: a phone or ID number or date given but wrong, no phone
             and no ID number, a name over 30 or a cell over 200 characters.
  route      cpca.transform on the unique residence strings and the unique
             registered strings; the holder is the residence's adcode, else
             the registered address's. cpca knows no streets: it routes to
             districts only (the project routes to streets).
  dedupe     exact duplicates (the normalised cells) → repeated; the known
             subjects read with sqlite3 + pandas (SELECT id, name, phone,
             id_number FROM subjects) and matched by ID number, else by phone
             and name (not when both carry different ID numbers); the rest
             made people by ID number, else phone and name (a row without an
             ID number joins a person of the list with that phone and name)
             → joined / new. Unlike the project, no 14-day window for a phone
             without a name, and known subjects are not updated.
  write      into the same SQLite file (WAL, synchronous=FULL), in one
             transaction: peer_subjects (the new people, ids after the known
             subjects' largest) and peer_leads (every good row that is not
             repeated, joined ones pointing at the known subject's id), with
             their indexes, by executemany. Tables left by an earlier run are
             dropped before the clock starts.
Phones are stored as the database stores them (the project stores the
national number, 13812345678; a database holding +86… gets +86…).
Prints one JSON line and writes it to --json.
"""
import argparse
import json
import os
import sys
import time

PINS = [("pandas", "2.2.3"), ("cpca", "0.5.5")]
COLUMNS = {"姓名": "name", "手机号": "phone", "身份证号": "id_number", "现住址": "residence",
           "户籍地址": "registered", "行程": "trip", "日期": "seen_on"}


# The venv and pip steps are the resolver peers' (bench/peers.py).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import log, run_in_venv  # noqa: E402


def outer(args):
    def check(install):
        for (name, version), got in zip(PINS, install.values()):
            if not got["ok"]:
                sys.exit(f"could not install {name}=={version}")

    run_in_venv(args.venv, args.keep_venv, "liandong-screening-peer-venv-", PINS,
                lambda install: ["--db", args.db, "--list", args.list, "--json", args.json], check)


# ---------------------------------------------------------------------------
# Inside the venv


def inner(args):
    import resource
    import sqlite3

    t = time.perf_counter()
    import numpy as np
    import pandas as pd
    pandas_import = time.perf_counter() - t
    t = time.perf_counter()
    import cpca
    cpca_import = time.perf_counter() - t

    seconds = {}
    clock = time.perf_counter()

    def lap(phase):
        nonlocal clock
        now = time.perf_counter()
        seconds[phase] = round(now - clock, 3)
        clock = now

    # -- read
    df = pd.read_csv(args.list, dtype=str, keep_default_na=False)
    df = df.rename(columns=lambda h: COLUMNS.get(h.strip(), h))
    for c in COLUMNS.values():
        if c not in df:
            df[c] = ""
    rows = len(df)
    lap("read")

    # -- normalise
    fw = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
    fw[0x3000] = 0x20
    name = df["name"].str.strip()
    phone = df["phone"].str.translate(fw).str.replace(r"[\s\-().—–]", "", regex=True)
    phone_given = phone != ""
    phone = phone.str.replace(r"^(?:\+86|0086|86(?=1[0-9]{10}$))", "", regex=True)
    phone_ok = phone.str.fullmatch(r"1[3-9][0-9]{9}")
    phone = phone.where(phone_ok, "")

    idn = df["id_number"].str.translate(fw).str.replace(r"\s", "", regex=True).str.upper()
    id_given = idn != ""
    shaped = idn.str.fullmatch(r"[0-9]{17}[0-9X]")
    cand = idn[shaped]
    id_ok = pd.Series(False, index=df.index)
    if len(cand):
        b = np.frombuffer("".join(cand).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        sums = (b[:, :17].astype(np.int64) - 48) @ np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
        check_ok = np.frombuffer(b"10X98765432", dtype=np.uint8)[sums % 11] == b[:, 17]
        birth = pd.to_datetime(cand.str[6:14], format="%Y%m%d", errors="coerce")
        id_ok[cand.index] = check_ok & birth.notna().to_numpy() & (birth.dt.year >= 1900).to_numpy()
    idn = idn.where(id_ok, "")

    seen = df["seen_on"].str.translate(fw).str.strip()
    seen_given = seen != ""
    ymd = seen.str.extract(r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?(?:[ T].*)?$")
    iso = ymd[0] + "-" + ymd[1].str.zfill(2) + "-" + ymd[2].str.zfill(2)
    day = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    seen_ok = day.notna() & (day.dt.year >= 2000)
    seen = iso.where(seen_ok, "")

    texts = {c: df[c].str.strip() for c in ("residence", "registered", "trip")}
    too_long = name.str.len() > 30
    for s in texts.values():
        too_long |= s.str.len() > 200
    refused = ((phone_given & ~phone_ok) | (id_given & ~id_ok) | (seen_given & ~seen_ok)
               | (~phone_given & ~id_given) | too_long)
    good = pd.DataFrame({"name": name, "phone": phone, "id_number": idn, **texts,
                         "seen_on": seen})[~refused]
    n_refused = int(refused.sum())
    del df, name, phone, idn, seen, ymd, iso, day, texts
    lap("normalise")

    # -- route (to districts: cpca has no streets)
    def adcodes(col):
        uniq = good[col].unique()
        uniq = uniq[uniq != ""]
        codes = cpca.transform(list(uniq))["adcode"].fillna("").to_numpy() if len(uniq) else []
        return good[col].map(pd.Series(codes, index=uniq, dtype=object)).fillna("")

    good["residence_division"] = adcodes("residence")
    good["registered_division"] = adcodes("registered")
    good["holder_division"] = good["residence_division"].where(good["residence_division"] != "",
                                                               good["registered_division"])
    lap("route")

    # -- dedupe
    cells = ["name", "phone", "id_number", "residence", "registered", "trip", "seen_on"]
    dup = good.duplicated(subset=cells, keep="first")
    repeated = int(dup.sum())
    u = good[~dup].reset_index(drop=True)
    con = sqlite3.connect(args.db)
    known = pd.read_sql_query("SELECT id, name, phone, id_number FROM subjects", con)
    con.close()
    e164 = known["phone"].str.startswith("+86").mean() > 0.5 if len(known) else False
    known["phone"] = known["phone"].str.replace(r"^\+86", "", regex=True)
    # Known: by ID number, else by phone and name (not across two ID numbers).
    by_id = known[known["id_number"] != ""].drop_duplicates("id_number").set_index("id_number")["id"]
    sid = u["id_number"].map(by_id)
    pn = u["phone"] + "\x1f" + u["name"]
    kn = known[(known["phone"] != "") & (known["name"] != "")]
    kn = kn.assign(pn=kn["phone"] + "\x1f" + kn["name"]).drop_duplicates("pn").set_index("pn")
    try_pn = sid.isna() & (u["phone"] != "") & (u["name"] != "")
    pn_id, pn_idn = pn[try_pn].map(kn["id"]), pn[try_pn].map(kn["id_number"])
    other_id = (u.loc[try_pn, "id_number"] != "") & (pn_idn.fillna("") != "")
    sid[try_pn] = pn_id.where(~other_id)
    # New people: by ID number, else phone and name (or the phone alone
    # without a name); a row without an ID number joins the person of the
    # list who has one with that phone and name.
    rest = sid.isna()
    r = u[rest]
    r_pn = pn[rest]
    with_id = r["id_number"] != ""
    pn_to_id = ("i" + r["id_number"][with_id]).groupby(r_pn[with_id]).first()
    key = pd.Series("i" + r["id_number"], index=r.index)
    key[~with_id] = r_pn[~with_id].map(pn_to_id).fillna("p" + r_pn[~with_id])
    codes, _ = pd.factorize(key, sort=False)  # first appearance order
    new_subjects = int(codes.max() + 1) if len(codes) else 0
    joined = len(u) - new_subjects
    first_id = int(known["id"].max() + 1) if len(known) else 1
    sid[rest] = codes + first_id
    u["subject_id"] = sid.astype(np.int64)
    # A new subject from its first lead: what a later lead adds (a name, a
    # phone, an ID number) filled in, the latest sighting kept. Blanks are
    # made NaN for "first" to skip and dates ranked as integers: a "max" over
    # strings would leave pandas' compiled path for a Python loop per group.
    n = u[rest]
    fill = {c: n[c].mask(n[c] == "") for c in ("name", "phone", "id_number")}
    days = np.sort(n["seen_on"].unique())
    subjects = pd.DataFrame({"subject_id": n["subject_id"], **fill,
                             "residence_address": n["residence"],
                             "residence_division": n["residence_division"],
                             "registered_address": n["registered"],
                             "registered_division": n["registered_division"],
                             "holder_division": n["holder_division"],
                             "last_seen_on": np.searchsorted(days, n["seen_on"])})
    g = subjects.groupby("subject_id", sort=True)
    subjects = g.first().fillna("")
    subjects["last_seen_on"] = days[g["last_seen_on"].max().to_numpy()]
    subjects = subjects.reset_index()
    lap("dedupe")

    # -- write
    con = sqlite3.connect(args.db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("DROP TABLE IF EXISTS peer_subjects")
    con.execute("DROP TABLE IF EXISTS peer_leads")
    clock = time.perf_counter()  # dropping an earlier run's tables is not the peer's work
    prefix = "+86" if e164 else ""
    for frame in (subjects, u):
        frame["phone"] = np.where(frame["phone"] != "", prefix + frame["phone"], "")
    con.execute("BEGIN")
    con.execute("""CREATE TABLE peer_subjects (id INTEGER PRIMARY KEY, name TEXT, phone TEXT,
        id_number TEXT, residence_address TEXT, residence_division TEXT, registered_address TEXT,
        registered_division TEXT, holder_division TEXT, last_seen_on TEXT)""")
    con.execute("CREATE INDEX peer_subjects_id_number ON peer_subjects (id_number)")
    con.execute("CREATE INDEX peer_subjects_phone ON peer_subjects (phone, name)")
    con.execute("CREATE INDEX peer_subjects_holder ON peer_subjects (holder_division)")
    con.execute("""CREATE TABLE peer_leads (id INTEGER PRIMARY KEY, subject_id INTEGER, name TEXT,
        phone TEXT, id_number TEXT, residence_address TEXT, registered_address TEXT, trip TEXT,
        seen_on TEXT)""")
    con.execute("CREATE INDEX peer_leads_subject ON peer_leads (subject_id)")
    con.executemany("INSERT INTO peer_subjects VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    subjects[["subject_id", "name", "phone", "id_number", "residence_address",
                              "residence_division", "registered_address", "registered_division",
                              "holder_division", "last_seen_on"]].itertuples(index=False, name=None))
    con.executemany("INSERT INTO peer_leads (subject_id, name, phone, id_number, residence_address, "
                    "registered_address, trip, seen_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    u[["subject_id", "name", "phone", "id_number", "residence", "registered", "trip",
                       "seen_on"]].itertuples(index=False, name=None))
    con.execute("COMMIT")
    con.close()
    lap("write")
    seconds["total"] = round(sum(seconds.values()), 3)

    result = {
        "peer": f"pandas {pd.__version__} + cpca {cpca.__version__}",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "pandas": pd.__version__, "cpca": cpca.__version__},
        "rows": rows, "refused": n_refused, "repeated": repeated, "joined": int(joined),
        "new_subjects": new_subjects, "seconds": seconds,
        "import_seconds": {"pandas": round(pandas_import, 3), "cpca": round(cpca_import, 3)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "routed_to": "district",
        "holders_found": {"new_subjects": int((subjects["holder_division"] != "").sum()),
                          "leads": int((u["holder_division"] != "").sum())},
        "note": "cpca knows provinces, cities and districts only: holders are districts (6-digit "
                "adcodes), not streets; no 14-day phone-only window; known subjects not updated",
    }
    line = json.dumps(result, ensure_ascii=False)
    print(line, flush=True)
    with open(args.json, "w", encoding="utf-8") as f:
        f.write(line + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--list", required=True)
    ap.add_argument("--venv")
    ap.add_argument("--keep-venv", action="store_true")
    ap.add_argument("--json", default="/tmp/screening-peer.json")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.db, args.list, args.json = map(os.path.abspath, (args.db, args.list, args.json))
    for p in (args.db, args.list):
        if not os.path.exists(p):
            sys.exit(f"no such file: {p}")
    if args.inner:
        inner(args)
    else:
        outer(args)


if __name__ == "__main__":
    main()
