"""From (values, view) to what the map page shows: the region table, the map layer, the ranking bar.

Pure functions, no streamlit: a test can build any view and check the numbers
inside the figures. Statistics come from the metrics engine; this module only
arranges them for display.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from figures.china_map import MapLayer
from figures.classify import classify
from figures.style import AVERAGE_COLOR, FONT_FAMILY, TARGET_COLOR, diverging, diverging_at, sequential
from i18n import t
from metrics._data import UndefinedMeasure
from metrics.gaps import gap_to_average, gap_to_target, share_meeting_target
from metrics.summary import summarise
from state import ViewState


def fmt(value: float, digits: int = 4) -> str:
    """A number as a reader wants it: significant digits, thousands separators, no '1e+04'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if abs(value) >= 10 ** digits:
        return f"{value:,.0f}"
    return f"{value:,.{digits}g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"


def legend_format(bounds) -> Callable[[float], str]:
    """One number of decimals for every bound of a legend, enough to show the narrowest class to two significant
    digits (632 – 1,324 yuan; 13.90 – 16.26; 0.370 – 0.391), at most four; `fmt` for numbers it writes as 1e-05."""
    finite = np.sort(np.asarray([b for b in bounds if np.isfinite(b)], dtype=float))
    if not finite.size or any("e" in fmt(v) for v in finite):
        return fmt
    gaps = np.diff(finite)
    gaps = gaps[gaps > 0]
    narrowest = gaps.min() if gaps.size else max(abs(finite[0]), 1.0)
    decimals = 0 if np.all(finite == np.round(finite)) else int(min(4, max(0, 1 - np.floor(np.log10(narrowest)))))
    return lambda v: f"{v:,.{decimals}f}"


def applicable_target(targets: pd.DataFrame, indicator: str, scope: str) -> pd.Series | None:
    """The target that applies to a view: the province's own target first, else a national one."""
    rows = targets[targets["indicator"] == indicator]
    if rows.empty:
        return None
    for wanted in ([scope] if scope else []) + [""]:
        if wanted:
            hit = rows[rows["scope_code"].astype(str) == wanted]
        else:
            hit = rows[rows["scope"] == "national"]
        if not hit.empty:
            return hit.sort_values("target_year").iloc[-1]
    return None


def region_table(values: pd.DataFrame, regions: pd.DataFrame, direction: int,
                 weights: pd.Series | None = None, target: pd.Series | None = None,
                 lang: str = "zh") -> pd.DataFrame:
    """One row per region in view (`regions`, with code and names), values joined, gaps and rank added.

    Regions without a value stay in the table with NaN: the map draws them as "no data".
    """
    table = regions[["code", "name", "name_en"]].merge(values, on="code", how="left")
    table["label"] = table["name"] if lang == "zh" else table["name_en"]
    table["flag"] = table["flag"].fillna("") if "flag" in table else ""
    y = table["value"].to_numpy(float)
    w = None
    if weights is not None:
        w = table["code"].map(weights).to_numpy(float)
        if np.isnan(w[~np.isnan(y)]).any():
            w = None                        # weights incomplete: fall back to the simple mean
    direction = direction if direction in (1, -1) else 1
    has = ~np.isnan(y)
    table["gap_avg"] = np.nan
    table["gap_avg_pct"] = np.nan
    table["rank"] = np.nan
    if has.any():
        g = gap_to_average(y, weights=w, direction=direction)
        table["gap_avg"], table["gap_avg_pct"] = g.gap, g.gap_pct
        table.attrs["average"] = g.reference
        table.attrs["average_weighted"] = w is not None
        table["rank"] = pd.Series(direction * y).rank(ascending=False, method="min").to_numpy()
    table["gap_target"] = np.nan
    table["meets"] = pd.array([pd.NA] * len(table), dtype="boolean")
    if target is not None and has.any():
        g = gap_to_target(y, float(target["value"]), direction=direction)
        table["gap_target"] = g.gap
        share = share_meeting_target(y, float(target["value"]), target["comparator"], direction=direction)
        table.loc[has, "meets"] = share.meets[has]
        table.attrs["target"] = float(target["value"])
    table.attrs["n_regions"] = int(len(table))
    table.attrs["n_with_data"] = int(has.sum())
    if weights is not None:  # share of the population in view that lives in a region with data
        people = table["code"].map(weights).to_numpy(float)
        known = np.isfinite(people)
        if known.any() and people[known].sum() > 0:
            table.attrs["population_share_with_data"] = float(people[known & has].sum() / people[known].sum())
    return table


