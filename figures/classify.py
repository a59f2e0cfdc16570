"""Choropleth classification: values -> class index and legend labels.

A thin layer over mapclassify, which implements the schemes; this module only
adapts its result to what a map needs (missing values, few distinct values,
labels with units).
"""
from __future__ import annotations

from dataclasses import dataclass

import mapclassify
import numpy as np


@dataclass(frozen=True)
class Classes:
    """Class index per value (-1 = no data) and the upper bound of each class."""
    index: np.ndarray
    bins: np.ndarray
    lower: float

    @property
    def k(self) -> int:
        return len(self.bins)

    def labels(self, fmt=lambda v: f"{v:,.4g}") -> list[str]:
        lows = [self.lower, *self.bins[:-1]]
        return [f"{fmt(lo)} – {fmt(hi)}" if lo <= hi else f"< {fmt(hi)}" for lo, hi in zip(lows, self.bins)]

    def counts(self) -> list[int]:
        return [int((self.index == i).sum()) for i in range(self.k)]


def classify(values, scheme: str, k: int = 5, breaks: tuple[float, ...] = ()) -> Classes:
    """Classify `values` (NaN allowed) with a mapclassify scheme.

    Schemes: quantiles, fisher_jenks, equal_interval, std_mean, box, user.
    Fewer distinct values than classes reduces k rather than failing; the
    'user' scheme takes `breaks` as upper bounds (the maximum is added).
    """
    values = np.asarray(values, dtype=float)
    ok = ~np.isnan(values)
    index = np.full(values.shape, -1, dtype=int)
    y = values[ok]
    if y.size == 0:
        return Classes(index, np.array([]), np.nan)
    distinct = np.unique(y).size
    k = max(1, min(k, distinct))
    if distinct == 1:
        index[ok] = 0
        return Classes(index, np.array([y.max()]), y.min())
    if scheme == "quantiles":
        result = mapclassify.Quantiles(y, k=k)
    elif scheme == "fisher_jenks":
        result = mapclassify.FisherJenks(y, k=k)
    elif scheme == "equal_interval":
        result = mapclassify.EqualInterval(y, k=k)
    elif scheme == "std_mean":
        result = mapclassify.StdMean(y)
    elif scheme == "box":
        result = mapclassify.BoxPlot(y)
    elif scheme == "user":
        bins = sorted(b for b in breaks if y.min() <= b < y.max())
        result = mapclassify.UserDefined(y, bins=[*bins, y.max()])
    else:
        raise ValueError(f"unknown classification scheme {scheme!r}")
    bins = np.asarray(result.bins, dtype=float)
    yb = np.asarray(result.yb, dtype=int)
    # Box and std-mean schemes can produce empty outer classes; keep them, the legend counts 0.
    index[ok] = yb
    return Classes(index, bins, float(y.min()))
