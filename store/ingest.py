"""Bring-your-own-data importer: any planner's table -> tidy observations + catalog rows.

Pipeline (pure, no streamlit; the Data page builds on it)::

    raw    = read_table(data, filename, sheet=None, limits=Limits())   # store.ingest_read
    roles  = detect_roles(raw)                  # which column is region / year / value ...
    result = import_table(raw, roles, IndicatorMeta(name_zh=...), level="province")
    result.observations, result.catalog         # bundled schema, ready for load_store(extra=...)
    result.report, result.row_outcomes          # what happened to every input row

Every input row (a body row of the table) ends in exactly one outcome: ``used``
(at least one figure kept), ``skipped`` (nothing to keep and nothing wrong:
empty row, summary row such as 全国/合计/东部地区, all cells gap markers) or
``rejected`` (something wrong: unknown or ambiguous region, unreadable year or
figures, duplicate region-year key). ``report.counts`` adds them up.

``row_outcomes`` has one row per input row: row (1-based row number in the
file or sheet), region (as written), outcome, reason, detail (candidates,
"duplicate of row 8", the matcher's note), values / missing / rejected_cells
(figures kept, gap markers, cells refused in that row). Reason codes (stable,
for i18n in the UI): empty_row, repeated_header, summary_row, no_values
(skipped); no_region, unmatched_region, ambiguous_region, bad_year, bad_value,
duplicate_key, no_indicator, error (rejected).

Errors: ``read_table``/``list_sheets``/``template`` raise only ``IngestError``
(``.code`` + a bilingual message); ``import_table`` never raises -- whole-table
problems (no region column, no year, nothing importable) come back in
``result.report.errors`` with every row marked rejected/error.

Regions are matched on *unique* (region, parent) pairs with
``geo.matcher.RegionMatcher(level).match(values, parents, year)``, so a 1.7 M
row county table costs a few thousand lookups. Values are parsed by
``store.ingest_clean`` (full-width digits, 1,234, 12.3①, 45%, —/…/#N/A).
Figures are never "fixed": year-on-year jumps (to >=1.5x or <=1/1.5 of the
previous available year) are reported and flagged ``suspect_jump`` like the
bundled data; outliers (robust z > 6 within an indicator-year) are reported.
A value written with a footnote mark (12.3①) is kept with flag ``footnote``.

Speed: every column is factorised once and the per-value rules (label
cleaning, summary detection, matching, odd cells) run on distinct values only;
the rest is integer arrays (NumPy) and Arrow strings. A 1.7 M-row county
table takes ~3 s of CPU (scripts/bench_ingest.py).

Indicator ids are ``user_<slug>_<hash>``; bundled ids never start with
``user_``, so a user indicator cannot shadow a bundled one.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from geo.regions import LEVELS
from i18n import t
from store.ingest_clean import (clean_cell, clean_label, neutralise_formula, neutralise_frame, nfkc,
                                parse_numbers, parse_year, parse_years)
from store.ingest_read import IngestError, Limits, RawTable, list_sheets, read_table
from store.messages import Message
from store.model import CATALOG_COLUMNS, TARGET_COLUMNS

__all__ = [
    "Limits", "IngestError", "RawTable", "Roles", "IndicatorMeta", "ImportReport", "ImportResult",
    "read_table", "list_sheets", "detect_roles", "import_table", "template",
    "neutralise_formula", "neutralise_frame", "OBSERVATION_COLUMNS", "CATALOG_COLUMNS", "TARGET_COLUMNS", "LEVELS",
]

OBSERVATION_COLUMNS = ["code", "year", "indicator", "value", "flag", "source"]
LEVEL_ALIASES = {"prefecture": "city", "省": "province", "省级": "province", "市": "city", "地级": "city",
                 "地级市": "city", "县": "county", "县级": "county", "区县": "county"}
ROW_OUTCOME_COLUMNS = ["row", "region", "outcome", "reason", "detail", "values", "missing", "rejected_cells"]

JUMP_RATIO = 1.5      # a change to >=150 % or <=1/1.5 of the previous figure is reported
OUTLIER_Z = 6.0       # robust z-score (median/MAD) within an indicator-year
OUTLIER_MIN_N = 8

# ----------------------------------------------------------------------------- roles

_REGION_WORDS = ("地区", "地区名称", "省份", "省", "省区市", "省市", "城市", "地级市", "市", "县", "区县", "县区",
                 "县市区", "县(市、区)", "行政区", "行政区划", "行政区划代码", "区划代码", "代码", "地区代码",
                 "名称", "地名", "region", "province", "city", "county", "prefecture", "district", "name",
                 "area", "code", "adcode", "region_code", "region_name")
_PARENT_WORDS = ("省", "省份", "所属省份", "所属省", "省名", "上级", "上级地区", "所属地区", "所属地市", "地市",
                 "province", "parent", "province_name", "parent_name")
_YEAR_WORDS = ("年份", "年度", "年", "时间", "统计年度", "year", "time", "period")
_INDICATOR_WORDS = ("指标", "指标名称", "项目", "变量", "名称指标", "indicator", "variable", "item", "series",
                    "measure")
_VALUE_WORDS = ("数值", "值", "数据", "数量", "value", "values", "amount", "val", "obs_value")
_UNIT_WORDS = ("单位", "计量单位", "unit", "units")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CODE = re.compile(r"^\d{6}(\d{3}|\d{6})?$")


def _norm_label(label: str) -> str:
    return re.sub(r"[\s_/]+", "", nfkc(str(label)).lower().split(" / ")[-1]) if label else ""


def _label_in(label: str, words) -> bool:
    lab = _norm_label(label)
    return lab in {re.sub(r"[\s_/]+", "", w.lower()) for w in words}


@dataclass
class Roles:
    """Which column plays which part. Editable by the user before importing.

    shape: ``long`` (one figure per row: region, [year], [indicator], value),
    ``wide_year`` (one column per year; ``year_columns`` maps column -> year;
    a merged header above the years may name the indicator), or
    ``wide_indicator`` (one column per indicator, ``indicator_columns``).
    """
    shape: str = "long"
    region: str | None = None
    parent: str | None = None
    year: str | None = None
    indicator: str | None = None
    value: str | None = None
    unit: str | None = None
    year_columns: dict[str, int] = field(default_factory=dict)
    indicator_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # where a merged unit's rows collide with its successor's own: keep "own" (the successor's) or "merged"
    merger_keep: str = "own"


def _column_stats(col: pd.Series) -> dict:
    sample = col.iloc[:3000]
    vals = [v for v in pd.unique(sample) if v != ""]
    nonempty = (sample != "").sum()
    if not vals:
        return {"n": 0, "number": 0.0, "text": 0.0, "code": 0.0, "year": 0.0, "cjk": 0.0, "unique": 0}
    counts = sample[sample != ""].value_counts()
    readings = {v: clean_cell(v)[1] for v in vals}

    def share(pred) -> float:
        return float(sum(c for v, c in counts.items() if pred(v)) / max(nonempty, 1))
    return {
        "n": int(nonempty),
        "number": share(lambda v: readings[v] == "number"),
        "missing": share(lambda v: readings[v] == "missing"),
        "text": share(lambda v: readings[v] == "rejected"),
        "code": share(lambda v: bool(_CODE.match(clean_label(v)))),
        "year": share(lambda v: parse_year(v) is not None),
        "cjk": share(lambda v: bool(_CJK.search(v))),
        "unique": len(vals),
    }


def detect_roles(raw: RawTable) -> Roles:
    """Guess the table's shape and the role of each column (the user may correct it).

    Region: a column of Chinese place names or 6/9/12-digit codes, preferring
    labelled ones (地区, 省份, 城市, code ...) and codes over names; English
    names are only used when nothing else is there (they collide: two Suzhou).
    Parent: a second place-name column with fewer distinct values (省份).
    Year columns: headers like ``2016``, ``2016年``, ``2016年末``.
    """
    roles = Roles()
    cols = list(raw.columns)
    stats = {c: _column_stats(raw.body[c]) for c in cols}
    # wide by year: the last header part of a column is a year
    for c, parts in zip(cols, raw.header_parts or [(c,) for c in cols]):
        y = parse_year(parts[-1]) if parts else None
        if y is not None:
            roles.year_columns[c] = y
    free = [c for c in cols if c not in roles.year_columns]

    def take(pred, words=None):
        found = [c for c in free if (words is None or _label_in(c, words)) and pred(c)]
        return found[0] if found else None

    roles.unit = take(lambda c: stats[c]["text"] >= 0.5, _UNIT_WORDS)
    roles.indicator = take(lambda c: stats[c]["text"] >= 0.5, _INDICATOR_WORDS)
    roles.year = take(lambda c: stats[c]["year"] >= 0.5, _YEAR_WORDS) or (
        None if roles.year_columns else take(lambda c: stats[c]["year"] >= 0.95 and stats[c]["unique"] < 200
                                             and not _label_in(c, _REGION_WORDS)))
    used = {roles.unit, roles.indicator, roles.year}
    placey = [c for c in free if c not in used and stats[c]["n"] and
              (stats[c]["text"] >= 0.6 or stats[c]["code"] >= 0.8)]
    codes = [c for c in placey if stats[c]["code"] >= 0.8]
    chinese = [c for c in placey if stats[c]["cjk"] >= 0.6 and c not in codes]
    others = [c for c in placey if c not in codes and c not in chinese]

    def best(cands):
        labelled = [c for c in cands if _label_in(c, _REGION_WORDS)]
        pool = labelled or cands
        return max(pool, key=lambda c: stats[c]["unique"]) if pool else None

    roles.region = best(codes) or best(chinese) or best(others)
    if roles.region:
        pool = chinese if roles.region in chinese else (others if roles.region in others else chinese)
        def place_like(c) -> bool:  # short names without digits or units, filled wherever the region is
            vals = [v for v in pd.unique(raw.body[c].iloc[:3000]) if v]
            return stats[c]["n"] >= 0.8 * stats[roles.region]["n"] and all(
                len(v) <= 12 and not re.search(r"[\d()（）]", v) for v in vals)
        parents = [c for c in pool if c != roles.region and stats[c]["unique"] < stats[roles.region]["unique"]
                   and (_label_in(c, _PARENT_WORDS) or stats[c]["unique"] <= 40) and place_like(c)]
        if roles.region in codes:
            parents = []  # a code says everything
        roles.parent = parents[0] if parents else None
        if roles.region in others:
            roles.notes.append(Message("store.ingest.region_not_chinese"))
    used |= {roles.region, roles.parent}
    numeric = [c for c in free if c not in used and stats[c]["n"]
               and stats[c]["number"] > 0 and stats[c]["number"] + stats[c]["missing"] >= 0.5]
    labelled_value = take(lambda c: c not in used, _VALUE_WORDS)
    if roles.year_columns and not roles.year:
        roles.shape = "wide_year"
    elif roles.indicator or labelled_value or (len(numeric) <= 1 and roles.year):
        roles.shape = "long"
        roles.value = labelled_value or (numeric[-1] if numeric else None)
    else:
        roles.shape = "wide_indicator"
        roles.indicator_columns = numeric
    if not roles.indicator:
        # a text column of a few names with units, e.g. '一般公共预算支出（亿元）': the table may mix indicators
        used |= {roles.value, *roles.indicator_columns}
        for c in free:
            if c in used or not stats[c]["n"] or stats[c]["unique"] > 20 or stats[c]["text"] < 0.9:
                continue
            names = [v for v in pd.unique(raw.body[c].iloc[:3000]) if v]
            if names and all(split_unit(re.sub(r"[a-z]$", "", clean_label(v)))[1] for v in names):
                roles.notes.append(Message("store.ingest.indicator_names_column", column=c, names="、".join(names[:3])))
    return roles


# ----------------------------------------------------------------------------- meta, result

@dataclass
class IndicatorMeta:
    """What the user tells us about the figures (form fields of the Data page).

    Blank fields are filled from the file (NBS header ``指标：名称(单位)``, a
    units row, ``名称（单位）`` headers) where possible. ``year`` is used when
    the table has no year column (e.g. a one-year yearbook table).
    """
    name_zh: str = ""
    name_en: str = ""
    unit_zh: str = ""
    unit_en: str = ""
    domain: str = "context"      # an id of data/bundled/domains.csv
    direction: int = 0           # 1 higher is better, -1 lower is better, 0 context
    definition_zh: str = ""
    definition_en: str = ""
    source: str = ""
    caveats_zh: str = ""
    caveats_en: str = ""
    agencies: str = ""
    year: int | None = None
    # The policy target the figures are held against (one-indicator tables; its comparator
    # follows `direction`), when it was set and in which document.
    target: float | None = None
    target_year: int | None = None
    target_document: str = ""


@dataclass
class ImportReport:
    """Everything the user should see before saving. Tables keep raw cell text.

    counts: input_rows, used, skipped, rejected (used+skipped+rejected ==
    input_rows), observations, cells_missing, cells_rejected, duplicates,
    summary_rows, regions_* by match status, jumps, outliers.
    """
    counts: dict = field(default_factory=dict)
    regions: pd.DataFrame = field(default_factory=pd.DataFrame)
    cells: pd.DataFrame = field(default_factory=pd.DataFrame)
    duplicates: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    jumps: pd.DataFrame = field(default_factory=pd.DataFrame)
    outliers: pd.DataFrame = field(default_factory=pd.DataFrame)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _no_target() -> pd.DataFrame:
    return pd.DataFrame(columns=TARGET_COLUMNS)


@dataclass
class ImportResult:
    """observations (OBSERVATION_COLUMNS), catalog (CATALOG_COLUMNS), report, row_outcomes, level used."""
    observations: pd.DataFrame
    catalog: pd.DataFrame
    report: ImportReport
    row_outcomes: pd.DataFrame
    level: str | None = None
    targets: pd.DataFrame = field(default_factory=_no_target)

    @property
    def ok(self) -> bool:
        return not self.report.errors and len(self.observations) > 0


def _empty_observations() -> pd.DataFrame:
    return pd.DataFrame({"code": pd.Series(dtype=str), "year": pd.Series(dtype="int64"),
                         "indicator": pd.Series(dtype=str), "value": pd.Series(dtype="float64"),
                         "flag": pd.Series(dtype=str), "source": pd.Series(dtype=str)})


# ----------------------------------------------------------------------------- regions

_SUMMARY = re.compile(
    r"^(全国|全国合计|全国总计|中国|合计|总计|小计|总数|全省|全市|全区|全县|全州|全盟|省合计|市合计|"
    r"东部|中部|西部|东北|东部地区|中部地区|西部地区|东北地区|东部沿海|其中|其中[:：].*|#.*|"
    r"total|sum|national|china|all)$", re.I)


def is_summary_label(label: str) -> bool:
    """全国, 合计, 东部地区, 其中 ... : rows that aggregate regions, not regions."""
    t = re.sub(r"\s+", "", nfkc(label or ""))
    return bool(_SUMMARY.match(t))


@lru_cache(maxsize=4)
def _matcher(level: str):
    from geo.matcher import RegionMatcher  # lazy: the importer's parsing works without it
    return RegionMatcher(level)


def _guess_level(regions: pd.Series, matcher_for) -> tuple[str | None, Message]:
    """The level most of the region names (or codes) belong to, and why."""
    vals = [v for v in pd.unique(regions) if v and not is_summary_label(v)][:400]
    if not vals:
        return None, Message("store.ingest.no_region_values")
    codes = [v for v in vals if _CODE.match(v)]
    if len(codes) >= 0.8 * len(vals):
        six = [c[:6] for c in codes]
        if all(c.endswith("0000") for c in six):
            return "province", Message("store.ingest.codes_province")
        if all(c.endswith("00") for c in six):
            return "city", Message("store.ingest.codes_city")
        return "county", Message("store.ingest.codes_county")
    best, best_share = None, -1.0
    for lv in LEVELS:
        try:
            m = matcher_for(lv).match(vals)
        except Exception:
            continue
        share = m["status"].isin(["exact", "normalized", "remapped"]).mean()
        if share > best_share + 0.05:
            best, best_share = lv, share
    return best, Message("store.ingest.names_match", share=f"{best_share:.0%}", level=best,
                         level_zh=t(f"level.{best}", "zh"), level_en=t(f"level.{best}", "en").lower())


def _match(pairs: pd.DataFrame, level: str, matcher_for, year) -> pd.DataFrame:
    """Match unique (region, parent) pairs; returns pairs + code/name/status/candidates/note."""
    m = matcher_for(level).match(pairs["region"].tolist(),
                                 parents=pairs["parent"].tolist() if pairs["parent"].ne("").any() else None,
                                 year=year)
    m = m.reset_index(drop=True)
    out = pairs.reset_index(drop=True).copy()
    for c in ("code", "name", "status", "candidates", "note"):
        out[c] = m[c] if c in m.columns else None
    out["code"] = out["code"].astype(object).where(out["code"].notna(), None)
    out["status"] = out["status"].fillna("unmatched").astype(str)
    # Messages, translated by the page in details and the regions report (Series.map would make them plain str)
    out["note"] = pd.Series([_matcher_note(n) for n in out["note"]], index=out.index, dtype=object)
    return out


# ----------------------------------------------------------------------------- import

def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", nfkc(text).lower()).strip("_")
    return (s[:24].strip("_") or "ind")


def indicator_id(name: str, unit: str, level: str | None, salt: str = "", slug_from: str = "") -> str:
    """``user_<slug>_<hash>``: stable for the same file and indicator, never a bundled id."""
    h = hashlib.sha1(f"{name}|{unit}|{level}|{salt}".encode()).hexdigest()[:10]
    return f"user_{_slug(slug_from or name)}_{h}"


_PERIOD = re.compile(r"^\d{4}\s*(年|年度)?(\s*[-–—~至到]\s*\d{4}\s*(年|年度)?)?$")


def split_unit(label: str) -> tuple[str, str]:
    """``名称（单位）`` -> (名称, 单位); a title's period, ``(2000-2022年)``, is no unit."""
    m = re.match(r"^(.*?)\s*[（(]\s*([^()（）]{1,20})\s*[)）]\s*$", nfkc(label or "").strip())
    if not m or not m.group(1).strip() or _PERIOD.match(m.group(2).strip()):
        return (label or "").strip(), ""
    return m.group(1).strip(), m.group(2).strip()


