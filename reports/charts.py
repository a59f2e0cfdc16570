"""Figures of the briefing report, and the caption every exported figure carries.

Pure plotly (no streamlit). Numbers come from the metrics engine via
`reports.briefing`; these functions only draw them in the atlas style.
"""
from __future__ import annotations

import plotly.graph_objects as go

from figures.style import FONT_FAMILY, GROUP_COLORS, TARGET_COLOR
from i18n import t

MUTED = "#5f6b7a"


def wrap(text: str, width: int = 64) -> str:
    """Break a long headline once, at the punctuation or space nearest its middle (Plotly titles don't wrap)."""
    if len(text) <= width:
        return text
    middle = len(text) // 2
    cuts = [i for i, c in enumerate(text) if c in "，；,; " and 8 < i < len(text) - 8]
    if not cuts:
        return text
    cut = min(cuts, key=lambda i: abs(i - middle))
    return text[:cut + 1].rstrip() + "<br>" + text[cut + 1:].lstrip()


def with_caption(fig: go.Figure, headline: str, source_line: str, *, title_size: int = 18) -> go.Figure:
    """A copy of `fig` with the finding as its title and the source line at the bottom,
    so a PNG or SVG saved from it stands on its own in a report."""
    out = go.Figure(fig)
    margin = out.layout.margin
    lines = headline.count("<br>") + (1 if len(headline) > 64 and "<br>" not in headline else 0)
    top = max(margin.t or 0, 58 + 26 * lines)
    bottom = (margin.b or 0) + 34
    out.update_layout(
        title={"text": wrap(headline), "x": 0.01, "xanchor": "left", "y": 0.99, "yanchor": "top",
               "font": {"size": title_size, "family": FONT_FAMILY}},
        margin={"t": top, "b": bottom})
    out.add_annotation(text=source_line, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                       yshift=-(bottom - 30), showarrow=False, align="left",
                       font={"size": 11, "color": MUTED, "family": FONT_FAMILY})
    return out


def _base(fig: go.Figure, height: int, y_title: str) -> go.Figure:
    fig.update_layout(height=height, margin={"l": 60, "r": 20, "t": 20, "b": 40},
                      font={"family": FONT_FAMILY, "size": 12}, plot_bgcolor="white",
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
                      xaxis={"tickformat": "d", "dtick": 1, "gridcolor": "#eef0f3", "title": None},
                      yaxis={"gridcolor": "#eef0f3", "title": y_title, "rangemode": "tozero"})
    return fig


def inequality_trend(trend, lang: str, height: int = 330) -> go.Figure:
    """CV, Gini and Theil T by year (all unitless, so one axis)."""
    fig = go.Figure()
    for i, (column, sid) in enumerate([("cv", "card.cv"), ("gini", "card.gini"), ("theil_t", "card.theil")]):
        fig.add_trace(go.Scatter(x=trend["year"], y=trend[column], mode="lines+markers", name=t(sid, lang),
                                 line={"color": GROUP_COLORS[i], "width": 2.5},
                                 hovertemplate="%{x}: %{y:.3f}<extra>" + t(sid, lang) + "</extra>"))
    return _base(fig, height, t("brief.axis_index", lang))


def theil_decomposition_bars(trend, grouping_name: str, lang: str, height: int = 330) -> go.Figure:
    """Theil T split into between- and within-group parts, stacked per year."""
    fig = go.Figure()
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
