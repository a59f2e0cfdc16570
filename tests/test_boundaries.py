"""The committed boundary files (data/geo/, built by geo.build) and geo.boundaries' runtime API."""
from __future__ import annotations

import json
import os
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import boundaries
from geo.build import ALBERS

SOURCE = pd.read_parquet(boundaries.DATA / "boundaries_source_area.parquet")
LAYERS = [(lv, res) for lv in boundaries.LEVELS for res in boundaries.RESOLUTIONS]
COUNTS = {"province": 34, "city": 370, "county": 2875}


def albers_km2(gdf: gpd.GeoDataFrame) -> pd.Series:
    return pd.Series(gdf.geometry.to_crs(ALBERS).area.to_numpy() / 1e6, index=gdf["code"].to_numpy())


def source(level: str) -> pd.DataFrame:
    return SOURCE[SOURCE["level"] == level].set_index("code")


@pytest.mark.parametrize("level,resolution", LAYERS)
def test_units_codes_and_validity(level, resolution):
    gdf = boundaries.load_boundaries(level, resolution)
    assert list(gdf.columns) == ["code", "geometry"]
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == COUNTS[level]
    assert gdf["code"].is_unique
    assert all(re.fullmatch(r"\d{6}", c) for c in gdf["code"])
    geoms = gdf.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert set(shapely.get_type_id(geoms)) <= {3, 6}  # Polygon, MultiPolygon
    assert set(gdf["code"]) == set(source(level).index)


@pytest.mark.parametrize("level,resolution", LAYERS)
def test_rings_wound_for_d3(level, resolution):
    """d3-geo/Plotly read a counter-clockwise exterior as the whole globe minus the region."""
    polygons = shapely.get_parts(boundaries.load_boundaries(level, resolution).geometry.to_numpy())
    assert not shapely.is_ccw(shapely.get_exterior_ring(polygons)).any()
    holes = [h for p in polygons for h in p.interiors]
    assert all(shapely.is_ccw(h) for h in holes)


@pytest.mark.parametrize("level,resolution", LAYERS)
def test_neighbours_share_edges_without_overlaps(level, resolution):
    """A valid polygonal coverage: no two units overlap and shared edges match vertex for vertex."""
    geoms = boundaries.load_boundaries(level, resolution).geometry.to_numpy()
    assert shapely.coverage_is_valid(geoms)


@pytest.mark.parametrize("level", ["city", "county"])
def test_lower_levels_cover_each_province_without_holes(level):
    """Municipalities, 省直辖县 and 港澳台 leave no hole: per province, units add up to the province."""
    province = albers_km2(boundaries.load_boundaries("province", "detail"))
    units = albers_km2(boundaries.load_boundaries(level, "detail"))
    summed = units.groupby(units.index.str[:2] + "0000").sum()
    ratio = (summed / province).dropna()
    assert len(ratio) == 34
    assert ratio.between(0.995, 1.005).all(), ratio[~ratio.between(0.995, 1.005)]


def test_hong_kong_macao_taiwan_and_municipalities_at_every_level():
    for level in boundaries.LEVELS:
        codes = set(boundaries.load_boundaries(level, "overview")["code"])
        for prefix in ("71", "81", "82"):
            assert any(c.startswith(prefix) for c in codes), (level, prefix)
    city = set(boundaries.load_boundaries("city")["code"])
    # 重庆 as a city keeps cnmaps' (and the registry's) 500000; 北京 etc. are <prefix>0100
    assert {"110100", "120100", "310100", "500000", "710000", "810000", "820000"} <= city
    assert "500100" not in city
    county = set(boundaries.load_boundaries("county")["code"])
    assert "710000" in county and "810001" in county and "820001" in county


def test_known_neighbours():
    province = boundaries.neighbors("province")
    assert set(province["110000"]) == {"120000", "130000"}
    assert province["460000"] == []  # 海南: no land neighbour
    assert province["710000"] == []
    assert "440000" in province["810000"] and "440000" in province["820000"]
    assert "120100" in boundaries.neighbors("city")["110100"]
    assert "110102" in boundaries.neighbors("county")["110101"]  # 东城 - 西城
    for level in boundaries.LEVELS:
        nb = boundaries.neighbors(level)
        assert len(nb) == COUNTS[level]
        assert all(code in nb[other] for code, others in nb.items() for other in others)  # symmetric
        assert all(code not in others for code, others in nb.items())


def test_neighbours_file_matches_geometry():
    """Every listed pair touches in the detail geometry; a sample of touching pairs is listed."""
    gdf = boundaries.load_boundaries("city", "detail").set_index("code")
    pairs = pd.read_csv(boundaries.DATA / "neighbors_city.csv", dtype=str)
    assert shapely.intersects(gdf.geometry[pairs["code"]].to_numpy(), gdf.geometry[pairs["neighbor"]].to_numpy()).all()
    geoms = gdf.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    touching = {(gdf.index[a], gdf.index[b]) for a, b in zip(left, right) if a != b}
    assert touching == set(zip(pairs["code"], pairs["neighbor"]))


@pytest.mark.parametrize("level,resolution", LAYERS)
def test_no_island_lost(level, resolution):
    gdf = boundaries.load_boundaries(level, resolution).set_index("code")
    parts = pd.Series(shapely.get_num_geometries(gdf.geometry.to_numpy()), index=gdf.index)
    assert (parts >= source(level)["source_parts"].reindex(parts.index)).all()


