"""From (store, resolved view) to the tables each tab of the gaps page shows; no plotting, no streamlit.

The year-by-year runs of the metrics engine live here (figures.gaps only draws them); the rest chooses
what a tab shows for the view: which year, which target, which regions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from figures.gaps import DAGUM_PARTS, MEASURES, since_break
from figures.map_view import region_table
from metrics._data import UndefinedMeasure
from metrics.convergence import beta_convergence
from metrics.dagum import dagum_gini
from metrics.gaps import urban_rural_gap
from metrics.inequality import theil_decomposition
from metrics.spatial import local_moran, moran_global
from metrics.summary import summarise_series


# ── the metrics engine, year by year ─────────────────────────────────────────

def inequality_by_year(panel: pd.DataFrame, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per year with at least two regions: CV, Williamson (population-weighted CV), Gini, Theil T/L,
    from the engine's ``summarise_series``; a measure undefined in a year is NaN there.

    A region without a population figure is left out of the Williamson only (pairwise, as the engine does).
    """
    years = [y for y in panel.columns if panel[y].notna().sum() >= 2]
    if not years:
        return pd.DataFrame(columns=["year", "n_regions", *MEASURES])
    y = panel[years].to_numpy(float)
    plain = summarise_series(y, np.asarray(years))
    out = pd.DataFrame({"year": [int(v) for v in years], "n_regions": plain.n_regions,
                        "cv": plain.series["cv"], "williamson": np.nan, "gini": plain.series["gini"],
                        "theil_t": plain.series["theil_t"], "theil_l": plain.series["theil_l"]})
    if population is not None and not population.empty:
        w = population.reindex(index=panel.index, columns=years).to_numpy(float)
        if np.isfinite(w).any():
            out["williamson"] = summarise_series(y, np.asarray(years), weights=w).series["cv"]
    return out


def theil_by_year(panel: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Theil T split per year: the between-group part and each group's within contribution (long table).

    Unweighted (each region counts once), as on the map's summary card.
    """
    g = groups.reindex(panel.index).to_numpy(object)
    rows = []
    for year in panel.columns:
        y = panel[year].to_numpy(float)
        try:
            d = theil_decomposition(y, g, index="T")
        except (UndefinedMeasure, ValueError):
            continue
        rows.append({"year": int(year), "part": "between", "value": d.between, "total": d.total})
        for label, contribution, own in zip(d.groups, d.within_contribution, d.group_index):
            rows.append({"year": int(year), "part": str(label), "value": contribution, "total": d.total,
                         "group_theil": own})
    return pd.DataFrame(rows, columns=["year", "part", "value", "total", "group_theil"])


def dagum_by_year(panel: pd.DataFrame, groups: pd.Series):
    """Dagum decomposition per year: a table of G and its three parts, and each year's full result."""
    g = groups.reindex(panel.index).to_numpy(object)
    rows, results = [], {}
    for year in panel.columns:
        y = panel[year].to_numpy(float)
        try:
            d = dagum_gini(y, g)
        except (UndefinedMeasure, ValueError):
            continue
        if d.n_regions < 2:
            continue
        results[int(year)] = d
        rows.append({"year": int(year), "gini": d.gini, **{p: getattr(d, p) for p in DAGUM_PARTS},
                     **{f"{p}_share": s for p, s in d.shares.items()},
                     **{f"gini_{label}": v for label, v in zip(d.groups, d.group_gini)}})
    return pd.DataFrame(rows), results


def beta_frame(panel: pd.DataFrame, labels: pd.Series, direction: int = 1, breaks: list[int] = ()):
    """The engine's β-convergence over the panel's first and last year, and one point per region to plot.

    After a series break only the years since the last break are used (growth across a change of
    definition is not growth). Each point is the region's start (ln y0) and annualised log growth,
    the regression's own variables; a laggard started on the worse side of the mean and grew less
    well than the line predicts.
    """
    panel = panel.dropna(axis=1, how="all")
    since = since_break(panel.columns, breaks)
    if since is not None:
        panel = panel[[y for y in panel.columns if y >= since]]
    result = beta_convergence(panel.to_numpy(float), panel.columns.to_numpy(float))
    first, last = panel.columns[0], panel.columns[-1]
    pts = panel[[first, last]].dropna()
    pts = pts[(pts > 0).all(axis=1)]
    span = float(last - first)
    frame = pd.DataFrame({"code": pts.index, "label": [labels.get(c, c) for c in pts.index],
                          "start": pts[first].to_numpy(float), "end": pts[last].to_numpy(float)})
    frame["ln_start"] = np.log(frame["start"])
    frame["growth"] = np.log(frame["end"] / frame["start"]) / span
    frame["fitted"] = result.intercept + result.slope * frame["ln_start"]
    d = direction if direction in (1, -1) else 1
    frame["laggard"] = (d * (frame["ln_start"] - frame["ln_start"].mean()) < 0) & \
                       (d * (frame["growth"] - frame["fitted"]) < 0)
    frame.attrs.update(first=int(first), last=int(last))
    return result, frame


def urban_rural_variants(catalog: pd.DataFrame, indicator: str) -> tuple[str, str] | None:
    """(urban id, rural id) for an indicator that has both variants, or is one of them."""
    base = catalog.loc[indicator, "variant_of"] if indicator in catalog.index else ""
    base = base or indicator
    variants = catalog[catalog["variant_of"] == base]
    urban = variants.index[variants["variant"] == "urban"]
    rural = variants.index[variants["variant"] == "rural"]
    if len(urban) and len(rural):
        return str(urban[0]), str(rural[0])
    return None


def urban_rural_panel(urban: pd.DataFrame, rural: pd.DataFrame) -> pd.DataFrame:
    """Urban/rural ratio per region and year from the engine (NaN where either is missing or rural <= 0)."""
    codes = urban.index.union(rural.index)
    years = urban.columns.union(rural.columns)
    u = urban.reindex(index=codes, columns=years)
    r = rural.reindex(index=codes, columns=years)
    gap = urban_rural_gap(u.to_numpy(float), r.to_numpy(float))
    return pd.DataFrame(gap.ratio, index=codes, columns=years)


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
    theil = theil_by_year(panel, group_of)
    dagum, results = dagum_by_year(panel, group_of)
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
    pair = urban_rural_variants(store.catalog, indicator)
    if pair is None:
        return None
    urban, rural = (store.panel(i, level).reindex(regions["code"]).dropna(how="all") for i in pair)
    ratio = urban_rural_panel(urban, rural)
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


def clusters(level: str, codes: tuple, y: tuple, fdr: bool = False):
    """Moran's I and LISA (999 permutations) of one indicator-year over the level's shared borders."""
    from geo import boundaries
    neighbors = boundaries.neighbors(level)
    return (moran_global(np.array(y), list(codes), neighbors),
            local_moran(np.array(y), list(codes), neighbors, fdr=fdr))
