#!/usr/bin/env python3
"""Regenerate the adversarial screening-list fixtures and expected.json.

Deterministic: no randomness, no clock.  Run from anywhere:
    python3 make.py
Every row carries a hand-written expected outcome.  A tiny reference model of
the documented rules (below) re-derives the outcome of every row and the
script aborts if the two disagree, or if any row would be ambiguous under the
rules (two candidate subjects, several dates on a rule-3 subject, ...).
"""
import datetime as dt
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------
# GB 11643 resident ID numbers
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"


def check_char(body17):
    return C[sum(int(d) * w for d, w in zip(body17, W)) % 11]


def rid(region, birth, seq):
    body = f"{region}{birth}{seq:03d}"
    assert len(body) == 17
    return body + check_char(body)


def rid_x(region, birth, seq):
    """First ID at or after `seq` whose check character is X."""
    while True:
        i = rid(region, birth, seq)
        if i.endswith("X"):
            return i
        seq += 1


def bad_check(i, digit=False):
    """Same body, wrong check character (a wrong digit, or X)."""
    good = i[-1]
    if digit:
        wrong = str((int(good) + 3) % 10) if good != "X" else "7"
    else:
        wrong = "X" if good != "X" else "0"
    return i[:-1] + wrong


FW = {ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789+"}


def fw(s):
    """Full-width digits (and plus sign)."""
    return s.translate(FW)


IDS = dict(
    zhangwei=rid("610113", "19900307", 451),
    lina=rid_x("610112", "19920815", 202),
    wangfang1=rid("610103", "19881122", 126),
    liuyang=rid("410105", "19950603", 31),
    chenjing=rid("610104", "19760918", 284),
    yanglei=rid("610113", "19830111", 17),
    zhaomin=rid("420106", "19970420", 62),
    huanglei=rid("110105", "19851230", 315),
    zhoujie=rid("440305", "19930709", 271),
    wumin=rid("320102", "19890228", 46),
    sunli1=rid("610102", "19910512", 84),
    machao=rid_x("610111", "19870704", 13),
    xunuo=rid("610113", "20000229", 105),          # 2000 is a leap year
    nameless1=rid("610115", "19790814", 233),
    pengfei=rid("610116", "19940101", 457),
    fenggang_bad=bad_check(rid("610112", "19800620", 359), digit=True),
    hexue_0230=rid("610113", "19900230", 128),     # checksum right, date impossible
    luobin=rid("610104", "19860317", 93),
    lianghong=rid("610103", "19900909", 244),
    tangning=rid("610112", "19960606", 111),
    # list 3
    sunli2=rid("370202", "19910512", 62),
    xiejuan=rid("510107", "19980125", 186),
    wangqiang_bad=bad_check(rid("610113", "19780808", 15)),
    linlin_0229=rid("610103", "20010229", 208),    # 2001 not leap
    sufei=rid("610113", "19960229", 322),          # 1996 is leap
    qifeng=rid("610112", "19720315", 419),
    nameless2=rid("320583", "19900418", 528),
    stranger4=rid("410102", "19950603", 35),
    qiuyue=rid_x("610113", "19990909", 140),
    baixue=rid("610113", "19930321", 66),
)

STREET = dict(
    xingshan="陕西省西安市雁塔区小寨路街道兴善社区",
    zhangjiabao="西安市未央区张家堡街道",
    nanyuanmen="西安市碑林区南院门街道",
    beiyuanmen="西安市莲湖区北院门街道",
    xiyilu="西安市新城区西一路街道",
    dianzicheng="西安市雁塔区电子城街道",
    weiqu="西安市长安区韦曲街道",
)


class Q(str):
    """A cell that is always written quoted."""


def cell(v):
    if isinstance(v, Q) or any(ch in v for ch in ',"\r\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


# --------------------------------------------------------------------------
# Lists.  A row is (cells, expect); expect is one of
#   ("new", key) ("join", key) ("repeat",) ("refuse", field) ("blank",)
# `key` names the person; rows with the same key must be one subject.

S = STREET
L1_HEADER = ["序号", "旅客姓名", "证件类型", "* 身份证号", "手机号码（必填）",
             "紧急联系人电话", "车次", "出发站", "到达_日期", "现 住 址", "户籍-地址", "备注"]


def t(no, name, idn, phone, date, res="", reg="", emerg="", trip="G1234", frm="北京西", note="", kind="身份证"):
    return [no, name, kind if idn else "", idn, phone, emerg, trip, frm, date, res, reg, note]


L1 = [
    (t("1", "张伟", IDS["zhangwei"], "＋８６ １３９-1111-0001", "2021-12-20", S["xingshan"], "河北省石家庄市长安区", emerg="无"), ("new", "zhangwei")),
    (t("2", "\u3000李娜 ", " " + IDS["lina"].lower() + " ", "0086 139 1111 0002", "2021/12/18", S["zhangjiabao"], emerg="13800138001", trip="G87", frm="上海虹桥"), ("new", "lina")),
    (t("3", "王芳", fw(IDS["wangfang1"]), "86-139-1111-0003", "2021年12月19日", S["nanyuanmen"] + ",粉巷社区5号", trip="D1921", frm="成都东"), ("new", "wangfang1")),
    (t("4", "刘洋", IDS["liuyang"], "(+86)139 1111 0004", "20211221", S["beiyuanmen"], "河南省郑州市金水区", trip="G651", frm="郑州东", note="发热,咳嗽"), ("new", "liuyang")),
    (t("4", "刘洋", IDS["liuyang"], "(+86)139 1111 0004", "20211221", S["beiyuanmen"], "河南省郑州市金水区", trip="G651", frm="郑州东", note="发热,咳嗽"), ("repeat",)),
    (t("5", "陈静", IDS["chenjing"], "029-8523-1234", "44550", S["xiyilu"], trip="K1364", frm="兰州"), ("new", "chenjing")),
    (t("6", "杨磊", IDS["yanglei"], "139.1111.0006", "2021.12.20", S["dianzicheng"], trip="G2201", frm="武汉"), ("new", "yanglei")),
    (t("7", "赵敏", IDS["zhaomin"], "+86 139 1111 0007", "2021-12-10", "", "湖北省武汉市武昌区", trip="G836", frm="武汉"), ("new", "zhaomin")),
    (t("8", "黄磊", IDS["huanglei"], "13911110008", "2021-12-10", S["weiqu"], emerg="13800138002"), ("new", "huanglei")),
    (t("9", "周杰", IDS["zhoujie"], Q("13911110009"), "2021-12-12", "", "", trip="G818", frm="深圳北"), ("new", "zhoujie")),
    (t("10", "吴敏", IDS["wumin"], "13911110010", "2021-12-15", S["xingshan"], trip="G1918", frm="南京南"), ("new", "wumin")),
    (t("11", "孙丽", IDS["sunli1"], "13911110011", "2021-12-16", S["nanyuanmen"]), ("new", "sunli1")),
    (t("12", "马超", IDS["machao"], "13911110012", "2021-12-17", S["zhangjiabao"], trip="G22", frm="北京西"), ("new", "machao")),
    (t("13", "高峰", "", "13911110013", "2021-11-25", "", "", trip="Z43", frm="西宁"), ("new", "gaofeng")),
    (None, ("blank",)),   # completely empty physical line
    (t("14", "冯刚", IDS["fenggang_bad"], "13911110015", "2021-12-20", S["beiyuanmen"]), ("refuse", "id_number")),
    (t("15", "何雪", IDS["hexue_0230"], "13911110016", "2021-12-20", S["xiyilu"]), ("refuse", "id_number")),
    (t("16", "罗斌", IDS["luobin"], "1391111001", "2021-12-20", S["weiqu"]), ("refuse", "phone")),
    (t("17", "梁红", IDS["lianghong"], "139111100140", "2021-12-20", S["dianzicheng"]), ("refuse", "phone")),
    (t("18", "宋佳", "", "", "2021-12-20", S["nanyuanmen"], emerg="13800138003"), ("refuse", "phone")),
    (t("19", "唐宁", IDS["tangning"], "13911110017", "2021-13-05", S["xingshan"]), ("refuse", "seen_on")),
    (t("20", "邓超", "", "12345678901", "2021-12-20", S["zhangjiabao"]), ("refuse", "phone")),
    (t("21", "许诺", IDS["xunuo"], "13911110018", "2021-12-19", S["weiqu"]), ("new", "xunuo")),
    (t("22", "", IDS["nameless1"], "13911110019", "2021-12-19", ""), ("new", "nameless1")),
    (t("23", "彭飞", "\u3000" + IDS["pengfei"] + "\u3000", "\u3000139 1111 0014\u3000", "2021-12-19", S["dianzicheng"]), ("new", "pengfei")),
    (t("24", "曾琳", "", "13911110002", "2021-12-18", S["zhangjiabao"], trip="G87", frm="上海虹桥"), ("new", "zenglin")),
]

L2_HEADER = ["时间", "漫游来源地", "pHoNe", "机主姓名", "现居住地址", "户口所在地"]


def r(date, frm, phone, name="", res="", reg=""):
    return [date, frm, phone, name, res, reg]


L2 = [
    (r("44553", "湖北省武汉市", "13911110007", "", S["xingshan"]), ("join", "zhaomin")),          # 13 days after 2021-12-10
    (r("2021年12月25日", "北京市", "139 1111 0008"), ("new", "roam0008")),                          # 15 days after 2021-12-10
    (r("", "上海市", "13911110009"), ("join", "zhoujie")),                                         # blank date
    (r("2021-12-17", "广东省深圳市", "13911110010", "郑爽", S["dianzicheng"]), ("new", "zhengshuang")),
    (r("2021-12-20", "四川省成都市", "13911110020", "王芳", S["weiqu"]), ("new", "wangfang2")),
    (r("2021-12-21", "河南省郑州市", "13911110015", "冯刚", S["beiyuanmen"]), ("new", "fenggang")),
    (r("2021-12-22", "湖北省武汉市", "+86 139 1111 0021", "谢娟", S["nanyuanmen"]), ("new", "xiejuan")),
    (r("2021-12-22", "浙江省杭州市", "13911110022"), ("new", "anon22")),
    (r("2021-12-01", "浙江省杭州市", "13911110023"), ("new", "anon23")),
    (r("", "", "", "", "", ""), ("blank",)),                                                      # ",,,,," row
    (r("2021-12-22", "北京市", "1391111002"), ("refuse", "phone")),
    (r("2021-12-22", "北京市", "12345678901", "钟伟"), ("refuse", "phone")),
    (r("2021-12-22", "天津市", "", "覃某", S["xiyilu"]), ("refuse", "phone")),
    (r("待定", "天津市", "13911110024", "蒋涛"), ("refuse", "seen_on")),
    (r("2021-12-30", "上海市", "13911110004", "刘洋", S["beiyuanmen"]), ("join", "liuyang")),
    (r("2021-12-22", "浙江省杭州市", "13911110022"), ("repeat",)),
    (r("2021.12.21", "广东省广州市", "８６１３９１１１１０００６", "杨磊"), ("join", "yanglei")),
    (r("2021-12-24", "河北省石家庄市", "029 8888 6666", "田亮", S["weiqu"]), ("new", "tianliang")),
    (r("20211223", "江苏省南京市", "+86 (139) 1111-0025", "秦岚", S["zhangjiabao"]), ("new", "qinlan")),
    (r("44560", "江苏省苏州市", "0086-13911110026", "许晴"), ("new", "xuqing")),
    (r("2021-12-24", "湖南省长沙市", " 13911110028 ", "\u3000邹静\u3000", S["xingshan"]), ("new", "zoujing")),
    (r("2021/12/24", "重庆市", "13911110029", "魏东", "", "重庆市渝中区"), ("new", "weidong")),
]

L3_HEADER = ["VENUE", "Date", "temperature", "NaMe", "Mobile:", "ID_Number", "Address (现住址)", "Registered", "Remark"]


def v(venue, date, name, phone, idn="", res="", reg="", temp="36.5", note=""):
    return [venue, date, temp, name, phone, idn, res, reg, note]


L3 = [
    (v("小寨赛格购物中心", "2021/12/24", "马潮", "13911110099", fw(IDS["machao"]).replace("X", "x"), S["zhangjiabao"]), ("join", "machao")),
    (v("大唐不夜城", "2021-12-24", "孙丽", "13911110011", IDS["sunli2"], S["dianzicheng"], temp="36.6"), ("new", "sunli2")),
    (v("钟楼饭店", "2021.12.23", "谢娟", "13911110021", IDS["xiejuan"], S["nanyuanmen"], temp="36.4"), ("join", "xiejuan")),
    (v("永辉超市(小寨店)", "2021/12/26", "韩梅", "13911110022", "", S["xingshan"], temp="36.7"), ("join", "anon22")),
    (v("华润万家", "44557", "曹阳", "13911110023", "", S["weiqu"]), ("new", "caoyang")),
    (v("西安火车站", "2021年12月28日", "高峰", "+86 13911110013", "", "", "", temp=""), ("join", "gaofeng")),
    (v("回民街", "20211226", "陈静", "(029)85231234", "", S["xiyilu"], temp=""), ("join", "chenjing")),
    (v("钟楼", "2021-12-18", "吴敏", "139-1111-0010", "", S["xingshan"], temp=""), ("join", "wumin")),
    (v("赛格国际", "2021-12-24", "王强", "13911110031", IDS["wangqiang_bad"], S["dianzicheng"]), ("refuse", "id_number")),
    (v("赛格国际", "2021-12-24", "林琳", "13911110032", IDS["linlin_0229"], S["dianzicheng"]), ("refuse", "id_number")),
    (v("赛格国际", "2021-02-30", "方圆", "13911110033", "", S["dianzicheng"]), ("refuse", "seen_on")),
    (v("赛格国际", "2021-12-25", "白雪", "139111100340", IDS["baixue"], S["dianzicheng"]), ("refuse", "phone")),
    (v("\"老王\"面馆,小寨店", "2021-12-25", "蒋涛", "13911110024", "", "", "", temp="36.8", note="扫码,未戴口罩"), ("new", "jiangtao")),
    (v("大雁塔", "2021-12-25", "苏菲", "13911110035", IDS["sufei"], S["xingshan"]), ("new", "sufei")),
    (v("\"老王\"面馆,小寨店", "2021-12-25", "蒋涛", "13911110024", "", "", "", temp="36.8", note="扫码,未戴口罩"), ("repeat",)),
    (v("曲江书城", "2021-12-24", "张伟", "", IDS["zhangwei"], S["xingshan"]), ("join", "zhangwei")),
    (v("地铁小寨站", "2021-12-24", "", "13911110030", "", "", temp=""), ("new", "anon30")),
    (v("陕西历史博物馆", "2021-12-26", "祁峰", "", IDS["qifeng"], S["nanyuanmen"]), ("new", "qifeng")),
    (v("西北大学", "2021-12-20", "李娜", "13911110040", IDS["lina"], S["zhangjiabao"]), ("join", "lina")),
    (v("万达广场", "2021-12-27", "", "13911110025", IDS["nameless2"], ""), ("join", "qinlan")),
    (v("大悦城", "2021-12-22", "", "13911110004", IDS["stranger4"], ""), ("new", "stranger4")),
    (v("开元商城", "2021-12-30", "\u3000许晴\u3000", "13911110026", "", S["zhangjiabao"]), ("join", "xuqing")),
    (v("小寨", "2021-12-26", "王芳", "13911110003", "", S["nanyuanmen"]), ("join", "wangfang1")),
    (v("长安大学", "2021/12/27", "邱月", "139 1111 0036", "  " + IDS["qiuyue"].lower() + "\u3000", S["weiqu"]), ("new", "qiuyue")),
]

LISTS = [
    ("1-transport.csv", "铁路部门", "transport", L1_HEADER, L1, dict(bom=True, eol="\n", final_eol=True)),
    ("2-roaming.csv", "通信管理局", "roaming", L2_HEADER, L2, dict(bom=False, eol="\n", final_eol=False)),
    ("3-venue.csv", "市场监管", "venue", L3_HEADER, L3, dict(bom=False, eol="\r\n", final_eol=True)),
]

# Pairs that must NOT be one subject, by person key (resolved to first rows).
DIFFERENT = [
    ("huanglei", "roam0008"),      # phone-only row 15 days later
    ("wumin", "zhengshuang"),      # same phone, different names
    ("wangfang1", "wangfang2"),    # same name, different phones
    ("sunli1", "sunli2"),          # same phone + same name, different ID numbers
    ("anon23", "caoyang"),         # known person unnamed, 26 days apart
    ("liuyang", "stranger4"),      # same phone, new row unnamed, but different IDs
    ("lina", "zenglin"),           # same phone, different names, inside one list
    ("anon22", "anon23"),
]

# --------------------------------------------------------------------------
# Reference model of the documented rules (used only as a cross-check).

def fold(s):
    return s.translate({c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)})


def strip(s):
    return s.strip(" \t\r\n\u3000")


HEADER_WORDS = {
    "name": "姓名 名字 旅客姓名 人员姓名 机主姓名 name",
    "phone": "电话 手机 手机号 手机号码 联系电话 电话号码 号码 phone mobile",
    "id_number": "身份证 身份证号 身份证号码 证件号 证件号码 公民身份号码 id idnumber residentid",
    "residence": "现住址 居住地 居住地址 现居住地址 住址 地址 residence address",
    "registered": "户籍地 户籍地址 户籍所在地 户口所在地 registered",
    "trip": "行程 车次 航班 场所 地点 trip venue",
    "seen_on": "日期 到达日期 抵达日期 出行日期 到访日期 时间 date",
}
WORD2FIELD = {w: f for f, ws in HEADER_WORDS.items() for w in ws.split()}


def norm_header(h):
    h = h.lstrip("\ufeff")
    h = re.split(r"[(（]", h, 1)[0]
    h = re.sub(r"[\s\u3000*_\-:]", "", h).lower()
    return h


def columns(header):
    cols = {}
    for i, h in enumerate(header):
        f = WORD2FIELD.get(norm_header(h))
        if f:
            assert f not in cols, f"two columns for {f}"
            cols[f] = i
    return cols


def norm_phone(p):
    p = re.sub(r"[\s\u3000\-.()（）]", "", fold(strip(p)))
    if not p:
        return None
    if p.startswith("+86"):
        p = p[3:]
    elif p.startswith("0086"):
        p = p[4:]
    elif p.startswith("86") and len(p) == 13:
        p = p[2:]
    if re.fullmatch(r"1[3-9]\d{9}", p) or re.fullmatch(r"0[1-9]\d{1,2}\d{7,8}", p) and len(p) in (11, 12):
        return p
    raise ValueError("phone")


def valid_date(y, m, d):
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def norm_id(i):
    i = fold(strip(i)).upper()
    if not i:
        return None
    if not re.fullmatch(r"\d{17}[\dX]", i) or check_char(i[:17]) != i[17]:
        raise ValueError("id_number")
    if not valid_date(int(i[6:10]), int(i[10:12]), int(i[12:14])):
        raise ValueError("id_number")
    return i


def parse_date(s):
    s = strip(s)
    if not s:
        return None
    m = (re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", s)
         or re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", s)
         or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", s))
    if m:
        d = valid_date(*map(int, m.groups()))
        if d:
            return d
        raise ValueError("seen_on")
    if re.fullmatch(r"\d{5}", s):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(s))
    raise ValueError("seen_on")


assert parse_date("44550") == dt.date(2021, 12, 20)
assert norm_phone("＋８６ １３９-1111-0001") == "13911110001"


class Subject:
    def __init__(self, n):
        self.n, self.ids, self.phones, self.names, self.dates = n, set(), set(), set(), []

    def add(self, idn, phone, name, date):
        if idn: self.ids.add(idn)
        if phone: self.phones.add(phone)
        if name: self.names.add(name)
        self.dates.append(date)


def simulate():
    subjects, seen_rows, where = [], set(), {}
    counts = []
    for fname, source, kind, header, rows, _ in LISTS:
        cols = columns(header)
        c = dict(rows_read=0, refused=[], new=0, joined=0, repeated=0)
        for lineno, (cells, expect) in enumerate(rows, start=2):
            if cells is None or all(strip(x) == "" for x in cells):
                assert expect == ("blank",)
                continue
            c["rows_read"] += 1
            get = lambda f: strip(cells[cols[f]]) if f in cols else ""
            try:
                phone = norm_phone(get("phone"))
                idn = norm_id(get("id_number"))
                date = parse_date(get("seen_on"))
                if not phone and not idn:
                    raise ValueError("phone")
            except ValueError as e:
                assert expect == ("refuse", str(e)), (fname, lineno, expect, e)
                assert (source, tuple(cells)) not in seen_rows
                c["refused"].append(lineno)
                continue
            name = get("name")
            key = (source, tuple(cells))
            if key in seen_rows:
                assert expect == ("repeat",), (fname, lineno, expect)
                c["repeated"] += 1
                continue
            seen_rows.add(key)
            cand = []
            if idn:
                cand = [s for s in subjects if idn in s.ids]
            if not cand and phone:
                pool = [s for s in subjects if phone in s.phones and not (idn and s.ids and idn not in s.ids)]
                cand = [s for s in pool if name and name in s.names]
                if not cand:
                    for s in pool:
                        if not name or not s.names:
                            ds = {d for d in s.dates}
                            if date is None or None in ds:
                                cand.append(s)
                            else:
                                assert len(ds) == 1, (fname, lineno, "rule 3 against several dates")
                                if abs((date - ds.pop()).days) <= 14:
                                    cand.append(s)
                                else:
                                    assert abs((date - next(iter(s.dates))).days) != 14
            assert len(cand) <= 1, (fname, lineno, "ambiguous match")
            if cand:
                s = cand[0]
                assert expect == ("join", where_key(s, where)), (fname, lineno, expect)
                c["joined"] += 1
            else:
                s = Subject(len(subjects))
                subjects.append(s)
                assert expect[0] == "new", (fname, lineno, expect)
                where[s.n] = expect[1]
                c["new"] += 1
            s.add(idn, phone, name, date)
        counts.append(c)
    return counts, len(subjects)


def where_key(s, where):
    return where[s.n]


# --------------------------------------------------------------------------

def main():
    # sanity on the IDs used
    assert len(set(IDS.values())) == len(IDS)
    assert IDS["lina"].endswith("X") and IDS["machao"].endswith("X") and IDS["qiuyue"].endswith("X")
    for k in ("fenggang_bad", "wangqiang_bad"):
        assert check_char(IDS[k][:17]) != IDS[k][17]
    sim_counts, sim_total = simulate()

    out = {"lists": []}
    first_row = {}
    groups = {}
    for (fname, source, kind, header, rows, fmt), sc in zip(LISTS, sim_counts):
        eol = fmt["eol"]
        lines = [",".join(cell(h) for h in header)]
        exp = dict(file=fname, source=source, kind=kind, rows_read=0, refused_lines=[],
                   refused_fields={}, new_subjects=0, joined=0, repeated=0)
        for lineno, (cells, expect) in enumerate(rows, start=2):
            lines.append("" if cells is None else ",".join(cell(x) for x in cells))
            what = expect[0]
            if what == "blank":
                continue
            exp["rows_read"] += 1
            if what == "refuse":
                exp["refused_lines"].append(lineno)
                exp["refused_fields"][str(lineno)] = expect[1]
            elif what == "repeat":
                exp["repeated"] += 1
            else:
                if what == "new":
                    exp["new_subjects"] += 1
                    first_row[expect[1]] = [fname, lineno]
                else:
                    exp["joined"] += 1
                groups.setdefault(expect[1], []).append([fname, lineno])
        assert sc == dict(rows_read=exp["rows_read"], refused=exp["refused_lines"], new=exp["new_subjects"],
                          joined=exp["joined"], repeated=exp["repeated"]), (fname, sc, exp)
        assert 15 <= exp["rows_read"] <= 30
        text = eol.join(lines) + (eol if fmt["final_eol"] else "")
        with open(os.path.join(HERE, fname), "wb") as f:
            f.write((b"\xef\xbb\xbf" if fmt["bom"] else b"") + text.encode("utf-8"))
        out["lists"].append(exp)

    total = sum(l["new_subjects"] for l in out["lists"])
    assert total == sim_total
    out["subjects_total"] = total
    out["same_person_groups"] = [g for g in groups.values() if len(g) >= 2]
    out["different_people"] = [[first_row[a], first_row[b]] for a, b in DIFFERENT]
    # also: later rows of a group must differ from the other group
    out["different_people"] += [
        [groups["wumin"][1], first_row["zhengshuang"]],
        [groups["wangfang1"][1], first_row["wangfang2"]],
        [groups["liuyang"][1], first_row["stranger4"]],
    ]
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
