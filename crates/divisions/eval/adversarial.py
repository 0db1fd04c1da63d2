#!/usr/bin/env python3
"""Generate the adversarial address evaluation set, adversarial.tsv.

Usage:  python3 crates/divisions/eval/adversarial.py [--seed S] [--out PATH]
        (defaults: seed 2024; out = adversarial.tsv beside this file)

Standard library only, deterministic (same data and seed give the same file
byte for byte). Written from the data and the rule alone, without looking at
how the resolver works. The rule:

    A written name fits every division whose name reads the same once its
    suffix is dropped or lengthened; a fit inside a longer word is no fit;
    where several fit, answer their common ancestor (or the one nearest the
    reader's jurisdiction) -- never the one whose official spelling happens
    to match.

Columns (those of addresses.tsv plus `near`):
  address       the text (never contains a tab)
  truth         the code of the division the text was written from: 12
                digits for a community/village, 9 for a street/town (texts
                that name no community: street-only texts and compounds), 6
                for a district (a district + a compound)
  expect_level  the deepest level the text determines (read near `near` when
                that is set): province, city, district, street, community or
                none
  kind          suffix_tie, street_tie, embedded_name, compound, control
  near          empty, or a 4- or 6-digit division code: read the text as an
                office whose jurisdiction is that division reads it

Kinds:
  suffix_tie     (class 1) a community/village name written in one form of
                 its suffix family (村 / 村委会 / 村民委员会 / 村村委会 …,
                 社区 / 社区居委会 / 社区居民委员会 / 居委会 / 居民委员会) that
                 is the official spelling of some OTHER division, while the
                 truth is spelled otherwise (龙窝村 -> 鄠邑区's 龙窝村委会
                 although 贵阳's 龙窝村 is spelled so), with only parents that
                 the truth shares with that other division written (none,
                 province, city, district, street; full or short names), and
                 in about half the rows read `near` the truth's city or
                 district. Kept only when the written form is the official
                 spelling of a candidate other than the truth.
  street_tie     (class 1) a street/town written with a suffix variant
                 (街道 / 街道办事处 / 街道办, 镇 <-> 乡) that is the official
                 spelling of another street with the same core (kept only
                 when at least two streets fit); and the tie of a town's short
                 form with villages/communities inside it (周至县尚村镇尚村:
                 尚村社区居委会 and 尚村委会; 泊头市洼里王: the town 洼里王镇 and
                 its 洼里王村), kept only when at least two divisions fit.
  embedded_name  (class 2) a community or street whose name holds the name or
                 short form of another district/city of the same city or
                 province (江林新城北社区 holds 新城, 小雁塔社区 holds 雁塔),
                 written with its real parents partly omitted.
  compound       (class 3) a street/town + a compound (小区, 花园, 苑, 家园,
                 公寓, 大厦, 府, 公馆, 城, 华庭 …) whose core equals a
                 community's core in that street (泗纶镇南山小区: 泗纶镇 has
                 南山村民委员会). A compound is not a division: truth is the
                 street (9 digits) and the text determines the street at
                 most; in ~15% of rows the district is written instead of the
                 street (truth the district's 6 digits). The compound's own
                 text fits no community or street anywhere (no 南山花园社区
                 exists when 南山花园 is written) and holds no name of a
                 district/city of the province.
  control        texts the data make unique, so that answering nothing is
                 penalised: a community in a suffix form that is not its
                 official one under a district/street where its core is
                 unique; a street in a variant form; an embedded-name
                 community under its real district; a community named like a
                 compound (锦绣家园社区 written 锦绣家园) under its street; a
                 name that lies inside longer names of its district (高庙
                 beside 东高庙, 西高庙: no fit there); some read `near` a
                 jurisdiction elsewhere in the province (the text, being
                 unique, wins over the reader's jurisdiction). Only rows that
                 expect community (street for street texts) are kept.
The first rows are the field examples of the issue.

How expect_level is computed (brute force over the whole tree):
  * Cores. A community's core is its name (bracketed notes dropped) with
    every suffix of the families 社区居民委员会/社区居委会/村民委员会/
    村村委会/村委会/居民委员会/居委会/社区/村/嘎查… stripped repeatedly
    (never to nothing); a street's core likewise with 街道办事处/街道办/
    街道/办事处/镇/乡/苏木/地区… and an ethnic 族 tail (菱塘回族乡 -> 菱塘).
    Both the name and the name less a repeat of its parents' names are
    indexed. So 龙窝村, 龙窝村委会, 龙窝村民委员会 and 龙窝社区 share the core
    龙窝; 尚村 is the core 尚 (尚村委会, 尚村社区居委会) and also the core of
    the town 尚村镇; 涝店镇 and 涝店街道 share 涝店. The matching never uses a
    suffix to tell two places apart.
  * A piece of text fits: the provinces/cities/districts whose full name,
    short form (雁塔区 -> 雁塔) or former name (renames.tsv) it is; the
    streets whose core is its street core; the communities whose core is its
    community core.
  * Every segmentation of the written parts (house numbers, lead words and
    notes are not parts) into pieces of two or more characters that each fit
    something is tried, not only the one the generator meant; a segmentation
    yields the divisions that fit its last piece and have, for every earlier
    piece, one of its fits among their strict ancestors. The candidates are
    the union over all segmentations. (So 西安市新城北村 would also be read
    as 新城区 + 北村 if 新城区 had a 北村.) Virtual communities are candidates
    too (they only make expect_level shallower).
  * expect_level is the level of the candidates' deepest common ancestor
    (one community left -> community; two in one street -> street; …; no
    common province -> none).
  * With `near`: the candidates inside `near` (code starting with it) are
    taken when there are any, and expect_level is their common ancestor's
    level. Rows are only made where the truth lies inside `near` or the text
    alone is unique (then `near` changes nothing); a text with several
    candidates none of which lies inside `near` is never written, since the
    "nearest" one is then a matter of taste.
  * The truth (or an ancestor of it, e.g. the town 尚村镇 for a 尚村 text) is
    always among the candidates, and in suffix_tie/street_tie rows its
    official spelling differs from the written one.
"""
import argparse
import os
import random
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
LEVELS = ["province", "city", "district", "street", "community"]
WIDTHS = [2, 4, 6, 9, 12]
PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
MUNICIPALITIES = {"11", "12", "31", "50"}
SEED = 2024
KINDS = ["suffix_tie", "street_tie", "embedded_name", "compound", "control"]
TARGET = {"suffix_tie": 1200, "street_tie": 1000, "embedded_name": 1000, "compound": 1000, "control": 1200}