def _percent_only(ind_codes: np.ndarray, kept: np.ndarray, is_pct: np.ndarray) -> set:
    """Indicators whose every kept figure was written with %: one 45% cell among plain numbers is no unit."""
    return set(np.unique(ind_codes[kept & is_pct]).tolist()) - set(np.unique(ind_codes[kept & ~is_pct]).tolist())


def _hint_year(raw: RawTable) -> int | None:
    t = raw.hints.get("time", "")
    m = re.fullmatch(r"\s*(\d{4})\s*年?\s*", nfkc(t))
    return int(m.group(1)) if m else None


def _error_result(raw: RawTable | None, message: str, level=None) -> ImportResult:
    n = raw.n_rows if raw is not None else 0
    rows = raw.body.index.tolist() if raw is not None else []
    outcomes = pd.DataFrame({"row": rows, "region": "", "outcome": "rejected", "reason": "error",
                             "detail": message, "values": 0, "missing": 0, "rejected_cells": 0},
                            columns=ROW_OUTCOME_COLUMNS)
    report = ImportReport(counts={"input_rows": n, "used": 0, "skipped": 0, "rejected": n, "observations": 0},
                          errors=[message])
    return ImportResult(_empty_observations(), pd.DataFrame(columns=CATALOG_COLUMNS), report, outcomes, level)


