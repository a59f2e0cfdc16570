"""From (store, target, view) to what one target's tab shows: which level it is read at, who meets it in the
latest year, who would reach it at the current pace, and the table a download offers.
No plotting (figures.targets draws it), no streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from figures import targets as ft


@dataclass
class TargetView:
    level: str                      # the view's level when the target applies there, else its first level
    scope: str
    year: int | None                # latest year with data in view (None: no data in view)
    table: pd.DataFrame | None      # attainment per region (figures.targets.attainment)
    share: object                   # share meeting it (metrics.gaps.TargetShare) or None
    reach: pd.DataFrame | None      # pace per region (figures.targets.pace)
    sentence: str                   # the finding: how many reach it, and when
    out: pd.DataFrame | None        # what the tab's download holds


def split(store) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Targets with a bundled series to check them against, and those without (once per store)."""
    return store.memo(("targets.split",), lambda: ft.split_targets(store.targets, store.catalog, store.coverage()))


def target_level(row: pd.Series, view_level: str, view_scope: str) -> tuple[str, str]:
    """The level (and scope) a target is read at: the view's when the target has data there."""
    level = view_level if view_level in row["levels"] else row["levels"][0]
    return level, view_scope if level == view_level else ""


def target_view(store, row: pd.Series, level: str, scope: str, regions: pd.DataFrame,
                population_at: Callable[[int], pd.Series], lang: str) -> TargetView:
    """`row` (a row of split(store)'s first table) read over `regions` at `level`, weighted by the
    population `population_at(year)` of its latest year."""
    meta = store.catalog.loc[row["indicator"]]
    panel = store.panel(row["indicator"], level).reindex(regions["code"]).dropna(how="all").dropna(axis=1, how="all")
    if panel.empty:
        return TargetView(level, scope, None, None, None, None, "", None)
    year = int(panel.columns.max())
    population = population_at(year)
    direction = ft.direction_of(str(row["comparator"]), int(meta["direction"]))
    table, share = ft.attainment(store.values(row["indicator"], level, year), regions, row, direction,
                                 population if len(population) else None, lang)
    reach = ft.pace(panel, float(row["value"]), direction)
    sentence = ft.pace_sentence(reach, int(table.attrs["n_with_data"]), row, meta[f"unit_{lang}"], level, lang)
    out = table[["code", "name", "name_en", "value", "gap_target", "status", "flag"]].merge(
        reach[["code", "status", "years_needed", "reach_year", "slope_per_year"]].rename(columns={"status": "pace"}),
        on="code", how="left")
    return TargetView(level, scope, year, table, share, reach, sentence, out)
