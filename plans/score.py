"""The scorecard (考核): every unit against every target, every target across the units.

Values come from the latest saved or current round, else from the atlas (bundled or saved datasets); each keeps its
source and round. Rules (stated on the page and in the export):

* met: ``>=`` value ≥ target; ``<=`` value ≤ target; ``=`` (the documents' 约/达到100%) within 5 % of the target,
  and a 100 % target must be reached.
* share_of_units: a unit passes when its figure is 1 (是); the plan's target is the share of units passing.
* plan_total: the units' figures summed (only when every unit reported); spread: the plan's own gap measure,
  (max − min) ÷ mean across the units (Guangdong's 30 %), from ``metrics.gaps``.
* on pace: the unit's recent trend (a straight line through its last three years up to the scored year) carried to
  the target year meets the target; no trend from one year unless already met.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics import gaps, inequality
from metrics._data import UndefinedMeasure
from plans.model import Plan, catalog, units_table
from plans.workbook import known_values, target_text
from store.ingest_clean import neutralise_frame

STATUS = ("met", "not_met", "no_data", "not_quantifiable", "contributes")


def passes(value, target: float, comparator: str, unit: str = "") -> np.ndarray:
    v = np.asarray(value, dtype=float)
    with np.errstate(invalid="ignore"):
        if comparator == "<=":
            return v <= target + 1e-9
        if comparator == "=":
            if unit == "%" and target >= 100:
                return v >= target - 1e-9
            return np.abs(v - target) <= 0.05 * abs(target) + 1e-9
        return v >= target - 1e-9


def plan_values(plan: Plan, level: str, codes: list[str], years: list[int], store=None,
                round_values: pd.DataFrame | None = None) -> pd.DataFrame:
    """code, year, indicator, value, source, round: the latest round first, else the atlas's figures."""
    inds = plan.indicators()
    atlas = known_values(store, inds, level, codes, years).assign(round=0)
    parts = [atlas]
    if round_values is not None and len(round_values):
        r = round_values[round_values["indicator"].isin(inds) & round_values["code"].isin(codes)]
        parts.append(r.assign(source=r.get("source", "")).reindex(columns=atlas.columns))
    v = pd.concat(parts, ignore_index=True).astype({"year": "int64", "value": "float64"})
    v["round"] = pd.to_numeric(v["round"]).fillna(0).astype(int)
    return v.sort_values("round").drop_duplicates(["code", "year", "indicator"], keep="last").reset_index(drop=True)


def _on_pace(u: np.ndarray, years: np.ndarray, vals: np.ndarray, n_units: int, year: int, target_year: int,
             t) -> np.ndarray:
    """Per unit (position): on pace True/False/None from its last three values up to ``year`` (least squares for
    every unit at once, on integer positions)."""
    out = np.full(n_units, None, dtype=object)
    keep = years <= year
    u, x, y = u[keep], years[keep].astype(float), vals[keep]
    if not len(u):
        return out
    order = np.lexsort((x, u))
    u, x, y = u[order], x[order], y[order]
    rank_from_end = np.zeros(len(u), dtype=int)   # 0 = the unit's latest year
    counts = np.bincount(u, minlength=n_units)
    ends = np.cumsum(counts)[u]
    rank_from_end = ends - 1 - np.arange(len(u))
    last3 = rank_from_end < 3
    u, x, y = u[last3], x[last3], y[last3]
    n = np.bincount(u, minlength=n_units).astype(float)
    sx, sy = np.bincount(u, x, n_units), np.bincount(u, y, n_units)
    sxx, sxy = np.bincount(u, x * x, n_units), np.bincount(u, x * y, n_units)
    latest = rank_from_end[last3] == 0
    lx, ly = np.full(n_units, np.nan), np.full(n_units, np.nan)
    lx[u[latest]], ly[u[latest]] = x[latest], y[latest]
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (n * sxy - sx * sy) / (n * sxx - sx ** 2)
    met = passes(ly, t.value, t.comparator, t.unit)
    ahead = passes(ly + slope * (target_year - lx), t.value, t.comparator, t.unit)
    has = n > 0
    trend = has & (n >= 2) & (target_year > year)
    settled = has & ~trend & (met | (target_year <= year))
    out[trend] = ahead[trend]
    out[settled] = met[settled]
    return out


