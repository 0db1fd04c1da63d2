#!/usr/bin/env python3
"""Generate the labelled address evaluation set, addresses.tsv.

Usage:  python3 crates/divisions/eval/generate.py [--per-kind N] [--seed S] [--out PATH]
        (defaults: 1875 rows per kind x 16 kinds = 30,000 rows, plus the
        field-report rows; seed 2023; out = addresses.tsv beside this file)

Standard library only and deterministic: the same data and seed give the
same file byte for byte.

Source: ../data/divisions.txt (NBS 2023 five-level tree) and
../data/renames.tsv (former names). Communities/villages are drawn uniformly
from the whole country (virtual communities, flag v, excluded); kinds that
need something particular (town_variant needs a 镇/乡, dev_zone a
county-level development zone, old_name a renamed division) draw uniformly
among the communities that have it. Each drawn community is written in one
"kind" of mess and becomes one row:

  address       the text
  truth         the 12-digit code of the community it was written from (the
                field-report road traps, which name no community, carry the
                district's 6-digit code: the deepest code known)
  expect_level  the deepest level the TEXT ALONE determines (see below)
  kind          the kind of mess (KINDS below; README.md has examples). The
                12 field-report rows come first, labelled with the kind
                they show (鄠邑区龙窝村 is no_street).

expect_level. The generator knows which parts it wrote and at which level:
administrative names (province, city, district: full names such as 雁塔区,
short forms such as 雁塔, former names such as 户县), a street/town and a
community/village. Roads, house numbers, lead words and notes are not parts.
Each part is matched against the whole tree:
  * an administrative part matches every province, city or district whose
    full name, short form or former name it is, at any of those three levels
    (西安 is both 西安市 and 辽源's 西安区; 海南 is a province and a
    prefecture);
  * a street part matches every street/town with the same street core: the
    name without its bracketed note, without a repeat of its parents' names
    (高阳县锦华街道 → 锦华街道), and without 街道办事处/街道办/地区办事处/
    街道/办事处/地区/苏木/镇/乡 (小寨路街道办事处 → 小寨路; 涝店镇 and
    涝店街道 → 涝店; so 镇 ↔ 乡 slips still match);
  * a community part matches every community/village with the same core:
    the name without 社区居民委员会/社区居委会/居委会/村民委员会/村委会/
    嘎查/社区/村 … (stripped repeatedly, never below two characters), so
    龙窝村, 龙窝村委会, 龙窝村民委员会 and 龙窝 are one core, and 兴善寺社区居委会
    is 兴善寺.
The candidates are the matches of the deepest written part that have, for
every other written part, one of its matches among their ancestors. If none
is left (the text names a community the tree does not have), the deepest part
is dropped and the rest matched again. expect_level is the level of the
candidates' deepest common ancestor: community when exactly one community is
left, city when the written community core is in two districts of the written
city, none when the candidates share no province. Matching by core is
deliberately generous (it never uses a suffix to tell two places apart), so
expect_level errs on the shallow side: a resolver is never asked for a level
the text does not fix.
"""
import argparse
import os
import random
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
LEVELS = ["province", "city", "district", "street", "community"]
PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
MUNICIPALITIES = {"11", "12", "31", "50"}
SEED = 2023
PER_KIND = 1875

KINDS = ["full", "no_province", "no_city", "no_district", "no_street", "short_suffix", "long_suffix",
         "town_variant", "old_name", "fullwidth", "noise", "lead_words", "trailing_note", "road_trap",
         "dev_zone", "street_only"]

STREET_SUFFIXES = ["街道办事处", "地区办事处", "镇人民政府", "乡人民政府", "街道办", "街道", "办事处", "地区",
                   "苏木", "镇", "乡"]
COMMUNITY_SUFFIXES = ["社区居民委员会", "嘎查村民委员会", "村村民委员会", "社区居委会", "嘎查委员会", "村村民委会",
                      "村村民委员", "村民委员会", "居民委员会", "社区居委", "嘎查委会", "村村委会", "村民委会", "村民委员",
                      "村委会", "居委会", "牧委会", "渔委会", "家委会", "委员会", "社区", "嘎查", "村"]
# Words that mark a community (居) rather than a village (村) in an official name.
RESIDENT_MARKS = ["社区", "居委会", "居民委员会", "居委"]
ETHNIC = ["蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
          "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
          "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克",
          "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各"]
