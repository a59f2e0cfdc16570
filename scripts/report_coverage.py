"""Print how long the bundled store takes to load and what it covers.

Run: ``python scripts/report_coverage.py`` from the repository root.

Coverage is counted over every mainland unit of the registry at a level (31 provinces;
367 prefecture-level units, the 自治州, 地区, 盟, the city-level entries of the four
municipalities and the province-administered county-level units included), not only
over the units that have some data, and weighted by population: provinces by the NBS
year-end resident population of that year, cities by the census nearest that year.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from geo.regions import load_regions  # noqa: E402
from store.model import load_store  # noqa: E402

OUTSIDE_NBS = ("71", "81", "82")  # 台湾, 香港, 澳门: not in NBS provincial statistics


def coverage(store, regions: pd.DataFrame) -> pd.DataFrame:
    """Per indicator x level: years with data, units, and the share of the units x years panel
    missing, by units and by population."""
    rows = []
    for (ind, level), rows_of in store.observations.groupby(["indicator", "level"]):
        units = regions.loc[(regions["level"] == level) & ~regions["code"].str[:2].isin(OUTSIDE_NBS), "code"]
        years = sorted(rows_of["year"].unique())
        have = set(zip(rows_of["code"], rows_of["year"]))
        missing_units = missing_pop = total_pop = 0.0
        for y in years:
            pop = store.population(level, int(y)).reindex(units)
            lacking = [(c, y) not in have for c in units]
            missing_units += sum(lacking)
            missing_pop += pop[lacking].sum()
            total_pop += pop.sum()
        rows.append({"indicator": ind, "level": level, "first_year": years[0], "last_year": years[-1],
                     "years": len(years), "units": len(units), "units_with_data": rows_of["code"].nunique(),
                     "values": len(rows_of), "flagged": int((rows_of["flag"] != "").sum()),
                     "missing_by_units": missing_units / (len(units) * len(years)),
                     "missing_by_population": missing_pop / total_pop if total_pop else float("nan")})
    return pd.DataFrame(rows)


def main() -> None:
    t0 = time.perf_counter()
    store = load_store()
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    load_store()
    warm = time.perf_counter() - t0
    obs = store.observations
    print(f"load_store: {cold:.3f} s first call, {warm:.3f} s again; "
          f"{len(obs):,} observations, {len(store.catalog)} indicators, "
          f"{len(store.targets)} targets ({(store.targets['indicator'] != '').sum()} mapped)")
    cov = coverage(store, load_regions())
    for col in ("missing_by_units", "missing_by_population"):
        cov[col] = cov[col].map("{:.1%}".format)
    cov = cov.merge(store.catalog[["id", "name_zh"]], left_on="indicator", right_on="id").drop(columns="id")
    cols = ["indicator", "name_zh", "level", "first_year", "last_year", "years", "units", "units_with_data",
            "values", "flagged", "missing_by_units", "missing_by_population"]
    with pd.option_context("display.width", 250, "display.max_rows", 200):
        print(cov[cols].to_string(index=False))
    flags = obs["flag"].str.split(";").explode()
    print("flags:", flags[flags != ""].value_counts().to_dict())


if __name__ == "__main__":
    main()
