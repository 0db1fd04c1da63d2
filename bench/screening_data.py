#!/usr/bin/env python3
"""Deterministic test data for the screening-list import benchmark.

Usage:  python3 bench/screening_data.py OUT_DIR [--existing 2000000]
                                        [--rows 1000000] [--seed 7]
Writes (UTF-8 CSV with a header row, quoted as the csv module does):
  OUT_DIR/existing-1.csv, existing-2.csv, …  --existing distinct people, one
      row each, at most 1,000,000 data rows a file (import these first: they
      are the subjects already known)
  OUT_DIR/list.csv   --rows data rows: the list being measured
  OUT_DIR/truth.json what importing list.csv after the existing files must
      report: {"rows", "refused", "repeated", "joined", "new_subjects",
      "detail": {…how the counts were made…}}
Headers: 姓名,手机号,身份证号,现住址,户籍地址,行程,日期

list.csv (seeded, shuffled; second leads and duplicates always come after
the row they refer to):
  ~35%  people from the existing files, one row each: half carry their ID
        number (phone the same, messy, absent or another), half no ID number
        but the same phone and name → joined
  ~55%  new people → new_subjects (their first row)
  ~8%   a second lead of a new person already in list.csv: the same ID number
        if they have one, else the same phone and name; another trip or date
        → joined
  ~1.5% exact duplicates of an earlier good row (every cell) → repeated
  30    bad rows → refused: 10 ID numbers with a wrong check character and no
        phone, 10 phones like 12345 and no ID number, 10 dates 2026-13-45
        (otherwise valid, people of their own that no other row names)

What keeps the counting unambiguous under the import's rules (same ID
number; else same phone and name; else, with no name, the same phone within
14 days): every person has their own phone and ID number (nobody shares
either, bad rows included); rows without a name (phone only, unlocated)
belong to new people who appear once; two leads of one person never agree
on both trip and date (the import keys a duplicate by the normalised row, so
they would be "repeated"), and a joined row never repeats its existing row.
Phones use prefixes that every libphonenumber release takes as mobiles.
Addresses are real divisions from crates/divisions/data/divisions.txt.
"""
import argparse
import csv
import datetime
import gc
import json
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIVISIONS = os.path.join(ROOT, "crates", "divisions", "data", "divisions.txt")
HEADER = ["姓名", "手机号", "身份证号", "现住址", "户籍地址", "行程", "日期"]
PER_FILE = 1_000_000

# GB 11643 check character.
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
# Real county codes: Xi'an's districts first, then a few people from elsewhere.
AREAS = ["610113", "610112", "610104", "610103", "610111", "610116", "610102", "610114",
         "610115", "610117", "610118", "610122", "610124", "610502", "610402", "410105",
         "110105", "510107", "620102", "140105"]
# 3-digit mobile prefixes valid in every libphonenumber release (the import
# checks phones with it; 1740[6-9] and newer ranges are avoided).
PREFIXES = [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 153,
            155, 156, 157, 158, 159, 166, 173, 175, 176, 177, 178, 180, 181, 182, 183,
            184, 185, 186, 187, 188, 189, 198, 199]

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
            "郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕鹏辉建林国文志海斌宇浩凯欣"
         "怡梓涵子轩诗雨佳博晨俊慧婷雪琳晓飞鑫亮宁波成龙兰凤梅春荣云峰健倩颖璐瑶思嘉铭皓睿昊泽鹤"
         "晶莉东阳旭丹喆雯蕾薇菲楠昕彤航")
STATIONS = ["北京西", "西安北", "上海虹桥", "郑州东", "成都东", "重庆北", "武汉", "广州南", "兰州西",
            "太原南", "银川", "汉中", "宝鸡南", "延安", "咸阳秦都", "天津西", "石家庄", "南京南",
            "杭州东", "长沙南", "西安", "渭南北", "洛阳龙门", "西宁"]
AIRLINES = ["MU", "CA", "CZ", "HU", "3U", "ZH", "MF", "SC", "9C", "G5", "FM", "JD"]
VENUES = ["大唐不夜城", "钟楼", "回民街", "赛格国际购物中心", "大雁塔北广场", "曲江池遗址公园",
          "西安北站", "咸阳国际机场T3航站楼", "永兴坊", "大悦城", "小寨万达广场", "曲江书城",
          "大明宫国家遗址公园", "长安十二时辰", "易俗社文化街区", "高新万达ONE", "西安城墙南门"]
