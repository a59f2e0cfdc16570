"""Cell cleaning for user uploads: how a yearbook cell becomes a number.

Why a module of its own: yearbooks and department spreadsheets write numbers
in many ways (``1,234``, full-width ``１２３``, ``12.3①``, ``45%``) and mark
gaps with ``—``, ``…``, ``..`` or ``#N/A``. Every reading is reported back to
the user, so the rules live in one place and say what they did.

Speed: :func:`parse_numbers` first lets ``pd.to_numeric`` take every plain
number at C speed, then runs the Python rules only on the *unique* leftover
strings, so a 1.7 M-row column with a few odd cells costs one vectorised pass.
"""
from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import pandas as pd

# Cells that mean "no figure" in Chinese statistical tables (and spreadsheets).
MISSING_TOKENS = frozenset({
    "", "-", "--", "---", "—", "——", "–", "－", "―", "…", "……", "...", "..", ".",
    "#N/A", "N/A", "n/a", "NA", "na", "n.a.", "N.A.", "nan", "NaN", "NAN", "null", "NULL",
    "None", "none", "无", "空", "暂无", "/", "x", "X", "×", "*",
})
# Spreadsheet error values other than #N/A: a broken formula is not a gap.
_EXCEL_ERROR = re.compile(r"^#(DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|GETTING_DATA|SPILL!|CALC!)$", re.I)
# Footnote marks written after a figure: 12.3*, 12.3①, 12.3⑴, 12.3¹, 12.3†.
# Stripped *before* NFKC, which would turn ① or ¹ into a digit.
FOOTNOTE = re.compile(r"[\s]*[*＊†‡§#①-⑳⑴-⒇⒈-⒛❶-❿➀-➉¹²³⁰⁴-⁹]+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACED_THOUSANDS = re.compile(r"^[+-]?\d{1,3}( \d{3})+(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_YEAR = re.compile(r"^\s*(\d{4})(?:\.0+)?\s*(?:年|年度|年末|年底|年初|年份)?\s*$")
YEAR_MIN, YEAR_MAX = 1900, 2100


def nfkc(text: str) -> str:
    """Full-width digits, commas and percent signs to ASCII (１２，３ -> 12,3)."""
    return unicodedata.normalize("NFKC", text)


# How a cell was read: the English step `clean_cell` writes into `how` (joined by "; "; the importer reads
# "percent" and "footnote" in them), keyed by its UI string imp.how.<key> (how_text).
HOW = {"number": "number", "empty": "empty", "full_width": "full-width characters",
       "percent": "percent sign dropped (value kept as written, unit %)", "thousands": "thousands separator",
       "not_a_number": "not a number", "not_finite": "not a finite number", "gap_marker": "gap marker {marker}",
       "footnote": "footnote mark {mark}", "excel_error": "spreadsheet error {error}"}


def clean_cell(text: str) -> tuple[float, str, str]:
    """Read one cell: ``(value, outcome, how)``.

    outcome is ``number`` (value set), ``missing`` (a gap marker; value NaN)
    or ``rejected`` (text that is not a figure; value NaN). ``how`` says in
    words what was done, e.g. ``"thousands separator; footnote mark ①"``.
    """
    raw = "" if text is None else str(text)
    t = raw.strip()
    steps: list[str] = []
    if t in MISSING_TOKENS:
        return math.nan, "missing", HOW["gap_marker"].format(marker=repr(t)) if t else HOW["empty"]
    m = FOOTNOTE.search(t)
    if m and m.start() > 0:
        steps.append(HOW["footnote"].format(mark=t[m.start():].strip()))
        t = t[: m.start()].strip()
    n = nfkc(t).strip()
    if n != t:
        steps.append(HOW["full_width"])
    n = n.replace("\u2212", "-")  # typographic minus
    if n in MISSING_TOKENS:
        return math.nan, "missing", HOW["gap_marker"].format(marker=repr(raw.strip()))
    if _EXCEL_ERROR.match(n):
        return math.nan, "rejected", HOW["excel_error"].format(error=n)
    if n.endswith("%"):
        n = n[:-1].strip()
        steps.append(HOW["percent"])
    if _THOUSANDS.match(n):
        n = n.replace(",", "")
        steps.append(HOW["thousands"])
    elif _SPACED_THOUSANDS.match(n):
        n = n.replace(" ", "")
        steps.append(HOW["thousands"])
    if not _PLAIN_NUMBER.match(n):
        return math.nan, "rejected", HOW["not_a_number"]
    value = float(n)
    if not math.isfinite(value):
        return math.nan, "rejected", HOW["not_finite"]
    return value, "number", "; ".join(steps) or HOW["number"]


# HOW read backwards: a plain step's key, and for a step with a parameter its pattern, key and parameter name
_HOW_FIXED = {text: key for key, text in HOW.items() if "{" not in text}
_HOW_WITH = [(re.compile("^" + re.escape(text[:text.index("{")]) + "(.*)$", re.S), key,
              text[text.index("{") + 1:text.index("}")]) for key, text in HOW.items() if "{" in text]


def how_text(how: str, lang: str) -> str:
    """clean_cell's `how` in the page's language ("thousands separator; footnote mark ①" -> "千位分隔符；…")."""
    from i18n import t
    out = []
    for step in str(how or "").split("; ") if how else []:
        if step in _HOW_FIXED:
            out.append(t(f"imp.how.{_HOW_FIXED[step]}", lang))
            continue
        for pattern, key, name in _HOW_WITH:
            if m := pattern.match(step):
                out.append(t(f"imp.how.{key}", lang, **{name: m.group(1)}))
                break
        else:
            out.append(step)
    return ("；" if lang == "zh" else "; ").join(out)


_PLAIN_RE2 = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_THOUSANDS_RE2 = r"^\s*[+-]?\d{1,3}(,\d{3})+(\.\d+)?\s*$"


def _arrow_strings(cells: pd.Series):
    import pyarrow as pa
    s = cells if isinstance(cells.dtype, pd.StringDtype) else cells.astype("str")
    arr = pa.array(s.array) if not isinstance(s.array, pa.ChunkedArray) else s.array
    return arr.cast(pa.string()) if arr.type != pa.string() else arr


OUTCOMES = ["number", "missing", "rejected"]


def parse_numbers(cells: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`clean_cell` over a column of strings.

    Returns a frame on the same index with ``value`` (float), ``outcome``
    (categorical number|missing|rejected) and ``how`` (categorical; "" for
    plain numbers). Plain numbers are recognised and converted inside Arrow
    (regex + cast); the Python rules run once per distinct leftover string.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    n = len(cells)
    value = np.full(n, np.nan)
    outcome = np.zeros(n, dtype=np.int8)
    how = np.zeros(n, dtype=np.int32)
    how_labels = [""]
    if n:
        arr = _arrow_strings(cells)
        plain = pc.fill_null(pc.match_substring_regex(arr, _PLAIN_RE2), False)
        mask = np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)
        if mask.any():
            picked = pc.utf8_trim_whitespace(arr.filter(plain))
            try:
                value[mask] = np.asarray(pc.cast(picked, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
            except (pa.ArrowInvalid, ValueError):
                value[mask] = pd.to_numeric(pd.Series(picked.to_pylist(), dtype=object),
                                            errors="coerce").to_numpy(dtype=float)
        fast = mask & np.isfinite(value)
        # 1,234.5 -- every figure of an Excel export can look like this: also handled inside Arrow
        thou = np.asarray(pc.fill_null(pc.match_substring_regex(arr, _THOUSANDS_RE2), False)
                          .to_numpy(zero_copy_only=False), dtype=bool) & ~fast
        if thou.any():
            picked = pc.replace_substring(pc.utf8_trim_whitespace(arr.filter(pa.array(thou))), ",", "")
            value[thou] = np.asarray(pc.cast(picked, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
            how_labels.append(HOW["thousands"])
            how[thou] = len(how_labels) - 1
            fast |= thou & np.isfinite(value)
        rest = np.flatnonzero(~fast)
        if len(rest):
            leftovers = pd.Series(arr.take(pa.array(rest)).to_pylist(), dtype=object).fillna("")
            codes, uniques = pd.factorize(leftovers)
            readings = [clean_cell(u) for u in uniques]
            how_labels += sorted({r[2] for r in readings} - {"", "number", *how_labels})
            how_index = {h: i for i, h in enumerate(how_labels)} | {"number": 0}
            value[rest] = np.array([r[0] for r in readings], dtype=float)[codes]
            outcome[rest] = np.array([OUTCOMES.index(r[1]) for r in readings], dtype=np.int8)[codes]
            how[rest] = np.array([how_index[r[2]] for r in readings], dtype=np.int32)[codes]
    return pd.DataFrame({"value": value,
                         "outcome": pd.Categorical.from_codes(outcome, categories=OUTCOMES),
                         "how": pd.Categorical.from_codes(how, categories=pd.Index(how_labels, dtype=object))},
                        index=cells.index)


def parse_year(text) -> int | None:
    """``2016``, ``2016年``, ``2016年末``, ``2016.0``, ``２０１６年`` -> 2016; else None."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if isinstance(text, float) and (not math.isfinite(text) or text != int(text)):
            return None
        year = int(text)
    else:
        m = _YEAR.match(nfkc(str(text)))
        if not m:
            return None
        year = int(m.group(1))
    return year if YEAR_MIN <= year <= YEAR_MAX else None


def parse_years(cells: pd.Series) -> pd.Series:
    """Vectorised :func:`parse_year` (once per distinct value); nullable Int64."""
    codes, uniques = pd.factorize(cells.astype("str").fillna(""))
    years = np.array([parse_year(u) or -1 for u in uniques] + [-1], dtype="int64")[codes]
    return pd.Series(pd.array(years, dtype="Int64"), index=cells.index).where(years >= 0, pd.NA)


# Words in an indicator's name that are evidence of its domain (ids of data/bundled/domains.csv).
DOMAIN_WORDS = {
    "childcare": ("托育", "托位", "托儿", "幼儿园", "学前", "婴幼儿", "入园"),
    "education": ("学校", "小学", "初中", "高中", "中学", "高校", "教师", "学生", "生师比", "教育", "入学"),
    "employment": ("就业", "失业", "收入", "工资", "可支配", "劳动"),
    "health": ("医疗", "卫生", "医院", "医生", "医师", "护士", "诊所", "健康", "预期寿命"),
    "elderly": ("养老", "老年", "老人", "退休"),
    "housing": ("住房", "保障房", "廉租", "公租", "棚户", "住宅"),
    "vulnerable": ("低保", "残疾", "救助", "特困", "孤儿", "福利"),
    "culture_sports": ("图书馆", "博物馆", "文化", "体育", "健身", "藏书"),
    "infrastructure": ("用水", "供水", "燃气", "道路", "公交", "公共交通", "宽带", "互联网", "污水", "公路", "普及率",
                       "厕所", "公园", "绿地"),
    "fiscal": ("财政", "预算", "支出", "转移支付"),
    "context": ("人口", "面积", "生产总值", "GDP", "城镇化"),
}


def guess_domain(name: str) -> tuple[str | None, str]:
    """The domain an indicator's name gives evidence for, and the word that is the evidence.

    Spending (财政, 支出) wins over what is spent on; background words (人口) count only when
    nothing else does ("每千人口床位" is not a context indicator). No word, or words of two
    domains: (None, "") -- ask the user rather than file population under childcare.
    """
    text = nfkc(str(name or ""))
    hits = {d: next(w for w in words if w in text) for d, words in DOMAIN_WORDS.items()
            if any(w in text for w in words)}
    if "fiscal" in hits:
        return "fiscal", hits["fiscal"]
    if len(hits) > 1:
        hits.pop("context", None)
    return next(iter(hits.items())) if len(hits) == 1 else (None, "")


def clean_label(text) -> str:
    """A region or indicator label as written, minus footnote marks and stray blanks.

    Codes read from spreadsheets as floats (``110000.0``) become ``110000``.
    The original text is still kept in the report.
    """
    t = "" if text is None else str(text).strip()
    m = FOOTNOTE.search(t)
    if m and m.start() > 0:
        t = t[: m.start()].strip()
    t = t.replace("\u3000", " ").strip()
    if re.fullmatch(r"\d+\.0+", t):
        t = t.split(".")[0]
    return t


def neutralise_formula(value):
    """Make a cell safe to open in a spreadsheet (CSV/formula injection).

    Text starting with ``= + - @`` or a tab/CR gets a leading ``'``; numbers,
    and text that is just a number such as ``-12.5``, stay as they are.
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in "=+-@\t\r" and not _PLAIN_NUMBER.match(value.strip()):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """:func:`neutralise_formula` on every text cell and column name (copy)."""
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(neutralise_formula)
    out.columns = [neutralise_formula(c) if isinstance(c, str) else c for c in out.columns]
    return out
