"""Captions: what a figure says under and above it, the same on a page, in an export, on a slide and in
the briefing — the finding as a wrapped title, the source line with every citation and the unit.

Pure plotly (no streamlit). On screen components/chart.js breaks titles the same way as `wrap`
for the width a chart is drawn at.
"""
from __future__ import annotations

import re
from html import escape

import pandas as pd
import plotly.graph_objects as go

from figures.style import FONT_FAMILY
from i18n import t

MUTED = "#5f6b7a"


def cited(sources: pd.DataFrame, source_ids, lang: str) -> list[str]:
    """The citation of each of the `;`-separated source ids (numerator first), each once; ids kept where
    the sources table does not know them."""
    by_id = dict(zip(sources["id"], sources[f"citation_{lang}"])) if "id" in sources.columns else {}
    ids = source_ids.split(";") if isinstance(source_ids, str) else list(source_ids)
    return [str(by_id.get(s, s)) for s in dict.fromkeys(str(s) for s in ids) if s]


def citation(sources: pd.DataFrame, source_ids: str, lang: str) -> str:
    """The citations of a catalog row's `;`-separated source ids, in one line."""
    return "; ".join(cited(sources, source_ids, lang))


def source_line(store, meta: pd.Series, lang: str) -> str:
    """"Source: … Unit: …" for the bottom of a figure: every source of the indicator, cited."""
    cites = cited(store.sources, str(meta["source"]), lang)
    return t("brief.source_line", lang, source="；".join(cites) if lang == "zh" else "; ".join(cites),
             unit=meta[f"unit_{lang}"])


def sources_text(store, indicators, lang: str) -> str:
    """One caption line (markdown) citing every source behind `indicators` (catalog ids), each once."""
    ids = [s for ind in indicators if ind in store.catalog.index
           for s in str(store.catalog.loc[ind, "source"]).split(";")]
    return f"**{t('common.source', lang)}**: " + "; ".join(escape(c) for c in cited(store.sources, ids, lang))


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


def plot_wide(source: str, width: float = 74) -> str:
    """A source line wrapped to a plot's width where that is narrower than its figure (the profile's
    standing chart starts right of its long indicator names). The separator before each break is dropped
    so that `with_caption`'s own wrapping, at the figure's width, does not break again right before it."""
    lines = wrap(source, width).split("<br>")
    return "<br>".join([re.sub(r"[;；,，]\s*$", "", line) for line in lines[:-1]] + lines[-1:])


def with_flags(label: str, flag: str, lang: str) -> str:
    """A region's name as text naming its figure's flags: a headline's extreme (highest, lowest, max ÷ min) may
    rest on an estimate, a suspect jump or a stand-in, and then says so."""
    flags = [t(f"flag.{f}", lang) for f in str(flag or "").split(";") if f]
    if not flags:
        return str(label)
    return f"{label}（⚑ {'、'.join(flags)}）" if lang == "zh" else f"{label} (⚑ {', '.join(flags)})"
