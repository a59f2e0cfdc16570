"""Helpers for AppTest page tests: open a page the way a shared link does, read its figures."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(view: str, params: dict | None = None, state: dict | None = None, timeout: int = 180):
    """Run app.py with URL `params` and session `state`, straight on `view` (e.g. "views/gaps.py")."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params.update(params or {})
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.switch_page(view).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart_data(at) -> list[dict]:
    """What every components.chart element sent (the preload first), as the browser gets it."""
    return [json.loads(element.proto.json) for element in at.get("bidi_component")
            if element.proto.component_name == "atlas_chart"]


def figures(at) -> list[dict]:
    """Every Plotly figure on the page (components.chart), as the JSON sent to the browser."""
    return [data["figure"] for data in chart_data(at) if "figure" in data]


def figure_array(value) -> np.ndarray:
    """A figure array from its JSON: a list, or Plotly's base64 typed array {dtype, bdata}."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value)