COMMUNITY_SUFFIXES = sorted(set([
    "社区居民管理委员会", "社区居民委员会", "嘎查村民委员会", "村村民委员会", "居民管理委员会", "社区管理委员会",
    "社区居民居委会", "社区居委会", "嘎查委员会", "村村民委会", "村村民委员", "村民委员会", "居民委员会",
    "村民居委会", "村民村委会", "村民村委员会", "社区居委员会", "社区居委", "嘎查委会", "村村委会", "村民委会",
    "村民委员", "居民委会", "村委会", "居委会", "牧委会", "渔委会", "家委会", "委员会", "村委", "居委", "社区",
    "嘎查", "村"]), key=lambda s: (-len(s), s))
STREET_SUFFIXES = ["街道办事处", "地区办事处", "镇人民政府", "乡人民政府", "街道办", "街道", "办事处", "地区",
                   "苏木", "镇", "乡"]
RESIDENT_MARKS = ["社区", "居委会", "居民委员会", "居委"]
ETHNIC = ["蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
          "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
          "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克",
          "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各"]
ETHNIC_SORTED = sorted(ETHNIC, key=len, reverse=True)
SHORT_SUFFIXES = ["特别行政区", "林区", "地区", "新区", "省", "市", "区", "县", "盟"]

VILLAGE_FORMS = ["{}村", "{}村委会", "{}村民委员会", "{}村村委会", "{}村村民委员会"]
RESIDENT_FORMS = ["{}社区", "{}社区居委会", "{}社区居民委员会", "{}居委会", "{}居民委员会"]
COMPOUNDS = ["小区", "花园", "苑", "家园", "公寓", "大厦", "府", "公馆", "城", "华庭", "花苑", "名苑", "嘉园",
             "雅苑", "华府", "小区二期", "家属院", "国际", "新天地", "广场", "壹号院", "尚品"]
LEAD_WORDS = ["家住", "住址：", "地址：", "现住", "现住址：", "户籍地址：", "居住地：", "联系地址：", "收货地址：",
              "住："]
TRAILING_NOTES = ["附近", "（近公交站）", "对面", "旁边", "一带", "（老屋）", "，电话联系", "（租住）", " 门口",
                  "（东门）"]
GENERIC_ROADS = ["建设路", "人民路", "解放路", "文化路", "胜利街", "工农路", "幸福路", "光明街", "育才路", "团结巷",
                 "中心街", "健康路"]


# ---------------------------------------------------------------------------
# The tree


class Node:
    __slots__ = ("code", "level", "name", "parent", "flags", "children", "own")

    def __init__(self, code, level, name, parent, flags):
        self.code, self.level, self.name, self.parent, self.flags = code, level, name, parent, flags
        self.children = []
        self.own = None

    def __repr__(self):
        return f"{self.code} {self.name}"

    def chain(self):
        out, n = [], self
        while n is not None:
            out.append(n)
            n = n.parent
        return out[::-1]


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


# ---------------------------------------------------------------------------
# Names and cores


def plain(name):
    """The name without bracketed notes."""
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


_BY_LAST = {}


def strip_all(name, suffixes):
    """Strip suffixes repeatedly, longest first, never to nothing."""
    key = id(suffixes)
    by_last = _BY_LAST.get(key)
    if by_last is None:
        by_last = defaultdict(list)
        for s in suffixes:
            by_last[s[-1]].append(s)
        _BY_LAST[key] = by_last
    while name:
        for s in by_last.get(name[-1], ()):
            if name.endswith(s) and len(name) > len(s):
                name = name[: -len(s)]
                break
        else:
            return name
    return name


