"""Print how long the bundled store takes to load and what it covers.

Run: ``python scripts/report_coverage.py`` from the repository root.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from store.model import load_store  # noqa: E402


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
    cov = store.coverage()
    cov["share_missing"] = cov["share_missing"].map("{:.1%}".format)
    cov = cov.merge(store.catalog[["id", "name_zh"]], left_on="indicator", right_on="id")
    cols = ["indicator", "name_zh", "level", "regions", "first_year", "last_year", "years",
            "values", "flagged", "share_missing"]
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(cov[cols].to_string(index=False))
    flags = obs["flag"].str.split(";").explode()
    print("flags:", flags[flags != ""].value_counts().to_dict())


if __name__ == "__main__":
    main()
