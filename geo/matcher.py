"""Match region names or codes as users write them to registry codes.

``RegionMatcher(level).match(values, parents=None, year=None)`` returns one row
per input with columns input, parent, code, name, level, status, candidates, note.

Statuses
--------
exact       the input is the unit's full Chinese name (e.g. 广东省) or its 6-digit code.
normalized  found after normalising: NFKC (full-width, stray spaces), traditional ->
            simplified (OpenCC t2s), short names / other suffixes (广东, 延边州),
            English or pinyin (Guangdong Province, Xizang, guangzhoushi), codes of
            2/4/12 digits, a province code given to a city matcher for a municipality.
remapped    an old name or code, carried to today's unit by data/geo/crosswalk.csv;
            the note says what changed and when (襄樊市 renamed 襄阳市 in 2010).
ambiguous   several units fit (朝阳区 without a parent, Suzhou, 巢湖市 split in
            2011); ``candidates`` lists them, ``code`` stays empty.
unmatched   nothing fits; ``candidates`` holds close names (same parent and level
            first), ``code`` stays empty. Nothing is ever guessed silently.
summary     a total or grouping row, not a region (全国, 合计, 东部地区, 其中…);
            importers should skip these rows, the note says why.

data/geo/crosswalk.csv columns: old_code (empty for new units), old_name, new_code,
new_name, level, year (effective year; empty for pure code aliases), change
(地区改市, 盟改市, 更名, 撤销合并, 撤销拆分, 升格, 县改区, 新设, 代码别名), note
(what happened, source). Several rows with one old unit mean a split: such inputs
come back ambiguous with every successor as a candidate.

``parents`` (names or codes of the province or prefecture, any style; never a
county) resolve duplicates; an unrecognised parent is ignored and the note says
so; a parent that contradicts the only candidate gives ``unmatched``. ``year``
(one int or one per row) only adds notes, e.g. when a figure predates the unit's
creation or a 地区->市 change. Unique (value, parent, year) triples are matched
once and cached, so a 1.7 M-row column with a few thousand names costs about as
much as its unique names (see scripts/report_matching.py).

Order of attempts for a name (first hit wins): summary/footnote words -> the
registry's full name as written (exact) -> crosswalk old names -> full names after
NFKC and t2s -> short names (one suffix stripped) -> crosswalk short names ->
"province+prefecture+county" written as one string -> colloquial 州 -> grouping
words (东部…) -> unmatched. Each Chinese step tries the text as written before
its t2s form, because t2s changes some place-name characters (乾安 -> 干安).
English: conventional names before pinyin (Shanxi is 山西, Shaanxi 陕西), words
as written before unit words are dropped (Nei Mongol; Guangdong Province).
With ``level=None`` a unit and its stand-in at another level count once (北京 is
the province 110000, not also 110100); a short name shared across levels
(吉林省/吉林市) stays ambiguous. At the city or county level a short name that is
also a province's (海南, 吉林) matches the lower unit with a note saying so.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from geo.regions import LEVELS, load_regions

CROSSWALK_CSV = Path(__file__).resolve().parents[1] / "data" / "geo" / "crosswalk.csv"
STATUSES = ("exact", "normalized", "remapped", "ambiguous", "unmatched", "summary")
MATCHED = ("exact", "normalized", "remapped")  # statuses that come with a code
OUTPUT_COLUMNS = ["input", "parent", "code", "name", "level", "status", "candidates", "note"]

PROVINCE_SHORT = {
    "内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏", "新疆维吾尔自治区": "新疆",
    "香港特别行政区": "香港", "澳门特别行政区": "澳门",
}
ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
    "高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 "
    "普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC_RE = re.compile("(?:" + "|".join(sorted(ETHNIC, key=len, reverse=True)) + ")族?$")
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "新区", "林区", "特区",
            "地区", "省", "市", "盟", "县", "区", "旗")
# Tried only when nothing matched: colloquial short forms (延边州, 湘西州).
FALLBACK_SUFFIXES = ("州",)

# English words that only say what kind of unit it is; dropped from the end.
EN_SUFFIX_WORDS = set("""
province municipality city autonomous region prefecture league county district
special administrative sar area banner shi sheng zizhiqu diqu zizhizhou zizhixian xian
qu meng qi of the uygur uyghur uighur zhuang hui tibetan korean mongol mongolian
kazak kazakh kirgiz qiang yi miao tujia bouyei buyei dong hani dai bai jingpo lisu li
she yao and new forest
""".split())
PINYIN_SUFFIXES = ("tebiexingzhengqu", "zizhiqu", "zizhizhou", "zizhixian", "diqu",
                   "sheng", "shi", "meng", "xian", "qu", "qi")
# Extra English spellings seen in real tables (keys are normalised, values short names).
EN_ALIASES = {
    "xizang": "西藏", "neimongol": "内蒙古", "neimenggu": "内蒙古", "macau": "澳门",
    "hongkong": "香港", "erdos": "鄂尔多斯", "liuan": "六安", "peking": "北京",
    "canton": "广州", "amoy": "厦门",
}

SUMMARY = set("""
全国 全国合计 全国总计 中国 中华人民共和国 合计 总计 小计 共计 总数 全省 全市 全区 全州 全盟 全县
东部 中部 西部 东北 东部地区 中部地区 西部地区 东北地区 东部合计 中部合计 西部合计 东北合计
港澳台 港澳台地区 其他 其它 不详 未知 其中 中央 中央本级 地方 地方合计 全国平均 平均 省平均
""".split())
SUMMARY_EN = {"total", "china", "national", "nationwide", "all", "sum", "subtotal",
              "average", "mean", "east", "eastern", "central", "west", "western",
              "northeast", "northeastern", "easternregion", "centralregion",
              "westernregion", "northeastregion", "other", "others", "unknown"}

CHANGE_EN = {
    "地区改市": "became", "盟改市": "became", "更名": "renamed", "撤销合并": "merged into",
    "撤销拆分": "was split, partly into", "升格": "upgraded to prefecture-level",
    "县改区": "became", "新设": "created as", "代码别名": "is coded here as",
}

GROUPING = set("""
珠三角 珠江三角洲 粤东 粤西 粤北 粤东西北 长三角 长江三角洲 京津冀 成渝 关中 陕南 陕北 苏南 苏中 苏北
皖北 皖南 闽东 闽西 主城区 都市功能核心区 都市功能拓展区 城市发展新区 渝东北生态涵养发展区
渝东南生态保护发展区 渝东北 渝东南 城镇 农村 乡村 城市
""".split())
GROUPING_RE = r"(东部|中部|西部|东北|华东|华北|华中|华南|西南|西北)\w{0,6}|\w{0,6}(功能区|发展区)"
# pinyin glosses left in converted text: 重慶(qìng)市
_PINYIN_GLOSS = re.compile(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_FOOTNOTE = re.compile(r"(注|数据来源|资料来源|来源|说明|备注)")
_CODE_RE = re.compile(r"^\d+(?:\.0+)?$")
_NON_NAME = re.compile(r"[\s\u3000*＊·•・（）()\[\]【】<>《》\"'“”‘’:：,，;；、.。!?！？#&+_/\\|~-]+")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s").convert


class Note(str):
    """A note in the output's `note` column: English text, with a key and parameters so a page can translate it
    (store.ingest reads it as the i18n message `store.note.<key>`)."""

    key: str
    params: dict

    def __new__(cls, key: str, text: str, **params) -> "Note":
        self = super().__new__(cls, text)
        self.key, self.params = key, params
        return self

    def __getnewargs_ex__(self):
        return (self.key, str(self)), self.params


@lru_cache(maxsize=1 << 16)
def strip_suffix(name: str, suffixes=SUFFIXES) -> str:
    """Drop one administrative suffix (and minority names before 自治…), keeping
    at least two characters; the same rule that made regions.csv short names."""
    if name in PROVINCE_SHORT:
        return PROVINCE_SHORT[name]
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                while True:
                    shorter = _ETHNIC_RE.sub("", stem)
                    if shorter == stem or len(shorter) < 2:
                        break
                    stem = shorter
            return stem
    return name


def clean_text(value) -> str:
    """NFKC (full-width -> ASCII), trimmed; internal blanks kept for English;
    pinyin glosses after Chinese characters dropped (重慶(qìng)市)."""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if _HAN.search(text):
        text = _PINYIN_GLOSS.sub("", text)
    return text


def zh_key(text: str) -> str:
    """Simplified Chinese with spaces and punctuation removed."""
    return _t2s()(_NON_NAME.sub("", text))


def en_keys(text: str) -> list[str]:
    """Lower-case Latin letters only: as written, then with unit words dropped
    from the end (keeping one word): 'Guangdong Province' -> guangdong."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['’`]", "", text)
    tokens = re.findall(r"[a-z]+", text)
    whole = "".join(tokens)
    while len(tokens) > 1 and tokens[-1] in EN_SUFFIX_WORDS:
        tokens.pop()
    return list(dict.fromkeys([whole, "".join(tokens)]))


