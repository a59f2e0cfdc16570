"""Dagum Gini decomposition: exact toy fractions, a brute-force n x n check, and weights = replication."""

from fractions import Fraction

import numpy as np
import pytest

from metrics.dagum import dagum_gini
from metrics.inequality import gini

TOY_Y = [1, 2, 3, 2, 4, 6, 5, 7, 9]
TOY_G = [1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_toy_exact_fractions():
    d = dagum_gini(TOY_Y, TOY_G)
    assert d.gini == pytest.approx(float(Fraction(38, 117)), abs=1e-14)
    assert d.within == pytest.approx(float(Fraction(20, 351)), abs=1e-14)
    assert d.net_between == pytest.approx(float(Fraction(10, 39)), abs=1e-14)
    assert d.transvariation == pytest.approx(float(Fraction(4, 351)), abs=1e-14)
    assert d.within + d.net_between + d.transvariation == pytest.approx(d.gini, abs=1e-15)
    assert d.gini == pytest.approx(gini(TOY_Y), abs=1e-14)


def test_toy_group_and_pair_ginis():
    d = dagum_gini(TOY_Y, TOY_G)
    # group (1,2,3): sum|diff| = 8, 2 n^2 mu = 2*9*2 -> 2/9; group (2,4,6): 16 / 72 -> 2/9; (5,7,9): 16/126
    np.testing.assert_allclose(d.group_gini, [2 / 9, 2 / 9, 16 / 126])
    # groups 1 vs 2: sum|diff| over 9 pairs = 1+3+5+0+2+4+1+1+3 = 20; / (3*3*(2+4)) = 20/54
    assert d.pair_gini[0, 1] == pytest.approx(20 / 54)
    assert d.pair_gini[1, 0] == pytest.approx(20 / 54)


def _brute_force(y, g, w):
    """Dagum's formulas written literally with n x n matrices (slow, independent)."""
    y, w = np.asarray(y, float), np.asarray(w, float)
    labels = np.unique(g)
    mu = np.dot(w, y) / w.sum()
    P = w.sum()
    stats = []
    for lab in labels:
        m = np.asarray(g) == lab
        stats.append((y[m], w[m], w[m].sum(), np.dot(w[m], y[m]) / w[m].sum()))
    p = np.array([s[2] / P for s in stats])
    s_ = np.array([s[2] * s[3] / (P * mu) for s in stats])
    Gw = sum(
        np.sum(np.outer(wj, wj) * np.abs(yj[:, None] - yj[None, :])) / (2 * Pj**2 * mj) * p[j] * s_[j]
        for j, (yj, wj, Pj, mj) in enumerate(stats)
    )
    Gnb = Gt = 0.0
    for j in range(len(stats)):
        for h in range(len(stats)):
            yj, wj, Pj, mj = stats[j]
            yh, wh, Ph, mh = stats[h]
            if not mj > mh:
                continue
            diff = yj[:, None] - yh[None, :]
            ww = np.outer(wj, wh)
            Gjh = np.sum(ww * np.abs(diff)) / (Pj * Ph * (mj + mh))
            djh = np.sum(ww * np.clip(diff, 0, None))
            pjh = np.sum(ww * np.clip(-diff, 0, None))
            D = (djh - pjh) / (djh + pjh)
            f = Gjh * (p[j] * s_[h] + p[h] * s_[j])
            Gnb += f * D
            Gt += f * (1 - D)
    return Gw, Gnb, Gt


def test_matches_literal_formulas_weighted_random():
    rng = np.random.default_rng(5)
    y = rng.lognormal(3, 0.6, 60)
    g = rng.integers(0, 4, 60)
    w = rng.integers(1, 50, 60).astype(float)
    d = dagum_gini(y, g, w)
    Gw, Gnb, Gt = _brute_force(y, g, w)
    assert d.within == pytest.approx(Gw, rel=1e-10)
    assert d.net_between == pytest.approx(Gnb, rel=1e-10)
    assert d.transvariation == pytest.approx(Gt, rel=1e-10)
    assert d.gini == pytest.approx(gini(y, w), rel=1e-10)


def test_integer_weights_equal_replication():
    rng = np.random.default_rng(1)
    y = rng.gamma(2, 10, 30)
    g = rng.integers(0, 3, 30)
    w = rng.integers(1, 6, 30)
    a = dagum_gini(y, g, w)
    b = dagum_gini(np.repeat(y, w), np.repeat(g, w))
    for f in ("gini", "within", "net_between", "transvariation"):
        assert getattr(a, f) == pytest.approx(getattr(b, f), rel=1e-12)


def test_edge_cases():
    one_group = dagum_gini([1, 2, 3], ["x", "x", "x"])
    assert one_group.gini == pytest.approx(one_group.within)
    assert one_group.net_between == 0.0 and one_group.transvariation == 0.0
    singletons = dagum_gini([1, 5, 9], ["a", "b", "c"])  # groups with one member
    assert singletons.within == 0.0
    assert singletons.transvariation == pytest.approx(0.0, abs=1e-15)
    d = dagum_gini([1, 2, np.nan, 4], [0, 0, 1, 1])
    assert d.n_dropped == 1 and d.n_regions == 3
    by_year = dagum_gini(np.array([TOY_Y, TOY_Y]).T, TOY_G)
    assert len(by_year) == 2 and by_year[1].gini == pytest.approx(38 / 117)