def import_table(raw: RawTable, roles: Roles, meta: IndicatorMeta | None = None, level: str | None = None,
                 matcher=None) -> ImportResult:
    """Turn a RawTable into observations, catalog rows and a full report. Never raises.

    ``level`` is ``province``/``city``/``county`` (None: guessed from codes or
    from which level matches most names). ``matcher`` is a callable
    ``level -> object with .match(values, parents=None, year=None)``;
    default ``geo.matcher.RegionMatcher``. Problems come back in
    ``result.report.errors`` (whole table) or ``row_outcomes`` (per row).
    """
    level = LEVEL_ALIASES.get(level, level) if level else None
    if level is not None and level not in LEVELS:
        return _error_result(raw if isinstance(raw, RawTable) else None,
                             Message("store.ingest.unknown_level", level=repr(level)))
    try:
        return _import_table(raw, roles, meta or IndicatorMeta(), level, matcher or _matcher)
    except MemoryError:
        return _error_result(raw, Message("store.ingest.out_of_memory"), level)
    except Exception as exc:  # noqa: BLE001 - the user gets a message, never a traceback
        return _error_result(raw, Message("store.ingest.failed", error=f"{type(exc).__name__}: {exc}"), level)


def _factorized(s: pd.Series, fn=None) -> tuple[np.ndarray, np.ndarray]:
    """(codes, labels): distinct values of ``s`` passed once through ``fn``; equal results share a code."""
    codes, uniques = pd.factorize(s.astype("str").fillna(""), use_na_sentinel=False)
    labels = np.asarray([fn(u) if fn else u for u in uniques], dtype=object)
    if fn is None:
        return codes, labels
    c2, u2 = pd.factorize(labels)
    return c2[codes], np.asarray(u2, dtype=object)


