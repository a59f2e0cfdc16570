"""From the targets table and the panels to what the targets page shows: who meets each target,
when the rest would at the current pace, and Guangdong's spending-gap line.

Pure functions, no streamlit. Attainment, shares, years to target and the
spending gap all come from metrics.gaps and metrics.convergence; this module
only lines them up per region and words the finding.
"""
from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from figures.china_map import MapLayer
from figures.classify import Classes
from figures.map_view import fmt, region_table
from figures.style import AVERAGE_COLOR, FONT_FAMILY, TARGET_COLOR
from i18n import t
from metrics._data import UndefinedMeasure
from metrics.convergence import years_to_target
from metrics.gaps import SPENDING_GAP_DEFINITIONS, TargetShare, share_meeting_target, spending_gap

STATUS = ("met", "missed", "no_data")
STATUS_COLORS = {"met": "#009E73", "missed": "#D55E00", "no_data": "#e4e6ea"}
PACE_COLORS = {"met": "#009E73", "on_track": "#56B4E9", "never": "#D55E00"}
SPENDING_TARGET_ID = "gd01"        # 广东: 区域间人均基本公共服务支出差距控制在30%以内


SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}


def goal_text(target: pd.Series, unit: str) -> str:
    """'≥ 6 张/千人': the comparator as a reader writes it, the value, the indicator's unit."""
    comparator = str(target["comparator"])
    return f"{SYMBOLS.get(comparator, comparator)} {fmt(float(target['value']))} {unit}"


def direction_of(comparator: str, catalog_direction: int) -> int:
    """Which way is 'closer to the target': up for >=, down for <=, the indicator's own for '='."""
    if comparator in (">=", ">"):
        return 1
    if comparator in ("<=", "<"):
        return -1
    return catalog_direction if catalog_direction in (1, -1) else 1


def split_targets(targets: pd.DataFrame, catalog: pd.DataFrame, coverage: pd.DataFrame):
    """(targets whose indicator has data at some level, with those levels; targets without data)."""
    levels = coverage.groupby("indicator")["level"].apply(lambda s: [lv for lv in ("province", "city", "county")
                                                                       if lv in set(s)])
    has = targets["indicator"].astype(str).map(lambda i: bool(i) and i in catalog.index and i in levels.index)
    with_data = targets[has].copy()
    with_data["levels"] = with_data["indicator"].map(levels)
    return with_data.reset_index(drop=True), targets[~has].reset_index(drop=True)


def attainment(values: pd.DataFrame, regions: pd.DataFrame, target: pd.Series, direction: int,
               population: pd.Series | None, lang: str) -> tuple[pd.DataFrame, TargetShare | None]:
    """One row per region in view: value, distance to the target (positive = met), met or not;
    and the engine's shares of regions and of population meeting it."""
    table = region_table(values, regions, direction, population, target, lang)
    table["status"] = np.where(table["value"].isna(), "no_data",
                               np.where(table["meets"].fillna(False), "met", "missed"))
    y = table["value"].to_numpy(float)
    if not np.isfinite(y).any():
        return table, None
    w = table["code"].map(population).to_numpy(float) if population is not None else None
    if w is not None and np.isnan(w[np.isfinite(y)]).any():
        w = None
    share = share_meeting_target(y, float(target["value"]), target["comparator"], weights=w, direction=direction)
    return table, share


def pace(panel: pd.DataFrame, target: float, direction: int, last_k: int = 5) -> pd.DataFrame:
    """Per region: status (met / on_track / never / no_data), years needed and the year it would reach
    the target if its trend over the last `last_k` years continues (metrics.convergence.years_to_target)."""
    panel = panel.dropna(axis=1, how="all")
    r = years_to_target(panel.to_numpy(float), panel.columns.to_numpy(float), target, direction, last_k)
    reach = np.where(r.status == "met", r.latest_year,
                     np.where(r.status == "on_track", r.latest_year + np.ceil(r.years_needed), np.nan))
    return pd.DataFrame({"code": panel.index, "status": r.status, "years_needed": r.years_needed,
                         "reach_year": reach, "latest": r.latest, "latest_year": r.latest_year,
                         "slope_per_year": r.slope})


