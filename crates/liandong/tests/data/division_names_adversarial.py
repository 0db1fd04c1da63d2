#!/usr/bin/env python3
"""Generator and checker for division_names_adversarial.tsv.

This script GENERATED the `expected` column of division_names_adversarial.tsv
and CHECKS it: every expected answer is computed here from
crates/divisions/data/divisions.txt (and renames.tsv for the former_name rows),
never typed by hand. It was written from the written rule only, without
reading the Rust implementation.

    python3 division_names_adversarial.py           # rewrite the .tsv
    python3 division_names_adversarial.py --check   # verify the .tsv, exit 1 on drift

The rule as specified (a division field on staff pages):
  * `typed` is trimmed of leading/trailing whitespace (we trim Unicode
    White_Space, as Rust's str::trim does: ASCII spaces, U+3000 ideographic
    space, U+00A0 no-break space ...).
  * If what is left is ASCII digits only, it is a code and is taken as it is
    (expected = those digits, existing or not; a later check refuses it).
  * Otherwise it is a NAME, looked up inside `within` (a division code; ''
    = the whole country). "Inside" = the division itself and all its
    descendants, i.e. every full code that starts with `within`.
      1. exactly one division inside whose name == typed  -> that division
         (two or more exact matches -> none);
      2. else exactly one division inside whose name starts with typed
         -> that division;
      3. else -> none (nothing fits, or several fit).
  * former_name rows (not covered by the rule): renames.tsv says "the
    resolver and search treat an old name as an alias of the current
    division", so for those rows only, an old name is treated as one more
    name of its current division (exact and prefix, matches counted by
    distinct division). The script also checks that no row of any other
    class changes when aliases are switched on.

divisions.txt layout: one division per line, depth-first, "<level><suffix>\t
<name>[\t<flags>]", level 1..5, suffix = the level's own digits (2,2,2,3,3);
the full code is the concatenation down the tree (2, 4, 6, 9 or 12 digits).
Flags: z = development zone, v = virtual community. Flagged divisions are
divisions too and are included; the script reports rows whose answer would
change if v/z divisions were left out (none do in the current set).

The TSV is tab-separated; `typed` may carry leading/trailing spaces
(ASCII, U+3000, U+00A0) on purpose - do not trim the fields when reading.
"""
import os
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "divisions", "data"))
OUT = os.path.join(HERE, "division_names_adversarial.tsv")
WIDTH = {1: 2, 2: 2, 3: 2, 4: 3, 5: 3}


