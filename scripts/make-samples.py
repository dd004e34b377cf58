#!/usr/bin/env python3
"""Write the Yiwu (义乌, 行政区划 330782) sample dataset into samples/ and, for the
import tests, the expected record dump of every sample file into tests/data/import/.

Deterministic (own PRNG, fixed seed), standard library only, any Python 3.
All company and person names are fictional; identifiers are made up but carry valid
check characters (USCC: GB 32100-2015 + GB 11714 organisation code; 居民身份证号码:
GB 11643-1999).  Formats: docs/formats.md.

The expected dumps are computed here, independently of the C importer: the record
each row must produce, with the publication windows of TEST_WINDOWS (the same table
as tests/unit/test_import.c) and the 处罚类别 rules of etc/rules/penalty-categories.json
evaluated by a Python implementation of docs/formats.md §4.

Usage: scripts/make-samples.py [ROOT]   (ROOT defaults to the project root)
"""
import calendar
import csv
import datetime
import io
import json
import os
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                       os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
REGION = "330782"
TODAY = datetime.date(2026, 10, 31)  # must match TEST_TODAY in tests/unit/test_import.c
LONG_TERM = datetime.date(2099, 12, 31)

# (min_months, max_months); max 0 = 长期.  Must match tests/unit/test_import.c.
TEST_WINDOWS = {
    "B01": (0, 0), "B02": (0, 0), "P01": (36, 36), "P02": (12, 12), "P03": (12, 12),
    "P04": (36, 36), "P05": (12, 12), "P06": (24, 24), "N01": (0, 3), "N02": (3, 3),
    "N03": (3, 12), "N04": (12, 36), "N05": (12, 36), "N06": (0, 0), "N07": (3, 36),
    "N08": (12, 36), "N09": (3, 12), "N10": (60, 60), "N11": (24, 24), "N12": (0, 0),
    "N13": (60, 60), "N14": (12, 36),
}


class Rng:
    """xorshift64*: the same sequence on every Python version."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFFFFFFFFFF or 1

    def next(self):
        x = self.s
        x ^= (x >> 12)
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= (x >> 27)
        self.s = x
        return (x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF

    def below(self, n):
        return (self.next() >> 11) % n

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, percent):
        return self.below(100) < percent

    def date(self, start, end):
        return start + datetime.timedelta(days=self.below((end - start).days + 1))


# ---- identifiers ----

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def org_check(body):
    """GB 11714-1997: letters count 10..35."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc(kind2, body8, region=REGION):
    s17 = kind2 + region + body8 + org_check(body8)
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(s17, USCC_WEIGHTS))
    return s17 + USCC_ALPHABET[(31 - total % 31) % 31]


def resident_id(region, birth, seq):
    s17 = region + birth.strftime("%Y%m%d") + "%03d" % seq
    return s17 + "10X98765432"[sum(int(c) * w for c, w in zip(s17, ID_WEIGHTS)) % 11]


# ---- dates and windows ----

def add_months(d, months):
    y, m = divmod(d.month - 1 + months, 12)
    y += d.year
    m += 1
    r = datetime.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))
    return min(r, LONG_TERM)


def window(code, decision, explicit_end=None, start=None):
    lo, hi = TEST_WINDOWS[code]
    start = start or decision
    min_end = add_months(decision, lo) if lo else decision
    max_end = add_months(decision, hi) if hi else LONG_TERM
    # an explicit end shortens the window but never extends a code's maximum (formats.md §1)
    if explicit_end is not None and (not hi or explicit_end < max_end):
        max_end = explicit_end
    return start, min(min_end, max_end), max_end


def fmt_date(d, style):
    return {"iso": d.strftime("%Y-%m-%d"), "slash": "%d/%02d/%02d" % (d.year, d.month, d.day),
            "compact": d.strftime("%Y%m%d"), "cjk": "%d年%02d月%02d日" % (d.year, d.month, d.day),
            "time": d.strftime("%Y-%m-%d") + " 00:00:00"}[style]


# ---- the 处罚类别 rule table (Python evaluation of docs/formats.md §4) ----

class Rules:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            t = json.load(f)
        self.severity = t["severity"]
        self.alias = {}
        for name, aliases in t["categories"].items():
            self.alias[name] = name
            for a in aliases:
                self.alias[a] = name
        for digit, name in t.get("legacy_codes", {}).items():
            self.alias[digit] = name
        self.rules = t["rules"]

    def _tokens(self, text):
        for sep in ";；,，|/":
            text = text.replace(sep, "\x00")
        out = []
        for tok in (t.strip(" \t") for t in text.split("\x00")):
            if not tok:
                continue
            if tok in self.alias:
                out.append(self.alias[tok])
            else:
                out.extend(self.alias[p.strip(" \t")] for p in tok.split("、") if p.strip(" \t"))
        return out

    def classify(self, cats, violation, content, subject_type, fine):
        best = None
        for cat in self._tokens(cats):
            for r in self.rules:
                if "categories" in r and cat not in [self.alias[c] for c in r["categories"]]:
                    continue
                if "subject_types" in r and subject_type not in r["subject_types"]:
                    continue
                if "violation_type_contains" in r and not any(
                        p in violation for p in r["violation_type_contains"]):
                    continue
                if "content_contains" in r and not any(p in content for p in r["content_contains"]):
                    continue
                if "fine_below" in r and not (fine is not None and fine < dec(r["fine_below"])):
                    continue
                if "fine_at_least" in r and not (fine is not None and fine >= dec(r["fine_at_least"])):
                    continue
                code = r["code"]
                if best is None or self.severity.index(code) > self.severity.index(best):
                    best = code
                break
            else:
                raise ValueError("no rule for " + cat)
        return best


def dec(s):
    """Decimal string in 万元 → integer 10^-6 万元 (exact)."""
    whole, _, frac = s.partition(".")
    return int(whole) * 1000000 + int((frac + "000000")[:6])