ROAMING = ["北京市朝阳区", "上海市浦东新区", "河南省郑州市", "内蒙古额济纳旗", "甘肃省兰州市",
           "四川省成都市", "宁夏银川市", "广东省广州市"]
# Cities that stand for no city: left out of addresses as people write them.
PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DAY0 = datetime.date(2026, 11, 20)
DAYS = 17  # 2026-11-20 … 2026-12-06


# ---------------------------------------------------------------------------
# Divisions: address pools read once


def short_street(s):
    return s[:-2] if s.endswith("街道") and len(s) > 3 else s


def short_community(m):
    """民乐社区居委会 → 民乐社区, 西庄居民委员会 → 西庄社区, 双竹村村委会 → 双竹村."""
    for suffix in ("居民委员会", "村民委员会", "居委会", "村委会"):
        if m.endswith(suffix) and len(m) > len(suffix):
            core = m[: -len(suffix)]
            if core.endswith("社区") or core.endswith("村"):
                return core
            return core + ("村" if suffix.startswith("村") else "社区")
    return m


def load_divisions():
    """Communities (province, city shown, district, street, community) under
    Xi'an and anywhere, and registered-address strings (province+city+district)
    for Shaanxi and anywhere. Development zones and virtual communities are
    left out: nobody writes them as a home address."""
    names, codes, flags = [""] * 6, [""] * 6, [""] * 6
    xian, china, reg_shaanxi, reg_china = [], [], [], []
    with open(DIVISIONS, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            level = int(parts[0][0])
            codes[level] = (codes[level - 1] if level > 1 else "") + parts[0][1:]
            names[level] = parts[1]
            flags[level] = parts[2] if len(parts) > 2 else ""
            if any(flags[1:level + 1]):
                continue
            city = "" if names[2] in PLACEHOLDER_CITIES else names[2]
            if level == 3:
                text = names[1] + city + names[3]
                reg_china.append(text)
                if codes[3].startswith("61"):
                    reg_shaanxi.append(text)
            elif level == 5:
                c = (names[1], city, names[3], names[4], names[5])
                china.append(c)
                if codes[5].startswith("6101"):
                    xian.append(c)
    return xian, china, reg_shaanxi, reg_china


# ---------------------------------------------------------------------------
# The generator


class Gen:
    def __init__(self, seed):
        self.rnd = random.Random(seed)
        self.r = self.rnd.random  # the fast draw everything below uses
        t = time.perf_counter()
        self.xian, self.china, self.reg_shaanxi, self.reg_china = load_divisions()
        self.divisions_seconds = time.perf_counter() - t
        self.used_phones = set()
        self.used_ids = set()
        # ID number parts with their share of the weighted sum, so a check
        # character costs three look-ups instead of 17 multiplications.
        self.area_sum = [sum(int(d) * w for d, w in zip(a, WEIGHTS[:6])) for a in AREAS]
        self.births, self.birth_sum = [], []
        day, end = datetime.date(1940, 1, 1), datetime.date(2015, 12, 31)
        while day <= end:
            s = day.strftime("%Y%m%d")
            self.births.append(s)
            self.birth_sum.append(sum(int(d) * w for d, w in zip(s, WEIGHTS[6:14])))
            day += datetime.timedelta(days=1)
        self.seq_sum = [sum(int(d) * w for d, w in zip(f"{q:03d}", WEIGHTS[14:])) for q in range(1000)]
        self.dates = []  # per day: (ISO, 2026/12/1, 2026年12月1日)
        for i in range(DAYS):
            d = DAY0 + datetime.timedelta(days=i)
            self.dates.append((d.isoformat(), f"{d.year}/{d.month}/{d.day}",
                               f"{d.year}年{d.month}月{d.day}日"))
        # Name parts weighted roughly as in life: a few surnames carry many.
        self.surname_cum = list(accumulate(1.0 / (i + 3) for i in range(len(SURNAMES))))

    def pick(self, seq):
        return seq[int(self.r() * len(seq))]

    def name(self):
        r = self.r
        s = self.rnd.choices(SURNAMES, cum_weights=self.surname_cum)[0]
        g = GIVEN[int(r() * len(GIVEN))]
        if r() < 0.6:
            g += GIVEN[int(r() * len(GIVEN))]
        return s + g

    def phone(self):
        """A mobile nobody else has (11 digits)."""
        r, used = self.r, self.used_phones
        while True:
            n = PREFIXES[int(r() * len(PREFIXES))] * 100_000_000 + int(r() * 100_000_000)
            if n not in used:
                used.add(n)
                return str(n)

    def id_number(self, check_ok=True):
        """A GB 11643 number nobody else has; check_ok=False: a wrong check character."""
        r, used = self.r, self.used_ids
        while True:
            a, b, q = int(r() * len(AREAS)), int(r() * len(self.births)), int(r() * 1000)
            key = (a * 30_000 + b) * 1000 + q
            if key not in used:
                used.add(key)
                break
        c = (self.area_sum[a] + self.birth_sum[b] + self.seq_sum[q]) % 11
        if not check_ok:
            c = (c + 1 + int(r() * 10)) % 11
        return f"{AREAS[a]}{self.births[b]}{q:03d}{CHECK[c]}"

    def residence(self):
        """A home as residents write it: ~75% in Xi'an, full or shortened."""
        r = self.r
        p, c, d, s, m = self.pick(self.xian if r() < 0.75 else self.china)
        c = c or (p if p.endswith("市") else "")  # 北京市东城区, not 北京市市辖区
        if short_community(m).endswith("村"):
            house = f"{int(r() * 12) + 1}组{int(r() * 60) + 1}号" if r() < 0.5 else ""
        else:
            x = r()
            house = (f"{int(r() * 30) + 1}号楼{int(r() * 6) + 1}单元{int(r() * 30) + 1}0{int(r() * 4) + 1}"
                     if x < 0.5 else f"{int(r() * 200) + 1}号院" if x < 0.7 else "")
        x = r()
        if x < 0.30:
            return (p if p != c else "") + c + d + s + short_community(m) + house
        if x < 0.50:
            return c + d + s + " " + short_community(m)
        if x < 0.60:
            return d + s
        if x < 0.75:
            return c + d + short_street(s) + short_community(m) + house
        if x < 0.85:
            return (p if p != c else "") + c + d + s + m
        return d + s + short_community(m) + house

    def registered(self):
        return self.pick(self.reg_shaanxi if self.r() < 0.4 else self.reg_china)

    def trip(self, venue=False):
        r = self.r
        if venue:
            return self.pick(VENUES) if r() < 0.6 else "漫游 " + self.pick(ROAMING)
        if r() < 0.7:
            a = self.pick(STATIONS)
            b = "西安北" if a != "西安北" else self.pick(STATIONS[:3])
            if r() < 0.5:
                a, b = b, a
            return f"{'GGGDDKZT'[int(r() * 8)]}{int(r() * 9000) + 10} {a}-{b}"
        return f"{self.pick(AIRLINES)}{int(r() * 9000) + 100}"

    def date_text(self, day):
        x = self.r()
        forms = self.dates[day]
        return forms[0] if x < 0.8 else forms[1] if x < 0.9 else forms[2]

    def phone_text(self, p, messy=0.3):
        """Plain, or as lists write it (+86 138 1234 5678, 0086-…, full width, dashes)."""
        r = self.r
        if r() >= messy:
            return p
        x = r()
        if x < 0.2:
            return f"+86 {p[:3]} {p[3:7]} {p[7:]}"
        if x < 0.4:
            return "0086-" + p
        if x < 0.6:
            return p.translate(FULL_WIDTH)
        if x < 0.8:
            return f"{p[:3]}-{p[3:7]}-{p[7:]}"
        if x < 0.9:
            return f"{p[:3]} {p[3:7]} {p[7:]}"
        return "+86" + p

    def messy_name(self, n):
        return n if self.r() >= 0.02 or not n else n + " "

    def messy_id(self, i):
        return i.lower() if i.endswith("X") and self.r() < 0.3 else i


def accumulate(xs):
    total = 0.0
    for x in xs:
        total += x
        yield total


def writer_for(path):
    f = open(path, "w", encoding="utf-8", newline="")
    w = csv.writer(f)
    w.writerow(HEADER)
    return f, w


def write_existing(g, out_dir, n, chosen):
    """Stream the existing people; keep only those list.csv will join."""
    r = g.r
    kept = {}
    files = []
    f = w = None
    batch = []
    for i in range(n):
        if i % PER_FILE == 0:
            if f:
                w.writerows(batch)
                batch = []
                f.close()
            path = os.path.join(out_dir, f"existing-{i // PER_FILE + 1}.csv")
            files.append(path)
            f, w = writer_for(path)
        name, phone = g.name(), g.phone()
        idn = g.id_number() if r() < 0.6 else ""
        trip, day = g.trip(), int(r() * DAYS)
        batch.append((name, phone, idn, g.residence(), g.registered() if r() < 0.5 else "",
                      trip, g.dates[day][0]))
        if i in chosen:
            kept[i] = (name, phone, idn, trip, day)
        if len(batch) >= 50_000:
            w.writerows(batch)
            batch = []
    if f:
        w.writerows(batch)
        f.close()
    return files, kept


class Person:
    __slots__ = ("name", "phone", "idn", "home", "reg", "pos", "seen")

    def __init__(self, name, phone, idn, home, reg, pos, seen):
        self.name, self.phone, self.idn, self.home, self.reg = name, phone, idn, home, reg
        self.pos, self.seen = pos, seen  # first row's place; (trip, day) of its rows


def new_trip(g, seen, venue):
    """A (trip, day) this person has no row with yet."""
    while True:
        t = (g.trip(venue), int(g.r() * DAYS))
        if t not in seen:
            seen.add(t)
            return t


def lead_row(g, p, venue, with_id=True, phone_absent=0.0):
    """One row for person p: located (residence, trip) or unlocated (venue or
    roaming, no residence; half with a registered address)."""
    r = g.r
    trip, day = new_trip(g, p.seen, venue)
    if venue:
        home, reg = "", (p.reg or g.registered()) if r() < 0.5 else ""
    else:
        home, reg = p.home, p.reg
    phone = "" if (p.idn and with_id and r() < phone_absent) else g.phone_text(p.phone)
    return (g.messy_name(p.name), phone, g.messy_id(p.idn) if with_id else "", home, reg,
            trip, g.date_text(day))


def write_list(g, out_dir, n_rows, existing, kept):
    r = g.r
    n_bad = 30
    n_dup = round(n_rows * 0.015)
    n_second = round(n_rows * 0.08)
    n_joined = len(kept)
    n_new = n_rows - n_bad - n_dup - n_second - n_joined
    entries = []  # (place, row): sorted by place at the end
    good = []  # indexes into entries of good rows (for duplicates)
    detail = {"joined_existing_by_id": 0, "joined_existing_by_phone_name": 0,
              "joined_second_lead_by_id": 0, "joined_second_lead_by_phone_name": 0,
              "new_unlocated": 0, "new_nameless": 0}

    # People from the existing files, one row each.
    for i in sorted(kept):
        name, phone, idn, trip, day = kept[i]
        p = Person(name, phone, idn, g.residence(), g.registered() if r() < 0.5 else "",
                   r(), {(trip, day)})
        if idn and r() < 0.5 / 0.6:  # ~half of all joined rows by ID number
            detail["joined_existing_by_id"] += 1
            row = list(lead_row(g, p, venue=False))
            x = r()
            if x < 0.25:
                row[1] = ""  # no phone: the ID number says who it is
            elif x < 0.40:
                row[1] = g.phone_text(g.phone())  # another phone, nobody else's
            if r() < 0.1:
                row[0] = ""
            row = tuple(row)
        else:
            detail["joined_existing_by_phone_name"] += 1
            row = lead_row(g, p, venue=r() < 0.2, with_id=False)
        good.append(len(entries))
        entries.append((p.pos, row))

    # New people: their first row. Unlocated ones give a phone only, often
    # no name; nameless people appear once (only the phone would tell them).
    eligible = []  # new people a second lead can name unambiguously
    for _ in range(n_new):
        venue = r() < 0.19
        if venue:
            nameless = r() < 0.6
            p = Person("" if nameless else g.name(), g.phone(), "", g.residence(),
                       g.registered() if r() < 0.5 else "", r(), set())
            detail["new_unlocated"] += 1
            detail["new_nameless"] += nameless
        else:
            p = Person(g.name(), g.phone(), g.id_number() if r() < 0.74 else "", g.residence(),
                       g.registered() if r() < 0.5 else "", r(), set())
            nameless = False
        row = lead_row(g, p, venue, phone_absent=0.08)
        good.append(len(entries))
        entries.append((p.pos, row))
        if not nameless:
            eligible.append(p)

    # Second leads: after the person's first row, another trip or day.
    for _ in range(n_second):
        p = g.pick(eligible)
        if p.idn:
            detail["joined_second_lead_by_id"] += 1
            row = lead_row(g, p, venue=False, phone_absent=0.08)
        else:
            detail["joined_second_lead_by_phone_name"] += 1
            row = lead_row(g, p, venue=r() < 0.2)
        place = p.pos + (1 - p.pos) * r()
        good.append(len(entries))
        entries.append((place, row))

    # Bad rows: people of their own (fresh phones and ID numbers).
    bad_phones = ["12345", "1234", "1380013800"]
    for k in range(n_bad):
        name = g.name()
        day = int(r() * DAYS)
        if k < 10:
            row = (name, "", g.id_number(check_ok=False), g.residence(), "", g.trip(), g.dates[day][0])
        elif k < 20:
            row = (name, bad_phones[k % 3], "", g.residence(), "", g.trip(), g.dates[day][0])
        else:
            row = (name, g.phone_text(g.phone()), g.id_number() if r() < 0.5 else "", g.residence(),
                   "", g.trip(), "2026-13-45")
        entries.append((r(), row))

    # Exact duplicates of an earlier good row.
    for _ in range(n_dup):
        place, row = entries[g.pick(good)]
        entries.append((place + (1 - place) * r(), row))

    entries.sort(key=lambda e: e[0])
    path = os.path.join(out_dir, "list.csv")
    f, w = writer_for(path)
    w.writerows(e[1] for e in entries)
    f.close()
    assert len(entries) == n_rows
    truth = {"rows": n_rows, "refused": n_bad, "repeated": n_dup, "joined": n_joined + n_second,
             "new_subjects": n_new,
             "detail": dict(detail, existing_people=existing, joined_existing=n_joined,
                            joined_second_leads=n_second, bad_id_number=10, bad_phone=10,
                            bad_date=10)}
    assert truth["refused"] + truth["repeated"] + truth["joined"] + truth["new_subjects"] == n_rows
    return path, truth


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--existing", type=int, default=2_000_000)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if args.rows < 1000:
        sys.exit("--rows must be at least 1000 (30 of them are the bad rows)")
    n_joined = round(args.rows * 0.35)
    if args.existing < n_joined:
        sys.exit(f"--existing must be at least {n_joined}: 35% of --rows are existing people")
    os.makedirs(args.out_dir, exist_ok=True)
    gc.disable()  # millions of small tuples and no cycles: the collector only slows it
    t0 = time.perf_counter()
    g = Gen(args.seed)
    chosen = set(g.rnd.sample(range(args.existing), n_joined))
    files, kept = write_existing(g, args.out_dir, args.existing, chosen)
    t1 = time.perf_counter()
    path, truth = write_list(g, args.out_dir, args.rows, args.existing, kept)
    t2 = time.perf_counter()
    truth["detail"]["seed"] = args.seed
    with open(os.path.join(args.out_dir, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False, indent=1)
    for p in files + [path]:
        print(f"{p}: {os.path.getsize(p) / 1e6:,.1f} MB", file=sys.stderr)
    print(f"divisions {g.divisions_seconds:.1f} s, existing {t1 - t0:.1f} s, list {t2 - t1:.1f} s, "
          f"total {t2 - t0:.1f} s", file=sys.stderr)
    print(json.dumps({k: v for k, v in truth.items() if k != "detail"}))


if __name__ == "__main__":
    main()
