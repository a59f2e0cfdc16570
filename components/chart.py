"""The one way a figure reaches the browser: `chart(fig, key=…)`, and `preload()` at the top of app.py.

Why not ``st.plotly_chart``: on its first use a browser loads and evaluates Streamlit's full
plotly.js (4.7 MB, every trace type), which on a 2-core machine costs a cold page ~2 s before
anything is drawn. The atlas draws seven trace types; a plotly.js bundle of just those
(``figures.bundle``, 1.5 MB, built by ``scripts/plotly_bundle/build.sh``)
evaluates in ~0.6 s. ``preload()`` starts loading it, and the map's boundary file, with the first
message a page gets, while Streamlit is still drawing the sidebar; a figure then only waits for
what is left. Figures are drawn one at a time, maps first (chart.js). The figure itself travels
as Plotly's JSON (typed arrays kept), as with st.plotly_chart.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import streamlit as st

from figures import bundle


def compact_js(source: str) -> str:
    """Indentation and comment lines dropped: a component's code travels with every rerun, once per element."""
    return "\n".join(line.strip() for line in source.splitlines() if line.strip() and not line.strip().startswith("//"))


# Plotly draws into the page itself (no shadow root: its stylesheet lives in the document head);
# the preload element takes no room in the layout.
_chart = st.components.v2.component("atlas_chart", js=compact_js((Path(__file__).with_name("chart.js")).read_text()),
                                    css=".st-key-atlas-preload { display: none; }", isolate_styles=False)


def plotly_config(lang: str, modebar: bool = True) -> dict:
    """Plotly's config: the page language (modebar, number locale); world base layers from
    static/topojson/ (empty stand-ins), which Plotly would otherwise fetch from a CDN."""
    return {"topojsonURL": "/app/static/topojson/", "locale": "zh-CN" if lang == "zh" else "en",
            "displaylogo": False, "scrollZoom": False, "displayModeBar": "hover" if modebar else False,
            "modeBarButtonsToRemove": ["lasso2d", "select2d"], "toImageButtonOptions": {"format": "png", "scale": 3}}


def topojson_names(spec: dict) -> list[str]:
    """The base layers Plotly looks up for the figure's maps (``<scope>_<resolution>m``, as Plotly
    names them), fetched with the boundaries so Plotly finds them ready and draws without waiting."""
    geos = [v for k, v in spec.get("layout", {}).items() if k.startswith("geo") and isinstance(v, dict)]
    return sorted({f"{g.get('scope', 'world')}_{g.get('resolution', 110)}m" for g in geos})


def chart(fig, *, key: str, lang: str, modebar: bool = True, on_click: Callable[[str], None] | None = None) -> None:
    """Draw `fig` full width. `on_click(location)` runs when a point (a choropleth region) is
    clicked, before the page reruns, like a widget's on_change: the rerun already shows its effect."""
    spec = getattr(fig, "_atlas_spec", None) or bundle.figure_spec(fig)     # made once: components.cached
    urls = sorted({t["geojson"] for t in spec.get("data", []) if isinstance(t.get("geojson"), str)})
    _chart(key=key, data={"bundle": bundle.URL, "geojson": urls, "topojson": topojson_names(spec), "figure": spec,
                          "config": plotly_config(lang, modebar), "click": on_click is not None},
           on_click_change=(lambda: on_click(str(st.session_state[key]["click"]))) if on_click else None)


def preload(geojson_urls: list[str] = ()) -> None:
    """Start loading the plotly.js bundle (and these boundary files) now; draws nothing."""
    _chart(key="atlas-preload", data={"bundle": bundle.URL, "geojson": list(geojson_urls)}, height=0)
