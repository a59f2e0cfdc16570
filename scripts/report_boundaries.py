"""Print the measured budget numbers of the committed boundary files (data/geo/).

    .venv/bin/python scripts/report_boundaries.py

Budgets (issue #2 §2): committed boundary files ≤ 20 MB together; national
overview GeoJSON ≤ 1.5 / 2.5 / 5 MB (province / city / county); every geometry
valid and non-empty; detail area within 1 % of the source for every region over
50 km² (Albers 25/47/105E); no overlaps between neighbours; islands kept.
"""
from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from geo import boundaries  # noqa: E402
from geo.build import ALBERS  # noqa: E402

BUDGET_MB = {"province": 1.5, "city": 2.5, "county": 5.0}
SMALL_KM2 = 50.0
# Landmarks whose islets must survive: (level, code, lon, lat, label).
ISLETS = [
    ("province", "460000", 112.28, 3.97, "曾母暗沙 (南沙, 海南)"),
    ("province", "460000", 117.75, 15.15, "黄岩岛 (中沙, 海南)"),
    ("province", "460000", 112.33, 16.83, "永兴岛 (西沙, 海南)"),
    ("province", "710000", 123.47, 25.74, "钓鱼岛 (台湾)"),
    ("province", "710000", 124.56, 25.92, "赤尾屿 (台湾)"),
]


def mb(n: float) -> str:
    return f"{n / 1e6:.2f} MB"


def overlap_km2(gdf: gpd.GeoDataFrame) -> tuple[int, float]:
    """Pairs whose interiors overlap, and their total overlap area."""
    geoms = gdf.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="overlaps")
    keep = left < right
    if not keep.any():
        return 0, 0.0
    inter = shapely.intersection(geoms[left[keep]], geoms[right[keep]])
    area = gpd.GeoSeries(inter, crs=4326).to_crs(ALBERS).area.sum() / 1e6
    return int(keep.sum()), float(area)


def main() -> None:
    data = boundaries.DATA
    files = sorted([*data.glob("boundaries_*.parquet"), *data.glob("maritime*.parquet"), *data.glob("neighbors_*.csv")])
    total = sum(f.stat().st_size for f in files)
    print("== committed files")
    for f in files:
        print(f"  {f.name:42s} {mb(f.stat().st_size)}")
    print(f"  TOTAL {mb(total)} (budget 20 MB) {'OK' if total <= 20e6 else 'OVER'}")

    print("== national overview GeoJSON for the browser")
    for level in boundaries.LEVELS:
        size = len(boundaries.browser_geojson_text(level, "overview").encode())
        verdict = "OK" if size <= BUDGET_MB[level] * 1e6 else "OVER"
        print(f"  {level:8s} {mb(size)} (budget {BUDGET_MB[level]} MB) {verdict}")
    print("== largest one-province detail GeoJSON")
    for level in boundaries.LEVELS:
        provinces = boundaries.load_boundaries("province")["code"]
        sizes = {p: len(boundaries.browser_geojson_text(level, "detail", p).encode()) for p in provinces}
        worst = max(sizes, key=sizes.get)
        print(f"  {level:8s} {mb(sizes[worst])} ({worst})")

    source = pd.read_parquet(data / "boundaries_source_area.parquet")
    for level in boundaries.LEVELS:
        ref = source[source["level"] == level].set_index("code")
        for resolution in boundaries.RESOLUTIONS:
            gdf = boundaries.load_boundaries(level, resolution)
            g = gdf.geometry.to_numpy()
            area = pd.Series(gpd.GeoSeries(g, crs=4326).to_crs(ALBERS).area.to_numpy() / 1e6, index=gdf["code"])
            err = (area - ref["source_area_km2"]).abs() / ref["source_area_km2"]
            big = ref["source_area_km2"] > SMALL_KM2
            parts = pd.Series(shapely.get_num_geometries(g), index=gdf["code"])
            lost_parts = int((ref["source_parts"] - parts).clip(lower=0).sum())
            pairs, overlap = overlap_km2(gdf)
            cw = all(not shapely.is_ccw(shapely.get_exterior_ring(p)) for p in shapely.get_parts(g))
            print(f"== {level} {resolution}: {len(gdf)} units, {shapely.get_num_coordinates(g).sum()} vertices")
            print(f"  invalid {int((~shapely.is_valid(g)).sum())}, empty {int(shapely.is_empty(g).sum())}, "
                  f"codes unique {gdf['code'].is_unique}, exteriors clockwise {cw}, "
                  f"valid coverage {bool(shapely.coverage_is_valid(g))}")
            print(f"  area error, regions > {SMALL_KM2:g} km² ({int(big.sum())}): worst {err[big].max():.3%} "
                  f"({err[big].idxmax()}), mean {err[big].mean():.3%}")
            if (~big).any():
                print(f"  area error, regions ≤ {SMALL_KM2:g} km² ({int((~big).sum())}): worst {err[~big].max():.3%} "
                      f"({err[~big].idxmax()}), median {err[~big].median():.3%}")
            print(f"  polygon parts {int(parts.sum())} of {int(ref['source_parts'].sum())} in the source "
                  f"(lost {lost_parts}); overlapping pairs {pairs}, overlap area {overlap:.6f} km²")

    print("== islets (province overview and detail)")
    for level, code, lon, lat, label in ISLETS:
        found = []
        for resolution in boundaries.RESOLUTIONS:
            gdf = boundaries.load_boundaries(level, resolution)
            geom = gdf.loc[gdf["code"] == code].geometry.iloc[0]
            near = [p for p in shapely.get_parts(geom) if p.distance(shapely.Point(lon, lat)) < 0.05]
            found.append(f"{resolution}: {len(near)} part(s)")
        print(f"  {label:24s} {', '.join(found)}")
    hainan = boundaries.load_boundaries("province", "overview").set_index("code").geometry["460000"]
    south = [p for p in shapely.get_parts(hainan) if p.centroid.y < 12]
    print(f"  海南 parts south of 12°N at overview: {len(south)}")
    for code, label in [("330900", "舟山 (city)")]:
        for resolution in boundaries.RESOLUTIONS:
            g = boundaries.load_boundaries("city", resolution).set_index("code").geometry[code]
            ref = source[(source["level"] == "city") & (source["code"] == code)]["source_parts"].iloc[0]
            print(f"  {label} {resolution}: {shapely.get_num_geometries(g)} parts of {ref}")

    print("== neighbours")
    for level in boundaries.LEVELS:
        nb = boundaries.neighbors(level)
        isolated = sorted(c for c, v in nb.items() if not v)
        print(f"  {level:8s} {sum(map(len, nb.values())) // 2} pairs, no land neighbour: {len(isolated)} "
              f"{isolated[:8]}{' ...' if len(isolated) > 8 else ''}")


if __name__ == "__main__":
    main()
