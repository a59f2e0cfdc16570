"""Cached access to the read-only things every page shares: the store, the registry, boundaries.

The store is per visitor: bundled data plus the saved datasets that visitor may see, cached under a key
naming exactly those dataset versions (``Store.key``). The database's change counter is read on every run,
so a save in any process shows up at the next rerun everywhere without restarting the app.
"""
from __future__ import annotations

import dataclasses

import streamlit as st

from components.identity import current_user
from geo import boundaries
from geo.regions import load_regions
from i18n import t
from store import db as dbm
from store import saved
from store.identity import User
from store.model import Store, load_store


@st.cache_resource(show_spinner=False, max_entries=8, ttl=3600)   # each holds its visitors' uploads
def _store(key: str, _user: User) -> Store:
    """Keyed by the visible dataset versions alone: visitors who may see the same data share one store."""
    if key == "bundled":
        return load_store()
    extras, excluded = saved.load_visible(user=_user)
    return dataclasses.replace(load_store(extra=extras, key=key), index_excluded=excluded)


@st.cache_data(show_spinner=False, max_entries=1000)
def _visible_key(url: str, user_name: str, is_admin: bool, changes: int) -> str:
    """Recomputed when any process has written (the counter moved)."""
    return saved.visible_key(user=User(user_name, is_admin))


def get_store() -> Store:
    """Bundled data plus the saved uploads this visitor may see; the bundled data alone, with a warning,
    when the database is down."""
    user = current_user()
    try:
        db = dbm.connect()
        key = _visible_key(db.url, user.name, user.is_admin, db.changes())
        store = _store(key, user)
    except dbm.DatabaseError:
        st.warning(t("db.down", _lang()), icon=":material/cloud_off:")
        return _store("bundled", user)
    from components.controls import current_view
    wanted = current_view().indicator
    if wanted.startswith("user_") and wanted not in store.catalog.index:   # a link to data not shared with you
        st.info(t("db.not_available", _lang()))
    return store


def _lang() -> str:
    from components.controls import current_view
    return current_view().lang


@st.cache_resource(show_spinner=False)
def get_regions():
    return load_regions()


@st.cache_resource(show_spinner=False)
def province_names(lang: str) -> dict[str, str]:
    """Province code -> name, in registry order (the scope menu)."""
    regions = get_regions()
    provinces = regions[regions["level"] == "province"]
    return dict(zip(provinces["code"], provinces["name" if lang == "zh" else "name_en"]))


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
    return store.grouping_in(group_id, level, regions_in_view)


def grouping_label(store, group_id: str, lang: str) -> str:
    groups = store.groups.set_index("id")
    if group_id in groups.index:
        return str(groups.loc[group_id, f"name_{lang}"])
    return group_id


@st.cache_resource(show_spinner=False)
def _positions(level: str, resolution: str, province: str | None) -> tuple[list[str], dict[str, int]]:
    codes = boundaries.browser_codes(level, resolution, province)
    return codes, {code: i for i, code in enumerate(codes)}


def region_map(layer, level: str, scope: str = "", height: int = 620, frame: tuple[str, ...] = ()):
    """`layer` on the national map (South China Sea inset) or framed on province `scope` — on the units `frame`
    within it if given (a city's plan: its counties, not the whole province) — with the boundaries served once as
    a static file and regions located by their position in it."""
    from figures.china_map import china_map
    national = not scope
    frame_on = None if national else boundaries.bounds(level, scope, frame) if frame else province_bounds(scope)
    return china_map(layer, map_geojson_url(level, scope),
                     national=national, inset_codes=inset_codes(level) if national else None,
                     maritime=maritime() if national else None, bounds=frame_on,
                     positions=_positions(level, _resolution(scope), scope or None)[1], height=height)


def region_at(level: str, scope: str, location) -> str | None:
    """The code of the region a click on `region_map(…, level, scope)` reported (its position), or None."""
    codes = _positions(level, _resolution(scope), scope or None)[0]
    try:
        position = int(location)
    except (TypeError, ValueError):
        return None
    return codes[position] if 0 <= position < len(codes) else None
