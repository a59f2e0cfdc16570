"""Composite equalisation index across several indicators, and how robust its ranking is.

Input ``X`` is (n_regions, n_indicators) with one ``direction`` per indicator
(+1 higher is better, -1 lower is better). Steps follow the OECD/JRC Handbook
on Constructing Composite Indicators (2008): normalise (direction-aware),
weight (equal, entropy, or user-set), aggregate (linear or geometric). TOPSIS
is offered as an alternative ranking.

Missing values: a region missing any indicator gets a NaN score and is
excluded from ranks and entropy weights (``n_incomplete`` says how many).
A constant indicator carries no information: it normalises to 1 (min-max) or
0 (z-score) for everyone and gets entropy weight 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics._data import UndefinedMeasure

__all__ = [
    "normalise",
    "entropy_weights",
    "CompositeIndex",
    "composite_index",
    "topsis",
    "RankSensitivity",
    "rank_sensitivity",
]


def _matrix(X, directions):
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must be (n_regions, n_indicators), got {X.shape}")
    d = np.broadcast_to(np.asarray(directions, dtype=float), (X.shape[1],))
    if not np.all(np.isin(d, (1, -1))):
        raise ValueError("each direction must be +1 or -1")
    return X, d


def normalise(X, directions, method="minmax", floor=0.0):
    """Direction-aware normalisation so that larger always means better.

    ``minmax``: floor + (1 - floor) * (x - min) / (max - min), flipped for
    direction -1 (so the best region gets 1, the worst ``floor``).
    ``zscore``: direction * (x - mean) / sd (population sd).

    >>> normalise([[1, 10], [2, 20], [3, 30]], [1, -1]).tolist()
    [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]
    """
    X, d = _matrix(X, directions)
    if method == "minmax":
        lo, hi = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
        span = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(span > 0, (X - lo) / np.where(span > 0, span, 1.0), 1.0)
        z = np.where(d > 0, z, np.where(span > 0, 1.0 - z, 1.0))
        z = floor + (1.0 - floor) * z
    elif method == "zscore":
        mu, sd = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
        z = np.where(sd > 0, d * (X - mu) / np.where(sd > 0, sd, 1.0), 0.0)
    else:
        raise ValueError("method must be 'minmax' or 'zscore'")
    return np.where(np.isnan(X), np.nan, z)


def entropy_weights(Xn):
    """Entropy weight method on a non-negative normalised matrix (complete rows only).

    p_ij = x_ij / sum_i x_ij;  e_j = -sum_i p_ij ln p_ij / ln n;  w_j = (1 - e_j) / sum_k (1 - e_k).
    Indicators that vary more get more weight. If no indicator varies, weights are equal.

    >>> entropy_weights([[0, 1], [1, 1]]).tolist()  # second column is constant
    [1.0, 0.0]
    """
    Z = np.asarray(Xn, dtype=float)
    Z = Z[~np.isnan(Z).any(axis=1)]
    n, m = Z.shape
    if n < 2:
        raise UndefinedMeasure("entropy weights need at least two complete regions")
    if np.any(Z < 0):
        raise UndefinedMeasure("entropy weights need non-negative normalised values (use min-max)")
    tot = Z.sum(axis=0)
    p = np.divide(Z, tot, out=np.full_like(Z, 1.0 / n), where=tot > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(n)
    div = np.clip(1.0 - e, 0.0, None)
    if div.sum() <= 1e-15:
        return np.full(m, 1.0 / m)
    return div / div.sum()


def _weights(weights, Xn):
    m = Xn.shape[1]
    if weights is None or (isinstance(weights, str) and weights == "equal"):
        return np.full(m, 1.0 / m)
    if isinstance(weights, str) and weights == "entropy":
        return entropy_weights(Xn)
    w = np.asarray(weights, dtype=float)
    if w.shape != (m,) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be {m} non-negative numbers with a positive sum")
    return w / w.sum()


def _aggregate(Xn, W, aggregation):
    """Scores for weight vector(s): W (m,) -> (n,), W (m, k) -> (n, k)."""
    if aggregation == "linear":
        return Xn @ W
    if aggregation == "geometric":
        if np.nanmin(Xn) <= 0:
            raise UndefinedMeasure(
                "geometric aggregation needs positive normalised values; use min-max with floor > 0"
            )
        return np.exp(np.log(Xn) @ W)
    raise ValueError("aggregation must be 'linear' or 'geometric'")


def _rank(scores):
    """Rank 1 = best (highest score), along axis 0; NaN scores get rank 0."""
    s = np.where(np.isnan(scores), -np.inf, scores)
    order = (-s).argsort(axis=0, kind="stable")
    r = np.empty(s.shape, dtype=int)
    pos = np.arange(1, s.shape[0] + 1).reshape((-1,) + (1,) * (s.ndim - 1))
    np.put_along_axis(r, order, np.broadcast_to(pos, s.shape), axis=0)
    return np.where(np.isnan(scores), 0, r)


@dataclass(frozen=True)
class CompositeIndex:
    score: np.ndarray  # (n,), NaN for incomplete regions
    rank: np.ndarray  # 1 = best; 0 for incomplete regions
    weights: np.ndarray  # (m,), sum 1
    normalised: np.ndarray  # (n, m)
    n_incomplete: int


def composite_index(X, directions, weights="equal", method="minmax", aggregation="linear", floor=None):
    """Weighted composite of direction-aware normalised indicators.

    ``weights``: "equal", "entropy", or m numbers (rescaled to sum 1).
    ``aggregation``: "linear" sum_j w_j z_ij, or "geometric" prod_j z_ij^w_j
    (needs positive z: min-max ``floor`` defaults to 0.01 for geometric, else 0).

    >>> ci = composite_index([[1, 10], [2, 20], [3, 30]], [1, 1])
    >>> ci.score.tolist(), ci.rank.tolist()
    ([0.0, 0.5, 1.0], [3, 2, 1])
    """
    if floor is None:
        floor = 0.01 if aggregation == "geometric" else 0.0
    X, d = _matrix(X, directions)
    Xn = normalise(X, d, method, floor)
    w = _weights(weights, Xn)
    complete = ~np.isnan(Xn).any(axis=1)
    score = np.full(X.shape[0], np.nan)
    score[complete] = _aggregate(Xn[complete], w, aggregation)
    return CompositeIndex(score, _rank(score), w, Xn, int((~complete).sum()))


def topsis(X, directions, weights="equal"):
    """TOPSIS closeness to the ideal, C_i = D_i^- / (D_i^+ + D_i^-) in [0, 1] (1 = best).

    Vector normalisation r_ij = x_ij / sqrt(sum_i x_ij^2), weighted v_ij = w_j r_ij;
    ideal = best value per indicator (max for +1, min for -1), anti-ideal = worst;
    D^+ / D^- Euclidean distances (Hwang & Yoon 1981). Incomplete rows -> NaN.

    >>> topsis([[1, 5], [3, 3], [5, 1]], [1, -1]).round(6).tolist()
    [0.0, 0.5, 1.0]
    """
    X, d = _matrix(X, directions)
    complete, R, w = _topsis_parts(X, d, weights)
    return _topsis_scores(complete, R, d, w)


def _topsis_scores(complete, R, d, w):
    """Closeness for one weight vector, NaN for the incomplete rows."""
    out = np.full(complete.shape[0], np.nan)
    out[complete] = _topsis_closeness(R, d, w[:, None])[:, 0]
    return out


def _topsis_parts(X, d, weights):
    """The complete rows, their vector-normalised values and the weights TOPSIS uses."""
    complete = ~np.isnan(X).any(axis=1)
    Xc = X[complete]
    norm = np.sqrt((Xc**2).sum(axis=0))
    R = np.divide(Xc, norm, out=np.zeros_like(Xc), where=norm > 0)
    w = _weights(weights, normalise(X, d)) if isinstance(weights, str) else _weights(weights, X)
    return complete, R, w


def _topsis_closeness(R, d, W, chunk=64):
    """Closeness of the rows of R for each weight vector in W (m, k) -> (n, k); `chunk` weight
    vectors at a time, so a county-level band needs ~100 MB rather than gigabytes."""
    out = np.empty((R.shape[0], W.shape[1]))
    for start in range(0, W.shape[1], chunk):
        V = R[:, :, None] * W[None, :, start:start + chunk]            # (n, m, k)
        hi, lo = V.max(axis=0), V.min(axis=0)                          # (m, k)
        best, worst = np.where(d[:, None] > 0, hi, lo), np.where(d[:, None] > 0, lo, hi)
        dp = np.sqrt(((V - best) ** 2).sum(axis=1))
        dm = np.sqrt(((V - worst) ** 2).sum(axis=1))
        tot = dp + dm
        out[:, start:start + chunk] = np.divide(dm, tot, out=np.ones_like(dm), where=tot > 0)
    return out


@dataclass(frozen=True)
class RankSensitivity:
    base_rank: np.ndarray  # rank with the base weights
    median_rank: np.ndarray
    rank_p05: np.ndarray
    rank_p95: np.ndarray
    n_draws: int
    seed: int


def rank_sensitivity(
    X, directions, weights="equal", method="minmax", aggregation="linear",
    n_draws=1000, concentration=10.0, seed=0,
) -> RankSensitivity:
    """Monte-Carlo robustness of each region's rank to the choice of weights.

    Weight vectors are drawn from Dirichlet(concentration * m * w_base), so
    they average to the base weights; smaller ``concentration`` = wider spread
    (concentration * m = 1 per indicator is uniform over all weightings when
    the base is equal). Seeded, so the same call gives the same band.
    ``aggregation`` "topsis" redraws the weights of `topsis` (``method`` is not used: TOPSIS
    normalises by vector length). Returns the median rank and the 5-95 % band per region
    (0 for incomplete regions).
    """
    X, d = _matrix(X, directions)
    if aggregation == "topsis":
        keep, R, base_weights = _topsis_parts(X, d, weights)
        base_rank = _rank(_topsis_scores(keep, R, d, base_weights))
    else:
        floor = 0.01 if aggregation == "geometric" else 0.0
        base = composite_index(X, d, weights, method, aggregation, floor)
        keep, base_weights, base_rank = ~np.isnan(base.score), base.weights, base.rank
    rng = np.random.default_rng(seed)
    alpha = np.maximum(concentration * X.shape[1] * base_weights, 1e-3)
    W = rng.dirichlet(alpha, size=n_draws).T  # (m, n_draws)
    ranks = np.zeros((n_draws, X.shape[0]))
    if aggregation == "topsis":
        scores = _topsis_closeness(R, d, W)
    else:
        scores = _aggregate(base.normalised[keep], W, aggregation)
    scores = np.ascontiguousarray(scores.T)  # (draws, n_kept)
    order = np.argsort(-scores, axis=1)  # rank along contiguous rows: much faster than axis 0
    r = np.empty(order.shape)
    np.put_along_axis(r, order, np.broadcast_to(np.arange(1.0, order.shape[1] + 1), order.shape), axis=1)
    ranks[:, keep] = r
    pct = np.percentile(ranks, [50, 5, 95], axis=0)
    return RankSensitivity(base_rank, pct[0], pct[1], pct[2], int(n_draws), int(seed))
