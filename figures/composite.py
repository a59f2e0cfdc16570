"""The composite-index page's figures and sentences: the index on the map, the ranks with their
Monte-Carlo band, the weights, the choices in words. The index itself comes from viewmodel.composite.
Pure functions, no streamlit."""
from __future__ import annotations

from dataclasses import replace
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from figures.china_map import MapLayer
from figures.map_view import map_layer
from figures.style import AVERAGE_COLOR, FONT_FAMILY, GROUP_COLORS
from i18n import t
# The index's tables live in viewmodel.composite (no plotting); re-exported for callers that reach them here.
from viewmodel.composite import (NOT_BASIC, IndexChoice, IndexResult, build_index, candidates,  # noqa: F401
                                 chosen_indicators, coherent, common_years, default_choice, default_selection,
                                 implicit_notes, index_frame, indicator_matrix, normalised_frame, sensitivity,
                                 stable_count, weight_vector)
# The index's choices and their URL grammar live with the view state (state.py); re-exported here.
from state import AGGREGATIONS, CUSTOM_WEIGHTS, METHODS, WEIGHTINGS, ViewState  # noqa: F401
from state import custom_weights, format_spec, parse_spec  # noqa: F401


# ── figures ──────────────────────────────────────────────────────────────────

def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title={"text": title, "font": {"size": 15}}, height=height, plot_bgcolor="white",
                      margin={"l": 10, "r": 10, "t": 60, "b": 40}, font={"family": FONT_FAMILY, "size": 12})
    return fig


def headline(result: IndexResult, lang: str) -> str:
    """The finding: who leads and who trails, and how many regions are scored."""
    has = result.table.dropna(subset=["score"]).sort_values("rank")
    if has.empty:
        return t("composite.headline_empty", lang, year=result.choice.year)
    return t("composite.headline", lang, year=result.choice.year, best=escape(str(has.iloc[0]["label"])),
             worst=escape(str(has.iloc[-1]["label"])), n=len(has), m=len(result.choice.indicators))


def index_layer(result: IndexResult, band: pd.DataFrame | None, view: ViewState, lang: str) -> MapLayer:
    """Map layer coloured by score (classes from the view's scheme); hover gives rank and band."""
    table = result.table.rename(columns={"score": "value"})
    table = table.assign(flag=table["flag"] if "flag" in table else "", gap_avg=np.nan, gap_avg_pct=np.nan,
                         gap_target=np.nan)
    layer = map_layer(table, replace(view, mode="value"), t("composite.score", lang), 1, lang)
    n = int(table["value"].notna().sum())
    bands = band.set_index("code") if band is not None else None
    hover = []
    for row in table.itertuples():
        name = f"<b>{escape(str(row.label))}</b>"
        if np.isnan(row.value):
            hover.append(f"{name}<br>{t('composite.hover_missing', lang, missing=escape(row.missing or '—'))}")
            continue
        lines = [name, f"{t('composite.score', lang)}: {row.value:.3f}",
                 t("composite.hover_rank", lang, rank=int(row.rank), n=n)]
        if bands is not None and row.code in bands.index:
            b = bands.loc[row.code]
            lines.append(t("composite.hover_band", lang, lo=f"{b.rank_p05:.0f}", hi=f"{b.rank_p95:.0f}",
                           med=f"{b.median_rank:.0f}"))
        if row.flag:
            lines.append("⚑ " + ", ".join(escape(t(f"flag.{f}", lang)) for f in row.flag.split(";")))
        hover.append("<br>".join(lines))
    return replace(layer, hover=hover, hovertemplate=MapLayer.hovertemplate, name_hover=None, notes=None)


