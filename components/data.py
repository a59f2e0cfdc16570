"""Cached access to the read-only things every page shares: the store, the registry, boundaries.

The store is keyed by the saved-datasets version so an upload or a deletion
shows up everywhere without restarting the app.
"""
from __future__ import annotations

import streamlit as st

from geo import boundaries
from geo.regions import load_regions
from store import saved
from store.model import Store, load_store


@st.cache_resource(show_spinner=False)
def _store(version: str) -> Store:
    return load_store(extra=saved.load_all(), key=f"saved:{version}")


def get_store() -> Store:
    """The store with every saved upload merged in; rebuilt when the saved-datasets manifest changes."""
    manifest = saved.user_root() / saved.MANIFEST
    version = str(manifest.stat().st_mtime_ns) if manifest.exists() else "none"
    return _store(version)


@st.cache_resource(show_spinner=False)
def get_regions():
    return load_regions()


def _resolution(scope: str) -> str:
    """The whole country draws the overview boundaries; one province its detail ones."""
    return "detail" if scope else "overview"


@st.cache_resource(show_spinner=False)
def map_geojson_url(level: str, scope: str = "") -> str:
    """The static URL of the boundary file `region_map(…, level, scope)` draws on (written once per process)."""
    return boundaries.browser_geojson_url(level, _resolution(scope), scope or None)


@st.cache_resource(show_spinner=False)
def maritime() -> dict:
    return boundaries.maritime_geojson()


@st.cache_resource(show_spinner=False)
def inset_codes(level: str) -> set[str]:
    """Regions drawn in the South China Sea inset (those reaching into its frame)."""
    from figures.china_map import INSET_LAT, INSET_LON
    gdf = boundaries.load_boundaries(level, "overview")
    hits = gdf.cx[INSET_LON[0]:INSET_LON[1], INSET_LAT[0]:INSET_LAT[1]]
    return set(hits["code"])


@st.cache_resource(show_spinner=False)
def regions_in_view(level: str, scope: str = ""):
    """The regions drawn at `level` (those with a boundary), within province `scope` if given, with names."""
    regions = get_regions()
    drawn = set(boundaries.load_boundaries(level, "overview")["code"])
    at_level = regions[regions["code"].isin(drawn)].drop_duplicates("code")
    if scope:
        at_level = at_level[at_level["province_code"] == scope]
    return at_level.reset_index(drop=True)


def region_label(code: str, lang: str) -> str:
    regions = get_regions()
    hit = regions[regions["code"] == code]
    if hit.empty:
        return code
    return str(hit.iloc[0]["name" if lang == "zh" else "name_en"])


def has_children(code: str) -> bool:
    regions = get_regions()
    return bool((regions["parent_code"] == code).any() or (regions["province_code"] == code).sum() > 1)


@st.cache_resource(show_spinner=False)
def province_bounds(province: str) -> tuple[float, float, float, float]:
    return tuple(boundaries.bounds("province", province))


def grouping(store, group_id: str, level: str):
    """Region code -> group label for every region drawn at `level` (see `Store.grouping_at`)."""
    return store.grouping_at(group_id, regions_in_view(level))


def grouping_label(store, group_id: str, lang: str) -> str:
    groups = store.groups.set_index("id")
    if group_id in groups.index:
        return str(groups.loc[group_id, f"name_{lang}"])
    return group_id


@st.cache_resource(show_spinner=False)
def _positions(level: str, resolution: str, province: str | None) -> tuple[list[str], dict[str, int]]:
    codes = boundaries.browser_codes(level, resolution, province)
    return codes, {code: i for i, code in enumerate(codes)}


def region_map(layer, level: str, scope: str = "", height: int = 620):
    """`layer` on the national map (South China Sea inset) or framed on province `scope`,
    with the boundaries served once as a static file and regions located by their position in it."""
    from figures.china_map import china_map
    national = not scope
    return china_map(layer, map_geojson_url(level, scope),
                     national=national, inset_codes=inset_codes(level) if national else None,
                     maritime=maritime() if national else None,
                     bounds=province_bounds(scope) if scope else None,
                     positions=_positions(level, _resolution(scope), scope or None)[1], height=height)


def region_at(level: str, scope: str, location) -> str | None:
    """The code of the region a click on `region_map(…, level, scope)` reported (its position), or None."""
    codes = _positions(level, _resolution(scope), scope or None)[0]
    try:
        position = int(location)
    except (TypeError, ValueError):
        return None
    return codes[position] if 0 <= position < len(codes) else None