def _measure(fn, values) -> float:
    """One spread measure of metrics/ (the ones metrics.summary.summarise gives), NaN where it is undefined."""
    try:
        return float(fn(values))
    except UndefinedMeasure:
        return np.nan


@dataclass
class Scorecard:
    plan: Plan
    year: int
    cells: pd.DataFrame     # per unit × target
    units: pd.DataFrame     # per unit: scored, met, share_met, rank
    targets: pd.DataFrame   # per target: kind, status, shares, spread, departments, quote

    def evaluable(self) -> int:
        """Targets the scorecard can evaluate once every unit has reported (all but the qualitative ones)."""
        return int((self.targets["kind"] != "qualitative").sum())


def scorecard(plan: Plan, year: int, values: pd.DataFrame, scope_code: str | None = None, level: str | None = None,
              population: pd.Series | None = None, cat: pd.DataFrame | None = None) -> Scorecard:
    """Score ``plan`` in ``year`` from ``values`` (``plan_values``); ``population`` code -> persons (optional)."""
    cat = catalog() if cat is None else cat
    scope_code, level = scope_code or plan.scope_code, level or plan.level
    units = units_table(scope_code, level)
    codes = units["code"].to_numpy()
    pop = population.reindex(codes).to_numpy(dtype=float) if population is not None else np.full(len(codes), np.nan)
    # one pass over the values: each unit becomes its position, each indicator a set of numpy arrays
    position = pd.Series(np.arange(len(codes)), index=pd.Index(codes))
    vals = values[values["indicator"].isin(plan.indicators())]
    code_i, code_u = pd.factorize(vals["code"])          # strings looked up once per distinct value
    u = position.reindex(np.asarray(code_u, dtype=object)).to_numpy()[code_i] if len(code_i) else np.array([])
    inside = ~np.isnan(u)
    src_i, src_u = pd.factorize(vals["source"].fillna("").astype(str))
    sources = list(np.asarray(src_u, dtype=object))
    no_source = sources.index("") if "" in sources else len(sources)   # a cell without a value has no source
    sources += [""] if no_source == len(sources) else []
    arrays = {"u": u[inside].astype(int), "year": vals["year"].to_numpy()[inside].astype(int),
              "value": vals["value"].to_numpy(dtype=float)[inside], "source": src_i[inside],
              "round": pd.to_numeric(vals["round"]).to_numpy(dtype=float)[inside]}
    ind_code, ind_labels = pd.factorize(vals["indicator"])
    ind_code = ind_code[inside]
    order = np.argsort(ind_code, kind="stable")
    edges = np.searchsorted(ind_code[order], np.arange(len(ind_labels) + 1))
    by_ind = {ind: {k: a[order[edges[i]:edges[i + 1]]] for k, a in arrays.items()} for i, ind in enumerate(ind_labels)}
    empty = {k: a[:0] for k, a in arrays.items()}
    by_ind = {ind: by_ind.get(ind, empty) for ind in plan.indicators()}
    cell_parts, target_rows = [], []
    for t in plan.targets:
        row = {"target": t.id, "kind": t.kind, "text": t.text, "indicator": t.indicator,
               "indicator_name": cat.loc[t.indicator, "name_zh"] if t.indicator in cat.index else "",
               "unit": cat.loc[t.indicator, "unit_zh"] if t.indicator in cat.index else t.unit,
               "goal": target_text(t), "target_year": t.target_year or plan.period_end, "lead": t.lead,
               "partners": t.partners, "quote": t.quote, "note": t.note, "units_with_data": 0,
               "share_units_met": np.nan, "share_population_met": np.nan, "cv": np.nan, "max_min": np.nan,
               "plan_gap": np.nan, "plan_value": np.nan, "status": "not_quantifiable"}
        if not t.quantified:
            target_rows.append(row)
            continue
        g = by_ind[t.indicator]
        now = g["year"] == year
        v = np.full(len(codes), np.nan)
        v[g["u"][now]] = g["value"][now]
        source = np.full(len(codes), no_source, dtype=np.int64)
        source[g["u"][now]] = g["source"][now]
        rnd = np.full(len(codes), np.nan)
        rnd[g["u"][now]] = g["round"][now]
        has = ~np.isnan(v)
        row["units_with_data"] = int(has.sum())
        unit_goal = (1.0, ">=") if t.kind == "share_of_units" else (t.value, t.comparator)
        ok = passes(v, unit_goal[0], unit_goal[1], t.unit) & has
        target_year = int(t.target_year or plan.period_end or year)
        pace = _on_pace(g["u"], g["year"], g["value"], len(codes), year, target_year, t) if t.kind == "per_unit" \
            else np.full(len(codes), None, dtype=object)
        status = np.where(~has, 2, np.where(ok, 0, 1)).astype(np.int8)     # index into STATUS
        if t.kind in ("plan_total", "spread"):
            status = np.where(has, 4, 2).astype(np.int8)
        gap = v - unit_goal[0] if t.kind in ("per_unit", "share_of_units") else np.full(len(v), np.nan)
        cell_parts.append((t, v, gap, status, pace, source, rnd))
        if has.any():
            row["cv"] = _measure(inequality.coefficient_of_variation, v[has])
            row["max_min"] = _measure(inequality.max_min_ratio, v[has])
            row["plan_gap"] = _measure(lambda y: gaps.spending_gap(y).value, v[has])
            per_unit = t.kind in ("per_unit", "share_of_units")
            row["share_units_met"] = float(ok[has].mean()) if per_unit else np.nan
            w = pop[has]
            if per_unit and np.isfinite(w).all() and w.sum() > 0:
                row["share_population_met"] = float(w[ok[has]].sum() / w.sum())
        complete = bool(has.all())
        if t.kind == "per_unit":
            row["status"] = "met" if complete and ok.all() else ("no_data" if not has.any() else "not_met")
        elif t.kind == "share_of_units":
            row["plan_value"] = row["share_units_met"] * 100 if complete else np.nan
            row["status"] = ("no_data" if not complete else
                             "met" if passes(row["plan_value"], t.value, t.comparator, "%") else "not_met")
        elif t.kind == "plan_total":
            row["plan_value"] = float(v[has].sum()) if complete else np.nan
            row["status"] = ("no_data" if not complete else
                             "met" if passes(row["plan_value"], t.value, t.comparator, t.unit) else "not_met")
        elif t.kind == "spread":
            row["plan_value"] = row["plan_gap"] * 100 if complete and row["plan_gap"] is not None else np.nan
            row["status"] = ("no_data" if not complete or np.isnan(row["plan_value"]) else
                             "met" if passes(row["plan_value"], t.value, t.comparator, "%") else "not_met")
        target_rows.append(row)
    k = len(cell_parts)
    goal = [target_text(p[0]) if p[0].kind != "share_of_units" else "=1（是）" for p in cell_parts]
    n = len(codes)

    def each_unit(labels):      # per cell: the unit's code or name (categorical: no string per cell)
        cats, idx = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
        return pd.Categorical.from_codes(np.tile(idx, k), categories=pd.Index(cats, dtype=object))

    def each_target(labels):    # per cell: its target's id, kind, … (labels may repeat: categories are distinct)
        cats, idx = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
        return pd.Categorical.from_codes(np.repeat(idx, n), categories=pd.Index(cats, dtype=object))

    def joined(i, dtype=float):
        return np.concatenate([p[i] for p in cell_parts]) if k else np.array([], dtype=dtype)
    cells = pd.DataFrame({
        "code": each_unit(codes), "name": each_unit(units["name"].to_numpy()),
        "target": each_target([p[0].id for p in cell_parts]), "kind": each_target([p[0].kind for p in cell_parts]),
        "indicator": each_target([p[0].indicator for p in cell_parts]), "value": joined(1),
        "goal": each_target(goal), "gap": joined(2),
        "status": pd.Categorical.from_codes(joined(3, np.int8), categories=STATUS),
        "on_pace": joined(4, object), "round": joined(6),
        "source": pd.Categorical.from_codes(joined(5, np.int64), categories=pd.Index(sources, dtype=object))})
    scored = cells[cells["kind"].isin(["per_unit", "share_of_units"])]
    flags = pd.DataFrame({"code": scored["code"], "scored": scored["status"] != "no_data",
                          "met": scored["status"] == "met", "no_data": scored["status"] == "no_data"})
    per = flags.groupby("code")[["scored", "met", "no_data"]].sum()
    per = per.reindex(codes).fillna(0).astype(int)
    per.insert(0, "name", units["name"].to_numpy())
    per["share_met"] = np.where(per["scored"] > 0, per["met"] / per["scored"].where(per["scored"] > 0, 1), np.nan)
    per["rank"] = per["share_met"].rank(ascending=False, method="min").astype("Int64")
    per = per.rename_axis("code").reset_index().sort_values(["rank", "code"], na_position="last")
    return Scorecard(plan, year, cells, per.reset_index(drop=True), pd.DataFrame(target_rows))


