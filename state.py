"""The view state: one serialisable object behind every page, mirrored in the URL.

A chart is a function of this state, so a copied link reproduces a view and a
test can build any view without clicking. Parsing is forgiving: an invalid
parameter falls back to its default and leaves a notice, never a traceback.
Pages never read the URL themselves; `components.controls` binds this to
Streamlit. No streamlit import here.
"""
from __future__ import annotations

import math

from dataclasses import asdict, dataclass, fields, replace
from typing import Mapping

from geo.regions import LEVELS

SCHEMES = ("quantiles", "fisher_jenks", "equal_interval", "std_mean", "box", "user", "continuous")
MODES = ("value", "gap_avg", "gap_target", "rank")
PALETTES = ("Blues", "Greens", "Purples", "Oranges", "YlGnBu", "Viridis", "Cividis")
LANGS = ("zh", "en")
# The composite index's choices, written in the URL as index_spec "method.weighting.aggregation[.w1,w2,…]".
METHODS = ("minmax", "zscore")
WEIGHTINGS = ("equal", "domain_equal", "entropy", "custom")
AGGREGATIONS = ("linear", "geometric", "topsis")

# URL parameter name for each field; short, stable, human-readable.
_PARAM = {
    "lang": "lang", "level": "level", "scope": "scope", "indicator": "ind", "year": "year",
    "scheme": "cls", "k": "k", "breaks": "breaks", "mode": "mode", "palette": "pal",
    "group": "group", "region": "region", "presenter": "present",
    "peers": "peers", "index_spec": "index", "index_indicators": "inds",
}


@dataclass(frozen=True)
class ViewState:
    lang: str = "zh"
    level: str = "province"
    scope: str = ""            # "" = whole country, else a province code: its cities or counties
    indicator: str = ""        # "" = the page's default indicator for the level
    year: int | None = None    # None = latest year with data
    scheme: str = "quantiles"
    k: int = 5
    breaks: tuple[float, ...] = ()
    mode: str = "value"
    palette: str = "Blues"
    group: str = "nbs_four_regions"
    region: str = ""           # the clicked / selected region
    presenter: bool = False
    peers: str = ""            # profile: up to 5 comparison region codes, comma-separated
    index_spec: str = ""       # composite: "method.weighting.aggregation" ("" = the page's defaults)
    index_indicators: str = ""  # composite: catalog ids, comma-separated ("" = the page's default set)

    def to_params(self) -> dict[str, str]:
        """Only the fields that differ from the default, so links stay short."""
        default = ViewState()
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, bool):
                text = "1" if value else "0"
            elif isinstance(value, tuple):
                text = ",".join(f"{v:g}" for v in value)
            else:
                text = str(value)
            out[_PARAM[f.name]] = text
        return out

    @classmethod
    def from_params(cls, params: Mapping[str, str | list[str]]) -> tuple["ViewState", list[str]]:
        """Parse URL parameters; returns the state and a notice for every value ignored."""
        values: dict = {}
        notices: list[str] = []
        for f in fields(cls):
            raw = params.get(_PARAM[f.name])
            if raw is None:
                continue
            if isinstance(raw, list):
                raw = raw[-1] if raw else ""
            raw = str(raw).strip()
            try:
                values[f.name] = _parse(f.name, raw)
            except ValueError:
                notices.append(f"{_PARAM[f.name]}={raw}")
        state = cls(**values)
        if state.scope and state.level == "province":
            notices.append(f"scope={state.scope}")
            state = replace(state, scope="")
        return state, notices

    def as_dict(self) -> dict:
        return asdict(self)


def _parse(name: str, raw: str):
    choices = {"lang": LANGS, "level": LEVELS, "scheme": SCHEMES, "mode": MODES, "palette": PALETTES}
    if name in choices:
        if raw not in choices[name]:
            raise ValueError(raw)
        return raw
    if name == "year":
        year = int(raw)
        if not 1949 <= year <= 2100:
            raise ValueError(raw)
        return year
    if name == "k":
        k = int(raw)
        if not 2 <= k <= 9:
            raise ValueError(raw)
        return k
    if name == "breaks":
        values = tuple(float(v) for v in raw.split(",") if v.strip())
        if not all(math.isfinite(v) for v in values) or list(values) != sorted(set(values)):   # nan, inf: refused
            raise ValueError(raw)
        return values
    if name == "presenter":
        if raw not in ("0", "1", "true", "false"):
            raise ValueError(raw)
        return raw in ("1", "true")
    if name in ("scope", "region"):
        if raw and not (raw.isdigit() and len(raw) == 6):
            raise ValueError(raw)
        return raw
    if name == "peers":
        codes = [c for c in raw.split(",") if c]
        if len(codes) > 5 or not all(c.isdigit() and len(c) == 6 for c in codes):
            raise ValueError(raw)
        return ",".join(codes)
    if name in ("index_spec", "index_indicators"):
        if len(raw) > 600 or not all(c.isalnum() or c in "_-.," for c in raw):
            raise ValueError(raw)
        return raw
    if name in ("indicator", "group"):
        if len(raw) > 80 or not all(c.isalnum() or c in "_-." for c in raw):
            raise ValueError(raw)
        return raw
    raise ValueError(name)


CUSTOM_WEIGHTS = (0.0, 5.0, 0.5)     # the custom-weight sliders: min, max, step


def parse_spec(spec: str) -> tuple[str, str, str, tuple[float, ...]]:
    """view.index_spec "method.weighting.aggregation[.w1,w2,…]" -> its parts. Unknown parts fall back
    to the defaults; custom weights (in the order of the chosen indicators) outside the sliders' range
    or not numbers are dropped, so the page gives every indicator 1."""
    parts = (spec.split(".", 3) + ["", "", "", ""])[:4] if spec else ["", "", "", ""]
    try:
        weights = tuple(float(w) for w in parts[3].split(",")) if parts[3] else ()
    except ValueError:
        weights = ()
    lo, hi, _ = CUSTOM_WEIGHTS
    if not all(lo <= w <= hi for w in weights):
        weights = ()
    return (parts[0] if parts[0] in METHODS else METHODS[0],
            parts[1] if parts[1] in WEIGHTINGS else WEIGHTINGS[0],
            parts[2] if parts[2] in AGGREGATIONS else AGGREGATIONS[0],
            weights if parts[1] == "custom" else ())


def format_spec(method: str, weighting: str, aggregation: str, weights: tuple[float, ...] = ()) -> str:
    """The inverse of `parse_spec`; "" for the defaults so links stay short."""
    spec = (method, weighting, aggregation)
    if weighting == "custom" and weights:
        return ".".join(spec) + "." + ",".join(f"{w:g}" for w in weights)
    return "" if spec == (METHODS[0], WEIGHTINGS[0], AGGREGATIONS[0]) else ".".join(spec)


def custom_weights(weights: tuple[float, ...], n: int) -> tuple[float, ...]:
    """The link's weights when there is one per chosen indicator, else 1 each."""
    return weights if len(weights) == n else (1.0,) * n
