"""Dispersion and inequality of one indicator across regions.

Every function takes ``values`` of shape (n_regions,) -> float, or
(n_regions, n_years) -> array of one value per year, and optional population
``weights`` of the same shape as one column (or the same 2-D shape).

Missing data: a region whose value or weight is NaN is dropped for that year
(pairwise); ``metrics.summary`` reports how many. An empty year raises
``UndefinedMeasure``. A single region or all-equal values give 0 inequality.

Unweighted Gini, Theil T, its decomposition and Atkinson are PySAL's
(``inequality`` package). PySAL has no population weights; the weighted
versions here are the same formulas with each region counted ``weight`` times,
so integer weights give exactly PySAL's result on population-replicated data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from inequality.atkinson import atkinson as _pysal_atkinson
from inequality.gini import Gini as _PysalGini
from inequality.theil import Theil as _PysalTheil
from inequality.theil import TheilD as _PysalTheilD

from metrics._data import (
    UndefinedMeasure,
    by_column,
    clean,
    require_non_negative,
    require_positive,
    require_weighted_mean_positive,
)

__all__ = [
    "coefficient_of_variation",
    "williamson",
    "max_min_ratio",
    "p90_p10",
    "value_range",
    "gini",
    "atkinson",
    "theil_t",
    "theil_l",
    "theil_decomposition",
    "TheilDecomposition",
]


def _scalar(func):
    """Run a one-year measure over each column of a 2-D input."""

    def run(values, weights=None, **kw):
        out = by_column(func, values, weights, **kw)
        return np.array(out, dtype=float) if isinstance(out, list) else float(out)

    run.__name__, run.__doc__, run.__wrapped__ = func.__name__, func.__doc__, func
    return run


def _wmean(y, w):
    return float(np.dot(w, y) / w.sum())


@_scalar
def coefficient_of_variation(values, weights=None):
    """CV = sd / mean, population form (divide by n).

    With ``weights`` it is the Williamson index
    ``sqrt(sum_i (p_i/P) (y_i - ybar_p)^2) / ybar_p`` with ``ybar_p`` the
    population-weighted mean. Equal weights give the unweighted CV.

    >>> round(coefficient_of_variation([2, 4, 4, 4, 5, 5, 7, 9]), 6)  # sd 2, mean 5
    0.4
    """
    c = clean(values, weights)
    mu = _wmean(c.values, c.weights)
    if mu == 0:
        raise UndefinedMeasure("coefficient of variation is undefined when the mean is 0")
    var = np.dot(c.weights, (c.values - mu) ** 2) / c.weights.sum()
    return float(np.sqrt(var) / abs(mu))


def williamson(values, weights):
    """Population-weighted CV (Williamson 1965); see ``coefficient_of_variation``."""
    if weights is None:
        raise ValueError("the Williamson index needs population weights")
    return coefficient_of_variation(values, weights)


@_scalar
def max_min_ratio(values, weights=None):
    """max / min over regions (weights ignored). Undefined if min <= 0.

    >>> max_min_ratio([2, 5, 8])
    4.0
    """
    c = clean(values)
    lo = c.values.min()
    if lo <= 0:
        raise UndefinedMeasure("max/min ratio is undefined when the minimum is <= 0")
    return float(c.values.max() / lo)


def _wquantile(y, w, q):
    """Population quantile by the midpoint rule, for every set of weights.

    Each region stands at the middle of its weight on the cumulative scale;
    regions with weight 0 take no place at all (they would still bend the line).
    """
    y, w = y[w > 0], w[w > 0]
    o = np.argsort(y)
    y, w = y[o], w[o]
    cw = np.cumsum(w) - 0.5 * w
    return float(np.interp(q * w.sum(), cw, y))


@_scalar
def p90_p10(values, weights=None):
    """90th / 10th percentile ratio (numpy linear interpolation).

    With weights the percentiles are population percentiles by the midpoint
    rule, one definition for all weights (equal weights included, so a few
    regions give a wider ratio than the unweighted one); zero weights are
    ignored. Undefined if P10 <= 0.

    >>> p90_p10(list(range(1, 12)))  # P90 = 10, P10 = 2
    5.0
    """
    c = clean(values, weights)
    p10, p90 = (_wquantile(c.values, c.weights, q) if c.weighted else float(np.quantile(c.values, q))
                for q in (0.10, 0.90))
    if p10 <= 0:
        raise UndefinedMeasure("P90/P10 is undefined when P10 <= 0")
    return p90 / p10


@_scalar
def value_range(values, weights=None):
    """max - min, in the indicator's units (weights ignored).

    >>> value_range([3, 9, 4])
    6.0
    """
    c = clean(values)
    return float(c.values.max() - c.values.min())


@_scalar
def gini(values, weights=None):
    """Gini in mean-difference form, G = sum_i sum_j p_i p_j |y_i - y_j| / (2 P^2 ybar_p).

    Unweighted: PySAL ``inequality.gini.Gini`` (same formula with p = 1).
    Weighted: O(n log n) via sorted cumulative weights. Needs non-negative values.
    R ``ineq::Gini`` reference example:

    >>> x = [541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261]
    >>> round(gini(x), 7)
    0.4620911
    """
    c = clean(values, weights)
    require_non_negative(c.values, "Gini")
    if not c.weighted:
        return max(float(_PysalGini(c.values).g), 0.0)  # no -1e-16 from rounding
    require_weighted_mean_positive(c.values, c.weights, "Gini")
    o = np.argsort(c.values, kind="stable")
    y, w = c.values[o], c.weights[o]
    cum = np.cumsum(w)
    total = cum[-1]
    # sum over ordered pairs of w_i w_j |y_i - y_j| = 2 sum_k w_k y_k (W_below - W_above)
    below = cum - w
    above = total - cum
    sad = 2.0 * np.dot(w * y, below - above)
    return max(float(sad / (2.0 * total * np.dot(w, y))), 0.0)


@_scalar
def atkinson(values, weights=None, epsilon=0.5):
    """Atkinson index A = 1 - EDE / mean, EDE = (mean of y^(1-e))^(1/(1-e)); e = 1: geometric mean.

    Unweighted: PySAL ``inequality.atkinson``. Needs strictly positive values.
    R ``ineq::Atkinson(x, 0.5)`` reference:

    >>> x = [541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261]
    >>> round(atkinson(x, epsilon=0.5), 7)
    0.1796591
    """
    c = clean(values, weights)
    require_positive(c.values, "Atkinson")
    if np.ptp(c.values) == 0:  # equal values: exactly 0, not the -2e-16 / 1e-16 that rounding leaves
        return 0.0
    if not c.weighted:
        return max(float(_pysal_atkinson(c.values, epsilon)), 0.0)
    y, p = c.values, c.weights / c.weights.sum()
    mu = float(np.dot(p, y))
    if epsilon == 1:
        ede = float(np.exp(np.dot(p, np.log(y))))
    else:
        ede = float(np.dot(p, y ** (1 - epsilon)) ** (1 / (1 - epsilon)))
    return max(1.0 - ede / mu, 0.0)


@_scalar
def theil_t(values, weights=None):
    """Theil T = sum_i (p_i y_i / sum p y) ln(y_i / ybar_p).

    Unweighted: PySAL ``inequality.theil.Theil``. Zeros are allowed (0 ln 0 = 0);
    negatives raise.

    >>> round(theil_t([10, 10, 10, 20, 50]), 7)
    0.2502012
    """
    c = clean(values, weights)
    require_non_negative(c.values, "Theil T")
    if not c.weighted:
        return max(float(_PysalTheil(c.values).T), 0.0)
    require_weighted_mean_positive(c.values, c.weights, "Theil T")
    return _theil_t(c.values, c.weights)


def _theil_t(y, w):
    if np.dot(w, y) == 0:  # a group where every value is 0 is perfectly equal
        return 0.0
    mu = np.dot(w, y) / w.sum()
    share = w * y / np.dot(w, y)
    pos = y > 0
    return max(float(np.dot(share[pos], np.log(y[pos] / mu))), 0.0)


def _theil_l(y, w):
    mu = np.dot(w, y) / w.sum()
    return max(float(np.dot(w, np.log(mu / y)) / w.sum()), 0.0)


@_scalar
def theil_l(values, weights=None):
    """Theil L (mean log deviation) = (1/P) sum_i p_i ln(ybar_p / y_i).

    Undefined for zero or negative values: raises ``UndefinedMeasure``.
    R ``REAT::theil`` reference:

    >>> round(theil_l([10, 10, 10, 20, 50]), 7)
    0.2326302
    """
    c = clean(values, weights)
    require_positive(c.values, "Theil L")
    return _theil_l(c.values, c.weights)


@dataclass(frozen=True)
class TheilDecomposition:
    """One year's Theil index split into between- and within-group parts.

    ``total == between + within``. Per group: population share, value share
    (s_g = P_g mu_g / P mu), the group's own index, and its within-group
    contribution (s_g T_g for T, pi_g L_g for L).
    """

    index: str  # "T" or "L"
    total: float
    between: float
    within: float
    groups: tuple
    population_share: tuple
    value_share: tuple
    group_index: tuple
    within_contribution: tuple
    n_regions: int
    n_dropped: int

    @property
    def between_share(self) -> float:
        """Fraction of total inequality that lies between groups (0 if total is 0)."""
        return self.between / self.total if self.total > 0 else 0.0


def _decompose(values, weights, groups, index):
    c = clean(values, weights, groups)
    if c.groups is None:
        raise ValueError("theil_decomposition needs a group label per region")
    y, w = c.values, c.weights
    if index == "T":
        require_non_negative(y, "Theil T")
    elif index == "L":
        require_positive(y, "Theil L")
    else:
        raise ValueError("index must be 'T' or 'L'")
    labels, code = np.unique(c.groups, return_inverse=True)
    k = labels.size
    pg = np.bincount(code, weights=w, minlength=k)
    if index == "L" and np.any(pg <= 0):  # its mean, hence ln(mu / mu_g), is 0 / 0
        empty = ", ".join(str(g) for g in labels[pg <= 0])
        raise UndefinedMeasure(f"Theil L between/within is undefined: group {empty} has zero population weight")
    yg = np.bincount(code, weights=w * y, minlength=k)
    mu, mug = yg.sum() / pg.sum(), np.divide(yg, pg, out=np.zeros(k), where=pg > 0)  # T: a 0-weight group adds 0
    pi, s = pg / pg.sum(), yg / yg.sum()
    own = np.array([(_theil_t if index == "T" else _theil_l)(y[code == g], w[code == g]) for g in range(k)])
    if index == "T":
        with np.errstate(divide="ignore", invalid="ignore"):
            between = float(np.sum(np.where(s > 0, s * np.log(mug / mu), 0.0)))
        contrib = s * own
        if not c.weighted:  # PySAL's total and between-group part
            d = _PysalTheilD(y, c.groups)
            total, between = float(d.T), float(np.ravel(d.bg)[0])
        else:
            total = _theil_t(y, w)
    else:
        between = float(np.dot(pi, np.log(mu / mug)))
        contrib = pi * own
        total = _theil_l(y, w)
    return TheilDecomposition(
        index=index,
        total=total,
        between=between,
        within=total - between,
        groups=tuple(labels.tolist()),
        population_share=tuple(pi.tolist()),
        value_share=tuple(s.tolist()),
        group_index=tuple(own.tolist()),
        within_contribution=tuple(contrib.tolist()),
        n_regions=int(y.size),
        n_dropped=c.n_dropped,
    )


def theil_decomposition(values, groups, weights=None, index="T"):
    """Split Theil T or L into between- and within-group inequality.

    T = sum_g s_g ln(mu_g / mu)  +  sum_g s_g T_g       (s_g: group's share of the total)
    L = sum_g pi_g ln(mu / mu_g) +  sum_g pi_g L_g      (pi_g: group's population share)

    Unweighted T uses PySAL ``TheilD`` for the total and between part. A group
    with one member has within-group index 0. 2-D ``values`` give a list with
    one decomposition per year.

    >>> d = theil_decomposition([0, 0, 0, 10, 10, 10], [0, 0, 0, 1, 1, 1])
    >>> round(d.between, 10), round(d.within, 10)  # ln 2, 0 (PySAL's test case)
    (0.6931471806, 0.0)
    """
    return by_column(lambda y, w: _decompose(y, w, groups, index), values, weights)
