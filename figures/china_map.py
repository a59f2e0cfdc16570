"""The choropleth of China: data + view -> plotly Figure. No streamlit import.

The boundaries travel as a URL to a static GeoJSON file (Plotly fetches it once
per browser and caches it in ``window.PlotlyGeoAssets``), so a figure carries
only codes, colours and hover text. National views use an equal-area conic
projection (standard parallels 25°N and 47°N, central meridian 105°E, as on
China's official small-scale maps) with the South China Sea islands in an inset
at the lower right, as official maps show them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import plotly.graph_objects as go

from figures.classify import Classes
from figures.style import FONT_FAMILY, NO_DATA_COLOR, BORDER_COLOR, TEXT_COLOR

NATIONAL_LON = (73.4, 135.2)
NATIONAL_LAT = (18.0, 53.6)
# The inset frames the South China Sea islands down to 曾母暗沙 (about 3.9°N).
# Zooming past 1 clips the country at the frame: Plotly fits the lon/lat box before scaling.
NATIONAL_ZOOM = 1.0
INSET_LON = (106.5, 123.0)
INSET_LAT = (2.8, 24.5)
_PROJECTION = {"type": "conic equal area", "parallels": [25, 47], "rotation": {"lon": 105}}
# Width / height of the national and inset lon/lat boxes once projected (Plotly fits these boxes).
NATIONAL_ASPECT = 1.53
INSET_ASPECT = 0.84
INSET_HEIGHT = 0.32  # of the main map's height
# The selected region's outline, drawn over the map: visible even for a city district at national scale.
SELECTED_LINE = {"color": TEXT_COLOR, "width": 2.5}


@dataclass
class MapLayer:
    """What the map shows: one entry per region in view, in any order.

    `values` are class indices when `classes` is given, else continuous values;
    NaN means no data. `hover` is each region's customdata, read by `hovertemplate`:
    either the full hover text (the default template) or numbers (n × k) that a
    template formats in the browser. With `name_hover` (a template reading the GeoJSON's
    `properties`, e.g. "<b>%{properties.name}</b>"), regions without data and the inset
    send no customdata at all: a rerun then carries codes and numbers, not text.
    `notes` (optional, per region, e.g. data flags) end a region's hover; regions sharing a
    note are drawn as one trace, so a note travels once, not once per region. `selected`
    (a code) is outlined on the main map.
    """
    codes: list[str]
    values: np.ndarray
    hover: list[str] | np.ndarray
    legend_title: str
    no_data_label: str
    classes: Classes | None = None
    class_labels: list[str] = field(default_factory=list)
    colors: list[str] = field(default_factory=list)     # one per class, or a continuous scale
    midpoint: float | None = None                        # continuous diverging scales centre here
    hovertemplate: str = "%{customdata}<extra></extra>"
    name_hover: str | None = None
    notes: list[str] | None = None
    selected: str | None = None


def china_map(layer: MapLayer, geojson_url: str, *, national: bool, inset_codes: set[str] | None = None,
              maritime: dict | None = None, bounds: tuple[float, float, float, float] | None = None,
              positions: dict[str, int] | None = None, height: int = 620) -> go.Figure:
    """A choropleth of `layer` on the boundaries at `geojson_url` (feature id = region code).

    A national view frames the whole country with the South China Sea inset; otherwise
    `bounds` (lon/lat of the province in view) frames the map. With `positions` (code ->
    the feature's property `i`), regions are located by position: 2.7 bytes each on the
    wire instead of 9, and a click reports the position (see `geo.boundaries.browser_codes`)."""
    codes = np.asarray(layer.codes, dtype=object)
    locations, idkey = _locations(codes, positions)
    values = np.asarray(layer.values, dtype=float)
    hover = layer.hover if isinstance(layer.hover, np.ndarray) else np.asarray(layer.hover, dtype=object)
    notes = np.asarray(layer.notes if layer.notes is not None else [""] * len(codes), dtype=object)
    has = ~np.isnan(values)
    # Split traces must share one colour range: fix it from all values (centred on the midpoint if any).
    zrange = (0.0, 1.0)
    if layer.classes is not None:
        zrange = (-0.5, max(layer.classes.k, 1) - 0.5)
    elif has.any():
        lo, hi = float(values[has].min()), float(values[has].max())
        if layer.midpoint is not None:
            span = max(abs(hi - layer.midpoint), abs(lo - layer.midpoint)) or 1.0
            lo, hi = layer.midpoint - span, layer.midpoint + span
        zrange = (lo, hi)
    n_missing = int((~has).sum())
    traces = []
    for geo in ["geo"] + (["geo2"] if national else []):
        keep = np.ones(len(codes), bool) if geo == "geo" else np.fromiter(
            (c in (inset_codes or ()) for c in codes), bool, len(codes))
        data, missing = keep & has, keep & ~has
        # The inset repeats regions shown full size on the main map: with `name_hover`, it shows names only.
        lean = layer.name_hover is not None and geo == "geo2"
        # An empty choropleth trace breaks Plotly's fitbounds (the map shrinks to a dot): add only non-empty ones.
        groups = ([] if not data.any() else [("", data)] if lean else
                  [(note, data & (notes == note)) for note in dict.fromkeys(notes[data])])
        for note, part in groups:
            hovering = ({"hovertemplate": layer.name_hover + "<extra></extra>"} if lean else
                        {"customdata": hover[part],
                         "hovertemplate": layer.hovertemplate.replace("<extra></extra>", note + "<extra></extra>")})
            traces.append(_value_trace(layer, geojson_url, idkey, locations[part], values[part],
                                       hovering, geo, zrange,
                                       showscale=geo == "geo" and not any(t.get("showscale") for t in traces),
                                       colorbar_right=not national))
        if missing.any():
            hovering = ({"hovertemplate": f"{layer.name_hover}<br>{layer.no_data_label}<extra></extra>"}
                        if layer.name_hover is not None else
                        {"customdata": hover[missing], "hovertemplate": layer.hovertemplate})
            traces.append(dict(
                type="choropleth", geojson=geojson_url, featureidkey=idkey, locations=locations[missing],
                z=np.zeros(missing.sum(), dtype=np.int8),
                colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]], showscale=False, geo=geo, **hovering,
                marker={"line": {"color": BORDER_COLOR, "width": 0.4}},
                name=f"{layer.no_data_label} ({n_missing})", showlegend=geo == "geo",
            ))
    selected = codes == layer.selected
    if selected.any():
        # Last, so it lies on top; transparent and without hover, so the region below still answers.
        traces.append(dict(type="choropleth", geojson=geojson_url, featureidkey=idkey, locations=locations[selected],
                           z=np.zeros(int(selected.sum()), dtype=np.int8),
                           colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                           showscale=False, hoverinfo="skip", geo="geo", marker={"line": SELECTED_LINE},
                           showlegend=False))
    if national and maritime:
        # float32 with NaN breaks: 5.3 bytes a coordinate on every rerun instead of ~9
        lon, lat = (np.array(c, dtype=float).astype(np.float32) for c in _line_coords(maritime))
        traces.append(dict(type="scattergeo", lon=lon, lat=lat, mode="lines", geo="geo2", hoverinfo="skip",
                           line={"color": "#4a6fa5", "width": 1}, showlegend=False))
    base = {"visible": False, "projection": dict(_PROJECTION), "bgcolor": "rgba(0,0,0,0)"}
    if national:
        geos = {
            "geo": {**base, "domain": {"x": [0, 1], "y": [0, 1]}, "projection": {**_PROJECTION, "scale": NATIONAL_ZOOM},
                    "lonaxis": {"range": list(NATIONAL_LON)}, "lataxis": {"range": list(NATIONAL_LAT)}},
            "geo2": {**base, "visible": True, "showframe": True, "framecolor": "#8a94a6", "framewidth": 1,
                     "showland": False, "showcoastlines": False, "showcountries": False, "showocean": False,
                     "showlakes": False, "showrivers": False, "showsubunits": False,
                     "domain": {"x": [0.84, 0.995], "y": [0.0, 0.32]},
                     "lonaxis": {"range": list(INSET_LON)}, "lataxis": {"range": list(INSET_LAT)}},
        }
    else:
        # Plotly's fitbounds ignores the rotation (the map shrinks to a dot), so frame the province by its bounds.
        minx, miny, maxx, maxy = bounds
        pad_x, pad_y = (maxx - minx) * 0.03, (maxy - miny) * 0.03
        geos = {"geo": {**base, "projection": {**_PROJECTION, "rotation": {"lon": (minx + maxx) / 2}},
                        "lonaxis": {"range": [minx - pad_x, maxx + pad_x]},
                        "lataxis": {"range": [miny - pad_y, maxy + pad_y]}}}
    # Traces as plain dicts and one Figure call: everything is validated once (trace objects
    # first and the figure again, or update_layout twice, cost tens of ms per rerun).
    return go.Figure(data=traces, layout={
        **geos, "height": height, "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
        "font": {"family": FONT_FAMILY, "size": 14},
        "legend": {"x": 0.99, "y": 0.99, "xanchor": "right", "yanchor": "top", "bgcolor": "rgba(255,255,255,0.7)"},
        "dragmode": False, "uirevision": "map",
    })


def fit_national(fig: go.Figure, width_px: float, height_px: float) -> go.Figure:
    """Lay a national map out for a plot area of `width_px` × `height_px` (a slide's): the main map as
    large as the area allows, centred, and the South China Sea inset in its lower right corner, where
    the sea east of Taiwan leaves room, as on official maps. (Domains of the whole area put the inset at
    the area's edge, far from a map that a wide slide leaves narrower.) A figure without the inset is
    returned as it is."""
    if "geo2" not in fig.layout or fig.layout.geo2.domain is None:
        return fig
    if width_px / height_px > NATIONAL_ASPECT:
        w = NATIONAL_ASPECT * height_px / width_px
        x, y = [(1 - w) / 2, (1 + w) / 2], [0.0, 1.0]
    else:
        h = width_px / NATIONAL_ASPECT / height_px
        x, y = [0.0, 1.0], [(1 - h) / 2, (1 + h) / 2]
    inset_h = INSET_HEIGHT * (y[1] - y[0])
    inset_w = inset_h * height_px * INSET_ASPECT / width_px
    fig.update_layout(geo={"domain": {"x": x, "y": y}},
                      geo2={"domain": {"x": [x[1] - inset_w, x[1]], "y": [y[0], y[0] + inset_h]}})
    return fig


def _value_trace(layer: MapLayer, url: str, idkey: str, locations, values, hovering: dict, geo: str,
                 zrange: tuple[float, float], showscale: bool, colorbar_right: bool = False) -> dict:
    # Bottom-left is empty sea/desert on the national map; a province fills its frame, so go right.
    side = {"x": 1.0, "xanchor": "right"} if colorbar_right else {"x": 0.0, "xanchor": "left"}
    # Class indices travel as int8 (a quarter of float32); continuous values as float32.
    z = values.astype(np.int8) if layer.classes is not None else values.astype(np.float32)
    common = dict(type="choropleth", geojson=url, featureidkey=idkey, locations=locations, z=z, geo=geo,
                  **hovering, marker={"line": {"color": BORDER_COLOR, "width": 0.4}}, showlegend=False,
                  zmin=zrange[0], zmax=zrange[1])
    if layer.classes is not None:
        k = max(layer.classes.k, 1)
        scale = []
        for i, color in enumerate(layer.colors[:k]):
            scale += [[i / k, color], [(i + 1) / k, color]]
        colorbar = {"title": {"text": layer.legend_title}, "tickvals": list(range(k)),
                    "ticktext": layer.class_labels, "len": 0.45, "y": 0.02, "yanchor": "bottom", **side,
                    "thickness": 16}
        return dict(**common, colorscale=scale, showscale=showscale, colorbar=colorbar)
    colorbar = {"title": {"text": layer.legend_title}, "len": 0.45, "y": 0.02, "yanchor": "bottom", **side,
                "thickness": 16}
    return dict(**common, colorscale=layer.colors, showscale=showscale, colorbar=colorbar)


def _locations(codes: np.ndarray, positions: dict[str, int] | None) -> tuple[np.ndarray, str]:
    """What Plotly locates regions by, and the GeoJSON key it matches: int16 positions (property `i`)
    when given, else the codes — as int32 when all are plain 6-digit numbers (Plotly matches them
    to the string ids all the same)."""
    if positions is not None and all(c in positions for c in codes):
        return np.array([positions[c] for c in codes], dtype=np.int16), "properties.i"
    if all(isinstance(c, str) and len(c) == 6 and c.isdigit() and c[0] != "0" for c in codes):
        return codes.astype(np.int32), "id"
    return codes, "id"


def _line_coords(geojson: dict) -> tuple[list, list]:
    """Flatten (Multi)LineString features into lon/lat lists separated by None."""
    lon: list = []
    lat: list = []
    features = geojson.get("features", [geojson]) if geojson.get("type") == "FeatureCollection" else [geojson]
    for feature in features:
        geom = feature.get("geometry", feature)
        lines = geom["coordinates"] if geom["type"] == "MultiLineString" else [geom["coordinates"]]
        for line in lines:
            lon += [p[0] for p in line] + [None]
            lat += [p[1] for p in line] + [None]
    return lon, lat