def pace_sentence(frame: pd.DataFrame, n_regions: int, target: pd.Series, unit: str, level: str, lang: str) -> str:
    """'at this pace, 31 of 31 provinces reach 6 beds per 1,000 by 2021'."""
    goal = goal_text(target, unit)
    reaching = frame[frame["status"].isin(["met", "on_track"])]
    level_name = t(f"targets.regions.{level}", lang)
    if reaching.empty:
        return t("targets.pace_none", lang, n=n_regions, level=level_name, goal=goal)
    if (reaching["status"] == "met").all():     # nobody still on the way: "reach by <latest year>" misled
        never = int((frame["status"] == "never").sum())
        rest = t("targets.pace_never_rest", lang, m=never) if never else ""
        return t("targets.pace_all_met", lang, k=len(reaching), n=n_regions, level=level_name, goal=goal,
                 year=int(reaching["latest_year"].max())) + rest
    return t("targets.pace", lang, k=len(reaching), n=n_regions, level=level_name, goal=goal,
             year=int(reaching["reach_year"].max()))


def attainment_layer(table: pd.DataFrame, reach: pd.DataFrame, unit: str, lang: str) -> MapLayer:
    """Met / not met / no data; hover gives the value, the distance in the indicator's unit and the pace."""
    by_code = reach.set_index("code") if len(reach) else pd.DataFrame()
    index = table["status"].map({s: i for i, s in enumerate(STATUS[:2])}).to_numpy(float)
    hover = []
    for row in table.itertuples():
        lines = [f"<b>{escape(str(row.label))}</b>"]
        if row.status == "no_data":
            lines.append(t("common.no_data", lang))
        else:
            lines.append(f"{fmt(row.value)} {escape(unit)}")
            lines.append(t(f"targets.status.{row.status}", lang) + " · " +
                         t("targets.distance", lang, gap=f"{row.gap_target:+,.3g}", unit=escape(unit)))
            if row.code in by_code.index:
                lines.append(pace_label(by_code.loc[row.code], lang))
        hover.append("<br>".join(lines))
    counts = [int((table["status"] == s).sum()) for s in STATUS[:2]]
    classes = Classes(np.where(np.isnan(index), -1, index).astype(int), np.array([0.0, 1.0]), 0.0)
    return MapLayer(codes=table["code"].tolist(), values=index, hover=hover, classes=classes,
                    legend_title=t("targets.legend", lang), no_data_label=t("common.no_data", lang),
                    class_labels=[f"{t(f'targets.status.{s}', lang)} ({n})" for s, n in zip(STATUS, counts)],
                    colors=[STATUS_COLORS["met"], STATUS_COLORS["missed"]])


def pace_label(row: pd.Series, lang: str) -> str:
    if row["status"] == "on_track":
        return t("targets.pace_on_track", lang, year=int(row["reach_year"]))
    return t(f"targets.pace_{row['status']}", lang)


def pace_figure(reach: pd.DataFrame, labels: pd.Series, target_year, lang: str, title: str) -> go.Figure:
    """The year each region reaches the target at its recent pace; 'never' at the right edge, the target year dashed."""
    data = reach[reach["status"] != "no_data"].copy()
    data["label"] = data["code"].map(lambda c: escape(str(labels.get(c, c))))
    horizon = int(np.nanmax(data["reach_year"])) + 2 if data["reach_year"].notna().any() else \
        int(np.nanmax(data["latest_year"])) + 5 if len(data) else 2030
    data["x"] = data["reach_year"].fillna(horizon)
    data = data.sort_values(["x", "label"])
    fig = go.Figure()
    for status in ("met", "on_track", "never"):
        part = data[data["status"] == status]
        if part.empty:
            continue
        name = t(f"targets.pace_{status}", lang) if status != "on_track" else t("targets.pace_on_track_short", lang)
        fig.add_trace(go.Scatter(
            x=part["x"], y=part["label"], mode="markers", name=f"{name} ({len(part)})",
            marker={"color": PACE_COLORS[status], "size": 10, "symbol": "x" if status == "never" else "circle"},
            customdata=np.c_[part["years_needed"].round(1).astype(str)],
            hovertemplate="%{y}: %{x}<extra>" + name + "</extra>"))
    if pd.notna(target_year):
        fig.add_vline(x=int(target_year), line_color=TARGET_COLOR, line_dash="dash",
                      annotation_text=t("targets.target_year", lang, year=int(target_year)))
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=max(360, 17 * len(data) + 170),
                      margin={"l": 10, "r": 10, "t": 60, "b": 90}, font={"family": FONT_FAMILY, "size": 12},
                      plot_bgcolor="white", xaxis={"title": t("targets.reach_axis", lang), "tickformat": "d",
                                                   "gridcolor": "#eef0f3"},
                      yaxis={"autorange": "reversed", "dtick": 1, "categoryorder": "array",
                             "categoryarray": data["label"].tolist()},
                      legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0})
    return fig


