"""Figures of the briefing report, and the caption every exported figure carries.

Pure plotly (no streamlit). Numbers come from the metrics engine via
`reports.briefing`; these functions only draw them in the atlas style.
"""
from __future__ import annotations

import re

import plotly.graph_objects as go

from figures.style import FONT_FAMILY, GROUP_COLORS, TARGET_COLOR
from i18n import t

MUTED = "#5f6b7a"


def _width(text: str) -> float:
    """Rough rendered width in ems: CJK and full-width characters 1, others about half."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.55 for c in text)


def wrap(text: str, width: float = 40) -> str:
    """Break a headline into lines of at most `width` ems (Plotly titles don't wrap): each of its
    lines on its own, at punctuation, and at spaces only inside a clause too long for a line, so
    "前 20 名" stays together; a ``<sub>`` line (set at 70 %) stays a ``<sub>`` line, other markup is
    left as it is. For a known width (exports, slides); on screen components/chart.js breaks titles
    the same way for the width a chart is drawn at."""
    return "<br>".join(_wrap_line(line, width) for line in text.split("<br>"))


def _wrap_line(line: str, width: float) -> str:
    sub = re.fullmatch(r"<sub>(.*)</sub>", line)
    if sub:
        return "<br>".join(f"<sub>{part}</sub>" for part in _wrap_line(sub.group(1), width / 0.7).split("<br>"))
    if re.search(r"<[^>]+>", line) or _width(line) <= width:
        return line
    pieces = []
    for clause in re.split(CLAUSE_END, line):
        pieces += re.split(r"(?<= )", clause) if _width(clause) > width else [clause]
    lines, current = [], ""
    for piece in pieces:
        if current and _width(current + piece) > width:
            lines.append(current.rstrip())
            current = piece.lstrip()
        else:
            current += piece
    lines.append(current.rstrip())
    return "<br>".join(lines)


# After full-width punctuation, and after "," ";" ":" ")" followed by a space (not inside "1,832").
CLAUSE_END = r"(?<=[，；：）])|(?<=[,;:)])(?= )"


def with_caption(fig: go.Figure, headline: str, source_line: str, *, title_size: int = 18,
                 width_px: int = 720, font_size: int | None = None) -> go.Figure:
    """A copy of `fig` with the finding as its title and the source line at the bottom,
    so a PNG or SVG saved from it stands on its own in a report. `width_px`: the width the
    figure is drawn at, to wrap the title. (Plotly anchors a multi-line title by its first line,
    hence the bottom padding that grows with the number of lines.) `font_size`: the figure's
    type size, when the caption comes with a new one (a slide's)."""
    out = go.Figure(fig)
    if font_size:
        out.update_layout(font={"size": font_size})
    margin = out.layout.margin
    title = wrap(headline, max(12.0, width_px / title_size - 2))
    lines = title.count("<br>") + 1
    top = max(margin.t or 0, int(title_size * 1.35 * lines) + 24)
    base = margin.b if margin.b is not None else 80      # Plotly's default bottom margin
    # The source line goes below the x-axis's tick labels and title, which grow with the font.
    font = out.layout.font.size or 12
    titled = any(axis.title.text for axis in out.select_xaxes())
    base = max(base, round(font * 1.3) + 8 + (round(font * 1.3) + 12 if titled else 0))
    source_size = max(11, title_size // 2)
    source = wrap(source_line, max(12.0, width_px / source_size - 2))
    bottom = base + 12 + round(source_size * 1.4 * (source.count("<br>") + 1))
    out.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "xref": "container", "y": 1, "yanchor": "bottom",
               "yref": "paper", "pad": {"b": 8 + (lines - 1) * round(title_size * 1.3)}, "automargin": True,
               "font": {"size": title_size, "family": FONT_FAMILY}},
        margin={"t": top, "b": bottom})
    out.add_annotation(text=source, xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="top",
                       yshift=-(base + 6), showarrow=False, align="left",
                       font={"size": source_size, "color": MUTED, "family": FONT_FAMILY})
    return out


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


def inequality_trend(trend, lang: str, height: int = 330, breaks=()) -> go.Figure:
    """CV, Gini and Theil T by year (all unitless, so one axis); a dotted line where the definition changed."""
    fig = go.Figure()
    _mark_breaks(fig, breaks, lang)
    for i, (column, sid) in enumerate([("cv", "card.cv"), ("gini", "card.gini"), ("theil_t", "card.theil")]):
        fig.add_trace(go.Scatter(x=trend["year"], y=trend[column], mode="lines+markers", name=t(sid, lang),
                                 line={"color": GROUP_COLORS[i], "width": 2.5},
                                 hovertemplate="%{x}: %{y:.3f}<extra>" + t(sid, lang) + "</extra>"))
    return _base(fig, height, t("brief.axis_index", lang))


def theil_decomposition_bars(trend, grouping_name: str, lang: str, height: int = 330, breaks=()) -> go.Figure:
    """Theil T split into between- and within-group parts, stacked per year."""
    fig = go.Figure()
    _mark_breaks(fig, breaks, lang)
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