def _is_latin(text: str) -> bool:
    return bool(_LATIN.search(text)) and not _HAN.search(text)


class RegionMatcher:
    """Index of one level (or all levels) of the registry for fast repeated matching."""

    def __init__(self, level: str | None = None, *, _levels: tuple = LEVELS):
        if level is not None and level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS} or None, not {level!r}")
        self.level = level
        self._all = _registry()
        self._units = {k: r for k, r in self._all.items()
                       if (k[1] == level if level else k[1] in _levels)}
        self._by_code: dict[str, list] = defaultdict(list)
        self._full: dict[str, list] = defaultdict(list)     # full names, simplified
        self._short: dict[str, list] = defaultdict(list)    # short / stripped names
        self._en: dict[str, list] = defaultdict(list)       # English names (+ aliases)
        self._pinyin: dict[str, list] = defaultdict(list)   # toneless pinyin (陕西 shanxi)
        self._all_full: dict[str, list] = defaultdict(list)  # for "is a province" notes
        for key, r in self._all.items():
            self._all_full[r["name"]].append(key)
            self._all_full[r["short_name"]].append(key)
        for key, r in self._units.items():
            self._by_code[r["code"]].append(key)
            for name in {r["name"], r["tc_key"]}:
                self._full[name].append(key)
                self._short[strip_suffix(name)].append(key)
            self._short[r["short_name"]].append(key)
            for en in en_keys(r["name_en"]):  # Hotan County and Hotan
                self._en[en].append(key)
            self._pinyin[r["name_pinyin"]].append(key)
        by_short = defaultdict(list)
        for key, r in self._units.items():
            by_short[r["short_name"]].append(key)
        for alias, short in EN_ALIASES.items():
            self._en[alias].extend(k for k in by_short.get(short, []) if k not in self._en[alias])
        for index in (self._full, self._short, self._en, self._pinyin):
            for k in list(index):
                index[k] = list(dict.fromkeys(index[k]))
        self._province_short = {r["short_name"]: r["name"] for k, r in self._all.items()
                                if k[1] == "province"}
        # a summary word that is also a unit's name here (全州县) is that unit
        self._summary = (SUMMARY | GROUPING) - set(self._short) - set(self._full)
        self._load_crosswalk()
        self._parent_matcher = None
        self._cache: dict = {}
        self._char_index: dict[str, set] | None = None

    # ------------------------------------------------------------------ crosswalk
    def _load_crosswalk(self) -> None:
        cw = load_crosswalk()
        if self.level is not None:
            cw = cw[cw["level"] == self.level]
        self._cw_name: dict[str, list] = defaultdict(list)
        self._cw_short: dict[str, list] = defaultdict(list)
        self._cw_code: dict[str, list] = defaultdict(list)
        self._cw_new: dict[tuple, list] = defaultdict(list)
        short_today = defaultdict(set)
        for (_, level), r in self._all.items():
            short_today[level].update({r["short_name"], strip_suffix(r["name"])})
        for r in cw.to_dict("records"):
            self._cw_new[(r["new_code"], r["level"])].append(r)
            if r["old_code"]:
                self._cw_code[r["old_code"]].append(r)
            if r["old_name"] and r["change"] != "代码别名":
                self._cw_name[r["old_name"]].append(r)
                # the stem alone is an old name only if no unit of that level bears
                # it today (毕节 is 毕节市, 南宁 is 南宁市; 莱芜 and 襄樊 are former cities)
                short = strip_suffix(r["old_name"])
                if short not in short_today[r["level"]]:
                    self._cw_short[short].append(r)
        # old names in pinyin (Xiangfan, Laiwu): a short list, or a unit that still
        # bears the name at another level (巢湖市 the county-level city)
        pinyin_of = {r["short_name"]: r["name_pinyin"] for r in self._all.values()}
        self._cw_en: dict[str, list] = defaultdict(list)
        for short, rows in self._cw_short.items():
            pinyin = _OLD_PINYIN.get(short) or pinyin_of.get(short)
            if pinyin:
                self._cw_en[pinyin].extend(rows)

    # ------------------------------------------------------------------ public
    def match(self, values, parents=None, year=None) -> pd.DataFrame:
        """One output row per input value (see module docstring)."""
        if isinstance(values, (str, bytes, int, float)) or values is None:
            values = [values]
        n = len(values)
        vi, vu = _factorize(values, n)
        pi, pu = _factorize(parents, n, "parents")
        yi, yu = _factorize(year if (year is None or np.isscalar(year)) else year, n, "year")
        combo = (vi.astype(np.int64) * (len(pu) + 1) + pi) * (len(yu) + 1) + yi
        ci, cu = pd.factorize(combo)
        _, first = np.unique(ci, return_index=True)
        results = [self._match_one(vu[vi[j]], pu[pi[j]], yu[yi[j]]) for j in first]
        out = {}
        for pos, col in enumerate(OUTPUT_COLUMNS):
            arr = np.empty(len(results), dtype=object)
            arr[:] = [r[pos] for r in results]
            out[col] = pd.Series(arr[ci], dtype=object)
        df = pd.DataFrame(out)
        if isinstance(values, pd.Series):
            df.index = values.index
        return df

    # ------------------------------------------------------------------ one value
    def _match_one(self, value, parent, year):
        key = (value, parent, year)
        if key not in self._cache:
            self._cache[key] = self._compute(value, parent, year)
        return self._cache[key]

    def _compute(self, value, parent, year):
        parent_text = None if _is_blank(parent) else str(parent)
        parents = self._resolve_parent(parent) if parent_text else None
        found = self._find(value, parents)
        status, keys, note, cands = found
        code = name = level = None
        if status in ("exact", "normalized", "remapped") and len(keys) == 1:
            r = self._all[keys[0]]
            code, name, level = r["code"], r["name"], r["level"]
            if status != "remapped":  # the remap note already says what changed when
                note = _join(note, self._year_note(keys[0], year))
            cands = []
        elif status in ("exact", "normalized", "remapped"):
            status = "ambiguous"
            cands = keys
        if parent_text and parents == set():
            note = _join(note, f"parent {parent_text!r} not recognised, ignored")
        cand_pairs = [(self._all[k]["code"], self._all[k]["name"]) for k in cands]
        return (value, parent_text, code, name, level, status, cand_pairs, note or "")

    def _find(self, value, parents):
        if _is_blank(value):
            return "unmatched", [], "empty value", []
        if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()):
            return self._find_code(str(int(value)), parents, from_number=True)
        text = clean_text(value)
        if _CODE_RE.match(text):
            return self._find_code(text.split(".")[0], parents, from_number=False)
        if _is_latin(text):
            return self._find_en(text, parents)
        return self._find_zh(text, parents)

    # codes -----------------------------------------------------------------
    def _find_code(self, digits: str, parents, from_number: bool):
        if len(digits) in (9, 12):
            code6, how = digits[:6], f"{len(digits)}-digit statistical code, first 6 digits used"
        elif len(digits) == 6:
            code6, how = digits, ""
        elif len(digits) in (2, 4):
            code6, how = digits.ljust(6, "0"), f"code {digits} read as {digits.ljust(6, '0')}"
        else:
            return "unmatched", [], f"{digits}: not a 2/4/6/12-digit region code", []
        keys = self._by_code.get(code6, [])
        keys = self._pick_level(keys)
        exact = len(digits) == 6
        if keys:
            return ("exact" if exact else "normalized"), keys, how, []
        if self.level == "city" and code6.endswith("0000"):
            # a municipality's province code asked for at the city level
            sub = [k for k in self._units if self._units[k]["province_code"] == code6]
            if len(sub) == 1 and self._units[sub[0]]["is_city_level_proxy"]:
                return "normalized", sub, _join(how, f"province code {code6} -> its city-level unit"), []
        if code6 in self._cw_code:
            return self._from_crosswalk(self._cw_code[code6], f"code {code6}")
        other = [k for k in self._all if k[0] == code6]
        if other:
            lv = self._all[other[0]]["level"]
            return "unmatched", [], _join(how, f"{code6} is a {lv}-level code, not {self.level}"), \
                self._code_neighbours(code6)
        return "unmatched", [], _join(how, f"no region has code {code6}"), self._code_neighbours(code6)

    def _code_neighbours(self, code6: str) -> list:
        for width in (4, 2):
            near = [k for k in self._units if k[0][:width] == code6[:width]]
            if near:
                return sorted(near)[:5]
        return []

    # Chinese ---------------------------------------------------------------
    def _find_zh(self, text: str, parents):
        compact = _NON_NAME.sub("", text)
        key = zh_key(text)
        if not key:
            return "unmatched", [], "no name", []
        if (key in self._summary or key.startswith("其中")) and key not in self._short:
            return "summary", [], f"{text}: summary row (total or grouping), not a region", []
        if _FOOTNOTE.match(key) or len(key) > 20:
            return "summary", [], f"{text[:12]}…: note or source line, not a region", []
        raw = str(text).strip()
        # fast path: the registry's own spelling
        found = self._narrow([k for k in self._full.get(raw, []) if self._all[k]["name"] == raw],
                             parents, "exact", "")
        if found and found[0] != "unmatched":
            return self._also_former(found, [raw, strip_suffix(raw)], parents)
        # as written first, then converted: t2s turns 乾安 into 干安
        forms = list(dict.fromkeys([compact, key]))
        shorts = list(dict.fromkeys(strip_suffix(f) for f in forms))
        # (is it a crosswalk look-up?, look-up)
        stages = [
            (False, lambda: self._narrow([k for k in self._full.get(raw, [])
                                          if self._all[k]["name"] == raw], parents, "exact", "")),
            *[(False, lambda f=f: self._narrow(self._full.get(f, []), parents, "normalized", ""))
              for f in forms],
            *[(True, lambda f=f: self._from_crosswalk(self._cw_name.get(f, []), f, parents))
              for f in forms],
            *[(False, lambda f=f: self._narrow(self._short.get(f, []), parents, "normalized",
                                               self._province_homonym(f))) for f in shorts],
            *[(True, lambda f=f: self._from_crosswalk(self._cw_short.get(f, []), f, parents))
              for f in shorts],
            # path written as one string: 广东省广州市, 湖北仙桃
            (False, lambda: self._split_path(key)),
            (False, lambda: self._narrow(self._short.get(fallback, []) if fallback != shorts[-1] else [],
                                         parents, "normalized", "")),
        ]
        fallback = strip_suffix(shorts[-1], FALLBACK_SUFFIXES)
        # A name found only outside the given parent: later, looser steps could pick
        # a different unit of a similar name (朝阳区 under 辽宁 -> 朝阳县); only a
        # crosswalk hit (双桥区 under 重庆 -> 大足区) may still answer.
        outside = None
        for is_crosswalk, stage in stages:
            if outside and not is_crosswalk:
                continue
            found = stage()
            if found is None or (found[0] == "unmatched" and not found[3]):
                continue
            if found[0] == "unmatched":
                outside = outside or found
                continue
            if not is_crosswalk and found[0] in ("exact", "normalized"):
                return self._also_former(found, forms + shorts, parents)
            return found
        if outside:
            near = [k for k in self._suggest(key, parents, zh=True) if self._under(k, parents)]
            return outside[0], [], outside[2], list(dict.fromkeys(outside[3] + near))[:6]
        if re.fullmatch(GROUPING_RE, key):
            return "summary", [], f"{text}: summary row (regional grouping), not a region", []
        return self._unmatched(key, parents, zh=True)

    def _also_former(self, found, forms: list, parents, index=None):
        """A name of a unit today that is also a former unit's name elsewhere
        (双桥区 of 承德 today; 双桥区 of 重庆 merged into 大足区 in 2011): without a
        parent to decide, offer both instead of picking one."""
        for f in forms:
            rows = (index.get(f) if index is not None
                    else self._cw_name.get(f) or self._cw_short.get(f))
            former = self._from_crosswalk(rows or [], f, parents)
            if former and former[0] in ("remapped", "ambiguous"):
                codes = {k[0] for k in found[1]}
                others = [k for k in (former[1] or former[3]) if k[0] not in codes]
                if others:
                    keys = list(dict.fromkeys(found[1] + others))
                    return ("ambiguous", keys, f"{f} is a unit today and also a former one: "
                            f"{former[2]}; give a parent or a level", keys)
        return found

    def _province_homonym(self, short: str) -> str:
        """Say so when a short name below province level is also a province's (海南, 吉林)."""
        if self.level in ("city", "county") and short in self._province_short:
            return f"{short} is also the short name of {self._province_short[short]}"
        return ""

    def _split_path(self, key: str, parents=None, depth: int = 0):
        """A path written as one string (广东省广州市天河区, 湖北仙桃): peel off a
        province or prefecture name and match the rest below it."""
        if depth > 1:
            return None
        for cut in range(2, min(len(key) - 1, 9)):
            head, tail = key[:cut], key[cut:]
            heads = {k[0] for k in self._all_full.get(head, []) if k[1] in ("province", "city")}
            if parents:
                heads = {c for c in heads if c in parents or c[:2] + "0000" in parents}
            if not heads or len(tail) < 2:
                continue
            for index, tkey in ((self._full, tail), (self._short, strip_suffix(tail))):
                if tkey in index:
                    status, keys, _, _ = self._narrow(index[tkey], heads, "normalized", "")
                    if status == "normalized" and len(keys) == 1:
                        return status, keys, f"read as {head} / {tail}", []
            deeper = self._split_path(tail, heads, depth + 1)
            if deeper:
                return deeper[0], deeper[1], f"read as {head} / {deeper[2][len('read as '):]}", []
        return None

    # English ---------------------------------------------------------------
    def _find_en(self, text: str, parents):
        keys = en_keys(text)
        key = keys[-1]
        if not key:
            return "unmatched", [], "no name", []
        if re.match(r"\s*(note|source|data source)s?\b", text, re.I):
            return "summary", [], f"{text[:12]}…: note or source line, not a region", []
        if key in SUMMARY_EN or key.replace("region", "") in SUMMARY_EN:
            return "summary", [], f"{text}: summary row (total or grouping), not a region", []
        # English names first, so Shanxi is 山西 and not also 陕西 (pinyin shanxi);
        # the words as written before the shortened key (Nei Mongol, not nei)
        for index in (self._en, self._pinyin):
            for k in keys:
                if k in index:
                    found = self._narrow(index[k], parents, "normalized", "")
                    if found is None:       # no unit of this level has that name (e.g. MACAU at county level)
                        continue
                    if found[0] == "normalized":
                        return self._also_former(found, [key], parents, self._cw_en)
                    return found
        for index in (self._en, self._pinyin):
            for suffix in PINYIN_SUFFIXES:
                if key.endswith(suffix) and key[: -len(suffix)] in index:
                    return self._narrow(index[key[: -len(suffix)]], parents, "normalized", "")
        if key in self._cw_en:
            return self._from_crosswalk(self._cw_en[key], text, parents)
        return self._unmatched(key, parents, zh=False)

    # shared ------------------------------------------------------------------
    def _pick_level(self, keys: list) -> list:
        """Same code at several levels (level=None): keep the real unit, not its stand-in."""
        if len(keys) <= 1:
            return keys
        real = [k for k in keys if not self._is_proxy(k)]
        return (real or keys)[:1]

    def _is_proxy(self, key) -> bool:
        r = self._all[key]
        return bool(r["is_city_level_proxy"] or r["is_county_level_proxy"])

    def _narrow(self, keys: list, parents, status: str, note: str):
        keys = list(keys)
        if not keys:
            return None
        if parents:
            inside = [k for k in keys if self._under(k, parents)]
            if not inside:
                return "unmatched", [], _join(note, "no unit of that name under the given parent"), keys
            keys = inside
        if len(keys) > 1 and self.level is None:
            real = [k for k in keys if not self._is_proxy(k)]
            keys = real or keys
            codes = {k[0] for k in keys}
            if len(codes) == 1:
                keys = self._pick_level(keys)
        if len(keys) > 1:
            return "ambiguous", keys, _join(note, f"{len(keys)} units share this name; give a parent"), keys
        return status, keys, note, []

    def _under(self, key, parents: set) -> bool:
        r = self._all[key]
        return bool({r["code"], r["parent_code"], r["province_code"]} & parents)

    def _from_crosswalk(self, rows: list, what: str, parents=None):
        if not rows:
            return None
        targets = list(dict.fromkeys((r["new_code"], r["level"]) for r in rows))
        targets = [t for t in targets if t in self._units]
        if parents and targets:
            inside = [t for t in targets if self._under(t, parents)]
            if not inside:  # that former unit lay elsewhere (双桥区 of 重庆, not of 承德)
                return None
            if len(inside) < len(targets) and len(inside) == 1:
                targets = inside
        r0 = rows[0]
        year = f" in {r0['year']}" if r0["year"] else ""
        if len(targets) > 1:
            names = "、".join(self._all[t]["name"] for t in targets)
            return "ambiguous", targets, (f"{r0['old_name']} was abolished{year} and split among "
                                          f"{names} (crosswalk); choose one or aggregate"), targets
        if not targets:
            return "unmatched", [], f"{what}: crosswalk target not in registry", []
        verb = CHANGE_EN.get(r0["change"], r0["change"])
        old = r0["old_name"] or what
        return "remapped", targets, f"{old} {verb} {r0['new_name']}{year} (crosswalk: {r0['change']})", []

    def _year_note(self, key, year) -> str:
        if _is_blank(year):
            return ""
        try:
            y = int(year)
        except (TypeError, ValueError):
            return ""
        notes = []
        for r in self._cw_new.get(key, []):
            if r["year"] and y < int(r["year"]):
                if r["change"] == "新设":
                    notes.append(f"{r['new_name']} was created in {r['year']}; a {y} figure predates it")
                elif r["change"] != "代码别名":
                    notes.append(f"a {y} figure predates the {r['year']} change "
                                 f"({r['old_name']} -> {r['new_name']}: {r['change']})")
        return "; ".join(dict.fromkeys(notes))

    def _resolve_parent(self, parent) -> set:
        """Codes the parent may stand for (empty set when unrecognised)."""
        if self._parent_matcher is None:
            self._parent_matcher = _parent_matcher()
        status, keys, _, cands = self._parent_matcher._find(parent, None)
        if status in ("exact", "normalized", "remapped"):
            return {k[0] for k in keys}
        if status == "ambiguous":
            return {k[0] for k in cands}
        return set()

    def _unmatched(self, key: str, parents, zh: bool):
        other = [k for k in self._all_full.get(key, []) + self._all_full.get(strip_suffix(key), [])
                 if k not in self._units]
        if other and zh:
            name, lv = self._all[other[0]]["name"], self._all[other[0]]["level"]
            note = Note("other_level", f"{name} is a {lv}-level unit, not {self.level}", name=name, level=lv,
                        wanted=self.level)
        else:
            note = Note("no_name", "no region of that name")
        return "unmatched", [], note, self._suggest(key, parents, zh)

    def _suggest(self, key: str, parents, zh: bool, limit: int = 5) -> list:
        """Close names: same parent first, then the whole level (difflib ratio)."""
        index = self._short if zh else self._en
        if self._char_index is None:
            self._char_index = {"zh": _gram_index(self._short, 1), "en": _gram_index(self._en, 2)}
        grams = _grams(key, 1 if zh else 2)
        counts = Counter()
        for g in grams:
            for name in self._char_index["zh" if zh else "en"].get(g, ()):
                counts[name] += 1
        pool = [name for name, _ in counts.most_common(60)]
        scored = sorted(pool, key=lambda s: -difflib.SequenceMatcher(None, key, s).ratio())
        out = []
        for name in scored:
            if difflib.SequenceMatcher(None, key, name).ratio() < 0.5:
                break
            for k in index[name]:
                if k not in out:
                    out.append(k)
        if parents:
            out.sort(key=lambda k: not self._under(k, parents))
        return out[:limit]


