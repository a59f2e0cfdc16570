"""From (store, region) to the tables the region-profile page shows: where the region stands on every
indicator, its trends against the national and group averages, its rank history and its peers.
No plotting (figures.profile draws them), no streamlit.

Gaps, ranks and averages come from the metrics engine through `figures.map_view.region_table` (the map's
own table), so a region reads the same here as on the map. "Better" is always to the right / up: ranks and
percentiles follow each indicator's direction.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from figures.map_view import applicable_target, fmt, region_table
from geo.regions import province_of
from i18n import t
from metrics._data import UndefinedMeasure
from metrics.gaps import gap_to_average, gap_to_parent_average

MAX_PEERS = 5


def profile_years(store, level: str) -> list[int]:
    """Years in which any scored indicator has data at `level`."""
    def compute():
        years: set[int] = set()
        for ind in store.indicators(level=level).index:
            years |= set(store.years(ind, level))
        return tuple(sorted(years))
    return list(store.memo(("profile_years", level), compute))


def best_year(store, level: str) -> int | None:
    """The latest year with the most indicators reported: the profile's default year."""
    def compute():
        counts: dict[int, int] = {}
        for ind in store.indicators(level=level).index:
            for y in store.years(ind, level):
                counts[y] = counts.get(y, 0) + 1
        top = max(counts.values(), default=0)
        return max((y for y, n in counts.items() if n == top), default=None)
    return store.memo(("best_year", level), compute)


def standing(store, level: str, codes: list[str], year: int, regions: pd.DataFrame,
             population: pd.Series | None = None, lang: str = "zh") -> pd.DataFrame:
    """One row per (region in `codes`, indicator at `level`): value, rank among all regions of the
    level, percentile (100 = best, direction-aware), gap to the average and to the target.

    An indicator without data in `year` uses its latest earlier year (the row says which year).
    Context indicators (no direction) carry their value only.
    """
    cat = store.indicators(level=level)
    domains = store.domains.set_index("id")
    rows = []
    for ind, meta in cat.iterrows():
        years = [y for y in store.years(ind, level) if y <= year] or store.years(ind, level)
        if not years:
            continue
        used = max(years)
        direction = int(meta["direction"])
        values = store.values(ind, level, used)
        tables: dict = {}                   # one table per distinct target (most codes share one)
        for code in codes:
            target = applicable_target(store.targets, ind, province_of(code)) if direction else None
            key = None if target is None else target.name
            if key not in tables:
                tables[key] = region_table(values, regions, direction, population, target, lang)
            table = tables[key]
            hit = table[table["code"] == code]
            if hit.empty:
                continue
            r = hit.iloc[0]
            n = table.attrs["n_with_data"]
            has = not np.isnan(r["value"])
            scored = has and direction in (1, -1)
            rows.append({
                "code": code, "region": r["label"], "indicator": ind, "domain": meta["domain"],
                "domain_name": domains.loc[meta["domain"], f"name_{lang}"] if meta["domain"] in domains.index
                else meta["domain"],
                "name": meta[f"name_{lang}"], "unit": meta[f"unit_{lang}"], "direction": direction,
                "year": used, "value": r["value"], "n": n,
                "rank": r["rank"] if scored else np.nan,
                "percentile": 100.0 * (n - r["rank"]) / (n - 1) if scored and n > 1 else np.nan,
                "average": table.attrs.get("average", np.nan),
                "gap_avg": r["gap_avg"] if scored else np.nan,
                "gap_avg_pct": r["gap_avg_pct"] if scored else np.nan,
                "target": table.attrs.get("target", np.nan),
                "comparator": target["comparator"] if target is not None else "",
                "gap_target": r["gap_target"] if scored else np.nan,
                "meets": r["meets"] if scored else pd.NA,
                "flag": r["flag"],
            })
    return pd.DataFrame(rows)


