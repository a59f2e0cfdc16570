"""PNG and SVG of a figure drawn on the page, saved in the browser with the finding as its title and the
source line under it (figure_export.js, Plotly's public downloadImage): nothing leaves the browser."""
from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from components.chart import compact_js
from figures.caption import wrap
from figures.export import safe_filename
from i18n import t

EXPORT_SIZE = (1600, 900)    # px at scale 1; PNG is saved at scale 2 (3200 × 1800)
PNG_SCALE = 2

_EXPORT_CSS = """
.atlas-export { display: flex; gap: .5rem; }
.atlas-export-btn { font: inherit; font-size: .875rem; min-height: 2.5rem; padding: .25rem .75rem; border-radius: .5rem;
  cursor: pointer;
  border: 1px solid var(--st-border-color, #d5dae1); background: var(--st-background-color, white);
  color: var(--st-text-color, #1f2933); }
.atlas-export-btn:hover { border-color: var(--st-primary-color, #4a78b0); color: var(--st-primary-color, #4a78b0); }
"""

_export = st.components.v2.component("atlas_figure_export",
                                     js=compact_js(Path(__file__).with_name("figure_export.js").read_text()),
                                     css=compact_js(_EXPORT_CSS))


def key_class(key: str) -> str:
    """The CSS class Streamlit gives an element with this key (``st-key-`` + key, other characters as '-')."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def export_buttons(chart_key: str, headline: str, source: str, name: str, lang: str,
                   size: tuple[int, int] = EXPORT_SIZE) -> None:
    """PNG (scale 2) and SVG buttons for the chart drawn with `chart_key`; the files carry the headline
    as title and the source line at the bottom. Drawn in the browser, nothing leaves it."""
    _export(key=f"export-{chart_key}", height="content", width="content", data={
        "selector": "." + key_class(chart_key), "title": wrap(plain(headline), size[0] / 22 - 4),
        "source": wrap(source, size[0] / 13 - 4), "caption": True, "filename": safe_filename(name),
        "width": size[0], "height": size[1], "scale": PNG_SCALE,
        "labels": {"png": t("pres.png", lang), "svg": t("pres.svg", lang), "help": t("pres.export_help", lang),
                   "missing": t("pres.export_missing", lang)}})


def plain(headline: str) -> str:
    """Markdown emphasis is not Plotly markup; everything else (escaped names) is kept."""
    return headline.replace("**", "").replace("### ", "").strip()