def community_core(text):
    return strip_all(plain(text), COMMUNITY_SUFFIXES)


def street_core(text):
    core = strip_all(plain(text), STREET_SUFFIXES)
    # 菱塘回族乡 -> 菱塘回族 -> 菱塘; 长阳土家族 …; 民族乡 -> 民族 -> (kept if nothing else)
    changed = True
    while changed and core.endswith("族"):
        changed = False
        head = core[:-1]
        if head.endswith("民") and len(head) > 1:
            core, changed = head[:-1], True
            continue
        for e in ETHNIC_SORTED:
            if head.endswith(e) and len(head) > len(e):
                core, changed = head[: -len(e)], True
                break
    return core or plain(text)


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


def own_name(node):
    """The plain name less a repeat of its parents' names (东源县柳城镇石侧村民委员会 -> 石侧村民委员会)."""
    if node.own is not None:
        return node.own
    name = plain(node.name)
    for a in node.chain()[:-1]:
        for an in (a.name, plain(a.name)):
            if an and an not in PLACEHOLDER_CITIES and name.startswith(an):
                rest = name[len(an):]
                if rest and rest not in COMMUNITY_SUFFIXES and rest not in STREET_SUFFIXES and \
                        len(strip_all(rest, COMMUNITY_SUFFIXES)) >= 2 and len(street_core(rest)) >= 2:
                    name = rest
                    break
    node.own = name
    return name


def is_resident(name):
    return any(m in name for m in RESIDENT_MARKS)


def is_village(name):
    n = plain(name)
    return not is_resident(n) and (n.endswith("委会") or n.endswith("委员会") or n.endswith("村")
                                   or n.endswith("委员"))


def family(name):
    return "r" if is_resident(name) else "v" if is_village(name) else "o"


def family_forms(core, fam):
    forms = VILLAGE_FORMS if fam == "v" else RESIDENT_FORMS
    out = []
    for f in forms:
        w = f.format(core)
        if core.endswith("村") and f.startswith("{}村村"):
            continue
        if w not in out:
            out.append(w)
    return out


def street_variants(node):
    """Suffix variants of a street's own name (not the name itself)."""
    name = own_name(node)
    core = strip_all(name, STREET_SUFFIXES)
    if core == name or core.endswith("族"):
        return []
    out = []
    if name.endswith("街道"):
        out += [core + "街道办事处", core + "街道办", core + "办事处"]
    elif name.endswith("街道办事处"):
        out += [core + "街道"]
    elif name.endswith("镇"):
        out += [core + "乡", core + "街道"]
    elif name.endswith("乡"):
        out += [core + "镇"]
    return [w for w in out if w != name]


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
            elif n.level == 4:
                for k in sorted({street_core(n.name), street_core(own_name(n))}):
                    self.street[k].append(n)
            else:
                for k in sorted({community_core(n.name), community_core(own_name(n))}):
                    self.community[k].append(n)
        for old, code in renames:
            if self.by_code[code] not in self.admin[old]:
                self.admin[old].append(self.by_code[code])
        self._fits = {}

    def fits(self, piece):
        """Every division a piece of text fits (any level)."""
        got = self._fits.get(piece)
        if got is None:
            seen, got = set(), []
            for n in (self.admin.get(piece, []) + self.street.get(street_core(piece), [])
                      + self.community.get(community_core(piece), [])):
                if n.code not in seen:
                    seen.add(n.code)
                    got.append(n)
            self._fits[piece] = got
        return got

    def segmentations(self, text, limit=400):
        """All ways to cut text into pieces of >= 2 characters that each fit something."""
        n = len(text)
        ok = [[j for j in range(i + 2, n + 1) if self.fits(text[i:j])] for i in range(n)]
        out = []

        def walk(i, acc):
            if len(out) >= limit:
                return
            if i == n:
                out.append(list(acc))
                return
            for j in ok[i]:
                acc.append(text[i:j])
                walk(j, acc)
                acc.pop()
        walk(0, [])
        return out

    def chain_candidates(self, pieces):
        """Divisions fitting the last piece with a fit of every earlier piece among their strict ancestors."""
        cands = self.fits(pieces[-1])
        for p in pieces[:-1]:
            codes = {x.code for x in self.fits(p)}
            cands = [c for c in cands if any(c.code[:w] in codes for w in WIDTHS if w < len(c.code))]
            if not cands:
                break
        return cands

    def candidates(self, parts):
        """(union over all segmentations of the parts' text, candidates of the intended segmentation)."""
        text = "".join(parts)
        meant = self.chain_candidates(parts) if all(self.fits(p) for p in parts) else []
        union = {c.code: c for c in meant}
        for seg in self.segmentations(text):
            for c in self.chain_candidates(seg):
                union.setdefault(c.code, c)
        return sorted(union.values(), key=lambda c: c.code), meant


def common_level(cands):
    if not cands:
        return "none"
    for lv in range(5, 0, -1):
        w = WIDTHS[lv - 1]
        if all(len(c.code) >= w for c in cands) and len({c.code[:w] for c in cands}) == 1:
            return LEVELS[lv - 1]
    return "none"


