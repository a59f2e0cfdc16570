"""From (store, resolved view) to the tables each tab of the gaps page shows; no plotting, no streamlit.

The numbers come from figures.gaps's year-by-year runs of the metrics engine; this module chooses what a
tab shows for the view: which year, which target, which regions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from figures import gaps as fg
from figures.map_view import region_table


@dataclass
class Groups:
    """The between-groups tab: Theil T by year, Dagum's decomposition by year, and the year whose tables show."""
    theil: pd.DataFrame
    dagum: pd.DataFrame
    results: dict                    # year -> metrics.dagum.DagumDecomposition
    shown: int | None                # the view's year when it has a decomposition, else the latest that does
    outside: int                     # regions in no group
    download: pd.DataFrame           # Dagum by year beside Theil's between part and total


def groups(panel: pd.DataFrame, group_of: pd.Series, year: int) -> Groups:
    theil = fg.theil_by_year(panel, group_of)
    dagum, results = fg.dagum_by_year(panel, group_of)
    shown = year if year in results else (max(results) if results else None)
    between = theil[theil["part"] == "between"][["year", "value", "total"]]
    download = dagum.merge(between.rename(columns={"value": "theil_between", "total": "theil_t"}), on="year",
                           how="outer")
    return Groups(theil, dagum, results, shown, int(group_of.isna().sum()), download)


def laggards(points: pd.DataFrame, direction: int) -> list[str]:
    """Names of the regions that started behind and grew slower than the trend (β tab), worst start first."""
    return points[points["laggard"]].sort_values("start", ascending=direction > 0)["label"].astype(str).tolist()


@dataclass
class UrbanRural:
    pair: tuple[str, str]            # the urban and rural variants' ids
    ratio: pd.DataFrame              # urban / rural, regions x years
    shown: int                       # the view's year when it has a ratio, else the latest that does


def urban_rural(store, indicator: str, level: str, regions: pd.DataFrame, year: int) -> UrbanRural | None:
    """The urban/rural ratio of an indicator with both variants, in the view's regions (None: no such pair)."""
    pair = fg.urban_rural_variants(store.catalog, indicator)
    if pair is None:
        return None
    urban, rural = (store.panel(i, level).reindex(regions["code"]).dropna(how="all") for i in pair)
    ratio = fg.urban_rural_panel(urban, rural)
    if year in ratio.columns and ratio[year].notna().any():
        return UrbanRural(pair, ratio, year)
    years = ratio.columns[ratio.notna().any()]
    return UrbanRural(pair, ratio, int(years.max())) if len(years) else None


@dataclass
class Ranking:
    table: pd.DataFrame              # region_table against the benchmark
    benchmark: pd.Series | None      # the view's target, else another place's latest target for the indicator
    borrowed: bool                   # the benchmark is another place's target
    columns: list[str]               # what the ranking may be by: gap to the average, and to the benchmark


def ranking(store, indicator: str, level: str, year: int, regions: pd.DataFrame, population: pd.Series,
            direction: int, target: pd.Series | None, table: pd.DataFrame, lang: str) -> Ranking:
    """The ranking tab's table: the view's own (`table`) when it has a target, else one against a benchmark."""
    others = store.targets[store.targets["indicator"] == indicator].sort_values("target_year")
    benchmark = target if target is not None else (others.iloc[-1] if len(others) else None)
    borrowed = benchmark is not None and target is None
    if borrowed:
        table = region_table(store.values(indicator, level, year), regions, direction, population, benchmark, lang)
    return Ranking(table, benchmark, borrowed, ["gap_avg"] + (["gap_target"] if benchmark is not None else []))


def values_in_view(store, indicator: str, level: str, year: int, regions: pd.DataFrame) -> np.ndarray:
    """The year's values in the order of `regions` (NaN where missing): the LISA tab's input."""
    return regions["code"].map(store.values(indicator, level, year).set_index("code")["value"]).to_numpy(float)