def _cells_long(raw: RawTable, roles: Roles, meta: IndicatorMeta, default_year) -> tuple[pd.DataFrame,
                                                                                          Message | None]:
    """One row per figure cell: pos (row position), column, year, indicator (categorical), raw."""
    body = raw.body
    n = len(body)
    pos = np.arange(n)
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", raw.filename or "").strip()
    value_label = roles.value if roles.value and not _label_in(roles.value, _VALUE_WORDS) else ""
    single_name = meta.name_zh or raw.hints.get("name", "") or value_label or stem or "用户指标"

    def col(c) -> pd.Series:
        return body[c].reset_index(drop=True)

    def indicator_of_rows() -> pd.Categorical:
        codes, labels = _factorized(body[roles.indicator], clean_label)
        return pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object))

    def constant(label: str, k: int) -> pd.Categorical:
        return pd.Categorical.from_codes(np.zeros(k, dtype=np.int8), categories=pd.Index([label], dtype=object))

    if roles.shape == "long":
        if not roles.value:
            return pd.DataFrame(), Message("store.ingest.no_value_column")
        frame = pd.DataFrame({"pos": pos, "column": constant(roles.value, n),
                              "indicator": indicator_of_rows() if roles.indicator else constant(single_name, n),
                              "raw": col(roles.value)})
        years = parse_years(col(roles.year)) if roles.year else None
    elif roles.shape == "wide_year":
        ycols = [c for c in roles.year_columns if c in body.columns]
        if not ycols:
            return pd.DataFrame(), Message("store.ingest.no_year_columns")
        parts = dict(zip(raw.columns, raw.header_parts or [(c,) for c in raw.columns]))
        pieces = []
        for c in ycols:
            label = " / ".join(parts.get(c, (c,))[:-1])
            ind = indicator_of_rows() if roles.indicator else constant(label or single_name, n)
            pieces.append(pd.DataFrame({"pos": pos, "column": constant(c, n), "indicator": ind, "raw": col(c),
                                        "year": pd.array(np.full(n, roles.year_columns[c]), dtype="Int64")}))
        frame = pd.concat(pieces, ignore_index=True)
        years = frame.pop("year")
    elif roles.shape == "wide_indicator":
        icols = [c for c in roles.indicator_columns if c in body.columns]
        if not icols:
            return pd.DataFrame(), Message("store.ingest.no_indicator_columns")
        y = parse_years(col(roles.year)) if roles.year else None
        frame = pd.concat([pd.DataFrame({"pos": pos, "column": constant(c, n),
                                         "indicator": constant(single_name if len(icols) == 1 and (
                                             meta.name_zh or raw.hints.get("name")) else c, n),
                                         "raw": col(c)}) for c in icols], ignore_index=True)
        years = pd.concat([y] * len(icols), ignore_index=True) if y is not None else None
    else:
        return pd.DataFrame(), Message("store.ingest.unknown_shape", shape=repr(roles.shape))
    for c in ("column", "indicator"):  # concat of different categories falls back to object
        if not isinstance(frame[c].dtype, pd.CategoricalDtype):
            frame[c] = frame[c].astype("category")
    if years is not None:
        frame["year"] = pd.array(years, dtype="Int64")
    else:
        if default_year is None:
            return pd.DataFrame(), Message("store.ingest.no_year")
        frame["year"] = pd.array(np.full(len(frame), int(default_year)), dtype="Int64")
    return frame, None


REASONS = ["", "empty_row", "repeated_header", "summary_row", "no_values", "no_region", "unmatched_region",
           "ambiguous_region", "bad_year", "bad_value", "duplicate_key", "no_indicator", "error"]
SKIP_REASONS = ("empty_row", "repeated_header", "summary_row", "no_values")
_R = {r: np.int8(i) for i, r in enumerate(REASONS)}
_SUMMARY_DETAIL = Message("store.detail.summary_row")
_SUB_ITEM = re.compile(r"^\s*(其中|#)")


def _str_column(codes: np.ndarray, labels) -> pd.Series:
    """A string column from integer codes into labels, decoded inside Arrow (no Python objects per row)."""
    import pyarrow as pa
    labels = pa.array([str(x) for x in labels], type=pa.string())
    arr = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), labels).dictionary_decode()
    return pd.Series(arr.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow", na_value=np.nan)))


@dataclass
class _Rows:
    """Per input row: why it is skipped or rejected (an index into REASONS, 0 = not decided yet) and a
    detail text (an index into `details`, so a million rows share a few strings)."""
    reason: np.ndarray
    detail: np.ndarray
    details: list[str] = field(default_factory=lambda: [""])

    @classmethod
    def of(cls, n: int) -> "_Rows":
        return cls(np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.int32))

    @property
    def open(self) -> np.ndarray:
        return self.reason == 0

    def settle(self, mask, code: str, text: str | None = None) -> None:
        """Give rows in `mask` not yet settled the reason `code` (and the detail `text`)."""
        mask = mask & self.open
        self.reason[mask] = _R[code]
        if text is not None:
            self.details.append(text)
            self.detail[mask] = len(self.details) - 1

    def describe(self, row: int, text: str) -> None:
        self.details.append(text)
        self.detail[row] = len(self.details) - 1


@dataclass
class _Regions:
    """Region matching on unique (region, parent) pairs, spread back to rows."""
    level: str
    pairs: pd.DataFrame          # region, parent
    pair_id: np.ndarray          # per row: its pair
    need: np.ndarray             # per pair: matched (some row of it still open)
    matched: pd.DataFrame        # the matcher's answer for the needed pairs
    note: np.ndarray             # per pair: candidates / remap note
    code_labels: np.ndarray      # region codes ("" = none)
    code_id: np.ndarray          # per row: index into code_labels
    warnings: list[str]
    remapped: np.ndarray         # per pair: re-mapped by the crosswalk (a merged unit now read as its successor)


@dataclass
class _Figures:
    """Every figure cell: its parsed value, why it is refused, and which cells are kept."""
    cells: pd.DataFrame          # pos, column, indicator, raw, year
    parsed: pd.DataFrame         # parse_numbers(cells.raw)
    value: np.ndarray
    outcome: np.ndarray          # 0 number, 1 missing, 2 rejected
    how: np.ndarray              # codes into how_labels
    how_labels: np.ndarray
    year: np.ndarray             # float, nan where unreadable
    ind_codes: np.ndarray
    ind_labels: np.ndarray
    cell_code: np.ndarray        # per cell: index into the region codes
    row_ok: np.ndarray           # the cell's row is still open
    reason: np.ndarray           # per cell: index into REASONS
    keep: np.ndarray             # kept as an observation
    key: np.ndarray              # region-year-indicator key
    dup_idx: np.ndarray          # cells rejected as duplicates of a kept figure (see _drop_duplicates)
    merger_idx: np.ndarray       # those of them that are a merged unit's figure against its successor's own
    merger_keep: str             # which of such a pair is kept: "own" (the successor's) or "merged"