EXPORT_HEADERS = {
    "units": {"code": "地区代码", "name": "地区名称", "scored": "有数据的目标数", "met": "达标数", "no_data": "无数据",
              "share_met": "达标比例", "rank": "排名"},
    "targets": {"target": "目标编号", "kind": "类型", "text": "目标", "indicator_name": "指标", "unit": "单位",
                "goal": "目标值", "target_year": "目标年份", "status": "结果", "plan_value": "全域值",
                "units_with_data": "有数据单位数", "share_units_met": "达标单位比例",
                "share_population_met": "达标人口比例", "cv": "变异系数", "max_min": "最大/最小",
                "plan_gap": "差距（极差/均值）", "lead": "牵头单位", "partners": "配合单位", "quote": "原文",
                "note": "说明"},
    "cells": {"code": "地区代码", "name": "地区名称", "target": "目标编号", "indicator": "指标编号", "value": "数值",
              "goal": "目标", "gap": "差距", "status": "结果", "on_pace": "按趋势可按期达标", "source": "来源",
              "round": "填报轮次（0=图集数据）"},
}
STATUS_ZH = {"met": "达标", "not_met": "未达标", "no_data": "无数据", "not_quantifiable": "不可量化",
             "contributes": "计入全域"}
KIND_ZH = {"per_unit": "逐单位", "share_of_units": "达标单位比例", "plan_total": "全域总量", "spread": "区域差距",
           "qualitative": "定性（不可量化）"}


def export_xlsx(card: Scorecard) -> bytes:
    """The scorecard as XLSX: 单位排名, 目标, 明细. Text that a spreadsheet would run as a formula is neutralised."""
    buf = io.BytesIO()
    t = card.targets.assign(status=card.targets["status"].map(STATUS_ZH), kind=card.targets["kind"].map(KIND_ZH))
    c = card.cells.assign(status=card.cells["status"].map(STATUS_ZH),
                          on_pace=card.cells["on_pace"].map({True: "是", False: "否"}).fillna(""))
    frames = {"单位排名": card.units.astype({"rank": "float"}), "目标": t, "明细": c}
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        pd.DataFrame({"项目": ["方案", "方案编号", "考核年份", "说明"],
                      "内容": [card.plan.title, card.plan.id, card.year,
                               "达标规则见图集“规划监测”页；数值来源与填报轮次见“明细”。"]}).pipe(neutralise_frame).to_excel(
            xw, sheet_name="说明", index=False)
        for (sheet, frame), key in zip(frames.items(), ("units", "targets", "cells")):
            cols = EXPORT_HEADERS[key]
            neutralise_frame(frame[list(cols)].rename(columns=cols)).to_excel(xw, sheet_name=sheet, index=False)
    return buf.getvalue()
