"""Do well- and poorly-served regions cluster in space? Global and local Moran's I.

Neighbours come as ``dict[str, list[str]]`` keyed by region code (queen
contiguity from ``geo.boundaries.neighbors(level)``); they become a
row-standardised libpysal ``W``. Moran's I and LISA are esda's.

Regions are dropped from W, with the reason recorded, when
  * their value is missing (NaN), or
  * they have no neighbour with data: islands (海南, 台湾, 舟山 ...) or
    regions whose every neighbour is missing.
Neighbour codes not among ``codes`` are ignored. All kept values equal (no
variation) raises ``UndefinedMeasure``: I is 0 / 0 and there are no clusters. Neighbour lists are
symmetrised (if a lists b, b gets a), since contiguity is symmetric.
"""

from __future__ import annotations

from dataclasses import dataclass

import esda
import libpysal
import numpy as np

from metrics._data import UndefinedMeasure

__all__ = ["SpatialWeights", "weights_from_neighbors", "MoranResult", "moran_global", "LocalMoranResult", "local_moran",
           "fdr_threshold"]

QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}  # esda's q codes


@dataclass(frozen=True)
class SpatialWeights:
    w: libpysal.weights.W  # row-standardised, ids = kept codes in input order
    codes: tuple  # kept codes, in input order
    kept: np.ndarray  # bool mask over the input codes
    dropped_missing: tuple  # codes dropped because the value is missing
    dropped_islands: tuple  # codes dropped because no neighbour has data

    @property
    def note(self) -> str:
        parts = []
        if self.dropped_missing:
            parts.append(f"{len(self.dropped_missing)} region(s) without data left out")
        if self.dropped_islands:
            parts.append(f"{len(self.dropped_islands)} region(s) without neighbours left out")
        return "; ".join(parts)


def weights_from_neighbors(neighbors: dict, codes, values=None) -> SpatialWeights:
    """Row-standardised W over ``codes`` that have data and at least one neighbour with data.

    >>> sw = weights_from_neighbors({"a": ["b"], "b": ["a", "c"], "c": ["b"], "d": []}, ["a", "b", "c", "d"])
    >>> sw.codes, sw.dropped_islands, sw.w.weights["b"]
    (('a', 'b', 'c'), ('d',), [0.5, 0.5])
    """
    codes = [str(c) for c in codes]
    if len(set(codes)) != len(codes):
        raise ValueError("region codes must be unique")
    has_data = np.ones(len(codes), bool) if values is None else np.isfinite(np.asarray(values, dtype=float))
    if has_data.shape != (len(codes),):
        raise ValueError("values must have one entry per code")
    with_data = {c for c, ok in zip(codes, has_data) if ok}
    nb = {c: set() for c in with_data}
    for a, bs in neighbors.items():
        a = str(a)
        if a not in with_data:
            continue
        for b in bs:
            b = str(b)
            if b in with_data and b != a:
                nb[a].add(b)
                nb[b].add(a)
    kept = np.array([ok and bool(nb.get(c)) for c, ok in zip(codes, has_data)])
    kept_codes = [c for c, k in zip(codes, kept) if k]
    missing = tuple(c for c, ok in zip(codes, has_data) if not ok)
    islands = tuple(c for c, ok, k in zip(codes, has_data, kept) if ok and not k)
    if len(kept_codes) < 2:
        raise UndefinedMeasure("spatial autocorrelation needs at least two connected regions with data")
    if values is not None and np.ptp(np.asarray(values, dtype=float)[kept]) == 0:
        # I = 0 / 0: esda would return I = nan with p = 0.001 and call every region a significant "LL"
        raise UndefinedMeasure("undefined: no variation (every region with data has the same value)")
    order = {c: i for i, c in enumerate(kept_codes)}
    w = libpysal.weights.W(
        {c: sorted(nb[c], key=order.__getitem__) for c in kept_codes}, id_order=kept_codes, silence_warnings=True
    )
    w.transform = "r"
    return SpatialWeights(w, tuple(kept_codes), kept, missing, islands)


@dataclass(frozen=True)
class MoranResult:
    I: float  # noqa: E741 - the statistic's name
    expected: float  # E[I] = -1 / (n - 1)
    z_norm: float
    p_norm: float  # two-sided, normality assumption
    p_sim: float | None  # one-sided permutation pseudo p-value; None if permutations=0
    n_regions: int
    weights: SpatialWeights