def inside(c, near):
    return c.code.startswith(near) or near.startswith(c.code)


# ---------------------------------------------------------------------------
# Writing


class Generator:
    def __init__(self, nodes, renames, seed):
        self.rnd = random.Random(seed)
        self.m = Matcher(nodes, renames)
        self.nodes = nodes
        self.rows = []
        self.seen = set()
        self.communities = [n for n in nodes if n.level == 5 and "v" not in n.flags]
        self.streets = [n for n in nodes if n.level == 4 and "v" not in n.flags]
        admin_keys = [k for k in self.m.admin if len(k) >= 2]
        self.generic_roads = [r for r in GENERIC_ROADS if not any(k in r for k in admin_keys)
                              and not self.m.fits(r)]
        self._build_pools()

    # -- pools -----------------------------------------------------------
    def _build_pools(self):
        m = self.m
        # class 1: communities whose core is shared with a division spelled otherwise
        self.tie_pool = []
        for core, group in m.community.items():
            group = [g for g in group if g.level == 5]
            if len(group) < 2:
                continue
            spellings = {own_name(g) for g in group}
            if len(spellings) < 2:
                continue
            for g in group:
                if "v" not in g.flags and community_core(own_name(g)) == core:
                    self.tie_pool.append(g)
        self.tie_pool.sort(key=lambda n: n.code)
        # class 1, streets: streets whose core is shared with a street spelled otherwise
        self.street_tie_pool = []
        for core, group in m.street.items():
            if len(group) < 2 or len({own_name(g) for g in group}) < 2:
                continue
            for g in group:
                if "v" not in g.flags and street_core(own_name(g)) == core:
                    self.street_tie_pool.append(g)
        self.street_tie_pool.sort(key=lambda n: n.code)
        # class 1, a town's short form and its villages: a street whose core is a community core inside it
        self.town_village_pool = []
        for s in self.streets:
            sc = street_core(own_name(s))
            inner = [v for v in s.children if sc in (community_core(own_name(v)), own_name(v))
                     or community_core(own_name(v)) == community_core(sc)]
            if inner:
                self.town_village_pool.append((s, inner))
        # class 2: names holding another district's/city's name or short form of the same province
        self.embedded_pool = []
        heads = {k[:2] for k in m.admin if len(k) >= 2}
        longest = max(len(k) for k in m.admin)
        for n in self.communities + self.streets:
            own = own_name(n)
            hits = []
            for i in range(len(own) - 1):
                if own[i:i + 2] not in heads:
                    continue
                for j in range(i + 2, min(len(own), i + longest) + 1):
                    for d in m.admin.get(own[i:j], []):
                        if d.level in (2, 3) and d.code[:2] == n.code[:2] and not n.code.startswith(d.code):
                            hits.append((own[i:j], d))
            if hits:
                same_city = [h for h in hits if h[1].code[:4] == n.code[:4]]
                self.embedded_pool.append((n, same_city or hits, bool(same_city)))
        self.embedded_city = [e for e in self.embedded_pool if e[2]]
        # class 3: communities whose core can make a compound name
        self.compound_pool = [v for v in self.communities
                              if len(community_core(own_name(v))) >= 2
                              and family(v.name) in ("v", "r")]

    # -- helpers ---------------------------------------------------------
    def pick(self, seq):
        return seq[self.rnd.randrange(len(seq))]

    def chance(self, p):
        return self.rnd.random() < p

    def house(self, written=""):
        """A house number as written after the last part: 组 for a village, 号楼 for a community."""
        r = self.rnd.random()
        fam = family(written) if written else "o"
        if fam == "v" or (fam == "o" and written.endswith("村")):
            if r < 0.5:
                return f"{self.rnd.randint(1, 12)}组"
            if r < 0.75:
                return f"{self.rnd.randint(1, 12)}组{self.rnd.randint(1, 99)}号"
            return f"{self.rnd.randint(1, 199)}号"
        if r < 0.6 or fam == "o":
            return f"{self.rnd.randint(1, 399)}号"
        return f"{self.rnd.randint(1, 30)}号楼{self.rnd.randint(1, 6)}单元{self.rnd.randint(1, 30)}0{self.rnd.randint(1, 4)}"

    def admin_texts(self, node, levels, short_p=0.35):
        """Written names of the node's ancestors at the given levels (1 province, 2 city, 3 district)."""
        ch = node.chain()
        p = ch[0]
        c = ch[1] if len(ch) > 1 else None
        d = ch[2] if len(ch) > 2 else None
        out = []
        for lv in sorted(levels):
            if lv == 1:
                t = p
            elif lv == 2:
                if c is None:
                    continue
                if c.name in PLACEHOLDER_CITIES:
                    if p.code in MUNICIPALITIES and 1 not in levels:
                        t = p
                    else:
                        continue
                else:
                    t = c
            else:
                if d is None or (c is not None and d.name == c.name):
                    continue
                t = d
            s = short_form(t)
            w = s if s and self.chance(short_p if lv < 3 else short_p / 2) else t.name
            if out and out[-1] == w:
                continue
            out.append(w)
        return out

    def decorate(self, parts, lead_p=0.2, house_p=0.3, note_p=0.12, space_p=0.1):
        text = (" " if self.chance(space_p) else "").join(parts)
        if self.chance(house_p):
            text += self.house(parts[-1] if parts else "")
        if self.chance(note_p):
            text += self.pick(TRAILING_NOTES)
        if self.chance(lead_p):
            text = self.pick(LEAD_WORDS) + text
        return text

    def emit(self, kind, parts, truth, near="", text=None, need_trap=None, allowed=None, **deco):
        """Compute expect_level of the written parts and keep the row. Returns the level or None."""
        if any(not p or "\t" in p for p in parts):
            return None
        cands, meant = self.m.candidates(parts)
        if not any(truth.startswith(c.code) or c.code.startswith(truth) for c in cands):
            return None  # the text does not reach the truth (a name that cannot be written so)
        if near:
            if not truth.startswith(near):
                if len(cands) != 1:
                    return None
                level = common_level(cands)
            else:
                inn = [c for c in cands if inside(c, near)]
                level = common_level(inn)
        else:
            level = common_level(cands)
        if need_trap is not None and not need_trap(cands, level):
            return None
        if allowed is not None and level not in allowed:
            return None
        if text is None:
            text = self.decorate(parts, **deco)
        if (text, near) in self.seen or "\t" in text or "\n" in text:
            return None
        self.seen.add((text, near))
        self.rows.append((text, truth, level, kind, near))
        return level

    def pick_near(self, t, others):
        """Another division, by preference near t: same district, city, province, anywhere."""
        r = self.rnd.random()
        for width, upto in ((6, 0.2), (4, 0.5), (2, 0.75), (0, 1.0)):
            if r < upto:
                tier = [g for g in others if g.code[:width] == t.code[:width]]
                if tier:
                    return self.pick(tier)
                r = upto  # fall to the next, wider tier
        return self.pick(others)

    def near_code(self, v, p_district=0.4):
        """A jurisdiction containing v: its city (4 digits) or district (6 digits)."""
        ch = v.chain()
        city, dist = ch[1], ch[2]
        if city.name in PLACEHOLDER_CITIES or self.chance(p_district):
            return dist.code
        return city.code

    # -- class 1: suffix ties --------------------------------------------
    def make_suffix_tie(self):
        t = self.pick(self.tie_pool)
        core = community_core(own_name(t))
        group = [g for g in self.m.community[core] if g.level == 5 and g is not t]
        t_spell = own_name(t)
        others = [g for g in group if own_name(g) != t_spell]
        fam = family(t.name)
        same_family = [g for g in others if family(g.name) == fam]
        if same_family and self.chance(0.9):
            others = same_family
        if not others:
            return None
        c = self.pick_near(t, others)
        if self.chance(0.75) or fam == "o":
            w = own_name(c)  # the other's official spelling: the trap
        else:
            forms = [f for f in family_forms(core, fam) if f != t_spell]
            if not forms:
                return None
            w = self.pick(forms)
        if w == t_spell or community_core(w) != core:
            return None
        # parents the truth shares with c
        lca = 0
        for lv in range(1, 5):
            wd = WIDTHS[lv - 1]
            if t.code[:wd] == c.code[:wd]:
                lca = lv
        levels = [lv for lv, p in ((1, 0.3), (2, 0.75), (3, 0.7)) if lca >= lv and self.chance(p)]
        if lca == 1 and self.chance(0.5):
            levels = [1]
        head = self.admin_texts(t, levels)
        if lca >= 4 and self.chance(0.5):
            s = t.parent
            head.append(self.pick([own_name(s)] + street_variants(s)))
        near = ""
        if self.chance(0.35):
            near = self.near_code(t)
        if not head and not near and not self.chance(0.35):
            return None  # bare names read nowhere: keep them a minority
        parts = head + [w]

        def trap(cands, level):
            # the written spelling is official for some candidate other than the truth
            return any(x.code != t.code and x.level == 5 and own_name(x) == w for x in cands)
        return self.emit("suffix_tie", parts, t.code, near, need_trap=trap)

    # -- class 1: streets and towns --------------------------------------
    def make_street_tie(self):
        if self.chance(0.35):
            return self.make_town_village()
        t = self.pick(self.street_tie_pool)
        core = street_core(own_name(t))
        t_spell = own_name(t)
        others = [g for g in self.m.street[core] if g is not t and own_name(g) != t_spell]
        if not others:
            return None
        c = self.pick_near(t, others)
        if self.chance(0.7):
            w = own_name(c)
        else:
            vs = street_variants(t)
            if not vs:
                return None
            w = self.pick(vs)
        if w == t_spell or street_core(w) != core:
            return None
        lca = 0
        for lv in range(1, 4):
            wd = WIDTHS[lv - 1]
            if t.code[:wd] == c.code[:wd]:
                lca = lv
        levels = [lv for lv, p in ((1, 0.35), (2, 0.75), (3, 0.6)) if lca >= lv and self.chance(p)]
        if lca == 1 and self.chance(0.5):
            levels = [1]
        head = self.admin_texts(t, levels)
        near = self.near_code(t) if self.chance(0.4) else ""
        if not head and not near and not self.chance(0.35):
            return None  # bare names read nowhere: keep them a minority
        parts = head + [w]
        tail = ""
        if self.chance(0.3) and self.generic_roads:
            tail = self.pick(self.generic_roads) + f"{self.rnd.randint(1, 399)}号"
        text = self.decorate(parts, house_p=0) if not tail else \
            (self.pick(LEAD_WORDS) if self.chance(0.15) else "") + "".join(parts) + tail

        def trap(cands, level):
            # a tie: the written form fits another street too (the reader's jurisdiction may settle it)
            return sum(1 for x in cands if x.level == 4) >= 2
        return self.emit("street_tie", parts, t.code, near, text=text, need_trap=trap)

    def make_town_village(self):
        s, inner = self.pick(self.town_village_pool)
        v = self.pick(inner)
        if "v" in v.flags:
            return None
        vcore = community_core(own_name(v))
        scode = street_core(own_name(s))
        r = self.rnd.random()
        fam = family(v.name)
        # written village: its bare core-ish form or a family form other than its official spelling
        forms = [scode] + (family_forms(vcore, fam) if fam in "vr" else [])
        forms = [f for f in forms if f != own_name(v) and (f == scode or community_core(f) == vcore)]
        if not forms:
            return None
        w = self.pick(forms)
        if r < 0.55:
            s_text = self.pick([own_name(s)] + street_variants(s))
            levels = [lv for lv, p in ((1, 0.2), (2, 0.5), (3, 0.6)) if self.chance(p)]
            parts = self.admin_texts(v, levels) + [s_text, w]
        else:
            # a county/district + the name: it is the town's short form as well as the village's
            levels = [3] + ([2] if self.chance(0.5) else []) + ([1] if self.chance(0.2) else [])
            parts = self.admin_texts(v, levels) + [w]
        near = self.near_code(v) if self.chance(0.3) else ""
        # a tie: the text fits the town and a village, or two villages/communities
        return self.emit("street_tie", parts, v.code, near, need_trap=lambda cands, level: len(cands) >= 2)

    # -- class 2: a division's name inside a longer name -----------------
    def make_embedded(self, control=False):
        pool = self.embedded_city if self.chance(0.65) else self.embedded_pool
        n, hits, same_city = self.pick(pool)
        if "v" in n.flags:
            return None
        key, d = self.pick(hits)
        fam = family(n.name) if n.level == 5 else "s"
        own = own_name(n)
        if n.level == 5:
            core = community_core(own)
            if fam in "vr" and self.chance(0.5):
                forms = family_forms(core, fam)
                w = forms[0] if self.chance(0.6) else self.pick(forms)
            else:
                w = own
        else:
            w = self.pick([own] + street_variants(n)) if self.chance(0.4) else own
        if key not in w:
            return None  # the form written lost the embedded name
        r = self.rnd.random()
        street = n.parent if n.level == 5 else None
        if control:
            # the real district (and city) named: the embedded name is no part of the answer
            levels = [3] + ([2] if self.chance(0.6) else []) + ([1] if self.chance(0.2) else [])
            parts = self.admin_texts(n, levels)
            if street is not None and self.chance(0.4):
                parts.append(own_name(street))
            parts.append(w)
        elif n.level == 5:
            if r < 0.2:
                parts = [w]
            elif r < 0.5:
                parts = self.admin_texts(n, [2]) + [w]
            elif r < 0.6:
                parts = self.admin_texts(n, [1]) + [w]
            elif r < 0.8:
                parts = self.admin_texts(n, [2]) + [own_name(street), w]
            elif r < 0.9:
                parts = self.admin_texts(n, [1, 2]) + [w]
            else:
                parts = self.admin_texts(n, [3]) + [w]
        else:
            if r < 0.2:
                parts = [w]
            elif r < 0.7:
                parts = self.admin_texts(n, [2]) + [w]
            elif r < 0.85:
                parts = self.admin_texts(n, [1]) + [w]
            else:
                parts = self.admin_texts(n, [1, 2]) + [w]
        if not control and any(key == p for p in parts[:-1]):
            return None
        near = ""
        if self.chance(0.25):
            near = self.near_code(n, p_district=0.2)
        kind = "control" if control else "embedded_name"
        allowed = {"community", "street"} if control else None
        return self.emit(kind, parts, n.code, near, allowed=allowed)

    # -- class 3: compounds ----------------------------------------------
    def make_compound(self):
        v = self.pick(self.compound_pool)
        s = v.parent
        d = s.parent
        core = community_core(own_name(v))
        suffix = self.pick(COMPOUNDS)
        if core.endswith(suffix) or core.endswith(suffix[-1]):
            return None
        comp = core + suffix
        # the compound must not be a division's name read by core (a community 南山花园社区 …)
        if self.m.community.get(community_core(comp)) or self.m.street.get(street_core(comp)) \
                or comp in self.m.admin:
            return None
        # nor hold a district's/city's name of the same province (that is class 2)
        for i in range(len(comp)):
            for j in range(i + 2, len(comp) + 1):
                for a in self.m.admin.get(comp[i:j], []):
                    if a.code[:2] == v.code[:2] and not v.code.startswith(a.code):
                        return None
        extra = ""
        if self.chance(0.5):
            extra = self.pick([f"{self.rnd.randint(1, 30)}栋{self.rnd.randint(1, 4)}单元",
                               f"{self.rnd.randint(1, 30)}号楼{self.rnd.randint(1, 30)}0{self.rnd.randint(1, 4)}",
                               f"{self.rnd.randint(1, 20)}幢{self.rnd.randint(1, 30)}0{self.rnd.randint(1, 4)}室",
                               f"{self.rnd.randint(1, 12)}期", "东区", "北门"])
        lead = self.pick(LEAD_WORDS) if self.chance(0.2) else ""
        if self.chance(0.15):
            # district + compound, no street: the text names the district only
            levels = [3] + ([2] if self.chance(0.6) else []) + ([1] if self.chance(0.2) else [])
            head = self.admin_texts(v, levels)
            if not head or d.name not in head and short_form(d) not in head:
                return None
            parts = head
            text = lead + "".join(head) + comp + extra
            truth = d.code
        else:
            levels = [lv for lv, p in ((1, 0.2), (2, 0.5), (3, 0.6)) if self.chance(p)]
            head = self.admin_texts(v, levels)
            s_text = own_name(s) if self.chance(0.7) else self.pick([own_name(s)] + street_variants(s))
            parts = head + [s_text]
            text = lead + "".join(parts) + comp + extra
            truth = s.code
        # read text and compound together: the compound must not make a fit of its own
        cands_with, _ = self.m.candidates(parts + [comp])
        if any(c.level == 5 and c.code.startswith(truth) for c in cands_with):
            return None
        near = self.near_code(v, p_district=0.5) if self.chance(0.2) else ""
        return self.emit("compound", parts, truth, near, text=text)

    # -- controls --------------------------------------------------------
    def make_control(self):
        r = self.rnd.random()
        if r < 0.2:
            return self.make_embedded(control=True)
        if r < 0.35:
            return self.make_control_street()
        if r < 0.47:
            return self.make_control_compound_named()
        if r < 0.62:
            return self.make_control_inside()
        v = self.pick(self.communities)
        fam = family(v.name)
        if fam not in "vr":
            return None
        core = community_core(own_name(v))
        forms = [f for f in family_forms(core, fam) if f != own_name(v)]
        if not forms:
            return None
        w = self.pick(forms)
        rr = self.rnd.random()
        if rr < 0.45:
            levels = [3] + ([2] if self.chance(0.6) else []) + ([1] if self.chance(0.2) else [])
            parts = self.admin_texts(v, levels) + [w]
        elif rr < 0.85:
            levels = [lv for lv, p in ((1, 0.2), (2, 0.6), (3, 0.5)) if self.chance(p)]
            s = v.parent
            parts = self.admin_texts(v, levels) + [self.pick([own_name(s)] + street_variants(s)), w]
        else:
            levels = [2] + ([1] if self.chance(0.3) else [])
            parts = self.admin_texts(v, levels) + [w]
        near = ""
        q = self.rnd.random()
        if q < 0.2:
            near = self.near_code(v)
        elif q < 0.35:
            # a jurisdiction elsewhere in the province: a unique text wins over it
            prov = v.chain()[0]
            cities = [c for c in prov.children if c.code != v.code[:4] and c.name not in PLACEHOLDER_CITIES]
            if cities:
                near = self.pick(cities).code
        return self.emit("control", parts, v.code, near, allowed={"community"})

    def make_control_street(self):
        s = self.pick(self.streets)
        vs = street_variants(s)
        w = self.pick(vs) if vs and self.chance(0.8) else own_name(s)
        levels = [3] + ([2] if self.chance(0.6) else []) + ([1] if self.chance(0.25) else [])
        parts = self.admin_texts(s, levels) + [w]
        tail = ""
        if self.chance(0.5) and self.generic_roads:
            tail = self.pick(self.generic_roads) + f"{self.rnd.randint(1, 399)}号"
        text = "".join(parts) + tail
        near = self.near_code(s) if self.chance(0.2) else ""
        return self.emit("control", parts, s.code, near, text=text, allowed={"street"})

    def make_control_inside(self):
        """A name that lies inside longer names of its district (高庙 in 东高庙, 西高庙): no fit there."""
        v = self.pick(self.communities)
        fam = family(v.name)
        core = community_core(own_name(v))
        if fam not in "vr" or len(core) < 2:
            return None
        d = v.parent.parent
        longer = [x for s in d.children for x in s.children
                  if x is not v and core in community_core(own_name(x)) and community_core(own_name(x)) != core]
        if not longer:
            return None
        forms = family_forms(core, fam)
        w = forms[0] if self.chance(0.6) else self.pick(forms)
        levels = [3] + ([2] if self.chance(0.6) else []) + ([1] if self.chance(0.2) else [])
        parts = self.admin_texts(v, levels) + [w]
        near = self.near_code(v) if self.chance(0.2) else ""
        return self.emit("control", parts, v.code, near, allowed={"community"})

    def make_control_compound_named(self):
        """A community named like a compound (锦绣家园社区) written by its compound name under its street."""
        v = self.pick(self.communities)
        core = community_core(own_name(v))
        if not any(core.endswith(x) for x in ("花园", "家园", "苑", "小区", "公寓", "大厦", "府", "城", "华庭",
                                              "嘉园", "公馆", "广场")):
            return None
        if len(core) < 3:
            return None
        s = v.parent
        levels = [lv for lv, p in ((1, 0.15), (2, 0.5), (3, 0.7)) if self.chance(p)]
        parts = self.admin_texts(v, levels) + [own_name(s), core]
        return self.emit("control", parts, v.code, "", allowed={"community"})

    # -- field examples --------------------------------------------------
    def field_examples(self):
        rows = [
            # (text, truth, parts, kind, near)
            ("龙窝村", "610118011226", ["龙窝村"], "suffix_tie", ""),
            ("龙窝村", "610118011226", ["龙窝村"], "suffix_tie", "6101"),
            ("西安市高庙村", "610112010238", ["西安市", "高庙村"], "suffix_tie", ""),
            ("西安市高庙村", "610124117220", ["西安市", "高庙村"], "suffix_tie", "610124"),
            ("梅河村", "420117008209", ["梅河村"], "suffix_tie", ""),
            ("尚村镇尚村", "610124106200", ["尚村镇", "尚村"], "street_tie", ""),
            ("周至县尚村镇尚村", "610124106001", ["周至县", "尚村镇", "尚村"], "street_tie", ""),
            ("江林新城北社区", "610113004033", ["江林新城北社区"], "embedded_name", ""),
            ("西安市珠江新城社区", "610112005014", ["西安市", "珠江新城社区"], "embedded_name", ""),
            ("浐灞新城社区", "610111004019", ["浐灞新城社区"], "embedded_name", ""),
            ("小雁塔社区", "610103007013", ["小雁塔社区"], "embedded_name", ""),
            ("紫郡长安社区", "610113003029", ["紫郡长安社区"], "embedded_name", ""),
            ("泗纶镇南山小区", "445381116", ["泗纶镇"], "compound", ""),
            ("嵩山路街道雅居小区", "410103011", ["嵩山路街道"], "compound", ""),
            ("罗定市泗纶镇南山小区", "445381116", ["罗定市", "泗纶镇"], "compound", ""),
            ("郑州市二七区嵩山路街道雅居小区", "410103011", ["郑州市", "二七区", "嵩山路街道"], "compound", ""),
        ]
        for text, truth, parts, kind, near in rows:
            assert truth in self.m.by_code, truth
            before = len(self.rows)
            level = self.emit(kind, parts, truth, near, text=text)
            assert level is not None and len(self.rows) == before + 1, (text, near)

    def run(self):
        self.field_examples()
        makers = {"suffix_tie": self.make_suffix_tie, "street_tie": self.make_street_tie,
                  "embedded_name": self.make_embedded, "compound": self.make_compound,
                  "control": self.make_control}
        for kind in KINDS:
            made = sum(1 for r in self.rows if r[3] == kind)
            tries = 0
            while made < TARGET[kind]:
                tries += 1
                if tries > TARGET[kind] * 400:
                    raise RuntimeError(f"cannot make {TARGET[kind]} rows of {kind}")
                before = len(self.rows)
                makers[kind]()
                if len(self.rows) > before:
                    if self.rows[-1][3] == kind:
                        made += 1
                    else:  # a control maker must only make controls, and the reverse
                        raise AssertionError(self.rows[-1])
        return self.rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", default=os.path.join(HERE, "adversarial.tsv"))
    args = ap.parse_args()
    gen = Generator(load_tree(), load_renames(), args.seed)
    rows = gen.run()
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write("address\ttruth\texpect_level\tkind\tnear\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    print(f"wrote {args.out}: {len(rows)} rows, {os.path.getsize(args.out) / 1e6:.2f} MB")
    order = LEVELS[::-1] + ["none"]
    by_kind = defaultdict(Counter)
    near_rows = Counter()
    for r in rows:
        by_kind[r[3]][r[2]] += 1
        near_rows[r[3]] += bool(r[4])
    print("\n| kind | rows | with near | " + " | ".join(order) + " |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in order) + " |")
    for kind in KINDS:
        cnt = by_kind[kind]
        print(f"| {kind} | {sum(cnt.values())} | {near_rows[kind]} | "
              + " | ".join(str(cnt[lv]) for lv in order) + " |")
    total = Counter(r[2] for r in rows)
    print(f"| all | {len(rows)} | {sum(near_rows.values())} | " + " | ".join(str(total[lv]) for lv in order) + " |")


if __name__ == "__main__":
    sys.exit(main())