def amount_str(units):
    whole, frac = divmod(units, 1000000)
    return str(whole) if frac == 0 else "%d.%s" % (whole, ("%06d" % frac).rstrip("0"))


# ---- the expected dump (same layout as dump_record() in tests/unit/test_import.c) ----

def esc(s):
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "\\n").replace("\r", "\\r")


def dump(rec):
    dates = [rec[k].strftime("%Y-%m-%d") for k in ("decision_date", "pub_start", "pub_min_end",
                                                   "pub_max_end")]
    fields = [rec["code"], rec["subject_type"], rec.get("subject_id", ""), rec.get("doc_type", "none"),
              rec.get("doc_country", ""), rec.get("doc_number", ""), rec["name"], rec["decision_no"],
              dates[0], rec["authority_name"], rec["authority_uscc"], rec["source_name"],
              rec["source_uscc"], rec.get("legal_basis", ""),
              amount_str(rec["amount"]) if rec.get("amount") is not None else "-",
              dates[1], dates[2], dates[3], rec.get("region", ""), rec.get("status", "active")]
    return "|".join(esc(f) for f in fields)


# ---- the cast: authorities, merchants, individuals (all fictional) ----

def authority(name, body):
    return {"name": name, "uscc": uscc("11", body)}


AUTH = {
    "amr": authority("义乌市市场监督管理局", "MB1A0701"),
    "zf": authority("义乌市综合行政执法局", "MB1A0702"),
    "yj": authority("义乌市应急管理局", "MB1A0703"),
    "xf": authority("义乌市消防救援大队", "MB1A0704"),
    "tax": authority("国家税务总局义乌市税务局", "MB1A0705"),
    "env": authority("金华市生态环境局义乌分局", "MB1A0706"),
    "court": authority("义乌市人民法院", "MB1A0707"),
    "wj": authority("义乌市卫生健康局", "MB1A0708"),
    "jt": authority("义乌市交通运输局", "MB1A0709"),
    "yc": authority("义乌市烟草专卖局", "MB1A0710"),
    "gov": authority("义乌市人民政府", "MB1A0711"),
    "customs": authority("中华人民共和国义乌海关", "MB1A0712"),
    "hr": authority("义乌市人力资源和社会保障局", "MB1A0713"),
    "blood": authority("义乌市中心血站", "MB1A0714"),
    "market": authority("义乌市市场发展委员会", "MB1A0715"),
    "fgj": authority("义乌市发展和改革局", "MB1A0716"),
    "ybj": authority("义乌市医疗保障局", "MB1A0717"),
    "vol": authority("义乌市志愿者联合会", "MB1A0718"),
}

WORDS = ["鑫达", "宏远", "恒信", "福田", "顺源", "金诚", "佳美", "博远", "德润", "盛辉", "华茂",
         "永康", "瑞丰", "汇通", "联创", "新亿", "天禧", "卓越", "锦程", "银川", "晨光", "凯旋",
         "嘉禾", "星海", "万象", "鼎盛", "聚源", "伟业", "长乐", "美华", "商驰", "浩邦", "云帆",
         "宝丰", "易达", "丰泽", "创亿", "乐淘", "睿鑫", "富润"]
TRADES = ["小商品", "饰品", "针织", "袜业", "工艺品", "电子商务", "进出口", "玩具", "文具",
          "日用品", "包装", "物流", "五金", "服装", "化妆品", "箱包", "灯饰", "家居用品"]
PLACES = ["稠城", "北苑", "江东", "稠江", "后宅", "廿三里", "佛堂", "城西", "上溪", "大陈",
          "苏溪", "义亭", "赤岸"]