@lru_cache(maxsize=1)
def _parent_matcher() -> RegionMatcher:
    """Parents are provinces or prefectures, never counties (Yunan is not 云安区)."""
    return RegionMatcher(None, _levels=("province", "city"))


@lru_cache(maxsize=1)
def _registry() -> dict:
    """(code, level) -> row, plus the simplified form of the traditional name
    (s2tw then t2s does not always round-trip: 浚县 -> 濬縣 -> 濬县)."""
    regions = load_regions()
    rows = {(r["code"], r["level"]): r for r in regions.to_dict("records")}
    for r in rows.values():
        r["tc_key"] = zh_key(r["name_tc"])
    return rows


@lru_cache(maxsize=1)
def load_crosswalk() -> pd.DataFrame:
    """data/geo/crosswalk.csv as strings (empty, not NaN, for missing cells)."""
    return pd.read_csv(CROSSWALK_CSV, dtype=str, keep_default_na=False, encoding="utf-8")


_OLD_PINYIN = {"淮阴": "huaiyin", "哲里木": "zhelimu", "达川": "dachuan", "宿县": "suxian",
               "荆沙": "jingsha", "开县": "kaixian", "双桥": "shuangqiao", "万盛": "wansheng",
               "襄樊": "xiangfan", "思茅": "simao", "巢湖": "chaohu", "莱芜": "laiwu",
               "伊克昭": "yikezhao", "崇文": "chongwen", "宣武": "xuanwu", "卢湾": "luwan",
               "闸北": "zhabei", "南汇": "nanhui", "塘沽": "tanggu", "汉沽": "hangu",
               "大港": "dagang"}