# ── Guangdong's spending gap ──────────────────────────────────────────────────

def spending_threshold(targets: pd.DataFrame) -> tuple[float, pd.Series | None]:
    """The 30 % line as a fraction, with the target row it comes from (quote and document)."""
    row = targets[targets["id"] == SPENDING_TARGET_ID]
    if row.empty:
        return 0.30, None
    row = row.iloc[0]
    value = float(row["value"])
    return (value / 100 if str(row["unit"]).strip() == "%" else value), row


def spending_gap_by_year(panel: pd.DataFrame, definition: str, threshold: float) -> pd.DataFrame:
    """The engine's spending gap of the regions in `panel` for every year with at least two of them."""
    rows = []
    for year in panel.columns:
        y = panel[year].to_numpy(float)
        if np.isfinite(y).sum() < 2:
            continue
        try:
            s = spending_gap(y, definition, threshold)
        except UndefinedMeasure:
            continue
        rows.append({"year": int(year), "gap": s.value, "within_threshold": s.within_threshold,
                     "n_regions": s.n_regions, "definition": SPENDING_GAP_DEFINITIONS[definition]})
    return pd.DataFrame(rows, columns=["year", "gap", "within_threshold", "n_regions", "definition"])


def spending_title(frame: pd.DataFrame, definition: str, threshold: float, name: str, where: str, lang: str) -> str:
    if frame.empty:
        return t("targets.gap_none", lang, name=escape(name), where=escape(where))
    last = frame.iloc[-1]
    within = int(frame["within_threshold"].sum())
    key = "targets.gap_title_ok" if last["within_threshold"] else "targets.gap_title_over"
    return t(key, lang, where=escape(where), name=escape(name), year=int(last["year"]),
             gap=f"{last['gap']:.0%}", line=f"{threshold:.0%}", formula=t(f"targets.def.{definition}", lang),
             k=within, n=len(frame))


def spending_gap_figure(frame: pd.DataFrame, definition: str, threshold: float, title: str,
                        lang: str) -> go.Figure:
    colors = np.where(frame["within_threshold"], "#009E73", "#D55E00")
    fig = go.Figure(go.Scatter(
        x=frame["year"], y=frame["gap"], mode="lines+markers", line={"color": "#0072B2", "width": 3},
        marker={"color": colors, "size": 9}, customdata=frame["n_regions"],
        name=t(f"targets.def.{definition}", lang),
        hovertemplate="%{x}: %{y:.1%}<br>" + t("targets.n_regions", lang) + " %{customdata}<extra></extra>"))
    fig.add_hline(y=threshold, line_color=TARGET_COLOR, line_dash="dash",
                  annotation_text=t("targets.gap_line", lang, line=f"{threshold:.0%}"),
                  annotation_position="top left")
    top = max(float(frame["gap"].max()) if len(frame) else 0.0, threshold) * 1.15
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=420,
                      margin={"l": 10, "r": 10, "t": 70, "b": 40}, font={"family": FONT_FAMILY, "size": 12},
                      plot_bgcolor="white", showlegend=False,
                      xaxis={"title": t("targets.axis_year", lang), "tickformat": "d", "dtick": 1,
                             "gridcolor": "#eef0f3"},
                      yaxis={"title": t(f"targets.def.{definition}", lang), "tickformat": ".0%",
                             "range": [0, top], "gridcolor": "#eef0f3", "zerolinecolor": AVERAGE_COLOR})
    return fig