SHOPS = ["商行", "经营部", "饰品店", "百货店", "小吃店", "五金店", "服装店"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = ["建国", "丽萍", "伟", "芳", "志强", "晓东", "海燕", "国平", "秀英", "明", "卫东", "春梅",
         "俊杰", "雅琴", "建华", "小红", "永强", "慧敏", "振宇", "婷婷", "德明", "桂芳", "晓峰",
         "金花", "立新", "红霞", "宇航", "佳怡", "文斌", "淑珍"]


def body8(rng):
    return "MA2" + "".join(rng.pick(USCC_ALPHABET[1:]) for _ in range(5))


def make_cast(rng):
    merchants, seen = [], set()
    while len(merchants) < 150:
        name = "义乌市%s%s有限公司" % (rng.pick(WORDS), rng.pick(TRADES))
        if name in seen:
            continue
        seen.add(name)
        merchants.append({"name": name, "uscc": uscc("91", body8(rng)), "type": "legal_person",
                          "lb": "法人及非法人组织"})
    merchants[17]["name"] = "义乌市𠮷祥日用品有限公司"  # GB18030 four-byte character
    while len(merchants) < 210:
        name = "义乌市%s%s%s" % (rng.pick(PLACES), rng.pick(WORDS), rng.pick(SHOPS))
        if name in seen:
            continue
        seen.add(name)
        merchants.append({"name": name, "uscc": uscc("92", body8(rng)),
                          "type": "individual_business", "lb": "个体工商户"})
    people, ids = [], set()
    while len(people) < 48:
        name = rng.pick(SURNAMES) + rng.pick(GIVEN)
        birth = rng.date(datetime.date(1958, 1, 1), datetime.date(2004, 12, 31))
        pid = resident_id(REGION, birth, 1 + rng.below(999))
        if pid in ids or name in (p["name"] for p in people):
            continue
        ids.add(pid)
        people.append({"name": name, "id": pid})
    return merchants, people


def subject_fields(s):
    """Record fields of a subject (merchant dict or person dict)."""
    if "uscc" in s:
        return {"subject_type": s["type"], "subject_id": s["uscc"], "name": s["name"],
                "region": s["uscc"][2:8]}
    return {"subject_type": "natural_person", "doc_type": "resident_id", "doc_number": s["id"],
            "name": s["name"]}


# ---- 行政处罚 ----

# (authority key, 违法行为类型, 违法事实, 处罚依据, [(处罚类别, fine range in 0.01 万元 or None)],
#  who: "m" merchants, "p" people, "mp" both)
PENALTY_CASES = [
    ("amr", "产品质量", "销售不合格的{goods}，抽检结果不合格", "《中华人民共和国产品质量法》第四十九条",
     [("罚款;没收违法所得", (30, 800)), ("罚款", (20, 480))], "m"),
    ("amr", "商标侵权", "销售侵犯注册商标专用权的{goods}，货值金额较大", "《中华人民共和国商标法》第六十条第二款",
     [("罚款;没收违法所得、没收非法财物", (100, 3000)), ("罚款", (500, 12000))], "m"),
    ("amr", "价格违法", "未按规定明码标价", "《明码标价和禁止价格欺诈规定》第二十一条",
     [("警告", None), ("罚款", (5, 40)), ("通报批评", None)], "m"),
    ("amr", "广告违法", "发布虚假广告，欺骗、误导消费者", "《中华人民共和国广告法》第五十五条第一款",
     [("罚款", (200, 2000)), ("罚款;吊销许可证件", (800, 3000))], "m"),
    ("amr", "食品安全", "经营超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
     [("罚款;没收违法所得", (50, 500)), ("警告", None)], "mp"),
    ("amr", "无照经营", "未依法取得营业执照从事经营活动", "《无证无照经营查处办法》第十三条",
     [("罚款", (1, 30)), ("没收违法所得、没收非法财物", None)], "p"),
    ("amr", "特种设备", "使用未经定期检验的电梯", "《中华人民共和国特种设备安全法》第八十四条第一项",
     [("罚款", (300, 1000)), ("责令停产停业;罚款", (300, 800))], "m"),
    ("zf", "市容环境卫生", "擅自占用城市道路摆摊设点经营", "《浙江省城市市容和环境卫生管理条例》第四十一条",
     [("警告", None), ("罚款", (1, 20))], "p"),
    ("zf", "违法建设", "未取得建设工程规划许可证进行建设", "《中华人民共和国城乡规划法》第六十四条",
     [("罚款;其他", (100, 2500))], "m"),
    ("zf", "建筑垃圾", "运输建筑垃圾沿途撒漏", "《城市建筑垃圾管理规定》第二十三条",
     [("罚款", (5, 300))], "mp"),
    ("yj", "安全生产", "未按照规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条第三项",
     [("罚款", (100, 900)), ("责令停产停业;罚款", (500, 1500)), ("警告", None)], "m"),
    ("xf", "消防安全", "占用、堵塞、封闭疏散通道、安全出口", "《中华人民共和国消防法》第六十条第一款第三项",
     [("罚款", (50, 500)), ("警告", None)], "mp"),
    ("tax", "税收征管", "未按照规定的期限办理纳税申报和报送纳税资料", "《中华人民共和国税收征收管理法》第六十二条",
     [("罚款", (2, 100))], "m"),
    ("tax", "偷税", "进行虚假的纳税申报，不缴或者少缴应纳税款", "《中华人民共和国税收征收管理法》第六十三条第一款",
     [("罚款", (2000, 30000))], "m"),
    ("env", "大气污染", "超过大气污染物排放标准排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条第二项",
     [("罚款", (1000, 9000)), ("限制开展生产经营活动;罚款", (1000, 5000))], "m"),
    ("env", "水污染", "通过暗管排放水污染物", "《中华人民共和国水污染防治法》第八十三条第三项",
     [("罚款;责令关闭", (2000, 9000)), ("罚款", (500, 3000))], "m"),
]

GOODS = ["儿童玩具", "饰品", "电热水壶", "袜子", "圣诞灯串", "塑料餐具", "化妆品", "箱包", "插线板"]
AUTH_ABBR = {"amr": "义市监", "zf": "义综执", "yj": "义应急", "xf": "义消", "tax": "义税",
             "env": "金环义"}
CF_HEADER = ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_WSH",
             "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_NR_WFFF", "CF_JDRQ",
             "CF_YXQ", "CF_GSJZQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM", "BZ"]
CF_CN_HEADER = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "证件类型", "证件号码",
                "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
                "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "处罚决定日期",
                "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
                "数据来源单位统一社会信用代码", "备注"]


