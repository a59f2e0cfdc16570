"""Print match rates and timing of RegionMatcher on the real tables in ../shared/data.

Run: ``python scripts/report_matching.py`` from the repo root.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.matcher import RegionMatcher  # noqa: E402
from geo.regions import load_regions  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def real_inputs() -> dict[str, tuple[str, list, list | None]]:
    """name -> (level, values, parents) read from the raw public tables."""
    warnings.filterwarnings("ignore")
    out = {}
    nbs = pd.read_csv(SHARED / "nbs_province_2007_2016" / "population.csv", dtype=str)
    out["nbs full names (population.csv 地区)"] = ("province", nbs["地区"].tolist(), None)
    resident = pd.read_csv(SHARED / "population" / "resident_population_province_2000_2024.csv", dtype=str)
    out["resident population (full names, long format)"] = ("province", resident["region"].tolist(), None)
    fiscal = pd.read_excel(SHARED / "fiscal" / "general_budget_expenditure_province_2005_2024.xls",
                           header=None)
    short = fiscal.iloc[1:, 3].dropna().drop_duplicates().tolist()
    out["fiscal short names (general_budget .xls)"] = ("province", short, None)
    prov = pd.read_excel(SHARED / "fiscal" / "provincial_components_1985_2018.xlsx",
                         sheet_name="population-total", header=None)
    out["English province names (provincial_components)"] = (
        "province", prov.iloc[1:, 0].dropna().tolist(), None)
    pref = pd.read_excel(SHARED / "fiscal" / "prefectural_components_2006_2018.xlsx",
                         sheet_name="list of prefectures included")
    out["287 prefectures, Chinese + province"] = ("city", pref["地级市"].tolist(), pref["省份"].tolist())
    out["287 prefectures, English + English province"] = (
        "city", pref["Prefecture"].tolist(), pref["Province"].tolist())
    out["287 prefectures, English, no parent"] = ("city", pref["Prefecture"].tolist(), None)
    census = pd.read_csv(SHARED / "census" / "census_city_2010_2020.csv",
                         usecols=["city", "city_code", "province"], dtype=str)
    out["census city codes"] = ("city", census["city_code"].tolist(), None)
    out["census city names + province"] = ("city", census["city"].tolist(), census["province"].tolist())
    return out


def main() -> None:
    if not SHARED.exists():
        sys.exit(f"{SHARED} not found")
    matchers = {lv: RegionMatcher(lv) for lv in ("province", "city", "county")}
    for label, (level, values, parents) in real_inputs().items():
        res = matchers[level].match(values, parents=parents)
        ok = res["status"].isin(["exact", "normalized", "remapped"])
        regions = res["status"] != "summary"  # totals, groupings, footnotes: skipped, not failures
        print(f"\n{label}: {ok.sum()}/{regions.sum()} region rows matched ({ok.sum() / regions.sum():.1%}); "
              + ", ".join(f"{k} {v}" for k, v in res["status"].value_counts().items()))
        for r in res[(~ok & regions) | (res["status"] == "remapped")].itertuples():
            print(f"   {r.input!s:>14} [{r.parent}] -> {r.status}: {r.note} {r.candidates[:3]}")

    # timing (process CPU time: the machine is shared, wall time varies)
    regions = load_regions()
    names = (regions["name"].tolist() + regions["short_name"].tolist() + regions["name_tc"].tolist()
             + regions["name_en"].tolist())
    unique = list(dict.fromkeys(names))[:10_000]
    t = time.process_time()
    fresh = RegionMatcher()
    print(f"\nbuilding a RegionMatcher() (registry already loaded): {time.process_time() - t:.2f} s")
    t = time.process_time()
    res = fresh.match(unique)
    print(f"{len(unique):,} unique names (names, short, traditional, English), level=None: "
          f"{time.process_time() - t:.2f} s; statuses {res['status'].value_counts().to_dict()}")
    m = RegionMatcher("county")
    big = pd.Series(regions.loc[regions.level == "county", "name"].tolist() * 600)
    t = time.process_time()
    m.match(big)
    print(f"{len(big):,} rows ({big.nunique():,} unique county names), county matcher: "
          f"{time.process_time() - t:.2f} s")

if __name__ == "__main__":
    main()