def _grams(text: str, n: int) -> set:
    return {text[i:i + n] for i in range(max(len(text) - n + 1, 1))}


def _gram_index(index: dict, n: int) -> dict:
    out: dict[str, set] = defaultdict(set)
    for name in index:
        for g in _grams(name, n):
            out[g].add(name)
    return out


def _factorize(seq, n: int, what: str = "values"):
    """Integer codes and unique values (None for missing) without a Python loop per row."""
    if seq is None or np.isscalar(seq):
        return np.zeros(n, dtype=np.int64), [_hashable(seq)]
    s = seq if isinstance(seq, pd.Series) else pd.Series(list(seq) if not hasattr(seq, "__len__") else seq)
    if len(s) != n:
        raise ValueError(f"{what} must have one entry per value ({len(s)} != {n})")
    try:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    except TypeError:  # unhashable entries (lists): compare their text
        codes, uniques = pd.factorize(s.map(_hashable), use_na_sentinel=True)
    uniques = [_hashable(u) for u in uniques] + [None]
    codes = np.where(codes < 0, len(uniques) - 1, codes).astype(np.int64)
    return codes, uniques


def _hashable(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    try:
        hash(v)
        return v
    except TypeError:
        return str(v)


def _is_blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _join(a: str, b: str) -> str:
    return "; ".join(x for x in (a, b) if x)