def ranking_figure(result: IndexResult, band: pd.DataFrame | None, lang: str, title: str) -> go.Figure:
    """Regions from best to worst: the chosen rank as a dot, the Monte-Carlo 5–95 % band as a bar,
    the median rank as a tick. Rank 1 = best, at the top."""
    data = (band if band is not None else result.table).dropna(subset=["score"]).sort_values("rank")
    fig = go.Figure()
    if band is not None:
        fig.add_trace(go.Bar(
            y=data["label"], x=data["rank_p95"] - data["rank_p05"], base=data["rank_p05"], orientation="h",
            marker_color="rgba(74,120,176,0.25)", name=t("composite.band", lang),
            customdata=np.c_[data["rank_p05"], data["rank_p95"], data["median_rank"]],
            hovertemplate="%{y}: " + t("composite.hover_band", lang, lo="%{customdata[0]:.0f}",
                                       hi="%{customdata[1]:.0f}", med="%{customdata[2]:.0f}") + "<extra></extra>"))
        fig.add_trace(go.Scatter(y=data["label"], x=data["median_rank"], mode="markers",
                                 name=t("composite.median", lang),
                                 marker={"symbol": "line-ns-open", "size": 12, "color": AVERAGE_COLOR},
                                 hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        y=data["label"], x=data["rank"], mode="markers", name=t("composite.chosen_rank", lang),
        marker={"size": 9, "color": GROUP_COLORS[0]}, customdata=data["score"],
        hovertemplate="%{y}: " + t("composite.rank", lang) + " %{x:.0f} · " + t("composite.score", lang)
                      + " %{customdata:.3f}<extra></extra>"))
    n = len(data)
    fig.update_xaxes(title=t("composite.rank_axis", lang), range=[0.5, n + 0.5],
                     dtick=5 if n > 12 else 1, gridcolor="#eef0f3", zeroline=False)
    fig.update_yaxes(autorange="reversed", dtick=1)
    height = max(400, 19 * n + 200)
    fig = _layout(fig, title, height)
    # Legend below the axis title: its offset in plot fractions depends on the plot's height in pixels.
    fig.update_layout(barmode="overlay", margin={"t": 70, "b": 110},
                      legend={"orientation": "h", "x": 0, "yanchor": "top", "y": -62 / (height - 180)})
    return fig


def weights_figure(result: IndexResult, catalog: pd.DataFrame, domain_names: dict, lang: str,
                   title: str) -> go.Figure:
    """The weights the index actually used (after rescaling to sum 1), one colour per domain."""
    w = result.weights
    labels = [f"{'↑' if catalog.loc[i, 'direction'] > 0 else '↓'} {catalog.loc[i, f'name_{lang}']}" for i in w.index]
    domains = [catalog.loc[i, "domain"] for i in w.index]
    fig = go.Figure()
    for k, domain in enumerate(dict.fromkeys(domains)):
        keep = [d == domain for d in domains]
        part = w[keep] * 100
        name = domain_names.get(domain, domain)
        fig.add_trace(go.Bar(
            x=part.to_numpy(), y=[lab for lab, ok in zip(labels, keep) if ok], orientation="h", name=name,
            marker_color=GROUP_COLORS[k % len(GROUP_COLORS)], text=[f"{v:.1f}%" for v in part],
            textposition="outside", cliponaxis=False,
            hovertemplate="%{y} (" + escape(str(name)) + "): %{x:.1f} %<extra></extra>"))
    fig.update_xaxes(title=t("composite.weight_axis", lang), gridcolor="#eef0f3",
                     range=[0, float(w.max()) * 100 * 1.18 if len(w) else 1])
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    fig.update_layout(legend={"orientation": "h", "y": -0.15, "x": 0, "yanchor": "top"}, barmode="relative")
    return _layout(fig, title, max(300, 24 * len(w) + 170))


def choice_notes(result: IndexResult, catalog: pd.DataFrame, lang: str) -> dict[str, str]:
    """The modelling choices and the data left out, written into the downloaded files."""
    c = result.choice
    return {
        t("composite.note_year", lang): str(c.year),
        t("composite.note_indicators", lang): "; ".join(
            f"{catalog.loc[i, f'name_{lang}']} ({w:.3f})" for i, w in result.weights.items()),
        t("composite.note_method", lang): " · ".join([t(f"composite.method.{c.method}", lang),
                                                     t(f"composite.weighting.{c.weighting}", lang),
                                                     t(f"composite.aggregation.{c.aggregation}", lang)]),
        t("composite.note_missing", lang): "; ".join(result.incomplete + result.uncovered) or "—",
        t("composite.note_caveat", lang): t("composite.caveat", lang),
    }


def choice_lines(result: IndexResult, catalog: pd.DataFrame, lang: str) -> list[str]:
    """Markdown lines under the figures: indicators and year included, missing-data handling, method."""
    c = result.choice
    names = ", ".join(escape(f"{'↑' if catalog.loc[i, 'direction'] > 0 else '↓'}{catalog.loc[i, f'name_{lang}']}")
                      for i in c.indicators)
    lines = [t("composite.included", lang, year=c.year, m=len(c.indicators), names=names)]
    if result.incomplete:
        lines.append(t("composite.missing", lang, n=len(result.incomplete),
                       names=escape(", ".join(result.incomplete))))
    else:
        lines.append(t("composite.missing_none", lang))
    if result.uncovered:
        lines.append(t("composite.uncovered", lang, n=len(result.uncovered),
                       names=escape(", ".join(result.uncovered))))
    lines.append(t("composite.method_line", lang, method=t(f"composite.method.{c.method}", lang),
                   weighting=t(f"composite.weighting.{c.weighting}", lang),
                   aggregation=t(f"composite.aggregation.{c.aggregation}", lang)))
    return lines


