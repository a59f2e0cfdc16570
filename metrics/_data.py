"""Shared input handling: every measure drops missing values the same way and says so.

Regional statistics have holes (a county with no report for a year). Measures
drop those regions pairwise — a region is dropped when its value, its population
weight or its group label is missing — and report how many were dropped, instead
of returning a silent nan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class UndefinedMeasure(ValueError):
    """Raised when a measure is mathematically undefined for the data given.

    Examples: Theil L or a log-based measure with a zero or negative value, any
    ratio whose denominator is zero, an index on an empty set of regions.
    """


@dataclass(frozen=True)
class Clean:
    """The regions kept for one computation."""

    values: np.ndarray  # (k,) float
    weights: np.ndarray  # (k,) float, ones when no weights were given
    groups: np.ndarray | None  # (k,) labels, or None
    kept: np.ndarray  # (n,) bool mask over the original regions
    n_dropped: int
    weighted: bool


def clean(values, weights=None, groups=None, *, min_n: int = 1) -> Clean:
    """Drop regions whose value, weight or group is missing (pairwise deletion).

    Weights must be non-negative; a region with weight 0 is kept but has no
    influence. Raises ``UndefinedMeasure`` if fewer than ``min_n`` regions remain.
    """
    y = np.asarray(values, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"expected one value per region, got shape {y.shape}")
    keep = np.isfinite(y)
    weighted = weights is not None
    if weighted:
        w = np.asarray(weights, dtype=float)
        if w.shape != y.shape:
            raise ValueError(f"weights shape {w.shape} != values shape {y.shape}")
        keep &= np.isfinite(w)
        if np.any(w[keep] < 0):
            raise ValueError("population weights must be non-negative")
    else:
        w = np.ones_like(y)
    g = None
    if groups is not None:
        g = np.asarray(groups)
        if g.shape != y.shape:
            raise ValueError(f"groups shape {g.shape} != values shape {y.shape}")
        keep &= ~_is_missing_label(g)
        g = g[keep]
    k = int(keep.sum())
    if k < min_n:
        raise UndefinedMeasure(f"needs at least {min_n} region(s) with data, got {k}")
    if weighted and w[keep].sum() <= 0:
        raise UndefinedMeasure("total population weight of regions with data is zero")
    return Clean(y[keep], w[keep], g, keep, int(y.size - k), weighted)


def _is_missing_label(g: np.ndarray) -> np.ndarray:
    if g.dtype.kind == "f":
        return np.isnan(g)
    if g.dtype.kind == "O":
        return np.array([x is None or (isinstance(x, float) and np.isnan(x)) for x in g], bool)
    return np.zeros(g.shape, bool)


def require_positive(y: np.ndarray, measure: str) -> None:
    """Log-based measures are undefined for zero or negative values: say so."""
    bad = int(np.sum(y <= 0))
    if bad:
        raise UndefinedMeasure(
            f"{measure} needs strictly positive values; {bad} region(s) have values <= 0"
        )


def require_non_negative(y: np.ndarray, measure: str) -> None:
    bad = int(np.sum(y < 0))
    if bad:
        raise UndefinedMeasure(f"{measure} needs non-negative values; {bad} region(s) are < 0")
    if np.sum(y) <= 0:
        raise UndefinedMeasure(f"{measure} is undefined when all values are zero")


def require_weighted_mean_positive(y: np.ndarray, w: np.ndarray, measure: str) -> None:
    """Weighted measures divide by the weighted mean: zero when only zero-valued regions carry weight."""
    if np.dot(w, y) <= 0:
        raise UndefinedMeasure(f"{measure} is undefined when the population-weighted mean is zero")


def by_column(func, values, weights=None, **kw):
    """Apply a one-year measure to each column of a (n_regions, n_years) array.

    Each year drops its own missing regions, so years with holes still count.
    Returns the single result for 1-D input, else a list with one result per year.
    """
    y = np.asarray(values, dtype=float)
    if y.ndim == 1:
        return func(y, weights, **kw)
    if y.ndim != 2:
        raise ValueError(f"expected (n_regions,) or (n_regions, n_years), got {y.shape}")
    w = None if weights is None else np.asarray(weights, dtype=float)
    out = []
    for j in range(y.shape[1]):
        wj = None if w is None else (w[:, j] if w.ndim == 2 else w)
        out.append(func(y[:, j], wj, **kw))
    return out