def test_named_islands_survive_the_overview():
    prov = boundaries.load_boundaries("province", "overview").set_index("code").geometry
    south = [p for p in shapely.get_parts(prov["460000"]) if p.centroid.y < 12]
    assert south, "南沙群岛 (海南) must be drawn"
    assert min(p.bounds[1] for p in south) < 4.5  # 曾母暗沙, about 3.9°N
    assert prov["710000"].distance(shapely.Point(123.47, 25.74)) < 0.02  # 钓鱼岛
    zhoushan = boundaries.load_boundaries("city", "overview").set_index("code").geometry["330900"]
    assert shapely.get_num_geometries(zhoushan) > 100  # 舟山群岛


@pytest.mark.parametrize("level", boundaries.LEVELS)
def test_detail_area_within_one_percent_of_source(level):
    ref = source(level)["source_area_km2"]
    area = albers_km2(boundaries.load_boundaries(level, "detail")).reindex(ref.index)
    error = (area - ref).abs() / ref
    assert error[ref > 50].max() < 0.01
    assert error[ref <= 50].max() < 0.05 if (ref <= 50).any() else True  # small urban districts stay recognisable


def test_source_areas_are_real_areas():
    """The stored reference matches official land areas (北京 16,410.54 km², 重庆 82,402 km²)."""
    ref = source("province")["source_area_km2"]
    assert ref["110000"] == pytest.approx(16410.54, rel=0.002)
    assert ref["500000"] == pytest.approx(82402, rel=0.002)
    beijing = albers_km2(boundaries.load_boundaries("province", "detail")).loc["110000"]
    assert beijing == pytest.approx(16410.54, rel=0.01)


@pytest.mark.parametrize("level,budget_mb", [("province", 1.5), ("city", 2.5), ("county", 5.0)])
def test_national_geojson_fits_the_browser_budget(level, budget_mb):
    text = boundaries.browser_geojson_text(level, "overview")
    assert len(text.encode()) <= budget_mb * 1e6
    fc = json.loads(text)
    assert [f["id"] for f in fc["features"]] == list(boundaries.load_boundaries(level)["code"])
    first = fc["features"][0]["geometry"]["coordinates"]
    while isinstance(first[0], list):
        first = first[0]
    assert all(round(v, 4) == v for v in first)


def test_browser_geojson_written_once_and_refreshed_when_stale(tmp_path, monkeypatch):
    monkeypatch.setattr(boundaries, "STATIC", tmp_path)
    path = boundaries.browser_geojson("city", "detail", "110000")
    fc = json.loads(path.read_text(encoding="utf-8"))
    assert [f["id"] for f in fc["features"]] == ["110100"]
    assert fc["features"][0]["properties"] == {"name": "北京市", "name_en": "Beijing", "i": 0}
    assert boundaries.browser_geojson_url("city", "detail", "110000") == \
        f"/app/static/geo/city_detail_110000.v{boundaries.BROWSER_FORMAT}.geojson"
    path.write_text("stale")
    source_mtime = boundaries.parquet_path("city", "detail").stat().st_mtime
    os.utime(path, (source_mtime + 10, source_mtime + 10))
    assert boundaries.browser_geojson("city", "detail", "110000").read_text() == "stale"  # fresh: kept
    os.utime(path, (source_mtime - 10, source_mtime - 10))
    assert json.loads(boundaries.browser_geojson("city", "detail", "110000").read_text())["features"]


def test_browser_features_carry_escaped_names_for_every_region():
    fc = json.loads(boundaries.browser_geojson_text("county", "detail", "440000"))
    names = {f["id"]: f["properties"] for f in fc["features"]}
    codes = boundaries.browser_codes("county", "detail", "440000")
    assert names["440106"] == {"name": "天河区", "name_en": "Tianhe", "i": codes.index("440106")}
    assert all(p["name"] and p["name_en"] and codes[p["i"]] == code for code, p in names.items())
    gdf = boundaries.load_boundaries("province").head(1).assign(code="999999")    # not in the registry
    props = json.loads(boundaries.feature_collection_text(gdf, 2))["features"][0]["properties"]
    assert props == {"name": "999999", "name_en": "999999", "i": 0}


def test_province_filter_and_bounds():
    fc = json.loads(boundaries.browser_geojson_text("county", "detail", "440000"))
    assert len(fc["features"]) > 100
    assert all(f["id"].startswith("44") for f in fc["features"])
    minx, miny, maxx, maxy = boundaries.bounds("city", "110000")
    assert 115.3 < minx < 115.6 and 117.4 < maxx < 117.6 and 39.3 < miny < 39.5 and 40.9 < maxy < 41.1
    assert boundaries.bounds("province", "460000")[1] < 4.5  # 海南 reaches 曾母暗沙
    with pytest.raises(KeyError):
        boundaries.bounds("province", "990000")
    with pytest.raises(ValueError):
        boundaries.load_boundaries("township")


def test_maritime_line_reaches_the_southern_islands():
    fc = boundaries.maritime_geojson()
    geom = fc["features"][0]["geometry"]
    assert geom["type"] == "MultiLineString"
    coords = np.concatenate([np.asarray(line) for line in geom["coordinates"]])
    assert 2.5 < coords[:, 1].min() < 5 and coords[:, 0].min() > 105 and coords[:, 1].max() > 24
    assert len(json.dumps(fc)) < 50_000


def test_load_boundaries_returns_a_copy():
    gdf = boundaries.load_boundaries("province")
    gdf.loc[gdf.index[0], "code"] = "000000"
    assert "000000" not in set(boundaries.load_boundaries("province")["code"])