def penalty_rows(rng, rules, merchants, people, n, year, first_serial, date_styles):
    rows, recs = [], []
    for i in range(n):
        auth_key, wfxw, sy, yj, variants, who = rng.pick(PENALTY_CASES)
        cats, fine_range = rng.pick(variants)
        person = "p" in who and ("m" not in who or rng.chance(40))
        subj = rng.pick(people) if person else rng.pick(merchants)
        a = AUTH[auth_key]
        decision = rng.date(datetime.date(year, 1, 3), min(datetime.date(year, 12, 28), TODAY))
        serial = first_serial + i
        decision_no = "%s罚字〔%d〕%d号" % (AUTH_ABBR[auth_key], year, serial)
        fine = None
        if fine_range is not None and "罚款" in cats:
            # fine_range is in 0.01 万元 (100 元); some fines carry whole 元 below that
            fine = (fine_range[0] + rng.below(fine_range[1] - fine_range[0] + 1)) * 10000
            if rng.chance(20):
                fine += rng.below(100) * 100
        wfff = "%d.%02d" % (rng.below(5), rng.below(100)) if "没收" in cats else ""
        goods = rng.pick(GOODS)
        fact = sy.format(goods=goods)
        if rng.chance(8):
            fact += ", 经查实,当事人拒不整改"  # ASCII commas force quoting
        if rng.chance(3):
            fact += "\n(复查记录另附)"  # a line break inside a quoted field
        content = "，".join("罚款人民币%s万元" % amount_str(fine) if c == "罚款" and fine is not None
                           else c for c in cats.split(";"))
        style = rng.pick(date_styles)
        yxq = LONG_TERM if rng.chance(50) else add_months(decision, 6)
        explicit = None
        if rng.chance(30):
            explicit = add_months(decision, rng.pick([12, 36]))
        if person and rng.chance(10):
            shown_id = subj["id"][:17] + subj["id"][17].lower()
        else:
            shown_id = subj.get("id", "")
        rows.append({
            "CF_XDR_MC": subj["name"],
            "CF_XDR_LB": "自然人" if person else subj["lb"],
            "CF_XDR_SHXYM": "" if person else subj["uscc"],
            "CF_XDR_ZJLX": "身份证" if person else "",
            "CF_XDR_ZJHM": shown_id if person else "",
            "CF_WSH": decision_no, "CF_WFXW": wfxw, "CF_SY": fact, "CF_YJ": yj, "CF_CFLB": cats,
            "CF_NR": content, "CF_NR_FK": amount_str(fine) if fine is not None else "",
            "CF_NR_WFFF": wfff, "CF_JDRQ": fmt_date(decision, style),
            "CF_YXQ": fmt_date(yxq, style), "CF_GSJZQ": fmt_date(explicit, style) if explicit else "",
            "CF_CFJG": a["name"], "CF_CFJGDM": a["uscc"], "CF_SJLY": a["name"],
            "CF_SJLYDM": a["uscc"], "BZ": "",
        })
        st = "natural_person" if person else subj["type"]
        code = rules.classify(cats, wfxw, content, st, fine)
        rec = subject_fields(subj)
        if person:
            rec["region"] = a["uscc"][2:8]
        start, min_end, max_end = window(code, decision, explicit)
        rec.update({"code": code, "decision_no": decision_no, "decision_date": decision,
                    "authority_name": a["name"], "authority_uscc": a["uscc"],
                    "source_name": a["name"], "source_uscc": a["uscc"], "legal_basis": yj,
                    "amount": fine, "pub_start": start, "pub_min_end": min_end,
                    "pub_max_end": max_end})
        recs.append(rec)
    return rows, recs


def write_csv(path, header, rows, encoding="utf-8", bom=False, lineterminator="\r\n",
              keys=None):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=lineterminator)
    w.writerow(header)
    for r in rows:
        w.writerow([r[k] for k in (keys or header)])
    data = buf.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    with open(path, "wb") as f:
        f.write(data)


def legacy_rows(rng, rules, merchants, people):
    """The pre-2019 v1 layout (CF_CFLB1/2 digit or text codes, CF_XZJG, CF_ZT, DFBM, SJC)."""
    header = ["CF_WSH", "CF_CFMC", "CF_CFLB1", "CF_CFLB2", "CF_SY", "CF_YJ", "CF_XDR_MC",
              "CF_XDR_SHXYM", "CF_XDR_ZDM", "CF_XDR_GSDJ", "CF_XDR_SWDJ", "CF_XDR_SFZ", "CF_FR",
              "CF_JG", "CF_JDRQ", "CF_XZJG", "CF_ZT", "DFBM", "SJC", "BZ"]
    cases = [("1", "", "罚款人民币{f}元", "amr", "m"), ("罚款", "2", "罚款并没收违法所得", "amr", "m"),
             ("0", "", "警告", "zf", "p"), ("4", "", "吊销营业执照", "amr", "m"),
             ("4", "", "暂扣许可证三个月", "yj", "m"), ("6", "", "责令限期改正", "zf", "p"),
             ("3", "1", "责令停产停业并处罚款", "yj", "m"), ("1", "", "罚款人民币{f}元", "xf", "p")]
    rows, recs = [], []
    for i in range(16):
        c1, c2, jg, auth_key, who = cases[i % len(cases)]
        subj = rng.pick(people) if who == "p" else rng.pick(merchants)
        a = AUTH[auth_key]
        decision = rng.date(datetime.date(2018, 1, 8), datetime.date(2018, 12, 20))
        decision_no = "%s罚决字〔2018〕第%03d号" % (AUTH_ABBR[auth_key], 100 + i)
        zt = "1" if i == 5 else "2" if i == 9 else "0"
        rows.append([decision_no, "行政处罚决定书", c1, c2, "违反有关规定", "《有关条例》第%d条" % (10 + i),
                     subj["name"], subj.get("uscc", ""), "", "", "", subj.get("id", ""), "",
                     jg.format(f=1000 * (1 + rng.below(9))), fmt_date(decision, "slash"), a["name"],
                     zt, REGION, fmt_date(decision, "time"), ""])
        person = who == "p"
        st = "natural_person" if person else subj["type"]
        cats = c1 + (";" + c2 if c2 else ";")
        code = rules.classify(cats, "", jg, st, None)
        rec = subject_fields(subj)
        rec["region"] = REGION
        start, min_end, max_end = window(code, decision)
        rec.update({"code": code, "decision_no": decision_no, "decision_date": decision,
                    "authority_name": a["name"], "authority_uscc": "", "source_name": a["name"],
                    "source_uscc": "", "legal_basis": "《有关条例》第%d条" % (10 + i),
                    "pub_start": start, "pub_min_end": min_end, "pub_max_end": max_end,
                    "status": {"0": "active", "1": "revoked", "2": "disputed"}[zt]})
        recs.append(rec)
    return header, rows, recs


# ---- 行政许可 ----

