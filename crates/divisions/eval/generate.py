#!/usr/bin/env python3
"""Generate the labelled address evaluation set (addresses.tsv).

Usage: python3 crates/divisions/eval/generate.py [ROWS_PER_KIND]   (default 2000)

Deterministic (seed 2021). Communities/villages are sampled uniformly from
the embedded tree (data/divisions.txt; virtual communities excluded), and
each is written in one "kind" of mess people produce. For every row the
generator records:
  truth         the 12-digit code of the community the address was made from
  expect_level  the deepest level the TEXT determines: the written parts are
                matched against the tree (names at province/city/district
                level, full or short; cores at street and community level,
                e.g. 小寨路 for 小寨路街道, 龙窝 for 龙窝村委会), every
                division consistent with all of them is a candidate, and the
                answer is the level of the candidates' deepest common
                ancestor (none when they share nothing). A road or house
                number is not a written part.
  kind          the kind of mess (see KINDS below)
See README.md in this folder.
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
LEVELS = ["province", "city", "district", "street", "community"]
WIDTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
STREET_SUFFIXES = ["街道办事处", "地区办事处", "地区", "街道", "办事处", "苏木", "镇", "乡"]
COMMUNITY_SUFFIXES = ["社区居民委员会", "社区居委会", "村村民委员会", "村民委员会", "居民委员会",
                      "村村委会", "村委会", "居委会", "社区", "村"]
ETHNIC = ["蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼",
          "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
          "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克",
          "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各"]
KINDS = ["full", "no_province", "no_city", "no_district", "no_street", "short_suffix", "long_suffix",
         "town_variant", "old_name", "fullwidth", "noise", "lead_words", "trailing_note", "road_trap",
         "dev_zone", "street_only"]


class Node:
    __slots__ = ("code", "level", "name", "parent", "flags", "children")

    def __init__(self, code, level, name, parent, flags):
        self.code, self.level, self.name, self.parent, self.flags = code, level, name, parent, flags
        self.children = []


def load():
    nodes, stack = [], [None] * 6
    with open(os.path.join(DATA, "divisions.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            level, suffix = int(parts[0][0]), parts[0][1:]
            parent = stack[level - 1] if level > 1 else None
            code = (parent.code if parent else "") + suffix
            n = Node(code, level, parts[1], parent, parts[2] if len(parts) > 2 else "")
            if parent:
                parent.children.append(n)
            stack[level] = n
            nodes.append(n)
    renames = []
    with open(os.path.join(DATA, "renames.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                old, code = line.split("\t")[:2]
                renames.append((old, code))
    return nodes, renames


def strip(name, suffixes):
    for s in suffixes:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return name


def plain(name):
    out, depth = [], 0
    for c in name:
        if c in "(（":
            depth += 1
        elif c in ")）":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(c)
    return "".join(out)


def core(n):
    name = plain(n.name)
    return strip(name, STREET_SUFFIXES if n.level == 4 else COMMUNITY_SUFFIXES)


def short(name):
    if "自治" in name:
        head = name[: name.index("自治")]
        for i in range(2, len(head)):
            if any(head[i:].startswith(e) for e in ETHNIC):
                return head[:i]
        return head if len(head) >= 2 else None
    for s in ["特别行政区", "林区", "地区", "新区", "省", "市", "区", "县", "盟", "旗"]:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return None


def community_form(n):
    """How people usually write a community: 兴善社区, 龙窝村."""
    c = core(n)
    name = plain(n.name)
    if c == name:
        return name
    if "社区" in name or "居委会" in name or "居民委员会" in name:
        return c + "社区"
    return c + "村"


def ancestor(n, level):
    while n is not None and n.level > level:
        n = n.parent
    return n if n is not None and n.level == level else None


class Index:
    def __init__(self, nodes, renames):
        self.by_name = {}
        self.by_code = {n.code: n for n in nodes}
        for n in nodes:
            if n.level <= 3:
                if n.level == 2 and n.name in PLACEHOLDER_CITIES:
                    continue
                self.by_name.setdefault((n.level, n.name), []).append(n)
                s = short(n.name)
                if s:
                    self.by_name.setdefault((n.level, s), []).append(n)
            elif "v" not in n.flags:
                self.by_name.setdefault((n.level, core(n)), []).append(n)
        for old, code in renames:
            n = self.by_code[code]
            self.by_name.setdefault((n.level, old), []).append(n)

    def expect(self, written):
        """written: list of (level, key) in order; key is a name (levels 1-3) or core (4-5)."""
        if not written:
            return "none"
        deepest_level, key = written[-1]
        cands = list(self.by_name.get((deepest_level, key), []))
        for level, k in written[:-1]:
            allowed = {id(x) for x in self.by_name.get((level, k), [])}
            cands = [c for c in cands if id(ancestor(c, level)) in allowed]
        if not cands:
            return "none"
        # Deepest common ancestor.
        for level in range(deepest_level, 0, -1):
            if len({id(ancestor(c, level)) for c in cands}) == 1:
                return LEVELS[level - 1]
        return "none"


FULLWIDTH = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")


def generate(rows_per_kind):
    rnd = random.Random(2021)
    nodes, renames = load()
    idx = Index(nodes, renames)
    communities = [n for n in nodes if n.level == 5 and "v" not in n.flags]
    rows = []

    def chain(v):
        return [ancestor(v, l) for l in range(1, 6)]

    def city_written(c):
        return c is not None and c.name not in PLACEHOLDER_CITIES

    def emit(v, kind, text, written):
        rows.append((text, v.code, idx.expect(written), kind))

    def house():
        return f"{rnd.randint(1, 300)}号"

    renamed_codes = {code for _, code in renames if len(code) == 6}
    by_district = {}
    for v in communities:
        by_district.setdefault(v.code[:6], []).append(v)
    dev_zone_communities = [v for v in communities if "z" in ancestor(v, 3).flags]
    old_name_communities = [v for v in communities if v.code[:6] in renamed_codes]

    for kind in KINDS:
        pool = {"dev_zone": dev_zone_communities, "old_name": old_name_communities}.get(kind, communities)
        made = 0
        while made < rows_per_kind:
            v = rnd.choice(pool)
            p, c, d, s, _ = chain(v)
            cw = city_written(c)
            P, C, D, S, V = p.name, (c.name if cw else ""), d.name, plain(s.name), plain(v.name)
            wp, wc, wd = (1, P), (2, C), (3, D)
            ws, wv = (4, core(s)), (5, core(v))
            city = [wc] if cw else []
            if kind == "full":
                emit(v, kind, P + C + D + S + V, [wp] + city + [wd, ws, wv])
            elif kind == "no_province":
                emit(v, kind, C + D + S + V, city + [wd, ws, wv])
            elif kind == "no_city":
                emit(v, kind, P + D + S + V, [wp, wd, ws, wv])
            elif kind == "no_district":
                emit(v, kind, P + C + S + V, [wp] + city + [ws, wv])
            elif kind == "no_street":
                emit(v, kind, C + D + community_form(v), city + [wd, wv])
            elif kind == "short_suffix":
                ds = short(D) or D
                emit(v, kind, C + ds + core(s) + community_form(v), city + [(3, ds), ws, wv])
            elif kind == "long_suffix":
                sl = core(s) + ("街道办事处" if S.endswith("街道") else "")
                vl = core(v) + ("社区居民委员会" if community_form(v).endswith("社区") else "村民委员会")
                if core(v) == V:
                    vl = V
                emit(v, kind, C + D + (sl if S.endswith("街道") else S) + vl, city + [wd, ws, wv])
            elif kind == "town_variant":
                if not (S.endswith("镇") or S.endswith("乡")):
                    continue
                alt = core(s) + ("乡" if S.endswith("镇") else "镇")
                emit(v, kind, C + D + alt + community_form(v), city + [wd, ws, wv])
            elif kind == "old_name":
                olds = [old for old, code in renames if code == d.code]
                old = rnd.choice(olds)
                emit(v, kind, old + community_form(v), [(3, old), wv])
            elif kind == "fullwidth":
                emit(v, kind, (C + D + S + V + house()).translate(FULLWIDTH) + "Ａ座", city + [wd, ws, wv])
            elif kind == "noise":
                seps = [" ", "，", "、", " - ", "　", "/"]
                parts = [x for x in [C, D, S, V] if x]
                emit(v, kind, rnd.choice(seps).join(parts) + " " + house(), city + [wd, ws, wv])
            elif kind == "lead_words":
                lead = rnd.choice(["住址：", "家住", "地址:", "现住"])
                emit(v, kind, lead + C + D + S + community_form(v), city + [wd, ws, wv])
            elif kind == "trailing_note":
                note = rnd.choice(["附近", "（近公交站）", "旁边的小卖部", "(东门)"])
                emit(v, kind, C + D + S + community_form(v) + note, city + [wd, ws, wv])
            elif kind == "road_trap":
                siblings = [x for x in (c.children if c else []) if x is not d and short(x.name)]
                if not siblings:
                    continue
                other = short(rnd.choice(siblings).name)
                road = other + rnd.choice(["南路", "北路", "大街", "东路"]) + house()
                emit(v, kind, C + D + road, city + [wd])
            elif kind == "dev_zone":
                emit(v, kind, C + D + S + community_form(v), city + [wd, ws, wv])
            elif kind == "street_only":
                road = rnd.choice(["建设路", "人民路", "中心街", "解放路"]) + house()
                emit(v, kind, C + D + S + road, city + [wd, ws])
            made += 1

    # The villages and places of the field reports.
    tree = idx.by_code
    for text, code, written in [
        ("鄠邑区龙窝村", "610118011226", [(3, "鄠邑区"), (5, "龙窝")]),
        ("长安区西韦村", "610116001201", [(3, "长安区"), (5, "西韦")]),
        ("西安市长安区西韦村", "610116001201", [(2, "西安市"), (3, "长安区"), (5, "西韦")]),
        ("户县龙窝村", "610118011226", [(3, "户县"), (5, "龙窝")]),
        ("陕西省西安市雁塔区小寨路街道", "610113001001", [(1, "陕西省"), (2, "西安市"), (3, "雁塔区"), (4, "小寨路")]),
        ("雁塔区长安南路88号", "610113001001", [(3, "雁塔区")]),
        ("西安市新城区未央路", "610102001001", [(2, "西安市"), (3, "新城区")]),
    ]:
        assert code in tree, code
        rows.append((text, code, idx.expect(written), "field_report"))
    return rows


def main():
    per_kind = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rows = generate(per_kind)
    out = os.path.join(HERE, "addresses.tsv")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("address\ttruth\texpect_level\tkind\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    from collections import Counter
    print(f"wrote {out}: {len(rows)} rows")
    print("by expect_level:", dict(Counter(r[2] for r in rows)))


if __name__ == "__main__":
    main()