def _import_table(raw: RawTable, roles: Roles, meta: IndicatorMeta, level, matcher_for) -> ImportResult:
    """The import in named steps; a whole-table problem at any step ends it with every row rejected."""
    if not isinstance(raw, RawTable):
        return _error_result(None, Message("store.ingest.not_raw_table"))
    problem = _table_problem(raw, roles)
    if problem:
        return _error_result(raw, problem, level)
    rows = _Rows.of(len(raw.body))
    rcode, rlabels = _mark_rows(raw, roles, rows)
    regions = _match_regions(raw, roles, meta, level, matcher_for, rows, rcode, rlabels)
    if isinstance(regions, Message):
        return _error_result(raw, regions, level)
    cells, problem = _cells_long(raw, roles, meta, meta.year or _hint_year(raw))
    if problem:
        return _error_result(raw, problem, regions.level)
    figures = _parse_figures(cells, rows, regions, roles.merger_keep)
    row_outcomes, outcome, duplicates = _row_outcomes(raw, roles, rows, regions, figures)
    source = meta.source or raw.hints.get("source", "")
    catalog, id_by_code = _catalog(raw, roles, meta, regions.level, figures, source)
    observations, names, jumps = _observations(figures, regions, id_by_code, source)
    report = _report(raw, rows, regions, figures, row_outcomes, outcome, duplicates, catalog, observations, names,
                     jumps)
    return ImportResult(observations, catalog, report, row_outcomes, regions.level,
                        _user_target(catalog, meta, report.warnings))


def _table_problem(raw: RawTable, roles: Roles) -> Message | None:
    """What makes the whole table unimportable before any row is read: columns missing, no region, no rows."""
    missing_cols = [c for c in [roles.region, roles.parent, roles.year, roles.indicator, roles.value, roles.unit,
                                *roles.year_columns, *roles.indicator_columns] if c and c not in raw.body.columns]
    if missing_cols:
        return Message("store.ingest.missing_columns", columns=missing_cols)
    if not roles.region:
        return Message("store.ingest.no_region_column")
    if len(raw.body) == 0:
        return Message("store.ingest.no_rows")
    return None


def _mark_rows(raw: RawTable, roles: Roles, rows: _Rows) -> tuple[np.ndarray, np.ndarray]:
    """Settle the rows that are not regions (empty, repeated header, summary, no region); returns the region
    label of each row as (codes, labels), each distinct label handled once."""
    body = raw.body
    rcode, rlabels = _factorized(body[roles.region], clean_label)
    rows.settle((body != "").sum(axis=1).to_numpy() == 0, "empty_row")
    # a header repeated inside the table (yearbook page breaks, files pasted together)
    parts = raw.header_parts or [(c,) for c in raw.columns]
    last = {c: (p[-1] if p else c) for c, p in zip(raw.columns, parts)}
    same = sum(((body[c] == last[c]) & (body[c] != "")).to_numpy(dtype=int) for c in body.columns)
    rows.settle(same >= 2, "repeated_header", Message("store.detail.repeated_header"))
    sub_item = np.array([bool(_SUB_ITEM.match(nfkc(u))) for u in rlabels], dtype=bool)
    rows.settle(sub_item[rcode], "summary_row", Message("store.detail.sub_item"))
    rows.settle(np.array([is_summary_label(u) for u in rlabels], dtype=bool)[rcode], "summary_row", _SUMMARY_DETAIL)
    rows.settle((rlabels == "")[rcode], "no_region")
    return rcode, rlabels