LICENCES = [
    ("amr", "食品经营许可证", "普通", "JY1330782{n:07d}", 60, "m", "食品经营许可"),
    ("wj", "公共场所卫生许可证", "普通", "义卫公证字〔{y}〕第{n:04d}号", 48, "m", "公共场所卫生许可"),
    ("env", "排污许可证", "普通", "91330782{n:010d}001P", 60, "m", "排污许可"),
    ("yj", "危险化学品经营许可证", "普通", "浙金义危化经字〔{y}〕{n:04d}", 36, "m", "危险化学品经营许可"),
    ("jt", "道路运输经营许可证", "普通", "浙交运管许可金字330782{n:06d}号", 0, "m", "道路货物运输经营许可"),
    ("zf", "城市建筑垃圾处置核准", "核准", "义综执核〔{y}〕{n:03d}号", 12, "m", "建筑垃圾处置核准"),
    ("zf", "户外广告设置许可", "普通", "义综执广许〔{y}〕{n:03d}号", 24, "m", "户外广告设置"),
    ("yc", "烟草专卖零售许可证", "特许", "330782{n:06d}", 60, "m", "烟草专卖零售许可"),
    ("amr", "特种设备安全管理和作业人员证", "认可", "义市监特证〔{y}〕{n:04d}号", 48, "p", "叉车司机作业资格"),
]
XK_HEADER = ["XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_XDR_ZJLX", "XK_XDR_ZJHM", "XK_XKWS",
             "XK_WSH", "XK_XKLB", "XK_XKZS", "XK_XKBH", "XK_NR", "XK_JDRQ", "XK_YXQZ", "XK_YXQZI",
             "XK_XKJG", "XK_XKJGDM", "XK_ZT", "XK_LYDW", "XK_LYDWDM", "BZ"]


def licence_rows(rng, merchants, people, n):
    rows, recs = [], []
    for i in range(n):
        auth_key, cert, lb, pattern, months, who, content = LICENCES[i % len(LICENCES)]
        person = who == "p"
        subj = rng.pick(people) if person else rng.pick(merchants)
        a = AUTH[auth_key]
        decision = rng.date(datetime.date(2024, 1, 2), datetime.date(2024, 12, 30))
        start = decision + datetime.timedelta(days=rng.below(3))
        end = LONG_TERM if months == 0 or rng.chance(5) else (
            add_months(start, months) - datetime.timedelta(days=1))
        no = pattern.format(n=1000 + i * 7, y=2024)
        zt, status = ("有效", "active")
        if i % 37 == 5:
            zt, status = ("注销", "expired")
        elif i % 53 == 11:
            zt, status = ("撤销", "revoked")
        style = "slash" if i % 3 else "iso"
        rows.append({"XK_XDR_MC": subj["name"], "XK_XDR_LB": "自然人" if person else subj["lb"],
                     "XK_XDR_SHXYM": "" if person else subj["uscc"],
                     "XK_XDR_ZJLX": "身份证" if person else "",
                     "XK_XDR_ZJHM": subj["id"] if person else "",
                     "XK_XKWS": "准予行政许可决定书", "XK_WSH": no, "XK_XKLB": lb, "XK_XKZS": cert,
                     "XK_XKBH": no, "XK_NR": content, "XK_JDRQ": fmt_date(decision, style),
                     "XK_YXQZ": fmt_date(start, style), "XK_YXQZI": fmt_date(end, "slash"),
                     "XK_XKJG": a["name"], "XK_XKJGDM": a["uscc"], "XK_ZT": zt,
                     "XK_LYDW": a["name"], "XK_LYDWDM": a["uscc"], "BZ": ""})
        rec = subject_fields(subj)
        if person:
            rec["region"] = a["uscc"][2:8]
        s, min_end, max_end = window("B02", decision, end, start)
        rec.update({"code": "B02", "decision_no": no, "decision_date": decision,
                    "authority_name": a["name"], "authority_uscc": a["uscc"],
                    "source_name": a["name"], "source_uscc": a["uscc"], "pub_start": s,
                    "pub_min_end": min_end, "pub_max_end": max_end, "status": status})
        recs.append(rec)
    return rows, recs


# ---- 失信被执行人 ----

DISRUPT = ["有履行能力而拒不履行生效法律文书确定义务", "违反财产报告制度",
           "违反限制消费令", "以虚假诉讼、虚假仲裁或者以隐匿、转移财产等方法规避执行"]


def debtor_lines(rng, merchants, people, n):
    lines, recs = [], []
    court = AUTH["court"]
    for i in range(n):
        person = i % 2 == 0
        subj = people[(i * 5 + 3) % len(people)] if person else merchants[(i * 11 + 7) % len(merchants)]
        reg = rng.date(datetime.date(2023, 6, 1), datetime.date(2025, 12, 31))
        publish = reg + datetime.timedelta(days=30 + rng.below(200))
        case = "(%d)浙0782执%d号" % (reg.year, 1000 + 37 * i)
        gist = "(%d)浙0782民初%d号" % (reg.year - 1, 2000 + 53 * i)
        duty = "支付货款%d万元及利息" % (2 + rng.below(60))
        o = {"iname": subj["name"], "caseCode": case,
             "cardNum": subj["id"] if person else subj["uscc"],
             "courtName": court["name"], "courtUscc": court["uscc"], "areaName": "浙江",
             "gistId": gist, "gistUnit": court["name"], "duty": duty,
             "performance": "全部未履行" if i % 3 else "部分未履行",
             "performedPart": "", "unperformPart": duty,
             "disruptTypeName": rng.pick(DISRUPT),
             "regDate": fmt_date(reg, "compact"),
             "publishDate": fmt_date(publish, "cjk" if i % 2 else "iso")}
        if person:
            o["sexy"] = "男" if int(subj["id"][16]) % 2 else "女"
            o["age"] = str(TODAY.year - int(subj["id"][6:10]))
            o["businessEntity"] = ""
        else:
            o["sexy"] = ""
            o["age"] = "0"
            o["businessEntity"] = rng.pick(people)["name"]
        if i % 6 == 1:
            o["type"] = 1  # some services add 失信人类型 as a number
        lines.append(o)
        rec = subject_fields(subj)
        rec["region"] = REGION
        s, min_end, max_end = window("N11", publish)
        rec.update({"code": "N11", "decision_no": case, "decision_date": publish,
                    "authority_name": court["name"], "authority_uscc": court["uscc"],
                    "source_name": court["name"], "source_uscc": court["uscc"], "legal_basis": gist,
                    "pub_start": s, "pub_min_end": min_end, "pub_max_end": max_end})
        recs.append(rec)
    return lines, recs


