"""The region-profile page's figures and sentences: where the region stands on every indicator, its
trends against the national and group averages, its rank history. The tables they draw come from
viewmodel.profile. Pure functions, no streamlit. "Better" is always to the right / up."""
from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from figures.caption import sources_text
from figures.map_view import fmt
from figures.style import AVERAGE_COLOR, FONT_FAMILY, GROUP_COLORS
from i18n import t

# The profile's tables live in viewmodel.profile (no plotting); re-exported for callers that reach them here.
from viewmodel.profile import (MAX_PEERS, best_year, peer_table, profile_table, profile_years,  # noqa: F401
                               rank_history, standing, trend_frame)

PEER_COLORS = GROUP_COLORS[1:6]


def headline(rows: pd.DataFrame, label: str, year: int, lang: str) -> str:
    """The finding: on how many indicators the region is in the better half of its peers."""
    scored = rows.dropna(subset=["percentile"])
    if scored.empty:
        return t("profile.headline_empty", lang, region=escape(label), year=year)
    better = int((scored["percentile"] >= 50).sum())
    return t("profile.headline", lang, region=escape(label), year=year, better=better, m=len(scored),
             n=int(scored["n"].max()))


def standing_figure(rows: pd.DataFrame, lang: str, title: str) -> go.Figure:
    """Dot plot: one row per indicator under a bold row per domain, x = percentile among regions of
    the same level (100 = best, whatever the indicator's direction). One colour per region (main + peers)."""
    scored = rows.dropna(subset=["percentile"])
    order = scored.drop_duplicates("indicator")[["indicator", "domain_name", "name", "direction"]]
    ylabel = {r.indicator: f"{r.name} {'↑' if r.direction > 0 else '↓'}" for r in order.itertuples()}
    categories: list[str] = []
    for domain, part in order.groupby("domain_name", sort=False):
        categories.append(f"<b>{escape(str(domain))}</b>")
        categories += [ylabel[i] for i in part["indicator"]]
    fig = go.Figure()
    for i, (code, part) in enumerate(scored.groupby("code", sort=False)):
        color = GROUP_COLORS[0] if i == 0 else PEER_COLORS[(i - 1) % len(PEER_COLORS)]
        custom = np.c_[part["value"].map(fmt), part["unit"], part["rank"].astype(int), part["n"],
                       part["gap_avg_pct"].map(lambda v: f"{v:+.1f}"), part["year"]]
        fig.add_trace(go.Scatter(
            x=part["percentile"], y=[ylabel[i] for i in part["indicator"]],
            mode="markers", name=str(part["region"].iloc[0]),
            marker={"size": 13 if i == 0 else 10, "color": color, "line": {"color": "white", "width": 1},
                    "symbol": "circle" if i == 0 else "diamond"},
            customdata=custom,
            hovertemplate="<b>" + escape(str(part["region"].iloc[0])) + "</b> · %{y}<br>%{customdata[0]} "
                          "%{customdata[1]} (%{customdata[5]})<br>" + t("profile.hover_rank", lang)
                          + "<br>" + t("profile.hover_pct", lang) + "<extra></extra>"))
    fig.add_vline(x=50, line_color=AVERAGE_COLOR, line_dash="dot")
    fig.update_xaxes(title=t("profile.pct_axis", lang), range=[-3, 103], tickvals=[0, 25, 50, 75, 100],
                     gridcolor="#eef0f3", zeroline=False, side="top")
    fig.update_yaxes(categoryorder="array", categoryarray=categories[::-1], range=[-0.5, len(categories) - 0.5],
                     gridcolor="#f4f5f7")
    # the title at the very top: the percentile axis' own title sits above the plot, in the same margin
    fig.update_layout(title={"text": title, "font": {"size": 15}, "yref": "container", "y": 1, "yanchor": "top",
                             "pad": {"t": 14}}, height=max(320, 24 * len(categories) + 150),
                      margin={"l": 10, "r": 10, "t": 110, "b": 30}, font={"family": FONT_FAMILY, "size": 12},
                      plot_bgcolor="white", legend={"orientation": "h", "y": -0.02, "x": 0, "yanchor": "top"})
    for x, text, anchor in ((0, t("profile.worse", lang), "left"), (50, t("profile.median_peer", lang), "center"),
                            (100, t("profile.better", lang), "right")):
        fig.add_annotation(text=text, x=x, xref="x", y=0, yref="paper", yanchor="top", showarrow=False,
                           font={"color": "#8a94a6"}, xanchor=anchor)
    return fig


