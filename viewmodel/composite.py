"""From (store, choices) to the composite index a page shows: the indicator matrix, the index, its
weights and the Monte-Carlo rank band, as tables. No plotting (figures.composite draws them), no streamlit.

Every number comes from ``metrics.composite``; this module only picks the indicators and year and lines
the data up. An index is a modelling choice, so every result carries the choices and the data left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from i18n import t
from store.model import FLAGS
from metrics._data import UndefinedMeasure
from metrics.composite import composite_index, entropy_weights, normalise, rank_sensitivity, topsis

# Left out of the default set (a user may still tick them): higher education, which the catalog
# says is not a basic public service; urban/rural ratios, which measure a gap, not a level;
# outcomes (life expectancy, census years only; registered unemployment).
NOT_BASIC = {"stu_teacher_college", "beds_ratio_urban_rural", "income_ratio_urban_rural",
             "consumption_ratio_urban_rural", "dibao_ratio_urban_rural", "life_expectancy",
             "unemployment_rate"}


@dataclass(frozen=True)
class IndexChoice:
    """Every modelling choice behind one index; the page shows all of them next to the result."""
    indicators: tuple[str, ...]
    year: int
    method: str = "minmax"
    weighting: str = "equal"
    aggregation: str = "linear"
    custom: tuple[float, ...] = ()      # one weight per indicator when weighting == "custom"


@dataclass
class IndexResult:
    table: pd.DataFrame                 # code, label, score, rank (1 = best, NaN if incomplete), missing
    weights: pd.Series                  # indicator -> weight (sum 1)
    choice: IndexChoice
    n_incomplete: int
    normalised: pd.DataFrame | None = None                 # regions x indicators as the engine scored them
    incomplete: list[str] = field(default_factory=list)   # "label (missing indicators)" of regions left out
    uncovered: list[str] = field(default_factory=list)    # regions with no data on any chosen indicator
    note: str = ""                      # why the index could not be computed, if it could not


def candidates(store, level: str, domain: str | None = None) -> pd.DataFrame:
    """Indicators an index can use at `level`: those with a direction (not context), not an urban/rural
    variant of another (it would count the same service twice), and no upload its owner has not added."""
    def compute():
        cat = store.indicators(level=level, domain=domain)
        variant = cat["variant_of"].fillna("").astype(str) != ""
        not_added = cat.index.isin(list(store.index_excluded))   # uploads join the index when their owner adds them
        return cat[cat["direction"].isin([1, -1]) & ~variant & ~not_added]
    return store.memo(("candidates", level, domain), compute).copy()


def default_selection(cat: pd.DataFrame) -> list[str]:
    return [i for i in cat.index if i not in NOT_BASIC] or list(cat.index)


def common_years(store, indicators, level: str) -> list[int]:
    """Years in which every chosen indicator has data at `level`."""
    years: set[int] | None = None
    for ind in indicators:
        ys = set(store.years(ind, level))
        years = ys if years is None else years & ys
    return sorted(years or ())


def indicator_matrix(store, indicators, level: str, year: int, regions: pd.DataFrame) -> pd.DataFrame:
    """Regions in view (rows, code index) x indicators (columns) for one year; NaN where missing."""
    cols = {}
    for ind in indicators:
        v = store.values(ind, level, year)
        cols[ind] = regions["code"].map(v.set_index("code")["value"]).to_numpy(float)
    return pd.DataFrame(cols, index=regions["code"].to_numpy(), columns=list(indicators))


def indicator_flags(store, indicators, level: str, year: int, regions: pd.DataFrame) -> list[str]:
    """Per region in view, every flag its chosen indicators' values carry that year: a score built
    on a flagged value carries the flag."""
    per = [regions["code"].map(store.values(ind, level, year).set_index("code")["flag"]).fillna("").astype(str)
           for ind in indicators]
    joined = pd.concat(per, axis=1).agg(";".join, axis=1) if per else pd.Series("", index=regions.index)
    return [";".join(f for f in FLAGS if f in set(fs.split(";"))) for fs in joined]


def coherent(choice: IndexChoice) -> tuple[IndexChoice, list[str]]:
    """Fix combinations the engine cannot compute (entropy or geometric on z-scores, which can be
    negative) by switching to min–max; returns the ids of the notes that say so."""
    notes = []
    if choice.method == "zscore" and choice.aggregation != "topsis":
        if choice.weighting == "entropy":
            notes.append("composite.entropy_zscore")
        elif choice.aggregation == "geometric":
            notes.append("composite.geometric_zscore")
    if notes:
        choice = replace(choice, method="minmax")
    if choice.aggregation == "topsis":
        notes.append("composite.topsis_note")
    return choice, notes


def weight_vector(choice: IndexChoice, cat: pd.DataFrame):
    """What the engine gets as `weights`: a name ("equal", "entropy") or one number per indicator.
    "domain_equal" gives each domain the same total, shared equally by its indicators."""
    if choice.weighting == "custom":
        return np.asarray(choice.custom, float)
    if choice.weighting == "domain_equal":
        domains = cat.loc[list(choice.indicators), "domain"]
        per_domain = domains.map(domains.value_counts())
        return (1.0 / per_domain).to_numpy(float)
    return choice.weighting


def build_index(store, choice: IndexChoice, level: str, regions: pd.DataFrame, lang: str = "zh") -> IndexResult:
    """Score and rank every region in view with the engine; regions missing an indicator are left out."""
    cat = store.catalog
    labels = regions["name" if lang == "zh" else "name_en"].to_numpy()
    X = indicator_matrix(store, choice.indicators, level, choice.year, regions)
    directions = cat.loc[list(choice.indicators), "direction"].to_numpy(int)
    table = pd.DataFrame({"code": X.index, "label": labels,
                          "flag": indicator_flags(store, choice.indicators, level, choice.year, regions)})
    table["missing"] = [", ".join(cat.loc[c, f"name_{lang}"] for c in X.columns[row.isna()])
                        for _, row in X.iterrows()]
    empty = IndexResult(table.assign(score=np.nan, rank=np.nan), pd.Series(dtype=float), choice, len(table))
    if len(choice.indicators) < 2:
        return replace(empty, note=t("composite.need_two", lang))
    try:
        if choice.aggregation == "topsis":
            weights = weight_vector(choice, cat)
            score = topsis(X.to_numpy(), directions, weights)
            base = composite_index(X.to_numpy(), directions, weights, "minmax", "linear")
            w, n_incomplete = base.weights, base.n_incomplete
            rank = pd.Series(score).rank(ascending=False, method="min").to_numpy()
            normalised = None
        else:
            ci = composite_index(X.to_numpy(), directions, weight_vector(choice, cat), choice.method,
                                 choice.aggregation)
            score, w, n_incomplete = ci.score, ci.weights, ci.n_incomplete
            rank = np.where(ci.rank > 0, ci.rank, np.nan).astype(float)
            normalised = pd.DataFrame(ci.normalised, index=labels, columns=list(choice.indicators))
    except (UndefinedMeasure, ValueError) as err:
        return replace(empty, note=str(err))
    table["score"] = score
    table["rank"] = rank
    partial = table["score"].isna() & X.notna().any(axis=1).to_numpy()
    incomplete = [f"{r.label} ({r.missing})" for r in table[partial].itertuples()]
    uncovered = table.loc[table["score"].isna() & ~partial, "label"].astype(str).tolist()
    return IndexResult(table, pd.Series(w, index=list(choice.indicators)), choice, n_incomplete, normalised,
                       incomplete, uncovered=uncovered)


def sensitivity(store, choice: IndexChoice, level: str, regions: pd.DataFrame, result: IndexResult,
                n_draws: int = 1000, seed: int = 0) -> pd.DataFrame | None:
    """Median rank and 5–95 % band per region when the weights are redrawn around the chosen ones
    (engine: `rank_sensitivity`); None when the index itself could not be built."""
    if result.note:
        return None
    X = indicator_matrix(store, choice.indicators, level, choice.year, regions)
    directions = store.catalog.loc[list(choice.indicators), "direction"].to_numpy(int)
    rs = rank_sensitivity(X.to_numpy(), directions, weight_vector(choice, store.catalog), choice.method,
                          choice.aggregation, n_draws=n_draws, seed=seed)
    band = result.table[["code", "label", "score", "rank"]].copy()
    keep = rs.base_rank > 0
    band["median_rank"] = np.where(keep, rs.median_rank, np.nan)
    band["rank_p05"] = np.where(keep, rs.rank_p05, np.nan)
    band["rank_p95"] = np.where(keep, rs.rank_p95, np.nan)
    band.attrs.update(n_draws=rs.n_draws, seed=rs.seed)
    return band


def index_frame(result: IndexResult, band: pd.DataFrame | None, lang: str) -> pd.DataFrame:
    """The data behind the page, one row per region, for download."""
    out = result.table[["code", "label", "score", "rank", "missing"]].copy()
    if band is not None:
        out = out.merge(band[["code", "median_rank", "rank_p05", "rank_p95"]], on="code", how="left")
    return out.sort_values(["rank", "code"], na_position="last").reset_index(drop=True)


def stable_count(band: pd.DataFrame, places: int = 2) -> int:
    """Regions whose 5–95 % rank band stays within `places` of their rank under the chosen weights."""
    b = band.dropna(subset=["rank"])
    move = np.maximum((b["rank"] - b["rank_p05"]).abs(), (b["rank_p95"] - b["rank"]).abs())
    return int((move <= places).sum())


def implicit_notes(store, result: IndexResult, level: str, regions: pd.DataFrame, lang: str) -> list[str]:
    """What the method does without saying: min–max bounds set by regions left out of the ranking
    (and how far that moves entropy weights), and TOPSIS's two normalisations with entropy weights."""
    c = result.choice
    notes = []
    if c.aggregation == "topsis" and c.weighting == "entropy":
        notes.append(t("fixes.topsis_entropy", lang))
    minmax = c.method == "minmax" or (c.aggregation == "topsis" and c.weighting == "entropy")
    if result.incomplete and minmax:
        line = t("fixes.minmax_incomplete", lang, n=len(result.incomplete))
        if c.weighting == "entropy":
            X = indicator_matrix(store, c.indicators, level, c.year, regions).to_numpy(float)
            d = store.catalog.loc[list(c.indicators), "direction"].to_numpy(int)
            complete = ~np.isnan(X).any(axis=1)
            try:
                shift = np.abs(entropy_weights(normalise(X, d)) - entropy_weights(normalise(X[complete], d))).max()
                line += t("fixes.entropy_shift", lang, shift=f"{shift:.2f}")
            except UndefinedMeasure:
                pass
        notes.append(line)
    return notes