# ---- 信用承诺 ----

COMMIT_TYPES = [("审批替代型", "申请办理食品经营许可证", "amr"),
                ("容缺受理型", "申请办理公共场所卫生许可证", "wj"),
                ("证明事项型", "申请办理无犯罪记录证明事项", "hr"),
                ("信用修复型", "申请在信用中国（浙江义乌）网站办理行政处罚信息信用修复", "fgj"),
                ("行业自律型", "参加义乌市小商品行业协会组织的信用承诺活动", "market"),
                ("主动型", "自愿作出守法经营承诺", "amr")]


def commitment_lines(rng, merchants, people, n):
    lines, recs = [], []
    for i in range(n):
        ctype, reason, auth_key = COMMIT_TYPES[i % len(COMMIT_TYPES)]
        person = i % 6 == 2
        subj = people[(i * 7 + 1) % len(people)] if person else merchants[(i * 13 + 2) % len(merchants)]
        a = AUTH[auth_key]
        made = rng.date(datetime.date(2024, 1, 2), datetime.date(2025, 10, 30))
        code = "%s%s%06d" % (REGION, made.strftime("%Y%m%d"), 17 + i)
        kept = i % 3 != 1
        status = "全部履行" if kept else ("部分履行" if i % 2 else "全部未履行")
        confirmed = made + datetime.timedelta(days=90 + rng.below(200)) if i % 4 else None
        o = {"code": code, "subjectName": subj["name"],
             "subjectCategory": "自然人" if person else subj["lb"],
             "identify": subj["id"] if person else subj["uscc"],
             "commitmentTypeId": ctype, "reason": reason,
             "content": "本人（单位）承诺所提供材料真实有效，并依法诚信经营",
             "liabilityBreachCommitment": "愿意承担虚假承诺、违背承诺的法律责任",
             "commitmentDate": fmt_date(made, "iso"),
             "commitmentValidity": fmt_date(add_months(made, 12), "iso"),
             "fulfillmentStatus": status,
             "acceptanceUnit": a["name"], "acceptanceUnitIdentify": a["uscc"],
             "publicationType": "可向社会公开" if not person else "特定范围内公开",
             "remarks": ""}
        if confirmed is not None:
            o["fulfillmentStatusDate"] = fmt_date(confirmed, "iso")
            o["acceptanceConfirmUnit"] = AUTH["fgj"]["name"]
            o["acceptanceConfirmUnitIdentify"] = AUTH["fgj"]["uscc"]
        if not kept:
            o["unperformedCommitmentContent"] = "未在承诺期限内补齐申请材料"
            o["liabilityBreachCommitmentContent"] = "撤销许可决定并记入信用记录"
        lines.append(o)
        code_ = "P05" if kept else "N09"
        decision = confirmed or made
        rec = subject_fields(subj)
        rec["region"] = REGION
        src = AUTH["fgj"] if confirmed is not None else a
        s, min_end, max_end = window(code_, decision)
        rec.update({"code": code_, "decision_no": code, "decision_date": decision,
                    "authority_name": a["name"], "authority_uscc": a["uscc"],
                    "source_name": src["name"], "source_uscc": src["uscc"], "legal_basis": ctype,
                    "pub_start": s, "pub_min_end": min_end, "pub_max_end": max_end})
        recs.append(rec)
    return lines, recs


# ---- generic records (codes with no dedicated public format) ----

