"""The plotly.js the atlas ships: one custom bundle of the trace types its figures use.

Built by ``scripts/plotly_bundle/build.sh`` into ``static/vendor/``; the app serves it to
the browser (components.chart) and the briefing inlines it (reports.briefing). Its first
line names its plotly.js version and trace types, which the tests hold against the Python
plotly package and against every figure the pages draw.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import plotly.io as pio

from figures.style import TEMPLATE

PATH = Path(__file__).resolve().parents[1] / "static" / "vendor" / "plotly-atlas.min.js"
URL = "/app/static/vendor/plotly-atlas.min.js"


@lru_cache(maxsize=1)
def _banner() -> str:
    with PATH.open(encoding="utf-8") as f:
        return f.readline()


def version() -> str:
    """The plotly.js version the bundle was built from."""
    return re.search(r"plotly\.js v(\S+)", _banner()).group(1)


def traces() -> set[str]:
    """The trace types the bundle can draw."""
    return set(re.search(r"traces: ([a-z0-9,]+)", _banner()).group(1).split(","))


def source() -> str:
    """The bundle's JavaScript, to inline in a self-contained page."""
    return PATH.read_text(encoding="utf-8")


def figure_spec(fig) -> dict:
    """The figure as this plotly.js gets it (numpy arrays as base64 typed arrays), in the atlas
    template whatever Plotly's default is: Streamlit makes its own template (with placeholder
    colours only its frontend fills in) the default as soon as its plotly module loads."""
    spec = json.loads(pio.to_json(fig, validate=False))
    spec.setdefault("layout", {})["template"] = TEMPLATE
    return spec


def script_json(value) -> str:
    """JSON to put inside an HTML <script>: nothing in it can end the script or break a JS line.

    `<`, `>` and `&` become \\u escapes (a name like `</script><script>…` stays text), and so do U+2028/2029,
    which end a line in older JavaScript. `json.loads` gives back exactly `value`.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text