def trend_figure(frame: pd.DataFrame, unit: str, lang: str, title: str, group_label: str = "",
                 direction: int = 0) -> go.Figure:
    """The region (bold), its peers, the average of all regions (dotted) and of its group (dashed)."""
    fig = go.Figure()
    named = [s for s in dict.fromkeys(frame["series"]) if not s.startswith("__")]
    for i, series in enumerate(named):
        part = frame[frame["series"] == series]
        color = GROUP_COLORS[0] if i == 0 else PEER_COLORS[(i - 1) % len(PEER_COLORS)]
        fig.add_trace(go.Scatter(x=part["year"], y=part["value"], mode="lines+markers", name=series,
                                 line={"color": color, "width": 3 if i == 0 else 1.8},
                                 marker={"size": 6 if i == 0 else 4},
                                 hovertemplate=escape(series) + " %{x}: %{y:,.4g} " + escape(unit) + "<extra></extra>"))
    for key, name, dash in (("__avg__", t("profile.avg_all", lang), "dot"),
                            ("__group__", t("profile.avg_group", lang, group=group_label), "dash")):
        part = frame[frame["series"] == key]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(x=part["year"], y=part["value"], mode="lines", name=name,
                                 line={"color": AVERAGE_COLOR if key == "__avg__" else "#7b8794", "dash": dash,
                                       "width": 2},
                                 hovertemplate=escape(name) + " %{x}: %{y:,.4g} " + escape(unit) + "<extra></extra>"))
    fig.update_xaxes(title=t("profile.year_axis", lang), tickformat="d", dtick=1, gridcolor="#eef0f3")
    better = {1: t("profile.higher_better", lang), -1: t("profile.lower_better", lang)}.get(direction, "")
    fig.update_yaxes(title=f"{escape(unit)}{' · ' + better if better else ''}", gridcolor="#eef0f3")
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=400, plot_bgcolor="white",
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, font={"family": FONT_FAMILY, "size": 12},
                      legend={"orientation": "h", "y": -0.2, "x": 0})
    return fig


def trend_title(frame: pd.DataFrame, label: str, name: str, lang: str) -> str:
    """States the finding: the region's first and last value against the average in the same years."""
    own = frame[frame["series"] == label].sort_values("year")
    avg = frame[frame["series"] == "__avg__"].set_index("year")["value"]
    if own.empty:
        return t("profile.trend_empty", lang, region=escape(label), name=escape(name))
    first, last = own.iloc[0], own.iloc[-1]
    return t("profile.trend_title", lang, region=escape(label), name=escape(name),
             y0=int(first["year"]), v0=fmt(first["value"]), y1=int(last["year"]), v1=fmt(last["value"]),
             a0=fmt(avg.get(first["year"], np.nan)), a1=fmt(avg.get(last["year"], np.nan)))


def rank_history_figure(history: pd.DataFrame, lang: str, title: str) -> go.Figure:
    """Heatmap of ranks: dark = near the top (rank 1), light = near the bottom; numbers in the cells."""
    n = history.attrs.get("n")
    text = history.map(lambda v: "" if np.isnan(v) else f"{int(v)}")
    custom = n.to_numpy() if n is not None else None
    fig = go.Figure(go.Heatmap(
        z=history.to_numpy(float), x=[str(c) for c in history.columns], y=list(history.index),
        colorscale="Blues", reversescale=True, zmin=1, zmax=float(np.nanmax(n.to_numpy())) if n is not None else None,
        text=text.to_numpy(), texttemplate="%{text}", customdata=custom,
        colorbar={"title": {"text": t("profile.rank_legend", lang)}, "thickness": 14},
        hovertemplate="%{y} %{x}: " + t("profile.hover_rank_hist", lang) + "<extra></extra>", xgap=1, ygap=1))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=t("profile.year_axis", lang), type="category")
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=max(300, 26 * len(history) + 140),
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, font={"family": FONT_FAMILY, "size": 12},
                      plot_bgcolor="white")
    return fig


def rank_history_title(history: pd.DataFrame, label: str, lang: str) -> str:
    """States the finding: on how many indicators the region ranks better in its last year than its first."""
    first = history.bfill(axis=1).iloc[:, 0] if history.shape[1] else pd.Series(np.nan, index=history.index)
    last = history.ffill(axis=1).iloc[:, -1] if history.shape[1] else first
    moved = history.notna().sum(axis=1) > 1
    return t("profile.rank_title", lang, region=escape(label), up=int((last < first)[moved].sum()),
             down=int((last > first)[moved].sum()), m=int(moved.sum()))


def indicator_note(store, meta: pd.Series, level: str, codes: list[str], lang: str) -> str:
    """Caption under a trend: sources, unit, caveat and the flags on the regions shown."""
    unit = escape(str(meta[f"unit_{lang}"]))
    lines = [sources_text(store, [meta.name], lang) + f" · **{t('common.unit', lang)}**: {unit}"]
    caveat = meta.get(f"caveats_{lang}")
    if isinstance(caveat, str) and caveat.strip():
        lines.append(f"**{t('profile.caveats', lang)}**: {escape(caveat)}")
    flags = store.flags(meta.name, level).reindex(codes)
    found = pd.Series([f for cell in flags.to_numpy().ravel() if isinstance(cell, str) for f in cell.split(";") if f])
    if len(found):
        years = {f: sorted({int(y) for y in flags.columns if flags[y].astype(str).str.contains(f).any()})
                 for f in found.unique()}
        lines.append("⚑ " + ", ".join(f"{t(f'flag.{f}', lang)} ({', '.join(map(str, ys))})" for f, ys in years.items()))
    return "  \n".join(lines)


def group_name(store, group_id: str, label_zh: str, lang: str) -> str:
    """A group's name in `lang` (groups are labelled in Chinese; `Store.grouping` gives either language)."""
    if lang == "zh" or not label_zh or group_id not in set(store.groups["id"]):
        return label_zh
    names = dict(zip(store.grouping(group_id), store.grouping(group_id, lang)))
    name = names.get(label_zh)
    return str(name) if isinstance(name, str) and name else label_zh