def generic_lines(rng, merchants, people):
    d = datetime.date
    foreign = [
        {"doc_type": "passport", "doc_country": "IND", "doc_number": "Z4821937", "name": "Rahul Mehta"},
        {"doc_type": "passport", "doc_country": "EGY", "doc_number": "A30918274", "name": "Ahmed Hassan"},
        {"doc_type": "business_friend_card", "doc_number": "YWSY20230158", "name": "Kim Minjun"},
    ]
    spec = [
        # code, authority, subject, decision_no, date, legal_basis, extra
        ("B01", "amr", merchants[3], "义市监登字〔2024〕第0101号", d(2024, 2, 6), "《中华人民共和国市场主体登记管理条例》", {}),
        ("B01", "amr", merchants[160], "义市监个登〔2024〕第0337号", d(2024, 4, 18), "《促进个体工商户发展条例》", {}),
        ("B01", "amr", merchants[41], "义市监登字〔2025〕第0012号", d(2025, 1, 9), "《中华人民共和国市场主体登记管理条例》", {}),
        ("P01", "gov", merchants[5], "义政发〔2024〕12号", d(2024, 3, 1), "义乌市人民政府关于表彰2023年度诚信示范企业的决定", {}),
        ("P01", "gov", merchants[9], "义政发〔2024〕12号-2", d(2024, 3, 1), "义乌市人民政府关于表彰2023年度诚信示范企业的决定", {}),
        ("P01", "gov", people[2], "义政发〔2025〕7号", d(2025, 2, 20), "义乌市见义勇为表彰决定", {}),
        ("P02", "blood", people[0], "义血献〔2024〕00871", d(2024, 5, 14), "《中华人民共和国献血法》", {}),
        ("P02", "blood", people[4], "义血献〔2024〕01322", d(2024, 8, 2), "《中华人民共和国献血法》", {}),
        ("P02", "vol", people[6], "义志服〔2025〕0456", d(2025, 3, 5), "《志愿服务条例》", {}),
        ("P02", "vol", foreign[0], "义志服〔2025〕0457", d(2025, 3, 5), "《志愿服务条例》", {}),
        ("P02", "vol", people[8], "义志服〔2025〕0512", d(2025, 6, 12), "《志愿服务条例》", {}),
        ("P03", "tax", merchants[5], "义税信A〔2024〕0031", d(2024, 4, 20), "《纳税缴费信用管理办法》", {}),
        ("P03", "tax", merchants[12], "义税信A〔2024〕0032", d(2024, 4, 20), "《纳税缴费信用管理办法》", {}),
        ("P03", "tax", merchants[30], "义税信A〔2025〕0011", d(2025, 4, 18), "《纳税缴费信用管理办法》", {}),
        ("P04", "customs", merchants[7], "义关认证〔2024〕15号", d(2024, 5, 20), "《中华人民共和国海关注册登记和备案企业信用管理办法》", {}),
        ("P04", "customs", merchants[21], "义关认证〔2025〕4号", d(2025, 1, 16), "《中华人民共和国海关注册登记和备案企业信用管理办法》", {"pub_max_end": d(2028, 1, 15)}),
        ("P06", "hr", merchants[14], "义人社缴〔2025〕0210", d(2025, 1, 31), "连续24个月按时足额缴纳社会保险费", {}),
        ("P06", "ybj", people[10], "义医保缴〔2025〕1187", d(2025, 1, 31), "连续24个月按时缴纳城乡居民医疗保险费", {}),
        ("P06", "hr", merchants[170], "义人社缴〔2025〕0344", d(2025, 7, 31), "连续24个月按时足额缴纳社会保险费", {}),
        ("N06", "amr", merchants[44], "义市监异〔2024〕0088号", d(2024, 7, 3), "《企业经营异常名录管理暂行办法》第四条", {}),
        ("N06", "amr", merchants[51], "义市监异〔2024〕0091号", d(2024, 7, 3), "《企业经营异常名录管理暂行办法》第四条", {"status": "repaired"}),
        ("N06", "amr", merchants[58], "义市监异〔2025〕0015号", d(2025, 2, 11), "《企业经营异常名录管理暂行办法》第四条", {"pub_max_end": d(2025, 9, 30)}),
        ("N07", "tax", merchants[60], "义税欠〔2024〕0412", d(2024, 9, 10), "《中华人民共和国税收征收管理法》第三十二条", {"amount": "12.3456"}),
        ("N07", "hr", merchants[63], "义人社欠〔2025〕0033", d(2025, 3, 18), "《中华人民共和国社会保险法》第八十六条", {"amount": "3.8"}),
        ("N07", "ybj", people[12], "义医保欠〔2025〕0091", d(2025, 5, 6), "《中华人民共和国社会保险法》第八十六条", {"amount": "0.1728"}),
        ("N08", "amr", merchants[66], "义市监撤〔2024〕3号", d(2024, 10, 22), "《中华人民共和国市场主体登记管理条例》第四十条", {}),
        ("N08", "wj", merchants[70], "义卫撤〔2025〕1号", d(2025, 4, 2), "《中华人民共和国行政许可法》第六十九条", {"status": "disputed"}),
        ("N10", "court", people[14], "(2024)浙0782执恢88号", d(2024, 11, 5), "《中华人民共和国民事诉讼法》第一百一十四条", {}),
        ("N10", "court", merchants[75], "(2025)浙0782执恢12号", d(2025, 2, 26), "《中华人民共和国民事诉讼法》第一百一十四条", {"amount": "25"}),
        ("N12", "amr", merchants[80], "义市监严〔2024〕2号", d(2024, 12, 9), "《市场监督管理严重违法失信名单管理办法》第十条", {}),
        ("N12", "tax", merchants[83], "义税重〔2025〕5号", d(2025, 5, 28), "《重大税收违法失信主体信息公布管理办法》第六条", {"amount": "286.5"}),
        ("N12", "court", people[16], "(2025)浙0782执限55号", d(2025, 6, 16), "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条", {}),
        ("N13", "court", people[18], "(2024)浙0782刑初321号", d(2024, 6, 27), "《中华人民共和国刑法》第二百一十四条", {}),
        ("N13", "court", people[20], "(2025)浙0782刑初77号", d(2025, 3, 14), "《中华人民共和国刑法》第一百四十条", {}),
        ("N13", "court", merchants[88], "(2025)浙0782刑初102号", d(2025, 5, 9), "《中华人民共和国刑法》第二百一十三条", {"amount": "50"}),
        ("N14", "market", merchants[90], "义市场投〔2024〕1203号", d(2024, 8, 19), "《义乌中国小商品城市场经营户信用管理办法》", {}),
        ("N14", "market", foreign[2], "义市场投〔2025〕0301号", d(2025, 3, 30), "《义乌中国小商品城市场经营户信用管理办法》", {}),
        ("N14", "market", merchants[175], "义市场知〔2025〕0077号", d(2025, 7, 21), "《义乌中国小商品城市场知识产权保护规定》", {"status": "revoked"}),
        ("N14", "market", foreign[1], "义市场投〔2025〕0415号", d(2025, 8, 8), "《义乌中国小商品城市场经营户信用管理办法》", {"region": "330782"}),
    ]
    lines, recs = [], []
    for code, ak, subj, no, date, basis, extra in spec:
        a = AUTH[ak]
        o = {}
        if "uscc" in subj:
            o.update({"subject_type": subj["type"], "subject_id": subj["uscc"]})
        elif "id" in subj:
            o.update({"subject_type": "natural_person", "doc_type": "resident_id",
                      "doc_number": subj["id"]})
        else:
            o.update({"subject_type": "natural_person", "doc_type": subj["doc_type"],
                      "doc_number": subj["doc_number"]})
            if "doc_country" in subj:
                o["doc_country"] = subj["doc_country"]
        o.update({"name": subj["name"], "code": code, "decision_no": no,
                  "decision_date": date.isoformat(), "authority_name": a["name"],
                  "authority_uscc": a["uscc"], "legal_basis": basis})
        for k, v in extra.items():
            o[k] = v.isoformat() if isinstance(v, datetime.date) else v
        lines.append(o)
        if "id" in subj or "uscc" in subj:
            rec = subject_fields(subj)
        else:
            rec = {"subject_type": "natural_person", "doc_type": subj["doc_type"],
                   "doc_country": subj.get("doc_country", ""), "doc_number": subj["doc_number"],
                   "name": subj["name"]}
        rec.setdefault("region", a["uscc"][2:8])
        if "region" in extra:
            rec["region"] = extra["region"]
        s, min_end, max_end = window(code, date, extra.get("pub_max_end"))
        rec.update({"code": code, "decision_no": no, "decision_date": date,
                    "authority_name": a["name"], "authority_uscc": a["uscc"],
                    "source_name": a["name"], "source_uscc": a["uscc"], "legal_basis": basis,
                    "amount": dec(extra["amount"]) if "amount" in extra else None,
                    "pub_start": s, "pub_min_end": min_end, "pub_max_end": max_end,
                    "status": extra.get("status", "active")})
        recs.append(rec)
    return lines, recs