SHORT_SUFFIXES = ["特别行政区", "林区", "地区", "新区", "省", "市", "区", "县", "盟"]

HALF = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-#"
FULL = "".join(chr(ord(c) + 0xFEE0) for c in HALF)
TO_FULLWIDTH = str.maketrans(HALF, FULL)

LEAD_WORDS = ["住址：", "家住", "地址:", "现住", "现住址：", "家庭住址:", "居住地址：", "住："]
TRAILING_NOTES = ["附近", "（近公交站）", "旁边的小卖部", "对面", "(东门)", "后面的平房", "（租户）", "路口往东50米",
                  "（临时住址）", "一带"]
NOISE_SEPS = [" ", "  ", "，", ",", "、", "-", " - ", "　", "/", "·", "；", "|"]
ROAD_TAILS = ["南路", "北路", "大街", "东路", "西路", "中路"]
GENERIC_ROADS = ["建设路", "人民路", "解放路", "文化路", "胜利街", "工农路", "幸福路", "光明街", "育才路", "团结巷",
                 "中心街", "健康路"]
BUILDINGS = ["A座", "B座", "C区", "1单元", "2单元", "3栋", "12栋", "5号楼"]


# ---------------------------------------------------------------------------
# The tree


class Node:
    __slots__ = ("code", "level", "name", "parent", "flags", "children")

    def __init__(self, code, level, name, parent, flags):
        self.code, self.level, self.name, self.parent, self.flags = code, level, name, parent, flags
        self.children = []

    def __repr__(self):
        return f"{self.code} {self.name}"