@dataclass(frozen=True)
class Cards:
    """The map's summary cards: metrics.summary.summarise's numbers for one region table."""
    mean: float | None
    weighted_mean: float | None      # only when every region with a figure has a population
    cv: float | None
    gini: float | None
    theil: float | None
    between_share: float | None      # Theil T's between-group share, when the grouping has two groups or more


def summary_cards(table: pd.DataFrame, groups: pd.Series, population: pd.Series) -> Cards | None:
    """Cards for `table` (region_table's), grouped by `groups` (code -> label), weighted by `population`."""
    y = table["value"].to_numpy(float)
    if np.isnan(y).all():
        return None
    g = table["code"].map(groups)
    summary = summarise(y, groups=g.fillna("—").to_numpy(object) if g.notna().any() else None)
    m = summary.measures
    weights = table["code"].map(population).to_numpy(float)
    wmean = None
    if not np.isnan(weights[~np.isnan(y)]).any():
        try:
            wmean = summarise(y, weights=weights).measures.get("mean_w")
        except UndefinedMeasure:           # no population behind the regions with figures
            pass
    theil = summary.theil_t
    between = theil.between_share if theil and len(theil.groups) > 1 else None
    return Cards(m["mean"], wmean, m.get("cv"), m.get("gini"), theil.total if theil else m.get("theil_t"), between)


def d3_format(values: np.ndarray, sign: bool = False) -> str:
    """A d3 number format (what Plotly's hover templates use) that reads like `fmt` for these values:
    4 significant digits, thousands separators, and no exponent for large numbers."""
    finite = np.abs(values[np.isfinite(values)])
    spec = (",.4~g" if not finite.size or finite.max() < 1e4 else ",.0f" if finite.min() >= 1e3 else ",.2f")
    return ("+" if sign else "") + spec


def hover(table: pd.DataFrame, unit: str, lang: str) -> dict:
    """The map's hover, as MapLayer fields: numbers per region (value, rank, % gap to average, gap
    to target) formatted by one template in the browser; the name comes from the GeoJSON's properties.

    Data flags become notes: regions sharing flags share a trace, so no per-region text is sent."""
    n = table.attrs.get("n_with_data", len(table))
    name = "<b>%{properties." + ("name" if lang == "zh" else "name_en") + "}</b>"
    columns = ["value", "rank", "gap_avg_pct"]
    lines = [name, f"%{{customdata[0]:{d3_format(table['value'].to_numpy(float))}}} {escape(unit)}",
             t("map.hover_rank", lang, rank="%{customdata[1]}", n=n),
             t("map.hover_gap_avg", lang, pct="%{customdata[2]:+.1f}")]
    if table["gap_target"].notna().any():
        columns.append("gap_target")
        fmt_gap = d3_format(table["gap_target"].to_numpy(float), sign=True)
        lines.append(t("map.hover_gap_target", lang, gap=f"%{{customdata[3]:{fmt_gap}}}", unit=escape(unit)))
    notes = {f: "" if not f else "<br>⚑ " + ", ".join(escape(t(f"flag.{x}", lang)) for x in f.split(";") if x)
             for f in table["flag"].astype(str).unique()}
    return {"hover": table[columns].to_numpy(np.float32), "hovertemplate": "<br>".join(lines) + "<extra></extra>",
            "name_hover": name, "notes": table["flag"].astype(str).map(notes).tolist()}


def map_layer(table: pd.DataFrame, view: ViewState, unit: str, direction: int, lang: str) -> MapLayer:
    """Colour the regions by the view's value mode and classification scheme."""
    mode = view.mode
    column = {"value": "value", "gap_avg": "gap_avg", "gap_target": "gap_target", "rank": "rank"}[mode]
    shown = table[column].to_numpy(float)
    better = t({1: "map.better_higher", -1: "map.better_lower"}.get(direction, "map.context_direction"), lang)
    title = {
        "value": f"{unit}<br><sub>{better}</sub>",
        "gap_avg": t("map.legend_gap_avg", lang, unit=unit),
        "gap_target": t("map.legend_gap_target", lang, unit=unit),
        "rank": t("map.legend_rank", lang),
    }[mode]
    common = dict(codes=table["code"].tolist(), **hover(table, unit, lang), legend_title=title,
                  no_data_label=t("common.no_data", lang), selected=view.region or None)
    if mode in ("gap_avg", "gap_target"):
        # Diverging, centred on the reference: positive = better than the reference, always blue.
        span = np.nanmax(np.abs(shown)) if np.isfinite(shown).any() else 1.0
        return MapLayer(values=shown, colors=_continuous(diverging(9)), midpoint=0.0, **common) \
            if view.scheme == "continuous" else _classed(shown, view, diverging, common, symmetric=span)
    reverse = mode == "rank"
    if view.scheme == "continuous":
        return MapLayer(values=shown, colors=_continuous(sequential(view.palette, 9, reverse)), **common)
    return _classed(shown, view, lambda k: sequential(view.palette, k, reverse), common)


