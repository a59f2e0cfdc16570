"""Figures of the briefing report (their captions: figures.caption).

Pure plotly (no streamlit). Numbers come from the metrics engine via
`reports.briefing`; these functions only draw them in the atlas style.
"""
from __future__ import annotations

import plotly.graph_objects as go

from figures.style import FONT_FAMILY, GROUP_COLORS, TARGET_COLOR
from figures.caption import MUTED
from figures.gaps import mark_suspect
from i18n import t


def _base(fig: go.Figure, height: int, y_title: str) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 60, "r": 20, "t": 20, "b": 40},
                      font={"family": FONT_FAMILY, "size": 12}, plot_bgcolor="white",
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                      xaxis={"tickformat": "d", "dtick": 1, "gridcolor": "#eef0f3", "title": None},
                      yaxis={"gridcolor": "#eef0f3", "title": y_title, "rangemode": "tozero"})
    return fig


def _mark_breaks(fig: go.Figure, breaks, lang: str) -> None:
    """A dotted line before each year whose definition changed: the change across it is not all real."""
    for year in breaks:
        fig.add_vline(x=year - 0.5, line_dash="dot", line_color=MUTED, annotation_text=t("brief.break_mark", lang),
                      annotation_position="top right", annotation_font={"size": 11, "color": MUTED})


def inequality_trend(trend, lang: str, height: int = 330, breaks=(), suspect=()) -> go.Figure:
    """CV, Gini and Theil T by year (all unitless, so one axis); a dotted line where the definition changed, a grey
    band over a year whose values look misaligned in the source."""
    fig = go.Figure()
    _mark_breaks(fig, breaks, lang)
    mark_suspect(fig, trend["year"].tolist(), suspect, lang)
    for i, (column, sid) in enumerate([("cv", "card.cv"), ("gini", "card.gini"), ("theil_t", "card.theil")]):
        fig.add_trace(go.Scatter(x=trend["year"], y=trend[column], mode="lines+markers", name=t(sid, lang),
                                 line={"color": GROUP_COLORS[i], "width": 2.5},
                                 hovertemplate="%{x}: %{y:.3f}<extra>" + t(sid, lang) + "</extra>"))
    return _base(fig, height, t("brief.axis_index", lang))


def theil_decomposition_bars(trend, grouping_name: str, lang: str, height: int = 330, breaks=(),
                             suspect=()) -> go.Figure:
    """Theil T split into between- and within-group parts, stacked per year (a misaligned year banded)."""
    fig = go.Figure()
    _mark_breaks(fig, breaks, lang)
    mark_suspect(fig, trend["year"].tolist(), suspect, lang)
    for column, sid, color in [("between", "brief.between", GROUP_COLORS[0]),
                               ("within", "brief.within", GROUP_COLORS[4])]:
        fig.add_trace(go.Bar(x=trend["year"], y=trend[column], name=t(sid, lang, grouping=grouping_name),
                             marker_color=color, hovertemplate="%{x}: %{y:.4f}<extra></extra>"))
    fig.update_layout(barmode="stack")
    return _base(fig, height, t("brief.axis_theil", lang))


def target_share_bars(trend, lang: str, height: int = 300) -> go.Figure:
    """Share of regions meeting the target, per year, in percent."""
    fig = go.Figure(go.Bar(x=trend["year"], y=trend["share_meeting"] * 100, marker_color=TARGET_COLOR,
                           text=[f"{v:.0%}" for v in trend["share_meeting"]], textposition="outside",
                           hovertemplate="%{x}: %{y:.0f}%<extra></extra>"))
    fig = _base(fig, height, t("brief.axis_share", lang))
    fig.update_yaxes(range=[0, 110], ticksuffix="%")
    return fig
