"""Composite index, entropy weights, TOPSIS and Monte-Carlo rank sensitivity."""

import numpy as np
import pytest

from metrics import composite as comp
from metrics._data import UndefinedMeasure

X = np.array([[2.0, 30.0, 0.5], [4.0, 20.0, 0.9], [6.0, 25.0, 0.1], [8.0, 10.0, 0.3]])
DIRS = [1, -1, 1]  # the middle one is "lower is better", e.g. students per teacher


def test_minmax_and_zscore_respect_direction():
    z = comp.normalise(X, DIRS)
    np.testing.assert_allclose(z[:, 1], [0.0, 0.5, 0.25, 1.0])  # (30 - x) / 20
    zs = comp.normalise(X, DIRS, "zscore")
    col = X[:, 1]
    np.testing.assert_allclose(zs[:, 1], -(col - col.mean()) / col.std())


def test_entropy_weights_by_hand():
    Z = np.array([[0.0, 0.5], [1.0, 0.5], [1.0, 1.0]])
    # column 1: p = (0, .5, .5) -> e = ln2/ln3 ; column 2: p = (.25, .25, .5) -> e = 1.5 ln2 / ln3
    e1, e2 = np.log(2) / np.log(3), 1.5 * np.log(2) / np.log(3)
    expected = np.array([1 - e1, 1 - e2]) / (2 - e1 - e2)
    np.testing.assert_allclose(comp.entropy_weights(Z), expected)


def test_composite_linear_geometric_user_weights():
    ci = comp.composite_index(X, DIRS, weights=[2, 1, 1])
    z = comp.normalise(X, DIRS)
    np.testing.assert_allclose(ci.score, z @ [0.5, 0.25, 0.25])
    assert ci.rank[np.argmax(ci.score)] == 1
    geo = comp.composite_index(X, DIRS, aggregation="geometric")
    zf = comp.normalise(X, DIRS, floor=0.01)
    np.testing.assert_allclose(geo.score, np.prod(zf ** (1 / 3), axis=1))
    with pytest.raises(UndefinedMeasure):
        comp.composite_index(X, DIRS, aggregation="geometric", floor=0.0)


def test_composite_incomplete_region():
    Xm = X.copy()
    Xm[2, 0] = np.nan
    ci = comp.composite_index(Xm, DIRS, weights="entropy")
    assert ci.n_incomplete == 1 and np.isnan(ci.score[2]) and ci.rank[2] == 0
    assert sorted(ci.rank[[0, 1, 3]].tolist()) == [1, 2, 3]
    assert ci.weights.sum() == pytest.approx(1.0)


def test_topsis_by_hand():
    A = np.array([[3.0, 4.0], [4.0, 3.0], [0.0, 0.0]])
    # vector norms: col1 = 5, col2 = 5 -> R = A/5; equal weights 0.5 -> V = A/10
    # ideal (both +1) = (0.4, 0.4), anti-ideal = (0, 0)
    V = A / 10
    dp = np.sqrt(((V - 0.4) ** 2).sum(1))
    dm = np.sqrt((V**2).sum(1))
    np.testing.assert_allclose(comp.topsis(A, [1, 1]), dm / (dp + dm))
    np.testing.assert_allclose(comp.topsis(A, [1, 1])[2], 0.0)


def test_rank_sensitivity_seeded_and_banded():
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(40, 4))
    a = comp.rank_sensitivity(Xr, [1, 1, -1, 1], n_draws=300, seed=7)
    b = comp.rank_sensitivity(Xr, [1, 1, -1, 1], n_draws=300, seed=7)
    np.testing.assert_array_equal(a.median_rank, b.median_rank)
    assert np.all(a.rank_p05 <= a.median_rank) and np.all(a.median_rank <= a.rank_p95)
    assert a.rank_p05.min() >= 1 and a.rank_p95.max() <= 40
    # a region that dominates on every indicator is rank 1 under every weighting
    Xd = np.vstack([Xr, [10, 10, -10, 10]])
    d = comp.rank_sensitivity(Xd, [1, 1, -1, 1], n_draws=200, seed=1)
    assert d.rank_p05[-1] == d.rank_p95[-1] == 1


def test_topsis_rank_band_is_topsis_redone_for_every_drawn_weighting():
    """The vectorised band against the plain loop: the same Dirichlet draws, the public topsis() for each."""
    rng = np.random.default_rng(3)
    X = rng.lognormal(size=(25, 4))
    X[4, 2] = np.nan                                           # an incomplete region stays out (rank 0)
    d = [1, -1, 1, 1]
    got = comp.rank_sensitivity(X, d, weights=[2, 1, 1, 1], aggregation="topsis", n_draws=150, seed=5)
    base = np.array([2, 1, 1, 1]) / 5
    W = np.random.default_rng(5).dirichlet(np.maximum(10.0 * 4 * base, 1e-3), size=150)
    ranks = []
    for w in W:
        score = comp.topsis(X, d, w)
        order = np.argsort(-np.where(np.isnan(score), -np.inf, score))
        r = np.zeros(len(score))
        r[order] = np.arange(1, len(score) + 1)
        ranks.append(np.where(np.isnan(score), 0, r))
    np.testing.assert_array_equal(got.median_rank, np.percentile(ranks, 50, axis=0))
    np.testing.assert_array_equal(got.rank_p05, np.percentile(ranks, 5, axis=0))
    np.testing.assert_array_equal(got.rank_p95, np.percentile(ranks, 95, axis=0))
    assert got.base_rank[4] == 0 and got.median_rank[4] == 0
    # a region best on every indicator is closest to the ideal under every weighting
    Xc = np.nan_to_num(X, nan=1.0)
    Xd = np.vstack([Xc, [Xc[:, 0].max() + 1, Xc[:, 1].min() / 2, Xc[:, 2].max() + 1, Xc[:, 3].max() + 1]])
    dom = comp.rank_sensitivity(Xd, d, aggregation="topsis", n_draws=100, seed=0)
    assert dom.rank_p05[-1] == dom.rank_p95[-1] == 1