def default_choice(store, level: str, year: int | None = None) -> IndexChoice | None:
    """The overall index the profile page shows: default indicators, equal weights, min–max, linear,
    for the latest year up to `year` in which they all have data (None if they share no year)."""
    def compute():
        chosen = default_selection(candidates(store, level))
        years = common_years(store, chosen, level)
        if len(chosen) < 2 or not years:
            return None
        usable = [y for y in years if year is None or y <= year] or years
        return IndexChoice(tuple(chosen), usable[-1])
    return store.memo(("default_choice", level, year), compute)


def normalised_frame(result: IndexResult, catalog: pd.DataFrame, lang: str) -> pd.DataFrame | None:
    """The direction-aligned normalised values the engine aggregated (1 = best with min–max), regions
    in rank order: lets a reader see which indicators carry a region's score."""
    if result.normalised is None:
        return None
    z = result.normalised.copy()
    z.columns = [catalog.loc[i, f"name_{lang}"] for i in z.columns]
    z.insert(0, t("composite.score", lang), result.table["score"].to_numpy())
    z.insert(0, t("composite.rank", lang), result.table["rank"].to_numpy())
    return z.dropna(subset=[t("composite.rank", lang)]).sort_values(t("composite.rank", lang))


def chosen_indicators(view_value: str, cat: pd.DataFrame) -> list[str]:
    """view.index_indicators (comma-separated ids) restricted to `cat`; the default set when none remain."""
    wanted = [i for i in view_value.split(",") if i in cat.index] if view_value else []
    return wanted or default_selection(cat)