def _match_regions(raw: RawTable, roles: Roles, meta: IndicatorMeta, level, matcher_for, rows: _Rows,
                   rcode: np.ndarray, rlabels: np.ndarray) -> _Regions | Message:
    """Guess the level if not given, match each unique (region, parent) pair once, and settle the rows
    whose region is a summary, ambiguous or unknown."""
    n = len(raw.body)
    if roles.parent:
        pcode, plabels = _factorized(raw.body[roles.parent], clean_label)
    else:
        pcode, plabels = np.zeros(n, dtype=np.intp), np.array([""], dtype=object)
    match_year = roles.year_columns and max(roles.year_columns.values()) or meta.year or None
    pair = rcode.astype(np.int64) * len(plabels) + pcode
    pair_id, pair_keys = pd.factorize(pair)
    pairs = pd.DataFrame({"region": rlabels[pair_keys // len(plabels)], "parent": plabels[pair_keys % len(plabels)]})
    need = np.zeros(len(pairs), dtype=bool)
    need[np.unique(pair_id[rows.open])] = True
    warnings: list[str] = []
    if level is None:
        level, why = _guess_level(pairs.loc[need, "region"], matcher_for)
        if level is None:
            return Message("store.ingest.no_level")
        warnings.append(Message("store.ingest.level_guessed", level=level, level_zh=t(f"level.{level}", "zh"),
                                level_en=t(f"level.{level}", "en").lower(), why=why))
    status_u = np.full(len(pairs), "", dtype=object)
    code_u = np.full(len(pairs), None, dtype=object)
    note_u = np.full(len(pairs), "", dtype=object)
    matched = pd.DataFrame(columns=["region", "parent", "code", "name", "status", "candidates", "note"])
    if need.any():
        try:
            matched = _match(pairs[need], level, matcher_for, match_year)
        except ImportError:
            return Message("store.ingest.no_matcher")
        status_u[need] = matched["status"].to_numpy(dtype=object)
        code_u[need] = matched["code"].to_numpy(dtype=object)
        note_u[need] = [_candidates_text(r) if r.status in ("unmatched", "ambiguous")
                        else (r.note if r.status == "remapped" and isinstance(r.note, str) else "")
                        for r in matched.itertuples(index=False)]
    # per pair: reason and detail; then spread to rows by pair id
    pair_reason = np.zeros(len(pairs), dtype=np.int8)
    pair_reason[status_u == "summary"] = _R["summary_row"]
    pair_reason[(status_u == "ambiguous")] = _R["ambiguous_region"]
    pair_reason[need & (pair_reason == 0) & pd.isna(code_u)] = _R["unmatched_region"]
    pair_detail = np.zeros(len(pairs), dtype=np.int32)
    for k in np.flatnonzero(pair_reason):
        rows.details.append(_SUMMARY_DETAIL if pair_reason[k] == _R["summary_row"] else note_u[k])
        pair_detail[k] = len(rows.details) - 1
    open_rows = rows.open
    rows.reason[open_rows] = pair_reason[pair_id[open_rows]]
    rows.detail[open_rows] = pair_detail[pair_id[open_rows]]
    code_labels, code_of_pair = np.unique(np.where(pd.isna(code_u), "", code_u).astype(str), return_inverse=True)
    return _Regions(level, pairs, pair_id, need, matched, note_u, code_labels, code_of_pair[pair_id], warnings,
                    status_u == "remapped")


def _parse_figures(cells: pd.DataFrame, rows: _Rows, regions: _Regions, merger_keep: str = "own") -> _Figures:
    """Parse every figure; refuse unreadable values, years and indicators; keep one figure of duplicate
    region-year-indicator keys (see _drop_duplicates), the others are rejected."""
    parsed = parse_numbers(cells["raw"])
    outcome = parsed["outcome"].cat.codes.to_numpy()
    pos = cells["pos"].to_numpy()
    row_ok = rows.open[pos]
    ind_codes = cells["indicator"].cat.codes.to_numpy()
    ind_labels = np.asarray(cells["indicator"].cat.categories, dtype=object)
    year = cells["year"].to_numpy(dtype="float64", na_value=np.nan)
    is_number = outcome == 0
    reason = np.zeros(len(cells), dtype=np.int8)
    reason[outcome == 2] = _R["bad_value"]
    reason[np.isnan(year) & is_number] = _R["bad_year"]
    reason[(ind_labels == "")[ind_codes] & is_number] = _R["no_indicator"]
    keep = row_ok & is_number & (reason == 0)
    cell_code = regions.code_id[pos].astype(np.int64)
    yi = np.where(np.isnan(year), 0, year).astype(np.int64)
    key = (cell_code * 1000 + (yi - 1800)) * max(len(ind_labels), 1) + ind_codes
    dup_idx, merger_idx = _drop_duplicates(key, keep, regions.remapped[regions.pair_id[pos]], merger_keep)
    reason[dup_idx] = _R["duplicate_key"]
    keep[dup_idx] = False
    return _Figures(cells, parsed, parsed["value"].to_numpy(), outcome, parsed["how"].cat.codes.to_numpy(),
                    np.asarray(parsed["how"].cat.categories, dtype=object), year, ind_codes, ind_labels, cell_code,
                    row_ok, reason, keep, key, dup_idx, merger_idx, merger_keep)


def _row_outcomes(raw: RawTable, roles: Roles, rows: _Rows, regions: _Regions, figures: _Figures):
    """Each row's outcome from its cells (used if one figure is kept); returns the row table, the outcome
    codes (0 used, 1 skipped, 2 rejected) and the duplicates table."""
    body, n = raw.body, len(raw.body)
    row_numbers = body.index.to_numpy()
    pos = figures.cells["pos"].to_numpy()
    kept_per_row = np.bincount(pos[figures.keep], minlength=n)
    rejected_cells = figures.row_ok & (figures.reason != 0)
    rej_per_row = np.bincount(pos[rejected_cells], minlength=n)
    miss_per_row = np.bincount(pos[figures.row_ok & (figures.outcome == 1)], minlength=n)
    open_rows = rows.open
    used = open_rows & (kept_per_row > 0)
    bad_rows = open_rows & ~used & (rej_per_row > 0)
    rows.reason[open_rows & ~used & ~bad_rows] = _R["no_values"]
    if bad_rows.any():
        rc = np.flatnonzero(rejected_cells)
        first_cell = pd.Series(rc, index=pos[rc]).groupby(level=0).first()
        bad = np.flatnonzero(bad_rows)
        rows.reason[bad] = figures.reason[first_cell.reindex(bad).to_numpy()]
    dup_rows = np.flatnonzero(bad_rows & (rows.reason == _R["duplicate_key"]))
    duplicates = _duplicates_table(figures.cells, figures.key, figures.keep, figures.dup_idx, row_numbers,
                                   regions.code_labels, figures.cell_code, figures.ind_labels)
    duplicates["merger"] = np.isin(figures.dup_idx, figures.merger_idx)  # a merged unit's figure vs its successor's
    if len(dup_rows):
        first_of = duplicates.drop_duplicates("row").set_index("row")["first_row"]
        for r in dup_rows:
            why = regions.note[regions.pair_id[r]]  # e.g. 莱芜市 merged into 济南市 in 2019: both rows now mean one
            rows.describe(r, Message("store.detail.duplicate", row=first_of.get(row_numbers[r], "?"),
                                     why=f"; {why}" if why else ""))
    skipped = np.isin(rows.reason, [_R[r] for r in SKIP_REASONS])
    outcome = np.where(used, 0, np.where(skipped, 1, 2))
    table = pd.DataFrame({
        "row": row_numbers, "region": body[roles.region].reset_index(drop=True),
        "outcome": pd.Categorical.from_codes(outcome, categories=["used", "skipped", "rejected"]),
        "reason": pd.Categorical.from_codes(rows.reason, categories=REASONS),
        "detail": pd.Series(np.array(rows.details, dtype=object)[rows.detail], dtype=object),  # Messages kept
        "values": kept_per_row, "missing": miss_per_row, "rejected_cells": rej_per_row})
    return table, outcome, duplicates


def _catalog(raw: RawTable, roles: Roles, meta: IndicatorMeta, level: str, figures: _Figures, source: str):
    """One catalog row per indicator with a kept figure: name and unit from the form, the file or its header;
    returns the catalog and each indicator code's id."""
    cells, keep = figures.cells, figures.keep
    pos = cells["pos"].to_numpy()
    kept_ind = figures.ind_codes[keep]
    present = np.unique(kept_ind)
    single = len(present) == 1
    salt = raw.digest or raw.filename
    auto_caveats = ["用户导入数据，未经本工具核实。"] + list(raw.notes)
    unit_by_ind: dict[int, str] = {}
    if roles.unit:
        ucode, ulabels = _factorized(raw.body[roles.unit], lambda v: str(v).strip())
        for (i, u), _k in pd.DataFrame({"i": kept_ind, "u": ucode[pos[keep]]}).value_counts().items():
            if ulabels[u] and int(i) not in unit_by_ind:  # most frequent unit first
                unit_by_ind[int(i)] = ulabels[u]
    col_codes = cells["column"].cat.codes.to_numpy()
    col_labels = list(cells["column"].cat.categories)
    ncol = len(col_labels) + 1
    ind_col = np.unique(kept_ind.astype(np.int64) * ncol + col_codes[keep])
    pct_how = [k for k, h in enumerate(figures.how_labels) if "percent" in h]
    pct = _percent_only(figures.ind_codes, keep, np.isin(figures.how, pct_how)) if pct_how else set()
    id_by_code = np.full(max(len(figures.ind_labels), 1), "", dtype=object)
    catalog_rows = []
    for i in present:
        label = figures.ind_labels[i]
        name, unit = split_unit(label) if label else ("", "")
        name = name or meta.name_zh or raw.hints.get("name", "") or "用户指标"
        if single and meta.name_zh:
            name = meta.name_zh
        unit = unit or unit_by_ind.get(int(i), "")
        if not unit:
            cols_i = [col_labels[k % ncol] for k in ind_col[ind_col // ncol == i]]
            col_units = {raw.units.get(c) for c in cols_i} - {None, ""}
            unit = col_units.pop() if len(col_units) == 1 else ""
        unit = (meta.unit_zh if (meta.unit_zh and (single or not unit)) else unit) or raw.hints.get("unit", "") \
            or ("%" if int(i) in pct else "")
        iid = indicator_id(name, unit, level, salt, slug_from=meta.name_en if single else "")
        id_by_code[i] = iid
        catalog_rows.append({
            "id": iid, "name_zh": name, "name_en": meta.name_en if single else "", "domain": meta.domain,
            "unit_zh": unit, "unit_en": meta.unit_en if single else "",
            "direction": int(meta.direction) if meta.direction in (-1, 0, 1) else 0,
            "levels": level, "definition_zh": meta.definition_zh, "definition_en": meta.definition_en,
            "source": source, "caveats_zh": "；".join(
                x for x in [meta.caveats_zh, *(a for a in auto_caveats if a not in meta.caveats_zh)] if x),
            "caveats_en": "; ".join(x for x in [meta.caveats_en, "Imported by a user; not verified by this tool."]
                                   if x),
            "agencies": meta.agencies, "variant_of": "", "variant": ""})
    return pd.DataFrame(catalog_rows, columns=CATALOG_COLUMNS), id_by_code


def _observations(figures: _Figures, regions: _Regions, id_by_code: np.ndarray, source: str):
    """The kept figures in the bundled schema, flagged footnote / suspect_jump like the bundled data; returns
    them, the matched region names and the jumps table."""
    keep = figures.keep
    footnote_how = np.array(["footnote" in h for h in figures.how_labels], dtype=bool)
    kept_ind = figures.ind_codes[keep]
    kept_code = figures.cell_code[keep]
    kept_year = figures.year[keep].astype("int64")
    kept_value = figures.value[keep].astype("float64")
    matched = regions.matched
    names = dict(zip(matched["code"], matched["name"])) if len(matched) else {}
    jump_pos, jumps = _jumps(kept_code, kept_ind, kept_year, kept_value, regions.code_labels, id_by_code, names)
    flag_code = footnote_how[figures.how[keep]].astype(np.int8)
    flag_code[jump_pos] += 2
    observations = pd.DataFrame({
        "code": _str_column(kept_code, regions.code_labels), "year": kept_year,
        "indicator": _str_column(kept_ind, id_by_code), "value": kept_value,
        "flag": _str_column(flag_code, ["", "footnote", "suspect_jump", "footnote;suspect_jump"]),
        "source": _str_column(np.zeros(len(kept_code), dtype=np.int32), [source]),
    }) if keep.any() else _empty_observations()
    return observations, names, jumps


def _report(raw: RawTable, rows: _Rows, regions: _Regions, figures: _Figures, row_outcomes: pd.DataFrame,
            outcome: np.ndarray, duplicates: pd.DataFrame, catalog: pd.DataFrame, observations: pd.DataFrame,
            names: dict, jumps: pd.DataFrame) -> ImportReport:
    """Everything the user sees before saving: counts, regions, odd cells, duplicates, jumps, outliers."""
    row_numbers = raw.body.index.to_numpy()
    pos = figures.cells["pos"].to_numpy()
    report = ImportReport(warnings=regions.warnings)
    report.regions = _regions_table(regions.matched, np.bincount(regions.pair_id,
                                                                 minlength=len(regions.pairs))[regions.need])
    odd = np.flatnonzero((figures.how != 0) & figures.row_ok)
    report.cells = pd.DataFrame({"row": row_numbers[pos[odd]],
                                 "column": figures.cells["column"].iloc[odd].to_numpy(),
                                 "raw": figures.cells["raw"].iloc[odd].to_numpy(),
                                 "outcome": figures.parsed["outcome"].iloc[odd].to_numpy(),
                                 "value": figures.value[odd], "how": figures.how_labels[figures.how[odd]],
                                 "reason": np.asarray(REASONS, dtype=object)[figures.reason[odd]]})
    report.duplicates = duplicates
    report.summary_rows = row_outcomes.loc[row_outcomes["reason"] == "summary_row", ["row", "region"]].reset_index(
        drop=True)
    report.jumps = jumps
    report.outliers = _outliers(observations, figures.ind_codes[figures.keep], names)
    counts = np.bincount(outcome, minlength=3)
    report.counts = {
        "input_rows": len(raw.body), "used": int(counts[0]), "skipped": int(counts[1]), "rejected": int(counts[2]),
        "observations": len(observations), "indicators": len(catalog),
        "cells_missing": int((figures.row_ok & (figures.outcome == 1)).sum()),
        "cells_rejected": int((figures.row_ok & (figures.reason != 0)).sum()),
        "duplicates": len(figures.dup_idx), "summary_rows": len(report.summary_rows), "jumps": len(report.jumps),
        "outliers": len(report.outliers),
    }
    for status, k in report.regions["status"].value_counts().items() if len(report.regions) else []:
        report.counts[f"regions_{status}"] = int(k)
    if not len(observations):
        report.errors.append(Message("store.ingest.nothing"))
    n_plain = len(figures.dup_idx) - len(figures.merger_idx)
    if n_plain:
        report.warnings.append(Message("store.ingest.duplicates", n=n_plain))
    if len(figures.merger_idx):
        report.warnings.append(Message(f"store.ingest.merger_{figures.merger_keep}", n=len(figures.merger_idx)))
    return report


def _user_target(catalog: pd.DataFrame, meta: IndicatorMeta, warnings: list[str]) -> pd.DataFrame:
    """The user's target as a row of the bundled targets table. National scope: it applies wherever
    the indicator is shown (a province's own target would come first, as for bundled targets)."""
    if meta.target is None:
        return _no_target()
    if len(catalog) != 1 or meta.direction not in (-1, 1):
        warnings.append(Message("store.ingest.target_dropped"))
        return _no_target()
    row = catalog.iloc[0]
    return pd.DataFrame([{
        "id": f"user_{row['id']}", "indicator": row["id"], "indicator_text": row["name_zh"],
        "comparator": ">=" if meta.direction > 0 else "<=", "value": float(meta.target), "unit": row["unit_zh"],
        "target_year": meta.target_year, "scope": "national", "scope_code": "", "scope_name": "全国",
        "document": meta.target_document.strip() or Message("store.detail.user_target"), "quote": ""}],
        columns=TARGET_COLUMNS)


def _matcher_note(note):
    """The matcher's note (geo.matcher.Note, English) as the i18n message `store.note.<key>`; other text as it is."""
    from geo.matcher import Note
    if not isinstance(note, Note):
        return note
    levels = {k: Message(f"level.{v}") for k, v in note.params.items() if k in ("level", "wanted")}
    return Message(f"store.note.{note.key}", **{**note.params, **levels})


def _candidates_text(r) -> str:
    cands = r.candidates
    if isinstance(cands, (list, tuple, np.ndarray)) and len(cands):
        cands = "、".join(" ".join(map(str, c)) if isinstance(c, (list, tuple)) else str(c) for c in cands[:5])
    elif not isinstance(cands, str):
        cands = ""
    note = r.note if isinstance(r.note, str) else ""
    status, note = Message(f"imp.status.{r.status}"), Message("store.detail.note", note=note) if note else ""
    return Message("store.detail.candidates", status=status, note=note, candidates=cands) if cands else \
        Message("store.detail.no_candidates", status=status, note=note)


def _regions_table(matched: pd.DataFrame, rows_per_pair: np.ndarray) -> pd.DataFrame:
    cols = ["input", "parent", "code", "name", "status", "candidates", "note", "rows"]
    if not len(matched):
        return pd.DataFrame(columns=cols)
    t = matched.rename(columns={"region": "input"}).reset_index(drop=True).copy()
    t["rows"] = rows_per_pair.astype(int)
    return t[cols]


def _drop_duplicates(key, cand, remapped, keep="own") -> tuple[np.ndarray, np.ndarray]:
    """Cells to reject so each region-year-indicator keeps one figure, and which of them are merger conflicts.

    Plain duplicates keep the first figure. Where a unit merged into another (remapped by the
    crosswalk, e.g. 莱芜市 into 济南市) collides with the successor's own row, the successor's own
    figure is kept (``keep="own"``), or the merged unit's (``"merged"``), whatever the rows' order.
    """
    idx = np.flatnonzero(cand)
    k = key[idx]
    if not pd.Index(k).has_duplicates:
        return np.array([], dtype=np.intp), np.array([], dtype=np.intp)
    r = remapped[idx].astype(bool)
    g = pd.factorize(k)[0]
    n_remapped, n = np.bincount(g, weights=r), np.bincount(g)
    mixed = ((n_remapped > 0) & (n_remapped < n))[g]
    demote = mixed & (~r if keep == "merged" else r)
    order = np.lexsort((np.arange(len(idx)), demote, g))
    first = np.ones(len(idx), dtype=bool)
    first[order[1:]] = g[order[1:]] != g[order[:-1]]
    return idx[~first], idx[~first & mixed]


def _duplicates_table(cells, key, cand, dup_idx, rows, code_labels, cell_code, ind_labels) -> pd.DataFrame:
    """Each rejected duplicate with the row and text of the figure that was kept."""
    cols = ["code", "year", "indicator", "row", "raw", "first_row", "first_raw"]
    if not len(dup_idx):
        return pd.DataFrame(columns=cols)
    pos = cells["pos"].to_numpy()
    raw = cells["raw"].to_numpy()
    kept_idx = np.flatnonzero(cand)
    first_by_key = pd.Series(kept_idx, index=key[kept_idx])
    first_by_key = first_by_key[~first_by_key.index.duplicated()]
    first = first_by_key.reindex(key[dup_idx]).to_numpy()
    return pd.DataFrame({
        "code": code_labels[cell_code[dup_idx]], "year": cells["year"].to_numpy()[dup_idx],
        "indicator": ind_labels[cells["indicator"].cat.codes.to_numpy()[dup_idx]],
        "row": rows[pos[dup_idx]], "raw": raw[dup_idx],
        "first_row": rows[pos[first.astype(int)]], "first_raw": raw[first.astype(int)]})[cols]


def _jumps(code_id, ind_id, year, value, code_labels, ind_ids, names) -> tuple[np.ndarray, pd.DataFrame]:
    """Year-on-year changes to >=1.5x or <=1/1.5 of the previous available figure (reported, never altered).

    Works on integer codes (a 1.7 M-row table sorts in well under a second).
    Returns positions of the later figure of each jump, and the report table.
    """
    cols = ["code", "name", "indicator", "year_from", "year", "value_from", "value", "ratio"]
    if len(value) < 2:
        return np.array([], dtype=int), pd.DataFrame(columns=cols)
    order = np.lexsort((year, code_id, ind_id))
    c, i_, v = code_id[order], ind_id[order], value[order]
    same = (c[1:] == c[:-1]) & (i_[1:] == i_[:-1])
    prev, cur = v[:-1], v[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = cur / prev
    flag = same & (prev != 0) & (cur != 0) & np.isfinite(ratio) & ((ratio >= JUMP_RATIO) | (ratio <= 1 / JUMP_RATIO))
    k = np.flatnonzero(flag)
    later, earlier = order[1:][k], order[:-1][k]
    codes = np.asarray(code_labels, dtype=object)[code_id[later]]
    t = pd.DataFrame({"code": codes, "name": [names.get(x) for x in codes],
                      "indicator": np.asarray(ind_ids, dtype=object)[ind_id[later]],
                      "year_from": year[earlier], "year": year[later], "value_from": value[earlier],
                      "value": value[later], "ratio": ratio[k]})
    return later, t[cols]


def _outliers(obs: pd.DataFrame, ind_id: np.ndarray, names: dict) -> pd.DataFrame:
    """Figures far from the other regions in the same indicator-year (robust z = |x-median| / 1.4826 MAD)."""
    cols = ["code", "name", "indicator", "year", "value", "median", "robust_z"]
    if len(obs) < OUTLIER_MIN_N:
        return pd.DataFrame(columns=cols)
    keys = [ind_id, obs["year"].to_numpy()]
    g = obs["value"].groupby(keys, sort=False)
    med = g.transform("median")
    n = g.transform("size")
    dev = (obs["value"] - med).abs()
    mad = dev.groupby(keys, sort=False).transform("median") * 1.4826
    with np.errstate(divide="ignore", invalid="ignore"):
        z = dev / mad
    flag = ((n >= OUTLIER_MIN_N) & (mad > 0) & (z > OUTLIER_Z)).to_numpy()
    t = obs.loc[flag, ["code", "indicator", "year", "value"]].copy()
    t["median"] = med[flag]
    t["robust_z"] = z[flag]
    t.insert(1, "name", t["code"].map(names))
    return t[cols].reset_index(drop=True)


# ----------------------------------------------------------------------------- template

def template(level: str) -> bytes:
    """A CSV to fill in: every region code and name of ``level``, a year column, empty values.

    UTF-8 with BOM so Excel opens the Chinese names correctly; once filled in it
    reads back through :func:`read_table` / :func:`detect_roles` as a long table
    (region = the code column, so no name matching is needed).
    """
    from geo.regions import load_regions
    level = LEVEL_ALIASES.get(level, level)
    if level not in LEVELS:
        raise IngestError("unknown_level", Message("store.ingest.unknown_level_template", level=repr(level)))
    reg = load_regions(level)
    provinces = load_regions("province")
    out = pd.DataFrame({"代码": reg["code"], "地区": reg["name"]})
    if level != "province":
        out["省份"] = reg["province_code"].map(dict(zip(provinces["code"], provinces["name"]))).fillna("")
    out["年份"] = ""
    out["数值"] = ""
    buf = io.StringIO()
    neutralise_frame(out).to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8-sig")
