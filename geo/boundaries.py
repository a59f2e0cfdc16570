"""Runtime access to the committed boundary files (built by ``python -m geo.build``).

Levels: "province", "city", "county"; resolutions: "overview" (whole country)
and "detail" (one province filling the screen). Feature ids are 6-digit region
codes; a unit's province is ``code[:2] + "0000"`` (香港 810000's districts are
8100xx, 台湾 is 710000 at every level). No streamlit import: pages cache on top.
"""
from __future__ import annotations

import json
import os
import tempfile
from html import escape
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.regions import LEVELS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "geo"
STATIC = ROOT / "static" / "geo"
STATIC_URL = "/app/static/geo"

RESOLUTIONS = ("overview", "detail")
# Decimals sent to the browser: 1e-4° ≈ 11 m is far below a pixel nationally;
# 1e-5° ≈ 1 m keeps the detail files' shared edges exactly as stored.
BROWSER_DECIMALS = {"overview": 4, "detail": 5}
# Bumped whenever what a browser file holds changes, so no browser or server keeps an old copy.
BROWSER_FORMAT = 4


def _check(level: str, resolution: str = "overview") -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, not {resolution!r}")


def parquet_path(level: str, resolution: str = "overview") -> Path:
    _check(level, resolution)
    return DATA / f"boundaries_{level}_{resolution}.parquet"


@lru_cache(maxsize=None)
def _load(level: str, resolution: str) -> gpd.GeoDataFrame:
    return gpd.read_parquet(parquet_path(level, resolution))


def load_boundaries(level: str, resolution: str = "overview") -> gpd.GeoDataFrame:
    """Columns code (6-digit str) and geometry (EPSG:4326, clockwise exteriors). A copy: callers may edit."""
    return _load(level, resolution).copy()


def _in_province(gdf: gpd.GeoDataFrame, province: str | None) -> gpd.GeoDataFrame:
    if province is None:
        return gdf
    return gdf[gdf["code"].str[:2] == str(province)[:2]]


@lru_cache(maxsize=1)
def _names() -> pd.DataFrame:
    from geo.regions import load_regions
    return load_regions()[["code", "name", "name_en"]].drop_duplicates("code").set_index("code")


def feature_collection_text(gdf: gpd.GeoDataFrame, decimals: int) -> str:
    """Compact FeatureCollection text, feature id = code (Plotly's featureidkey="id"), the names
    as properties `name` and `name_en` (HTML-escaped), so hover text reads them in the browser
    and a figure need not carry them on every rerun, and the feature's position as property `i`
    (a figure may locate regions by it: 2 bytes each instead of 6 digits).

    Rounds in numpy and lets GEOS write the JSON: ring order (clockwise exteriors) is kept.
    """
    rounded = shapely.transform(gdf.geometry.to_numpy(), lambda xy: np.round(xy, decimals))
    names = _names().reindex(gdf["code"].to_numpy())
    properties = [json.dumps({"name": escape(str(zh) if isinstance(zh, str) else code),
                              "name_en": escape(str(en) if isinstance(en, str) else code), "i": i},
                             ensure_ascii=False, separators=(",", ":"))
                  for i, (code, zh, en) in enumerate(zip(gdf["code"], names["name"], names["name_en"]))]
    features = ",".join(f'{{"type":"Feature","id":"{code}","properties":{props},"geometry":{geometry}}}'
                        for code, props, geometry in zip(gdf["code"], properties, shapely.to_geojson(rounded)))
    return '{"type":"FeatureCollection","features":[' + features + "]}"


def browser_geojson_name(level: str, resolution: str = "overview", province: str | None = None) -> str:
    _check(level, resolution)
    return f"{level}_{resolution}" + (f"_{str(province)[:2]}0000" if province else "") + f".v{BROWSER_FORMAT}.geojson"


def browser_geojson_text(level: str, resolution: str = "overview", province: str | None = None) -> str:
    """The browser GeoJSON as text (what browser_geojson writes)."""
    gdf = _in_province(_load(level, resolution), province)
    if gdf.empty:
        raise KeyError(f"no {level} units in province {province!r}")
    return feature_collection_text(gdf, BROWSER_DECIMALS[resolution])


def browser_geojson(level: str, resolution: str = "overview", province: str | None = None) -> Path:
    """Write (once; again when the parquet is newer) the browser GeoJSON into static/geo/ and return its path.

    Written to a temporary file and renamed, so concurrent sessions never read half a file.
    """
    target = STATIC / browser_geojson_name(level, resolution, province)
    source = parquet_path(level, resolution)
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    text = browser_geojson_text(level, resolution, province)
    STATIC.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=STATIC, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, target)
    return target


def browser_codes(level: str, resolution: str = "overview", province: str | None = None) -> list[str]:
    """The codes in the browser GeoJSON, in file order: feature property `i` indexes this list."""
    return _in_province(_load(level, resolution), province)["code"].tolist()


def browser_geojson_url(level: str, resolution: str = "overview", province: str | None = None) -> str:
    """URL path under Streamlit's static serving: /app/static/geo/<file>."""
    return f"{STATIC_URL}/{browser_geojson(level, resolution, province).name}"


@lru_cache(maxsize=1)
def _maritime() -> str:
    gdf = gpd.read_parquet(DATA / "maritime.parquet")
    return gdf.to_json(drop_id=True)


def maritime_geojson() -> dict:
    """The South China Sea maritime line (FeatureCollection of one MultiLineString) for the 南海诸岛 inset."""
    return json.loads(_maritime())


@lru_cache(maxsize=None)
def _neighbors(level: str) -> dict[str, tuple[str, ...]]:
    _check(level)
    pairs = pd.read_csv(DATA / f"neighbors_{level}.csv", dtype=str)
    out = {code: () for code in _load(level, "detail")["code"]}
    for code, group in pairs.groupby("code"):
        out[code] = tuple(group["neighbor"])
    return out


def neighbors(level: str) -> dict[str, list[str]]:
    """Queen contiguity at `level`: every code -> sorted neighbour codes (islands: [])."""
    return {code: list(nb) for code, nb in _neighbors(level).items()}


@lru_cache(maxsize=None)
def bounds(level: str, province: str | None = None, codes=()) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of `level`'s units, within `province` if given, only `codes` (a tuple) if given.

    海南 reaches down to 曾母暗沙 (about 4°N), so its box spans the South China Sea.
    """
    gdf = _in_province(_load(level, "detail"), province)
    if len(codes):
        gdf = gdf[gdf["code"].isin(set(codes))]
    if gdf.empty:
        raise KeyError(f"no {level} units in province {province!r}")
    return tuple(float(v) for v in gdf.total_bounds)
