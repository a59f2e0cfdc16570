"""How far is each region from a reference, and does the set of regions meet a target?

Direction convention (used everywhere): ``direction = +1`` when higher is
better (doctors per 1,000 people), ``-1`` when lower is better (students per
teacher). A gap is signed so that **positive means better than the
reference**: ``gap = direction * (value - reference)``; ``gap_pct`` is the same
relative to ``|reference|``.

Missing values stay NaN in per-region outputs (that region has no gap) and are
excluded from references and shares, with ``n_dropped`` reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics._data import UndefinedMeasure, _is_missing_label, clean
from metrics.inequality import coefficient_of_variation

__all__ = [
    "Gap",
    "gap_to_average",
    "gap_to_parent_average",
    "gap_to_best",
    "gap_to_target",
    "TargetShare",
    "share_meeting_target",
    "UrbanRuralGap",
    "urban_rural_gap",
    "SpendingGap",
    "spending_gap",
    "SPENDING_GAP_DEFINITIONS",
]


def _check_direction(direction):
    if direction not in (1, -1):
        raise ValueError("direction must be +1 (higher is better) or -1 (lower is better)")


@dataclass(frozen=True)
class Gap:
    reference: float | np.ndarray  # scalar, or per region (parent averages)
    gap: np.ndarray  # direction * (value - reference), NaN where value missing
    gap_pct: np.ndarray  # 100 * gap / |reference|
    n_dropped: int


def _gap(values, reference, direction, n_dropped):
    _check_direction(direction)
    y = np.asarray(values, dtype=float)
    ref = np.asarray(reference, dtype=float)
    gap = direction * (y - ref) + 0.0  # no -0.0
    if np.any(ref == 0):
        raise UndefinedMeasure("gap in % is undefined for a reference of 0")
    pct = 100.0 * gap / np.abs(ref)
    return Gap(ref.item() if ref.ndim == 0 else ref, gap, pct, n_dropped)


def gap_to_average(values, weights=None, direction=1) -> Gap:
    """Gap of each region to the mean of all regions (population-weighted if ``weights``).

    >>> g = gap_to_average([8, 10, 12])
    >>> g.reference, g.gap.tolist(), g.gap_pct.tolist()
    (10.0, [-2.0, 0.0, 2.0], [-20.0, 0.0, 20.0])
    """
    c = clean(values, weights)
    ref = float(np.dot(c.weights, c.values) / c.weights.sum())
    return _gap(values, ref, direction, c.n_dropped)


def gap_to_parent_average(values, parents, weights=None, direction=1) -> Gap:
    """Gap of each region to the mean of its parent (e.g. county vs. its province's counties).

    ``parents`` is the parent code per region. The parent mean is over the
    regions given here with data (population-weighted if ``weights``).

    >>> g = gap_to_parent_average([1, 3, 10, 30], ["A", "A", "B", "B"])
    >>> g.reference.tolist(), g.gap.tolist()
    ([2.0, 2.0, 20.0, 20.0], [-1.0, 1.0, -10.0, 10.0])
    """
    c = clean(values, weights, parents)
    labels, code = np.unique(c.groups, return_inverse=True)
    means = np.bincount(code, c.weights * c.values) / np.bincount(code, c.weights)
    par = np.asarray(parents)
    ref = np.full(par.shape, np.nan)
    has = ~_is_missing_label(par)
    idx = np.minimum(np.searchsorted(labels, par[has]), labels.size - 1)
    found = labels[idx] == par[has]
    ref[np.flatnonzero(has)[found]] = means[idx[found]]
    return _gap(values, ref, direction, c.n_dropped)


def gap_to_best(values, direction=1) -> Gap:
    """Gap of each region to the best region (max if higher is better, min otherwise); all <= 0.

    >>> gap_to_best([8, 10, 12], direction=-1).gap.tolist()  # lower is better: best is 8
    [0.0, -2.0, -4.0]
    """
    c = clean(values)
    ref = float(c.values.max() if direction == 1 else c.values.min())
    return _gap(values, ref, direction, c.n_dropped)


def gap_to_target(values, target, direction=1) -> Gap:
    """Gap of each region to a policy target, in the indicator's units and in % of the target.

    >>> g = gap_to_target([15, 18, 22], 20, direction=-1)  # e.g. students per teacher <= 20
    >>> g.gap.tolist(), g.gap_pct.tolist()
    ([5.0, 2.0, -2.0], [25.0, 10.0, -10.0])
    """
    c = clean(values, min_n=0)
    return _gap(values, float(target), direction, c.n_dropped)


@dataclass(frozen=True)
class TargetShare:
    comparator: str
    target: float
    meets: np.ndarray  # bool per region (False where missing)
    n_meeting: int
    share_regions: float  # of regions with data
    share_population: float | None  # of population of regions with data; None without weights
    n_dropped: int


_COMPARE = {
    ">=": np.greater_equal,
    "<=": np.less_equal,
    "=": np.isclose,
    "==": np.isclose,
    ">": np.greater,
    "<": np.less,
}


def share_meeting_target(values, target, comparator=None, weights=None, direction=1) -> TargetShare:
    """Share of regions (and of population) meeting ``value <comparator> target``.

    ``comparator`` is one of ">=", "<=", "=" (``np.isclose``), ">" , "<"; if
    None it follows ``direction`` (">=" when higher is better, else "<=").

    >>> s = share_meeting_target([1, 2, 3, 4], 3, ">=", weights=[10, 10, 10, 70])
    >>> s.share_regions, s.share_population
    (0.5, 0.8)
    """
    _check_direction(direction)
    comparator = comparator or (">=" if direction == 1 else "<=")
    if comparator not in _COMPARE:
        raise ValueError(f"comparator must be one of {sorted(_COMPARE)}")
    c = clean(values, weights)
    ok = _COMPARE[comparator](c.values, float(target))
    meets = np.zeros(c.kept.shape, bool)
    meets[c.kept] = ok
    share_pop = float(np.dot(c.weights, ok) / c.weights.sum()) if c.weighted else None
    return TargetShare(comparator, float(target), meets, int(ok.sum()), float(ok.mean()), share_pop, c.n_dropped)


@dataclass(frozen=True)
class UrbanRuralGap:
    ratio: np.ndarray  # urban / rural per region (and year); NaN where undefined
    difference: np.ndarray  # urban - rural
    undefined_ratio: int  # cells where rural <= 0 (ratio not computed)
    missing: int  # cells where urban or rural is missing


def urban_rural_gap(urban, rural) -> UrbanRuralGap:
    """城乡差距: urban/rural ratio and urban - rural difference, per region, (n,) or (n, t).

    The ratio is left NaN (and counted in ``undefined_ratio``) where the rural
    value is <= 0; missing inputs are counted in ``missing``.

    >>> g = urban_rural_gap([30, 50], [10, 0])
    >>> g.ratio.tolist()[0], g.difference.tolist(), g.undefined_ratio
    (3.0, [20.0, 50.0], 1)
    """
    u, r = np.asarray(urban, dtype=float), np.asarray(rural, dtype=float)
    if u.shape != r.shape:
        raise ValueError(f"urban {u.shape} and rural {r.shape} shapes differ")
    ok = np.isfinite(u) & np.isfinite(r)
    bad = ok & (r <= 0)
    ratio = np.full(u.shape, np.nan)
    good = ok & ~bad
    ratio[good] = u[good] / r[good]
    return UrbanRuralGap(ratio, u - r, int(bad.sum()), int((~ok).sum()))


SPENDING_GAP_DEFINITIONS = {
    "range_over_mean": "(max - min) / mean",
    "max_over_min": "max / min - 1",
    "cv": "coefficient of variation (sd / mean)",
}


@dataclass(frozen=True)
class SpendingGap:
    value: float
    definition: str  # key of SPENDING_GAP_DEFINITIONS
    formula: str
    threshold: float
    within_threshold: bool
    n_regions: int
    n_dropped: int


def spending_gap(values, definition="range_over_mean", threshold=0.30, weights=None) -> SpendingGap:
    """Guangdong KPI 区域间人均基本公共服务支出差距控制在30%以内.

    The plan does not define "gap", so the definition is a switch:
    ``range_over_mean`` (max - min) / mean, ``max_over_min`` max/min - 1, or
    ``cv``. ``weights`` makes the mean (and CV) population-weighted. The test
    is ``value <= threshold``.

    >>> s = spending_gap([90, 100, 110])
    >>> round(s.value, 6), s.within_threshold
    (0.2, True)
    >>> round(spending_gap([90, 100, 110], "max_over_min").value, 6)
    0.222222
    """
    if definition not in SPENDING_GAP_DEFINITIONS:
        raise ValueError(f"definition must be one of {sorted(SPENDING_GAP_DEFINITIONS)}")
    c = clean(values, weights)
    y = c.values
    mean = float(np.dot(c.weights, y) / c.weights.sum())
    if definition == "range_over_mean":
        if mean <= 0:
            raise UndefinedMeasure("(max - min)/mean is undefined when the mean is <= 0")
        v = float((y.max() - y.min()) / mean)
    elif definition == "max_over_min":
        if y.min() <= 0:
            raise UndefinedMeasure("max/min - 1 is undefined when the minimum is <= 0")
        v = float(y.max() / y.min() - 1.0)
    else:
        v = coefficient_of_variation(y, c.weights if c.weighted else None)
    return SpendingGap(
        v, definition, SPENDING_GAP_DEFINITIONS[definition], float(threshold), bool(v <= threshold),
        int(y.size), c.n_dropped,
    )
