"""Property tests (hypothesis): decompositions add up, scale invariance, weights = replication, Gini in [0, 1)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import inequality as ineq
from metrics.dagum import dagum_gini

values = st.lists(st.floats(0.5, 1e5, allow_nan=False), min_size=2, max_size=40)


@st.composite
def grouped(draw):
    y = draw(values)
    g = draw(st.lists(st.integers(0, 3), min_size=len(y), max_size=len(y)))
    w = draw(st.lists(st.integers(1, 5), min_size=len(y), max_size=len(y)))
    return np.array(y), np.array(g), np.array(w)


@settings(max_examples=60, deadline=None)
@given(grouped())
def test_decompositions_add_up(data):
    y, g, w = data
    for weights in (None, w):
        for index in ("T", "L"):
            d = ineq.theil_decomposition(y, g, weights, index)
            assert d.between + d.within == pytest.approx(d.total, abs=1e-12)
            assert sum(d.within_contribution) == pytest.approx(d.within, abs=1e-9)
            assert d.between >= -1e-12
        dg = dagum_gini(y, g, weights)
        assert dg.within + dg.net_between + dg.transvariation == pytest.approx(dg.gini, abs=1e-12)
        assert dg.gini == pytest.approx(ineq.gini(y, weights), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(values, st.floats(0.01, 1000))
def test_scale_invariance(y, k):
    y = np.array(y)
    for f in (ineq.gini, ineq.theil_t, ineq.theil_l, ineq.coefficient_of_variation, ineq.atkinson):
        assert f(y * k) == pytest.approx(f(y), rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(grouped())
def test_integer_weights_equal_replication(data):
    y, g, w = data
    r = np.repeat(y, w)
    for f in (ineq.gini, ineq.theil_t, ineq.theil_l, ineq.coefficient_of_variation):
        assert f(y, w) == pytest.approx(f(r), rel=1e-9, abs=1e-12)
    a, b = ineq.theil_decomposition(y, g, w), ineq.theil_decomposition(r, np.repeat(g, w))
    assert a.between == pytest.approx(b.between, rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50).filter(lambda v: sum(v) > 0))
def test_gini_in_unit_interval(y):
    g = ineq.gini(y)
    assert 0.0 <= g < 1.0
    assert g <= 1 - 1 / len(y) + 1e-12  # maximum when one region holds everything