def load_tree():
    nodes, stack = [], [None] * 6
    with open(os.path.join(DATA, "divisions.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            level, suffix = int(parts[0][0]), parts[0][1:]
            parent = stack[level - 1] if level > 1 else None
            node = Node((parent.code if parent else "") + suffix, level, parts[1], parent,
                        parts[2] if len(parts) > 2 else "")
            if parent:
                parent.children.append(node)
            stack[level] = node
            nodes.append(node)
    return nodes


def load_renames():
    out = []
    with open(os.path.join(DATA, "renames.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                old, code = line.rstrip("\n").split("\t")[:2]
                out.append((old, code))
    return out


def ancestor_at(node, level):
    """The node's ancestor (or itself) at `level`; None when the node is shallower."""
    while node is not None and node.level > level:
        node = node.parent
    return node if node is not None and node.level == level else None


def strict_ancestors(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


# ---------------------------------------------------------------------------
# Names, cores and the forms people write


def plain(name):
    """The name without bracketed notes: 东青社区居委会（含东青村村委） → 东青社区居委会."""
    if "(" not in name and "（" not in name:
        return name
    out, depth = [], 0
    for c in name:
        if c in "(（":
            depth += 1
        elif c in ")）":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(c)
    return "".join(out)


def strip_once(name, suffixes):
    for s in suffixes:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return name


def strip_all(name, suffixes):
    while True:
        shorter = strip_once(name, suffixes)
        if shorter == name:
            return name
        name = shorter


def street_core(text):
    return strip_all(plain(text), STREET_SUFFIXES)


def community_core(text):
    return strip_all(plain(text), COMMUNITY_SUFFIXES)


def strip_prefixes(name, ancestor_names):
    """A name without the ancestors' names some official names start with:
    东源县柳城镇石侧村民委员会 → 石侧村民委员会, 高阳县锦华街道 → 锦华街道.
    ancestor_names from the top down; a prefix is taken off only when a real
    name is left (not a bare 村委会)."""
    for a in ancestor_names:
        for a in (a, plain(a)):
            if a and a not in PLACEHOLDER_CITIES and name.startswith(a):
                rest = name[len(a):]
                if rest not in COMMUNITY_SUFFIXES and rest not in STREET_SUFFIXES and \
                        len(strip_all(strip_all(plain(rest), COMMUNITY_SUFFIXES), STREET_SUFFIXES)) >= 2:
                    name = rest
                    break
    return name


def ancestor_names(node):
    out = []
    a = node.parent
    while a is not None:
        out.append(a.name)
        a = a.parent
    return out[::-1]


def own_name(node):
    """The plain name as people write it below its parents (see strip_prefixes)."""
    return strip_prefixes(plain(node.name), ancestor_names(node))


def official_name(node):
    """The official name, bracketed notes kept, less a repeat of its parents' names."""
    return strip_prefixes(node.name, ancestor_names(node))


def short_form(node):
    """The short form people write for a province, city or district, or None."""
    name = node.name
    if "z" in node.flags or name in PLACEHOLDER_CITIES:
        return None
    if "自治" in name:
        head = name[: name.index("自治")]
        for i in range(2, len(head)):
            if any(head[i:].startswith(e) for e in ETHNIC):
                return head[:i]
        return head if len(head) >= 2 and head != name else None
    for s in SHORT_SUFFIXES:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return None


def is_resident(name):
    return any(m in name for m in RESIDENT_MARKS)


def is_village(name):
    n = plain(name)
    return not is_resident(n) and (n.endswith("委会") or n.endswith("委员会") or n.endswith("村")
                                   or n.endswith("委员") or n.endswith("委会会"))


def community_forms(node):
    """(usual, short, long) written forms of a community or village:
    兴善社区居委会 → 兴善社区 / 兴善 / 兴善社区居民委员会;
    龙窝村委会 → 龙窝村 / 龙窝村 / 龙窝村民委员会;
    anything else (… 生活区, … 管理区) is written as its name."""
    name = own_name(node)
    base = strip_once(name, COMMUNITY_SUFFIXES)
    if base == name:
        return name, name, name
    if "嘎查" in name[len(base):]:
        form = base + "嘎查"
        return form, form, base + "嘎查村民委员会"
    if is_resident(name):
        usual = base if base.endswith("社区") else base + "社区"
        return usual, base, usual + ("居民委员会" if len(usual) % 2 else "居委会")
    if is_village(name):
        usual = base if base.endswith("村") else base + "村"
        return usual, usual, base + "村民委员会"
    return name, name, name


def street_forms(node):
    """(usual, short, long): 小寨路街道 / 小寨路 / 小寨路街道办事处; 涝店镇 / 涝店 / 涝店镇."""
    name = own_name(node)
    base = strip_once(name, STREET_SUFFIXES)
    if base == name:
        return name, name, name
    long = base + "街道办事处" if name.endswith("街道") else name
    short = base if not base.endswith("族") else name
    return name, short, long


# ---------------------------------------------------------------------------
# What the text determines


class Matcher:
    def __init__(self, nodes, renames):
        self.by_code = {n.code: n for n in nodes}
        self.admin = defaultdict(list)
        self.street = defaultdict(list)
        self.community = defaultdict(list)
        for n in nodes:
            if n.level <= 3:
                if n.name in PLACEHOLDER_CITIES:
                    continue
                self.admin[n.name].append(n)
                s = short_form(n)
                if s and n not in self.admin[s]:
                    self.admin[s].append(n)
            else:
                index, core = (self.street, street_core) if n.level == 4 else (self.community, community_core)
                keys = {core(n.name), core(own_name(n))}  # both 东源县柳城镇石侧 and 石侧
                for k in sorted(keys):
                    index[k].append(n)
        for old, code in renames:
            self.admin[old].append(self.by_code[code])

    def matches(self, part):
        cls, text = part
        if cls == "a":
            return self.admin.get(text, [])
        if cls == "s":
            return self.street.get(street_core(text), [])
        return self.community.get(community_core(text), [])

    def candidates(self, parts):
        """The divisions consistent with every written part (dropping the
        deepest part while nothing is), and the parts actually used."""
        parts = list(parts)
        while parts:
            cands = self.matches(parts[-1])
            for p in parts[:-1]:
                allowed = {id(x) for x in self.matches(p)}
                cands = [c for c in cands if any(id(a) in allowed for a in strict_ancestors(c))]
            if cands:
                return cands, parts
            parts.pop()
        return [], parts

    def expect(self, parts, strict=False):
        """(expect_level, candidates). strict: every part must match (the
        generator's own rows always do; only field reports may name a place
        the tree lacks)."""
        cands, used = self.candidates(parts)
        if strict and len(used) != len(parts):
            raise AssertionError(f"a written part matches nothing: {parts}")
        if not cands:
            return "none", cands
        for level in range(5, 0, -1):
            at = {id(ancestor_at(c, level)) if ancestor_at(c, level) else None for c in cands}
            if None not in at and len(at) == 1:
                return LEVELS[level - 1], cands
        return "none", cands


# ---------------------------------------------------------------------------
# The kinds of mess


class Generator:
    def __init__(self, nodes, renames, seed):
        self.rnd = random.Random(seed)
        self.m = Matcher(nodes, renames)
        self.renames = renames
        self.communities = [n for n in nodes if n.level == 5 and "v" not in n.flags]
        zone = lambda v: "z" in v.parent.parent.flags
        self.zone_pool = [v for v in self.communities if zone(v)]
        renamed = {code for _, code in renames}
        self.old_pool = [v for v in self.communities
                         if v.code[:6] in renamed or v.code[:4] in renamed]
        # Generic road names that hold no division's name or short form.
        admin_keys = [k for k in self.m.admin if len(k) >= 2]
        self.generic_roads = [r for r in GENERIC_ROADS if not any(k in r for k in admin_keys)]
        self.rows = []
        self.seen = set()

    # -- helpers
    def house(self):
        return f"{self.rnd.randint(1, 399)}号"

    def city_part(self, p, c, short=False):
        """What is written for the city: the city, the municipality for 北京/上海/天津/重庆,
        nothing under 省直辖县级行政区划."""
        if c.name not in PLACEHOLDER_CITIES:
            return (short and short_form(c)) or c.name
        if p.code in MUNICIPALITIES:
            return (short and short_form(p)) or p.name
        return None

    def emit(self, v, kind, pieces, truth=None):
        """pieces: list of (class, text) where class is a/s/c for written parts
        or '' for text that is not a part (roads, numbers, notes)."""
        text = "".join(t for _, t in pieces)
        if not text or "\t" in text or "\n" in text or text in self.seen:
            return False
        parts = [(cls, t) for cls, t in pieces if cls]
        level, cands = self.m.expect(parts, strict=True)
        truth_code = truth or v.code
        # The truth must be among what the text allows.
        if cands and not any(truth_code.startswith(c.code) or c.code.startswith(truth_code) for c in cands):
            raise AssertionError(f"truth {truth_code} not among candidates of {text}: {cands[:5]}")
        self.seen.add(text)
        self.rows.append((text, truth_code, level, kind))
        return True

    def chain(self, v):
        s = v.parent
        d = s.parent
        c = d.parent
        p = c.parent
        return p, c, d, s

    def admin_pieces(self, v, province=True, city=True, district=True, short=False):
        p, c, d, s = self.chain(v)
        out = []
        if province and not (city and p.code in MUNICIPALITIES and c.name in PLACEHOLDER_CITIES):
            out.append(("a", (short and short_form(p)) or p.name))
        if city:
            cp = self.city_part(p, c, short)
            if cp and not (out and out[-1][1] == cp):
                out.append(("a", cp))
        if district:
            dn = (short and short_form(d)) or d.name
            if not (d.name == c.name or (out and out[-1][1] == dn)):
                out.append(("a", dn))
        return out

    # -- one row of a kind; returns False to draw again
    def make(self, kind):
        rnd = self.rnd
        pool = {"dev_zone": self.zone_pool, "old_name": self.old_pool}.get(kind, self.communities)
        v = rnd.choice(pool)
        p, c, d, s = self.chain(v)
        usual_v, short_v, long_v = community_forms(v)
        usual_s, short_s, long_s = street_forms(s)
        official_v, official_s = official_name(v), official_name(s)
        S, V = ("s", usual_s), ("c", usual_v)
        real_city = c.name not in PLACEHOLDER_CITIES
        if kind == "full":
            return self.emit(v, kind, self.admin_pieces(v) + [("s", official_s), ("c", official_v)])
        if kind == "no_province":
            return self.emit(v, kind, self.admin_pieces(v, province=False) + [("s", official_s), ("c", official_v)])
        if kind == "no_city":
            if not real_city:
                return False  # 北京/上海/天津/重庆 and 省直辖 counties have no city to leave out
            return self.emit(v, kind, self.admin_pieces(v, city=False) + [("s", official_s), ("c", official_v)])
        if kind == "no_district":
            if d.name == c.name:
                return False  # 东莞市, 中山市 …: no district name to leave out
            return self.emit(v, kind, self.admin_pieces(v, district=False) + [("s", official_s), ("c", official_v)])
        if kind == "no_street":
            r = rnd.random()
            head = (self.admin_pieces(v, province=False, city=False) if r < 0.4 else
                    self.admin_pieces(v, province=False) if r < 0.85 else self.admin_pieces(v))
            if d.name == c.name and r < 0.4:
                head = self.admin_pieces(v, province=False)
            return self.emit(v, kind, head + [V])
        if kind == "short_suffix":
            head = self.admin_pieces(v, province=rnd.random() < 0.3, short=True)
            return self.emit(v, kind, head + [("s", short_s), ("c", short_v)])
        if kind == "long_suffix":
            return self.emit(v, kind, self.admin_pieces(v, province=rnd.random() < 0.3)
                             + [("s", long_s), ("c", long_v)])
        if kind == "town_variant":
            name = own_name(s)
            base = strip_once(name, STREET_SUFFIXES)
            if base == name or base.endswith("族") or name[-1] not in "镇乡":
                return False
            alt = base + ("乡" if name.endswith("镇") else "镇")
            return self.emit(v, kind, self.admin_pieces(v, province=rnd.random() < 0.3) + [("s", alt), V])
        if kind == "old_name":
            olds = [old for old, code in self.renames if code in (d.code, c.code)]
            old = rnd.choice(olds)
            code = next(code for o, code in self.renames if o == old)
            if len(code) == 4:  # a city renamed: 襄樊市樊城区…
                head = [("a", old), ("a", d.name)]
            else:
                head = ([("a", self.city_part(p, c))] if rnd.random() < 0.4 and self.city_part(p, c) else []) \
                    + [("a", old)]
            tail = [S, V] if rnd.random() < 0.5 else [V]
            return self.emit(v, kind, head + tail)
        if kind == "fullwidth":
            extra = [("", self.house())]
            if rnd.random() < 0.5:
                extra.append(("", rnd.choice(BUILDINGS) + f"{rnd.randint(1, 30)}0{rnd.randint(1, 4)}室"))
            pieces = self.admin_pieces(v, province=rnd.random() < 0.3) + [S, V] + extra
            return self.emit_fullwidth(v, pieces)
        if kind == "noise":
            pieces = self.admin_pieces(v, province=rnd.random() < 0.3) + [S, V]
            out = []
            if rnd.random() < 0.3:
                out.append(("", rnd.choice([" ", "　", "【", "“"])))
            for i, piece in enumerate(pieces):
                if i:
                    out.append(("", rnd.choice(NOISE_SEPS)))
                out.append(piece)
            out.append(("", rnd.choice(NOISE_SEPS) + self.house()))
            if out[0][1] == "【":
                out.append(("", "】"))
            elif out[0][1] == "“":
                out.append(("", "”"))
            elif rnd.random() < 0.3:
                out.append(("", rnd.choice(["。", "！", " ", "..."])))
            return self.emit(v, kind, out)
        if kind == "lead_words":
            return self.emit(v, kind, [("", rnd.choice(LEAD_WORDS))]
                             + self.admin_pieces(v, province=rnd.random() < 0.3) + [S, V])
        if kind == "trailing_note":
            return self.emit(v, kind, self.admin_pieces(v, province=rnd.random() < 0.3) + [S, V]
                             + [("", rnd.choice(TRAILING_NOTES))])
        if kind == "road_trap":
            siblings = [x for x in c.children if x is not d and short_form(x)
                        and short_form(x) not in d.name]
            if not siblings:  # a city with one county: take a district of the province
                siblings = [x for cc in p.children for x in cc.children
                            if x is not d and short_form(x) and short_form(x) not in d.name]
            if not siblings:
                return False
            road = short_form(rnd.choice(siblings)) + rnd.choice(ROAD_TAILS)
            r = rnd.random()
            if r < 0.6:
                head = self.admin_pieces(v, province=False)
            elif r < 0.8:
                head = self.admin_pieces(v, province=False, city=False)
            else:
                head = self.admin_pieces(v, province=False) + [S]
            tail = [("", road)] + ([("", self.house())] if rnd.random() < 0.8 else [])
            return self.emit(v, kind, head + tail)
        if kind == "dev_zone":
            return self.emit(v, kind, self.admin_pieces(v, province=rnd.random() < 0.3) + [S, V])
        if kind == "street_only":
            road = rnd.choice(self.generic_roads)
            return self.emit(v, kind, self.admin_pieces(v, province=rnd.random() < 0.3)
                             + [S, ("", road), ("", self.house())])
        raise ValueError(kind)

    def emit_fullwidth(self, v, pieces):
        """Full-width digits and letters everywhere; parts are matched as the
        half-width text a resolver normalises them to."""
        text = "".join(t for _, t in pieces).translate(TO_FULLWIDTH)
        if text in self.seen:
            return False
        parts = [(cls, t) for cls, t in pieces if cls]
        level, cands = self.m.expect(parts, strict=True)
        assert any(v.code.startswith(c.code) for c in cands), (text, cands)
        self.seen.add(text)
        self.rows.append((text, v.code, level, "fullwidth"))
        return True

    def field_reports(self):
        """The places of the field reports, always in the set (first rows)."""
        rows = [
            # (text, truth, pieces, kind)
            ("鄠邑区龙窝村", "610118011226", [("a", "鄠邑区"), ("c", "龙窝村")], "no_street"),
            ("长安区西韦村", "610116001201", [("a", "长安区"), ("c", "西韦村")], "no_street"),
            ("西安市长安区西韦村", "610116001201", [("a", "西安市"), ("a", "长安区"), ("c", "西韦村")], "no_street"),
            ("户县龙窝村", "610118011226", [("a", "户县"), ("c", "龙窝村")], "old_name"),
            # The field report says 兴善寺社区; NBS 2023 has 兴善社区居委会 (610113001006),
            # the community around 大兴善寺. The tree has no 兴善寺 core, so the text
            # determines the street only.
            ("陕西省西安市雁塔区小寨路街道兴善寺社区", "610113001006",
             [("a", "陕西省"), ("a", "西安市"), ("a", "雁塔区"), ("s", "小寨路街道"), ("c", "兴善寺社区")], "full"),
            ("陕西省西安市雁塔区小寨路街道兴善社区", "610113001006",
             [("a", "陕西省"), ("a", "西安市"), ("a", "雁塔区"), ("s", "小寨路街道"), ("c", "兴善社区")], "full"),
            ("陕西省西安市雁塔区小寨路街道", "610113001",
             [("a", "陕西省"), ("a", "西安市"), ("a", "雁塔区"), ("s", "小寨路街道")], "street_only"),
            ("雁塔区长安南路88号", "610113", [("a", "雁塔区")], "road_trap"),
            ("西安市雁塔区长安南路", "610113", [("a", "西安市"), ("a", "雁塔区")], "road_trap"),
            ("西安市新城区未央路", "610102", [("a", "西安市"), ("a", "新城区")], "road_trap"),
            ("西安市碑林区雁塔北路12号", "610103", [("a", "西安市"), ("a", "碑林区")], "road_trap"),
            ("住址：西安市鄠邑区涝店镇龙窝村委会（近公交站）", "610118011226",
             [("a", "西安市"), ("a", "鄠邑区"), ("s", "涝店镇"), ("c", "龙窝村委会")], "lead_words"),
        ]
        out = []
        for text, truth, parts, kind in rows:
            assert truth in self.m.by_code, truth
            level, cands = self.m.expect(parts)
            assert any(truth.startswith(c.code) or c.code.startswith(truth) for c in cands), (text, cands)
            out.append((text, truth, level, kind))
            self.seen.add(text)
        return out

    def run(self, per_kind):
        field = self.field_reports()
        for kind in KINDS:
            made = tries = 0
            while made < per_kind:
                tries += 1
                if tries > per_kind * 200:
                    raise RuntimeError(f"cannot make {per_kind} rows of {kind}")
                made += bool(self.make(kind))
        return field + self.rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-kind", type=int, default=PER_KIND)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", default=os.path.join(HERE, "addresses.tsv"))
    args = ap.parse_args()
    gen = Generator(load_tree(), load_renames(), args.seed)
    rows = gen.run(args.per_kind)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("address\ttruth\texpect_level\tkind\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    size = os.path.getsize(args.out)
    print(f"wrote {args.out}: {len(rows)} rows, {size / 1e6:.2f} MB")
    order = LEVELS[::-1] + ["none"]
    by_kind = defaultdict(Counter)
    for r in rows:
        by_kind[r[3]][r[2]] += 1
    print("\n| kind | rows | " + " | ".join(order) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in order) + " |")
    for kind in KINDS:
        cnt = by_kind[kind]
        print(f"| {kind} | {sum(cnt.values())} | " + " | ".join(str(cnt[l]) for l in order) + " |")
    total = Counter(r[2] for r in rows)
    print(f"| all | {len(rows)} | " + " | ".join(str(total[l]) for l in order) + " |")


if __name__ == "__main__":
    sys.exit(main())