def _continuous(colors: list[str]) -> list[list]:
    return [[i / (len(colors) - 1), c] for i, c in enumerate(colors)]


def _classed(shown, view: ViewState, palette, common: dict, symmetric: float | None = None) -> MapLayer:
    """Classes by the view's scheme. With `symmetric` (a diverging view) each class takes the
    colour of its midpoint on a scale centred on 0 and spanning ±symmetric, so 0 stays neutral."""
    classes = classify(shown, view.scheme, view.k, view.breaks)
    counts = classes.counts()
    labels = [f"{label} ({n})" for label, n in zip(classes.labels(legend_format([classes.lower, *classes.bins])),
                                                   counts)]
    index = np.where(classes.index < 0, np.nan, classes.index.astype(float))
    if symmetric:
        lows = np.r_[classes.lower, classes.bins[:-1]]
        mids = (np.maximum(lows, np.nanmin(shown)) + classes.bins) / 2
        colors = diverging_at(0.5 + 0.5 * np.clip(mids / symmetric, -1, 1))
    else:
        colors = palette(max(classes.k, 1))
    return MapLayer(values=index, classes=classes, class_labels=labels, colors=colors, **common)


MAX_BARS = 40
ROW_PX = 15
AXIS_TITLE_PX = 40      # the unit under the x axis


def ranking_bar(table: pd.DataFrame, unit: str, direction: int, lang: str, title: str,
                group_of: pd.Series | None = None, height: int | None = None) -> go.Figure:
    """Regions in view, best at the top, with the average and target as lines.

    Beyond `MAX_BARS` regions the labels would be unreadable: the best and the worst
    `MAX_BARS // 2` are shown, with a gap between them (the title says so)."""
    data = table.dropna(subset=["value"]).sort_values("value", ascending=direction < 0)
    if len(data) > MAX_BARS:
        half = MAX_BARS // 2
        gap = pd.DataFrame({"label": ["⋯"], "value": [np.nan], "code": [""]})
        data = pd.concat([data.head(half), gap, data.tail(half)], ignore_index=True)
    shapes, notes = [], []
    for key, color, dash, label, y in (("average", AVERAGE_COLOR, "dot", "map.average", 1.0),
                                       ("target", TARGET_COLOR, "dash", "map.target", 0.0)):
        if key in table.attrs:
            x = table.attrs[key]
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                           "line": {"color": color, "dash": dash}})
            notes.append({"xref": "x", "yref": "paper", "x": x, "y": y, "text": t(label, lang), "showarrow": False,
                          "yanchor": "bottom" if y else "top", "font": {"color": color}})
    # The title hangs from the top, every wrapped line gets 20 px, and the average line's label its own row below.
    top = 12 + 20 * (title.count("<br>") + 1) + 20
    # Each bar gets ROW_PX: the 12 px labels of 41 rows (best 20, gap, worst 20) don't touch.
    height = height or max(320, ROW_PX * len(data) + top + 30 + AXIS_TITLE_PX)
    # One Figure call on a plain dict: add_vline, update_layout or a go.Bar each re-validate (~80 ms per rerun).
    fig = go.Figure(dict(
        type="bar", x=data["value"].to_numpy(), y=data["label"].to_numpy(), orientation="h",
        marker={"color": "#4a78b0"}, customdata=data["code"].to_numpy(),
        hovertemplate="%{y}: %{x:,.4g} " + escape(unit) + "<extra></extra>"), layout={
        "title": {"text": title, "font": {"size": 15}, "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 12}},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": top, "b": 30},
        "font": {"family": FONT_FAMILY, "size": 12},
        "xaxis": {"title": {"text": unit}, "gridcolor": "#eef0f3"}, "yaxis": {"autorange": "reversed", "dtick": 1},
        "plot_bgcolor": "white", "showlegend": False, "shapes": shapes, "annotations": notes})
    return fig
