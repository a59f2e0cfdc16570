"""All summary measures for one indicator-year in one call (the map's summary cards).

A measure that is undefined for the data (e.g. Theil L with a zero value) is
``None`` in ``measures`` and its reason is in ``undefined`` — never a silent nan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from metrics import gaps, inequality
from metrics._data import UndefinedMeasure, clean
from metrics.dagum import DagumDecomposition, dagum_gini
from metrics.inequality import TheilDecomposition, theil_decomposition

__all__ = ["Summary", "summarise", "SeriesSummary", "summarise_series"]


@dataclass
class Summary:
    n_regions: int
    n_dropped: int
    measures: dict = field(default_factory=dict)  # name -> float | bool | None
    undefined: dict = field(default_factory=dict)  # name -> reason
    theil_t: TheilDecomposition | None = None
    theil_l: TheilDecomposition | None = None
    dagum: DagumDecomposition | None = None


def summarise(
    values,
    weights=None,
    groups=None,
    direction=1,
    target=None,
    comparator=None,
    spending_definition="range_over_mean",
    spending_threshold=0.30,
) -> Summary:
    """Every one-year measure for a vector of regional values.

    ``weights`` (population) adds the weighted variants (suffix ``_w``);
    ``groups`` adds Theil T/L and Dagum decompositions; ``target`` adds the
    shares of regions / population meeting it (``comparator`` defaults from
    ``direction``). Missing values are dropped pairwise (``n_dropped``).

    >>> s = summarise([10, 10, 10, 20, 50])
    >>> round(s.measures["theil_l"], 7), s.n_regions
    (0.2326302, 5)
    """
    c = clean(values, weights, groups)
    y = c.values
    w = c.weights if c.weighted else None
    g = c.groups
    out = Summary(n_regions=int(y.size), n_dropped=c.n_dropped)

    def put(name, fn, *args, **kw):
        try:
            out.measures[name] = fn(*args, **kw)
        except UndefinedMeasure as e:
            out.measures[name] = None
            out.undefined[name] = str(e)

    put("mean", lambda: float(y.mean()))
    put("min", lambda: float(y.min()))
    put("max", lambda: float(y.max()))
    put("range", inequality.value_range, y)
    put("max_min_ratio", inequality.max_min_ratio, y)
    put("p90_p10", inequality.p90_p10, y)
    put("cv", inequality.coefficient_of_variation, y)
    put("gini", inequality.gini, y)
    put("theil_t", inequality.theil_t, y)
    put("theil_l", inequality.theil_l, y)
    put("atkinson_0_5", inequality.atkinson, y, epsilon=0.5)
    put("spending_gap", lambda: gaps.spending_gap(y, spending_definition, spending_threshold).value)
    put("spending_gap_ok", lambda: gaps.spending_gap(y, spending_definition, spending_threshold).within_threshold)
    if w is not None:
        put("mean_w", lambda: float(np.dot(w, y) / w.sum()))
        put("williamson", inequality.coefficient_of_variation, y, w)
        put("gini_w", inequality.gini, y, w)
        put("theil_t_w", inequality.theil_t, y, w)
        put("theil_l_w", inequality.theil_l, y, w)
        put("p90_p10_w", inequality.p90_p10, y, w)
    if g is not None:
        put("theil_t_decomposition", theil_decomposition, y, g, w, "T")
        put("theil_l_decomposition", theil_decomposition, y, g, w, "L")
        put("dagum_decomposition", dagum_gini, y, g, w)
        out.theil_t = out.measures.pop("theil_t_decomposition")
        out.theil_l = out.measures.pop("theil_l_decomposition")
        out.dagum = out.measures.pop("dagum_decomposition")
        if out.theil_t is not None:
            out.measures["theil_t_between_share"] = out.theil_t.between_share
        if out.dagum is not None:
            out.measures.update({f"dagum_{k}_share": v for k, v in out.dagum.shares.items()})
    if target is not None:
        s = gaps.share_meeting_target(y, target, comparator, w, direction)
        out.measures["share_regions_meeting_target"] = s.share_regions
        out.measures["share_population_meeting_target"] = s.share_population
    return out


@dataclass
class SeriesSummary:
    years: np.ndarray
    series: dict = field(default_factory=dict)  # name -> array over years (NaN only where listed in undefined)
    undefined: dict = field(default_factory=dict)  # name -> {year: reason}
    n_regions: np.ndarray | None = None  # regions with data per year


def summarise_series(values, years, weights=None, groups=None) -> SeriesSummary:
    """Inequality over time for one indicator: is the gap closing or widening, and where?

    ``values`` (n_regions, n_years). Per year: CV (Williamson if ``weights``),
    Gini, Theil T and L; with ``groups`` also Theil T between/within and Dagum
    within / net-between / transvariation. A year where a measure is undefined
    is NaN in that series and its reason is in ``undefined[name][year]``.

    >>> s = summarise_series([[10, 10], [10, 10], [10, 20], [20, 20], [50, 40]], [2020, 2021])
    >>> round(float(s.series["theil_l"][0]), 7)
    0.2326302
    """
    y = np.asarray(values, dtype=float)
    t = np.asarray(years)
    if y.ndim != 2 or y.shape[1] != t.size:
        raise ValueError(f"values shape {y.shape} does not match {t.size} years")
    w = None if weights is None else np.asarray(weights, dtype=float)
    out = SeriesSummary(years=t, n_regions=np.isfinite(y).sum(axis=0))
    names = ["cv", "gini", "theil_t", "theil_l"]
    if groups is not None:
        names += ["theil_t_between", "theil_t_within", "dagum_within", "dagum_net_between", "dagum_transvariation"]
    for n in names:
        out.series[n] = np.full(t.size, np.nan)
    for j in range(t.size):
        wj = None if w is None else (w[:, j] if w.ndim == 2 else w)
        steps = {
            "cv": lambda: inequality.coefficient_of_variation(y[:, j], wj),
            "gini": lambda: inequality.gini(y[:, j], wj),
            "theil_t": lambda: inequality.theil_t(y[:, j], wj),
            "theil_l": lambda: inequality.theil_l(y[:, j], wj),
        }
        for name, fn in steps.items():
            try:
                out.series[name][j] = fn()
            except UndefinedMeasure as e:
                out.undefined.setdefault(name, {})[t[j].item()] = str(e)
        if groups is None:
            continue
        try:
            d = theil_decomposition(y[:, j], groups, wj, "T")
            out.series["theil_t_between"][j], out.series["theil_t_within"][j] = d.between, d.within
        except UndefinedMeasure as e:
            for name in ("theil_t_between", "theil_t_within"):
                out.undefined.setdefault(name, {})[t[j].item()] = str(e)
        try:
            g = dagum_gini(y[:, j], groups, wj)
            out.series["dagum_within"][j] = g.within
            out.series["dagum_net_between"][j] = g.net_between
            out.series["dagum_transvariation"][j] = g.transvariation
        except UndefinedMeasure as e:
            for name in ("dagum_within", "dagum_net_between", "dagum_transvariation"):
                out.undefined.setdefault(name, {})[t[j].item()] = str(e)
    return out