def write_jsonl(path, objs):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for o in objs:
            f.write(json.dumps(o, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_expected(name, recs):
    path = os.path.join(ROOT, "tests", "data", "import", name + ".expected")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in recs:
            f.write(dump(r) + "\n")


def main():
    rng = Rng(0x5977_7531_3307_8201)
    rules = Rules(os.path.join(ROOT, "etc", "rules", "penalty-categories.json"))
    merchants, people = make_cast(rng)
    samples = os.path.join(ROOT, "samples")
    os.makedirs(samples, exist_ok=True)
    os.makedirs(os.path.join(ROOT, "tests", "data", "import"), exist_ok=True)
    summary = []

    rows, recs = penalty_rows(rng, rules, merchants, people, 220, 2024, 1001,
                              ["iso", "slash", "compact"])
    write_csv(os.path.join(samples, "yiwu-xzcf-2024.csv"), CF_HEADER, rows, lineterminator="\n")
    write_expected("yiwu-xzcf-2024.csv", recs)
    summary.append(("yiwu-xzcf-2024.csv", recs))

    rows, recs = penalty_rows(rng, rules, merchants, people, 60, 2025, 3001, ["slash"])
    rows[0]["CF_XDR_MC"] = merchants[17]["name"]
    rows[0]["CF_XDR_LB"] = merchants[17]["lb"]
    rows[0]["CF_XDR_SHXYM"] = merchants[17]["uscc"]
    rows[0]["CF_XDR_ZJLX"] = rows[0]["CF_XDR_ZJHM"] = ""
    recs[0].update(subject_fields(merchants[17]))
    recs[0].pop("doc_type", None)
    recs[0].pop("doc_number", None)
    # the rules may depend on the subject type; recompute that one record
    r0 = rows[0]
    code = rules.classify(r0["CF_CFLB"], r0["CF_WFXW"], r0["CF_NR"], merchants[17]["type"],
                          dec(r0["CF_NR_FK"]) if r0["CF_NR_FK"] else None)
    explicit = recs[0]["pub_max_end"] if r0["CF_GSJZQ"] else None
    recs[0]["code"] = code
    _, recs[0]["pub_min_end"], recs[0]["pub_max_end"] = window(code, recs[0]["decision_date"],
                                                                explicit)
    write_csv(os.path.join(samples, "yiwu-xzcf-2025-gb18030.csv"), CF_HEADER, rows,
              encoding="gb18030")
    write_expected("yiwu-xzcf-2025-gb18030.csv", recs)
    summary.append(("yiwu-xzcf-2025-gb18030.csv", recs))

    rows, recs = penalty_rows(rng, rules, merchants, people, 40, 2023, 501, ["iso"])
    write_csv(os.path.join(samples, "yiwu-xzcf-2023-cn-header.csv"), CF_CN_HEADER, rows,
              lineterminator="\n", keys=CF_HEADER)
    write_expected("yiwu-xzcf-2023-cn-header.csv", recs)
    summary.append(("yiwu-xzcf-2023-cn-header.csv", recs))

    header, rows, recs = legacy_rows(rng, rules, merchants, people)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    with open(os.path.join(samples, "yiwu-xzcf-v1-2018.csv"), "wb") as f:
        f.write(buf.getvalue().encode("utf-8"))
    write_expected("yiwu-xzcf-v1-2018.csv", recs)
    summary.append(("yiwu-xzcf-v1-2018.csv", recs))

    rows, recs = licence_rows(rng, merchants, people, 216)
    write_csv(os.path.join(samples, "yiwu-xzxk-2024-bom.csv"), XK_HEADER, rows, bom=True)
    write_expected("yiwu-xzxk-2024-bom.csv", recs)
    summary.append(("yiwu-xzxk-2024-bom.csv", recs))

    lines, recs = debtor_lines(rng, merchants, people, 24)
    write_jsonl(os.path.join(samples, "yiwu-sxbzxr.jsonl"), lines)
    write_expected("yiwu-sxbzxr.jsonl", recs)
    summary.append(("yiwu-sxbzxr.jsonl", recs))

    lines, recs = commitment_lines(rng, merchants, people, 24)
    write_jsonl(os.path.join(samples, "yiwu-xycn.jsonl"), lines)
    write_expected("yiwu-xycn.jsonl", recs)
    summary.append(("yiwu-xycn.jsonl", recs))

    lines, recs = generic_lines(rng, merchants, people)
    write_jsonl(os.path.join(samples, "yiwu-records.jsonl"), lines)
    write_expected("yiwu-records.jsonl", recs)
    summary.append(("yiwu-records.jsonl", recs))

    codes, persons = {}, set()
    for _, recs in summary:
        for r in recs:
            codes[r["code"]] = codes.get(r["code"], 0) + 1
            if r["subject_type"] == "natural_person":
                persons.add((r.get("doc_type"), r.get("doc_country", ""), r["doc_number"]))
    missing = [c for c in TEST_WINDOWS if c not in codes]
    for name, recs in summary:
        print("%-32s %4d records" % (name, len(recs)))
    print("codes:", " ".join("%s=%d" % (c, codes[c]) for c in sorted(codes)))
    print("distinct natural persons:", len(persons))
    if missing:
        sys.exit("codes not covered: " + " ".join(missing))


if __name__ == "__main__":
    main()