def profile_table(rows: pd.DataFrame, code: str, lang: str) -> pd.DataFrame:
    """The region's indicators by domain, for display and download."""
    r = rows[rows["code"] == code]
    out = pd.DataFrame({
        t("profile.col_domain", lang): r["domain_name"],
        t("profile.col_indicator", lang): r["name"],
        t("profile.col_year", lang): r["year"].astype(int),
        t("profile.col_value", lang): r["value"],
        t("profile.col_unit", lang): r["unit"],
        t("profile.col_better", lang): r["direction"].map({1: "↑", -1: "↓", 0: "—"}),
        t("profile.col_rank", lang): [f"{int(k)} / {n}" if not np.isnan(k) else "—" for k, n in zip(r["rank"], r["n"])],
        t("profile.col_pct", lang): r["percentile"].round(0),
        t("profile.col_avg", lang): r["average"],
        t("profile.col_gap_avg", lang): r["gap_avg_pct"].round(1),
        t("profile.col_target", lang): [f"{c} {fmt(v)}" if c else "" for c, v in zip(r["comparator"], r["target"])],
        t("profile.col_gap_target", lang): r["gap_target"],
        t("profile.col_flag", lang): r["flag"].map(
            lambda f: ", ".join(t(f"flag.{x}", lang) for x in str(f).split(";") if x)),
    })
    if not r["comparator"].astype(bool).any():          # no target applies: leave the target columns out
        out = out.drop(columns=[t("profile.col_target", lang), t("profile.col_gap_target", lang)])
    return out.reset_index(drop=True)


def peer_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Side by side: indicators as rows, one value column per region (main region first)."""
    wide = rows.pivot_table(index=["domain_name", "name", "unit"], columns="region", values="value",
                            sort=False, aggfunc="first")
    regions = list(dict.fromkeys(rows["region"]))
    wide = wide.reindex(columns=regions)
    wide.columns.name = None
    wide.index = wide.index.set_names([t("profile.col_domain", lang), t("profile.col_indicator", lang),
                                       t("profile.col_unit", lang)])
    return wide.reset_index()


def trend_frame(store, indicator: str, level: str, codes: list[str], regions: pd.DataFrame,
                groups: pd.Series | None, lang: str) -> pd.DataFrame:
    """Per year: the value of each region in `codes`, the average of all regions of the level
    (population-weighted when every region with data has a population) and the average of the
    first region's group. Long format: year, series, value."""
    panel = store.panel(indicator, level).reindex(regions["code"])
    labels = dict(zip(regions["code"], regions["name" if lang == "zh" else "name_en"]))
    group_of = groups.reindex(regions["code"]).to_numpy(object) if groups is not None and len(groups) else None
    main = codes[0]
    main_at = int(np.flatnonzero(regions["code"].to_numpy() == main)[0]) if main in set(regions["code"]) else None
    out = []
    for year in panel.columns:
        y = panel[year].to_numpy(float)
        if np.isnan(y).all():
            continue
        pop = store.population(level, int(year)).reindex(regions["code"]).to_numpy(float)
        w = pop if not np.isnan(pop[~np.isnan(y)]).any() else None
        try:
            out.append((int(year), "__avg__", gap_to_average(y, weights=w).reference))
        except UndefinedMeasure:
            pass
        if group_of is not None and main_at is not None and group_of[main_at] is not None \
                and not pd.isna(group_of[main_at]):
            labels_g = np.where(pd.isna(group_of), "—", group_of).astype(str)
            try:
                ref = gap_to_parent_average(y, labels_g, weights=w).reference
                out.append((int(year), "__group__", float(ref[main_at])))
            except UndefinedMeasure:
                pass
        for code in codes:
            if code in panel.index and not np.isnan(panel.loc[code, year]):
                out.append((int(year), labels.get(code, code), float(panel.loc[code, year])))
    frame = pd.DataFrame(out, columns=["year", "series", "value"])
    frame.attrs["group"] = str(group_of[main_at]) if group_of is not None and main_at is not None else ""
    return frame


def rank_history(store, level: str, code: str, regions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rank (1 = best, direction-aware) of the region on every scored indicator in every year;
    indicators as rows, years as columns; `attrs['n']` holds the number of regions ranked."""
    cat = store.indicators(level=level)
    cat = cat[cat["direction"].isin([1, -1])]
    ranks, counts = {}, {}
    for ind, meta in cat.iterrows():
        # Same rule as the map's region_table: rank of direction * value, 1 = best, ties share the best.
        panel = store.panel(ind, level).reindex(regions["code"]) * int(meta["direction"])
        if code not in panel.index:
            continue
        ranked = panel.rank(ascending=False, method="min")
        ranks[meta[f"name_{lang}"]] = ranked.loc[code]
        counts[meta[f"name_{lang}"]] = panel.notna().sum()
    out = pd.DataFrame(ranks).T.dropna(how="all")
    if out.empty:
        return pd.DataFrame()
    out = out.dropna(axis=1, how="all")
    out.columns = [int(c) for c in out.columns]
    out = out[sorted(out.columns)]
    n = pd.DataFrame(counts).T.reindex(index=out.index)
    n.columns = [int(c) for c in n.columns]
    out.attrs["n"] = n.reindex(columns=out.columns)
    return out