def load_divisions():
    divs = {}  # full code -> (name, level, flags)
    stack = {}
    with open(os.path.join(DATA, "divisions.txt"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            level, suffix = int(parts[0][0]), parts[0][1:]
            assert len(suffix) == WIDTH[level], line
            code = (stack[level - 1] if level > 1 else "") + suffix
            stack[level] = code
            assert code not in divs, code
            divs[code] = (parts[1], level, parts[2] if len(parts) > 2 else "")
    return divs


def load_renames():
    out = []
    with open(os.path.join(DATA, "renames.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            old, code = line.rstrip("\n").split("\t")[:2]
            out.append((old, code))
    return out


DIVS = load_divisions()
RENAMES = load_renames()
ALL = list(DIVS.items())


def rust_trim(s):
    # Rust str::trim trims chars with the Unicode White_Space property.
    ws = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000")
    ws |= {chr(c) for c in range(0x2000, 0x200B)}
    i, j = 0, len(s)
    while i < j and s[i] in ws:
        i += 1
    while j > i and s[j - 1] in ws:
        j -= 1
    return s[i:j]


def resolve(within, typed, aliases=False, skip_flagged=False, ascii_trim=False):
    t = typed.strip(" ") if ascii_trim else rust_trim(typed)
    if t and all("0" <= ch <= "9" for ch in t):
        return t
    names = [(c, n) for c, n in inside(within)
             if not (skip_flagged and DIVS[c][2])]
    if aliases:
        names += [(c, old) for old, c in RENAMES if c.startswith(within)]
    exact = {c for c, n in names if n == t}
    if len(exact) == 1:
        return exact.pop()
    if len(exact) > 1:
        return "none"
    pre = {c for c, n in names if n.startswith(t)}
    return pre.pop() if len(pre) == 1 else "none"


_INSIDE = {}


def inside(within):
    if within not in _INSIDE:
        _INSIDE[within] = [(c, v[0]) for c, v in ALL if c.startswith(within)]
    return _INSIDE[within]


def exact_count(within, t):
    return sum(1 for c, n in inside(within) if n == t)


def prefix_count(within, t):
    return sum(1 for c, n in inside(within) if n.startswith(t))


# (class, within, typed, why). Expected is computed, never written here.
# A handful of rows override the generic class check with a note in `why`.
XA = "6101"      # 西安市
YT = "610113"    # 雁塔区
XZ = "610113001"  # 小寨路街道
ZB = "610113007"  # 丈八沟街道
CASES = [
    # ---- exact -------------------------------------------------------------
    ("exact", XA, "雁塔区", "district name typed exactly inside Xi'an"),
    ("exact", XA, "未央区", "district exact; 未央宫街道/未央湖街道 share the stem but exact wins"),
    ("exact", XA, "灞桥区", "district exact although 灞桥街道, 灞桥街社区居委会, 灞桥堡村委会 share the stem"),
    ("exact", XA, "小寨路街道", "street exact inside the city"),
    ("exact", XA, "长乐社区", "exact 长乐社区 (长安区) wins over 长乐社区居委会 and 长乐社区居民委员会 which start with it"),
    ("exact", XA, "王寺街道", "exact street wins over its own community 王寺街道居委会 that starts with the same text"),
    ("exact", XA, "姬家街道", "exact street wins over 姬家街道泾福苑/泾祥苑社区居民委员会"),
    ("exact", XA, "二府庄社区", "exact 二府庄社区 (雁塔) wins over 二府庄社区居委会 (未央)"),
    ("exact", YT, "曲江街道", "street exact; ~24 曲江新区… communities start with 曲江 but not with 曲江街道"),
    ("exact", "3301", "萧山钱江世纪城", "exact town-level zone; 萧山钱江世纪城虚拟社区 (flag v) starts with it, exact wins"),
    ("exact", "50", "县", "one-character name: Chongqing's level-2 division 县 (5002); 县坝… start with 县, exact wins"),
    ("exact", "11", "市辖区", "Beijing's 1101 市辖区 is the only 市辖区 inside 11"),
    # ---- prefix_unique ------------------------------------------------------
    ("prefix_unique", XA, "小寨路", "only 小寨路街道 starts with 小寨路 in Xi'an"),
    ("prefix_unique", XA, "兴善", "only 兴善社区居委会 starts with 兴善"),
    ("prefix_unique", XA, "高陵", "only 高陵区 starts with 高陵"),
    ("prefix_unique", XA, "电子城", "only 电子城街道 starts with 电子城"),
    ("prefix_unique", YT, "等驾", "inside 雁塔区 only 等驾坡街道 (等驾坡村 is in 长安区)"),
    ("prefix_unique", ZB, "丈八东", "inside 丈八沟街道 only 丈八东社区居委会 (丈八东路社区居委会 is in 电子城街道)"),
    ("prefix_unique", ZB, "枫叶惠欣", "one of four 枫叶惠… communities, only one continues with 欣"),
    ("prefix_unique", ZB, "闸", "single character, only 闸口社区居委会 starts with it inside the street"),
    ("prefix_unique", "3201", "鼓楼", "inside 南京市 only 鼓楼区 starts with 鼓楼"),
    ("prefix_unique", "", "鄠邑", "whole country: only 鄠邑区 starts with 鄠邑"),
    ("prefix_unique", "", "莱芜", "whole country: only 莱芜区 starts with 莱芜 (former 莱芜市 is not a current name)"),
    ("prefix_unique", "50", "铜梁", "inside Chongqing only 铜梁区 (other 铜梁村 are in 湖南/四川)"),
    # ---- prefix_ambiguous ---------------------------------------------------
    ("prefix_ambiguous", XA, "小寨", "小寨路街道, 小寨东路/西路社区, several 小寨村委会, 小寨镇 -> several"),
    ("prefix_ambiguous", YT, "小寨", "inside 雁塔区 still 3: 小寨路街道, 小寨东路社区居委会, 小寨西路社区居委会"),
    ("prefix_ambiguous", XA, "未央", "未央区, 未央宫街道, 未央湖街道"),
    ("prefix_ambiguous", XA, "灞桥", "灞桥区, 灞桥街道, 灞桥街社区居委会, 灞桥堡村委会"),
    ("prefix_ambiguous", XA, "等驾", "inside Xi'an 等驾坡街道 (雁塔) and 等驾坡村 (长安)"),
    ("prefix_ambiguous", YT, "丈八东", "inside 雁塔区 丈八东社区居委会 and 丈八东路社区居委会"),
    ("prefix_ambiguous", ZB, "木塔", "木塔南村委会 and 木塔北村委会"),
    ("prefix_ambiguous", YT, "雁", "single character, 雁塔区 itself plus 雁西路/雁塔路/雁翔/… communities"),
    ("prefix_ambiguous", YT, "曲江", "曲江街道 plus ~24 曲江新区… communities"),
    ("prefix_ambiguous", YT, "二府庄", "二府庄社区 and 二府庄村委会"),
    ("prefix_ambiguous", XA, "长乐社区居", "长乐社区居委会 (碑林) and 长乐社区居民委员会 (新城)"),
    ("prefix_ambiguous", "4419", "东莞", "东莞市 appears twice (4419 and 441900) plus 东莞港, 东莞生态园 …"),
    # ---- outside ------------------------------------------------------------
    ("outside", "610102", "雁塔区", "雁塔区 is a sibling of 新城区, not inside it"),
    ("outside", YT, "未央区", "sibling district"),
    ("outside", YT, "西安市", "the parent city is not inside the district"),
    ("outside", XZ, "雁塔区", "the parent district is not inside its street"),
    ("outside", XA, "陕西省", "the province is not inside its city"),
    ("outside", "6102", "雁塔区", "铜川市 does not contain 雁塔区"),
    ("outside", "610102", "小寨路街道", "street of 雁塔区 typed inside 新城区"),
    ("outside", XZ, "丈八南社区", "community of the neighbouring street 丈八沟街道"),
    ("outside", "61", "朝阳区", "两个朝阳区 (北京, 长春), none in 陕西"),
    ("outside", "11", "长安区", "长安区 exists in 石家庄 and 西安 only"),
    ("outside", XA, "城关镇", "88 城关镇 in China, 12 in 陕西, none in 西安 - and nothing in 西安 starts with it"),
    ("outside", "610104", "太白社区居委会", "exists in 碑林区 and 雁塔区, not in 莲湖区"),
    # ---- same_name_elsewhere -----------------------------------------------
    ("same_name_elsewhere", XA, "新城区", "新城区 also in 呼和浩特 (150102); inside 西安 only 610102"),
    ("same_name_elsewhere", XA, "长安区", "长安区 also in 石家庄 (130102)"),
    ("same_name_elsewhere", "11", "朝阳区", "朝阳区 also in 长春 (220104)"),
    ("same_name_elsewhere", "3201", "鼓楼区", "鼓楼区 also in 徐州, 福州, 开封"),
    ("same_name_elsewhere", XA, "曲江街道", "also a 曲江街道 in 扬州 (321002004)"),
    ("same_name_elsewhere", YT, "阳光社区居委会", "97 阳光社区居委会 nationally, 3 in 西安, only one in 雁塔区"),
    ("same_name_elsewhere", YT, "太白社区居委会", "another in 碑林区"),
    ("same_name_elsewhere", YT, "红庙村委会", "another in 长安区 and ~39 elsewhere"),
    ("same_name_elsewhere", "610122", "李家村委会", "two in 灞桥区, one in 蓝田县"),
    ("same_name_elsewhere", "610111004", "李家村委会", "inside 席王街道 only one of 灞桥区's two"),
    ("same_name_elsewhere", "610118001", "朝阳社区居委会", "鄠邑区 has two (甘亭, 庞光); inside 甘亭街道 only one"),
    ("same_name_elsewhere", "610116001", "南街社区", "长安区 has two 南街社区; inside 韦曲街道 only one"),
    ("same_name_elsewhere", "441900", "东莞市", "inside 441900 the city-level 4419 (same name) is outside"),
    # ---- duplicate_inside ---------------------------------------------------
    ("duplicate_inside", XA, "小寨村委会", "several villages named 小寨村委会 in 西安"),
    ("duplicate_inside", XA, "新城村委会", "蓝田 and 周至 both have one"),
    ("duplicate_inside", XA, "阳光社区居委会", "three in 西安 (新城, 未央, 雁塔)"),
    ("duplicate_inside", "610111", "李家村委会", "two villages of one name in 灞桥区 (席王, 新合)"),
    ("duplicate_inside", "610116", "南街社区", "two in 长安区 (韦曲, 鸣犊)"),
    ("duplicate_inside", "610118", "朝阳社区居委会", "two in 鄠邑区"),
    ("duplicate_inside", "610122", "大寨村委会", "two in 蓝田县"),
    ("duplicate_inside", "610124", "八一村委会", "three in 周至县"),
    ("duplicate_inside", "32", "鼓楼区", "南京 and 徐州 both have a 鼓楼区"),
    ("duplicate_inside", "61", "城关镇", "12 towns named 城关镇 in 陕西"),
    ("duplicate_inside", "6202", "嘉峪关市", "city 6202 and its only district 620201 are both named 嘉峪关市 (self + child)"),
    ("duplicate_inside", "350527000", "金门县", "street 350527000 and its community 350527000000 both named 金门县 (self + child)"),
    # ---- code ---------------------------------------------------------------
    ("code", XA, "610113", "district code, taken as is"),
    ("code", YT, "610113001006", "community code"),
    ("code", "610102", "610113", "code outside the jurisdiction is still taken as is (later check refuses)"),
    ("code", XA, "61", "province code above the jurisdiction, taken as is"),
    ("code", "", "110105", "whole country, code of 朝阳区 (北京)"),
    ("code", XA, "999999", "non-existent code, taken as is"),
    ("code", XA, "6101130", "7 digits, not a valid code length, taken as is"),
    ("code", XA, "0610113", "leading zero kept, taken as is"),
    ("code", XA, "6101-13", "not digits only: read as a name, nothing matches"),
    ("code", XA, "61 01 13", "interior spaces: not digits only, read as a name, nothing matches (see report)"),
    ("code", XA, "６１０１１３", "full-width digits are not ASCII digits: read as a name, nothing matches (ambiguous, see report)"),
    # ---- spaces -------------------------------------------------------------
    ("spaces", XA, "  雁塔区", "two leading ASCII spaces"),
    ("spaces", XA, " 小寨路 ", "spaces around a unique prefix"),
    ("spaces", XA, "\u3000雁塔区\u3000", "leading and trailing U+3000 ideographic (full-width) space"),
    ("spaces", XA, "\u3000\u3000兴善", "two leading U+3000 before a unique prefix"),
    ("spaces", XA, "\u00a0雁塔区", "leading U+00A0 no-break space (Unicode whitespace)"),
    ("spaces", XA, " \u3000 雁塔区 \u3000", "mixed ASCII and full-width spaces"),
    ("spaces", XA, " 610113 ", "code with spaces around it -> the code"),
    ("spaces", XA, "\u3000610113", "code after a full-width space -> the code"),
    ("spaces", XA, "雁塔 区", "interior space is not trimmed: no name is 雁塔 区"),
    ("spaces", XA, "雁塔\u3000区", "interior full-width space is not trimmed"),
    ("spaces", "610102", " 雁塔区 ", "trimming does not make an outside name fit"),
    # ---- jurisdiction_self --------------------------------------------------
    ("jurisdiction_self", XA, "西安市", "own name of the jurisdiction city"),
    ("jurisdiction_self", YT, "雁塔区", "own name of the jurisdiction district"),
    ("jurisdiction_self", XZ, "小寨路街道", "own name of the jurisdiction street"),
    ("jurisdiction_self", "610113001006", "兴善社区居委会", "own name of a community jurisdiction"),
    ("jurisdiction_self", "610113001006", "兴善", "prefix of its own name inside a community jurisdiction"),
    ("jurisdiction_self", "61", "陕西省", "own name of the province"),
    ("jurisdiction_self", "610117", "高陵", "prefix: only the jurisdiction itself starts with 高陵"),
    ("jurisdiction_self", "610117004", "姬家街道", "exact own name although two of its communities start with it"),
    ("jurisdiction_self", "5002", "县", "own name 县 of Chongqing's 5002"),
    ("jurisdiction_self", YT, "雁塔", "prefix matches the jurisdiction itself and 雁塔路社区居委会, 雁塔新苑社区 -> several"),
    ("jurisdiction_self", "610113002", "大雁塔", "prefix matches 大雁塔街道 (self) and 大雁塔社区居委会"),
    ("jurisdiction_self", "4419", "东莞市", "own name, but child 441900 has the same exact name -> two exact -> none (see report)"),
    ("jurisdiction_self", "350527", "金门县", "county, its only street and its only community are all 金门县 -> none (see report)"),
    ("jurisdiction_self", "350527000000", "金门县", "inside the community only itself remains"),
    # ---- nested -------------------------------------------------------------
    ("nested", YT, "小寨路街道", "street name inside a district jurisdiction"),
    ("nested", YT, "兴善社区居委会", "community name two levels down"),
    ("nested", XZ, "兴善社区居委会", "community name inside a street jurisdiction"),
    ("nested", ZB, "丈八南社区", "community inside street"),
    ("nested", ZB, "曹里村委会", "village inside street"),
    ("nested", "61", "小寨路街道", "street name when the jurisdiction is the province"),
    ("nested", XA, "兴善社区居委会", "community inside the city"),
    ("nested", "610116005", "王寺街道居委会", "community whose name extends its street's name"),
    ("nested", "610116005", "王寺", "inside 王寺街道: 王寺街道 (self), 王寺街道居委会, 王寺村委会 -> several"),
    ("nested", XZ, "小寨", "inside the street: itself, 小寨东路/西路社区居委会 -> several"),
    # ---- whole_country ------------------------------------------------------
    ("whole_country", "", "雁塔区", "only one 雁塔区 in China"),
    ("whole_country", "", "西安市", "unique city name"),
    ("whole_country", "", "小寨路街道", "unique street name nationally"),
    ("whole_country", "", "兴善社区居委会", "unique community name nationally"),
    ("whole_country", "", "县", "only Chongqing's 5002 is named exactly 县; 112 other names start with 县"),
    ("whole_country", "", "新城区", "two 新城区 (西安, 呼和浩特)"),
    ("whole_country", "", "朝阳区", "two 朝阳区 (北京, 长春)"),
    ("whole_country", "", "城关镇", "88 towns named 城关镇"),
    ("whole_country", "", "市辖区", "市辖区 of 北京, 天津, 上海, 重庆"),
    ("whole_country", "", "北京", "北京市 plus ~66 北京…社区 start with 北京"),
    ("whole_country", "", "陕西", "no exact 陕西; 陕西省 plus 陕西营/陕西路/陕西街… communities"),
    ("whole_country", "", "东莞市", "4419 and 441900 are both named 东莞市"),
    # ---- former_name (rule silent; alias semantics from renames.tsv) --------
    ("former_name", XA, "户县", "former name of 鄠邑区 (renames.tsv: alias) -> 610118; strict rule without aliases would give none"),
    ("former_name", "", "户县", "alias, whole country -> 610118; no current name starts with 户县"),
    ("former_name", "610118", "户县", "alias of the jurisdiction itself"),
    ("former_name", YT, "户县", "alias target 610118 is outside 雁塔区 -> none"),
    ("former_name", XA, " 户县\u3000", "alias with spaces trimmed -> 610118"),
    ("former_name", XA, "长安县", "alias of 长安区 -> 610116"),
    ("former_name", "42", "襄樊市", "alias of 襄阳市 -> 4206"),
    ("former_name", "4206", "襄樊市", "alias of the jurisdiction itself"),
    ("former_name", "", "思茅市", "alias of 普洱市 -> 5308 (not 思茅区 530802)"),
    ("former_name", "5101", "郫县", "alias of 郫都区 -> 510117"),
    ("former_name", "61", "郫县", "alias target is in 四川, outside 陕西 -> none"),
    ("former_name", "37", "莱芜市", "alias of 济南市莱芜区 -> 370116"),
    ("former_name", XA, "鄠县", "historical name NOT in renames.tsv -> none"),
    ("former_name", "", "襄樊", "prefix of an alias only: 4206 if aliases take part in prefix matching (assumed), none if aliases are exact-only (see report)"),
    # ---- suffix -------------------------------------------------------------
    ("suffix", XA, "雁塔", "without 区: 雁塔区 but also 雁塔路北段社区居委会, 雁塔路社区居委会, 雁塔新苑社区 -> several"),
    ("suffix", XA, "鄠邑", "without 区: only 鄠邑区"),
    ("suffix", XA, "蓝田", "without 县: only 蓝田县"),
    ("suffix", XA, "西安", "without 市: 西安市 plus many 西安…社区 -> several"),
    ("suffix", XA, "兴善社区", "short form of 兴善社区居委会 -> unique prefix"),
    ("suffix", XA, "兴善社区居民委员会", "longer/different official suffix: no name starts with it"),
    ("suffix", XA, "小寨路街道办", "longer than the name (街道办): no match"),
    ("suffix", XA, "陕西省西安市雁塔区", "full path typed: no single name equals or starts with it"),
    ("suffix", YT, "小寨路", "without 街道, inside the district"),
    ("suffix", "6101", "丈八东社区", "short form; inside 西安 only 丈八东社区居委会 (丈八东路… differs at 路)"),
    ("suffix", "11", "朝阳", "without 区: 朝阳区, 朝阳门街道, 朝阳公园社区 … -> several"),
    ("suffix", "4206", "襄阳", "without 市: 襄阳市 and 襄阳市畜牧良种场生活区 -> several"),
]

def check_class(cls, within, typed, exp):
    t = rust_trim(typed)
    nat = exact_count("", t)
    if cls == "exact":
        assert exact_count(within, t) == 1 and prefix_count(within, t) >= 1
    elif cls == "prefix_unique":
        assert exact_count(within, t) == 0 and prefix_count(within, t) == 1
    elif cls == "prefix_ambiguous":
        assert exact_count(within, t) == 0 and prefix_count(within, t) >= 2
    elif cls == "outside":
        assert exp == "none" and exact_count(within, t) == 0 and nat >= 1
    elif cls == "same_name_elsewhere":
        assert exact_count(within, t) == 1 and nat >= 2 and exp != "none"
    elif cls == "duplicate_inside":
        assert exact_count(within, t) >= 2 and exp == "none"
    elif cls == "code":
        pass
    elif cls == "spaces":
        assert any(unicodedata.category(ch) == "Zs" for ch in typed)
    elif cls == "jurisdiction_self":
        assert DIVS[within][0].startswith(t)
    elif cls == "nested":
        assert len(within) in (6, 9) or within in ("6101", "61")
    elif cls == "whole_country":
        assert within == ""
    elif cls == "former_name":
        pass
    elif cls == "suffix":
        pass
    else:
        raise AssertionError(cls)


def build_rows():
    rows = []
    seen = set()
    for i, (cls, within, typed, why) in enumerate(CASES, 1):
        assert "\t" not in typed and "\n" not in typed
        assert within == "" or within in DIVS, within
        key = (within, typed)
        assert key not in seen, key
        seen.add(key)
        if cls == "former_name":
            exp = resolve(within, typed, aliases=True)
        else:
            exp = resolve(within, typed)
            alias = resolve(within, typed, aliases=True)
            assert alias == exp, ("alias-sensitive non-former row", cls, within, typed)
        check_class(cls, within, typed, exp)
        if exp != "none" and not rust_trim(typed).isascii():
            assert exp.startswith(within), (within, typed, exp)
        notes = []
        if resolve(within, typed, aliases=cls == "former_name", skip_flagged=True) != exp:
            notes.append("flag-dependent")
        if resolve(within, typed, aliases=cls == "former_name", ascii_trim=True) != exp:
            notes.append("unicode-trim-dependent")
        rows.append((f"dn{i:03d}", cls, within, typed, exp, why, notes))
    return rows


def render(rows):
    lines = ["id\tclass\twithin\ttyped\texpected\twhy"]
    for rid, cls, within, typed, exp, why, _ in rows:
        lines.append("\t".join((rid, cls, within, typed, exp, why)))
    return "\n".join(lines) + "\n"


def main():
    rows = build_rows()
    text = render(rows)
    for r in rows:
        if r[6]:
            print(f"note {r[0]} {r[1]} within={r[2]!r} typed={r[3]!r} -> {r[4]}: {', '.join(r[6])}",
                  file=sys.stderr)
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                print("division_names_adversarial.tsv differs from the generated data", file=sys.stderr)
                sys.exit(1)
        print(f"ok: {len(rows)} rows match")
        return
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    counts = {}
    for r in rows:
        counts[r[1]] = counts.get(r[1], 0) + 1
    print(f"wrote {OUT}: {len(rows)} rows")
    for k, v in counts.items():
        print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
