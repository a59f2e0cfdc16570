"""One visual style for every figure: fonts, palettes, group colours."""
from __future__ import annotations

import plotly.colors as pc

FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
NO_DATA_COLOR = "#e4e6ea"
BORDER_COLOR = "#ffffff"
AVERAGE_COLOR = "#1f2933"
TARGET_COLOR = "#b22c2c"
ERROR_COLOR = "#b22c2c"     # the theme's red (primaryColor in .streamlit/config.toml): refusals in the UI

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
GROUP_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

TEXT_COLOR = "#1f2933"
MUTED_COLOR = "#5f6b7a"
GRID_COLOR = "#e6e9ef"

# The atlas template, which every figure is sent with (figures.bundle.figure_spec): layout only,
# ~1 KB, where Plotly's default template adds ~6 KB to every figure on every rerun.
_AXIS = {"gridcolor": GRID_COLOR, "linecolor": GRID_COLOR, "zerolinecolor": "#c9ced6", "ticks": "",
         "automargin": True, "tickfont": {"color": MUTED_COLOR}, "title": {"font": {"color": MUTED_COLOR}}}
TEMPLATE = {"layout": {
    "font": {"family": FONT_FAMILY, "color": TEXT_COLOR, "size": 13},
    "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff", "colorway": GROUP_COLORS,
    "title": {"x": 0.005, "xanchor": "left", "font": {"size": 16, "weight": 600}},
    "xaxis": _AXIS, "yaxis": _AXIS,
    "hoverlabel": {"bgcolor": "#ffffff", "bordercolor": "#c9ced6",
                   "font": {"family": FONT_FAMILY, "color": TEXT_COLOR}},
    "legend": {"bgcolor": "rgba(255,255,255,0)", "font": {"color": TEXT_COLOR}},
}}

# Diverging, centred on the reference: below = orange/brown, above = blue (colour-blind safe).
DIVERGING = "BrBG"


def sequential(name: str, k: int, reverse: bool = False) -> list[str]:
    """`k` colours from a ColorBrewer/perceptual sequential scale, light to dark."""
    scale = pc.get_colorscale(name)
    colors = pc.sample_colorscale(scale, [0.12 + 0.83 * i / max(k - 1, 1) for i in range(k)])
    return colors[::-1] if reverse else colors


def diverging(k: int) -> list[str]:
    scale = pc.get_colorscale(DIVERGING)
    return pc.sample_colorscale(scale, [0.08 + 0.84 * i / max(k - 1, 1) for i in range(k)])


def diverging_at(positions) -> list[str]:
    """Colours of the diverging scale at positions in [0, 1] (0.5 = the reference)."""
    return pc.sample_colorscale(pc.get_colorscale(DIVERGING), [0.08 + 0.84 * float(p) for p in positions])