def moran_global(values, codes, neighbors, permutations=999, seed=12345) -> MoranResult:
    """Global Moran's I, I = (n / S0) * sum_ij w_ij z_i z_j / sum_i z_i^2, row-standardised W.

    > 0: similar values cluster; ~E[I]: no spatial pattern. Permutation test is
    seeded (numpy's global state is restored afterwards).
    """
    y = np.asarray(values, dtype=float)
    sw = weights_from_neighbors(neighbors, codes, y)
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        with np.errstate(invalid="ignore", divide="ignore"):  # randomisation variance needs n > 3
            m = esda.Moran(y[sw.kept], sw.w, transformation="r", permutations=permutations)
    finally:
        np.random.set_state(state)
    p_sim = float(m.p_sim) if permutations else None
    return MoranResult(float(m.I), float(m.EI), float(m.z_norm), float(m.p_norm), p_sim, int(sw.kept.sum()), sw)


@dataclass(frozen=True)
class LocalMoranResult:
    codes: tuple  # all input codes, input order
    Ii: np.ndarray  # local statistic, NaN for dropped regions
    quadrant: np.ndarray  # "HH", "LH", "LL", "HL", or "" for dropped regions
    p_sim: np.ndarray  # permutation pseudo p-value, NaN for dropped regions
    z_sim: np.ndarray  # I_i standardised by its permutation mean and sd, NaN for dropped regions
    cluster: np.ndarray  # quadrant if p_sim <= significance, else "ns"; "untested" if permutations=0;
    #                      "no_data" / "no_neighbours" for dropped regions
    significance: float
    weights: SpatialWeights
    correction: str = "none"  # "none", or "fdr": Benjamini-Hochberg over the regions tested
    threshold: float = 0.0  # the p-value at or below which a region is a cluster


def fdr_threshold(p: np.ndarray, alpha: float) -> float:
    """Benjamini-Hochberg: the largest p_(k) with p_(k) <= k alpha / m (0 if none), over the finite p-values."""
    p = np.sort(p[np.isfinite(p)])
    passing = np.flatnonzero(p <= alpha * np.arange(1, p.size + 1) / max(p.size, 1))
    return float(p[passing[-1]]) if passing.size else 0.0


def local_moran(values, codes, neighbors, permutations=999, significance=0.05, seed=12345,
                fdr=False) -> LocalMoranResult:
    """LISA (Anselin 1995): I_i = (n - 1) z_i sum_j w_ij z_j / sum_j z_j^2, z = y - mean (esda's scaling).

    p-values by conditional permutation (``permutations`` draws, seeded);
    ``z_sim`` is NaN where every permutation gives the same I_i (e.g. a value
    exactly at the mean).

    HH: high value among high neighbours, LL: low among low, HL / LH: spatial
    outliers. A region is a cluster when its pseudo p-value <= ``significance``: with
    one test per region about ``significance`` x n regions are flagged by chance alone.
    ``fdr=True`` controls the false discovery rate at ``significance`` instead
    (Benjamini-Hochberg over the regions tested).
    """
    y = np.asarray(values, dtype=float)
    codes = tuple(str(c) for c in codes)
    sw = weights_from_neighbors(neighbors, codes, y)
    with np.errstate(invalid="ignore", divide="ignore"):  # z_sim is NaN where permutations have no spread
        lm = esda.Moran_Local(
            y[sw.kept], sw.w, transformation="r", permutations=permutations, n_jobs=1, keep_simulations=True, seed=seed
        )
    n = len(codes)
    Ii = np.full(n, np.nan)
    p = np.full(n, np.nan)
    quad = np.full(n, "", dtype=object)
    Ii[sw.kept] = lm.Is
    z = np.full(n, np.nan)
    if permutations:
        p[sw.kept] = lm.p_sim
        z[sw.kept] = lm.z_sim
    quad[sw.kept] = [QUADRANTS[int(q)] for q in lm.q]
    threshold = fdr_threshold(p, significance) if fdr else float(significance)
    cluster = np.where(p <= threshold, quad, "ns" if permutations else "untested").astype(object)
    missing, islands = set(sw.dropped_missing), set(sw.dropped_islands)
    for i, c in enumerate(codes):
        if c in missing:
            cluster[i] = "no_data"
        elif c in islands:
            cluster[i] = "no_neighbours"
    return LocalMoranResult(codes, Ii, quad.astype(str), p, z, cluster.astype(str), float(significance), sw,
                            "fdr" if fdr else "none", threshold)
