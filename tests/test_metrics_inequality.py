"""Inequality measures against published reference numbers (PySAL tests, R ineq / REAT)."""

import libpysal
import numpy as np
import pytest
from inequality.theil import TheilD

from metrics import inequality as ineq
from metrics._data import UndefinedMeasure

R_INEQ_X = [541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261]


@pytest.fixture(scope="module")
def mexico():
    """PySAL's Mexico state per-capita GDP 1940-2000 and the hanson98 regions (bundled with libpysal)."""
    f = libpysal.io.open(libpysal.examples.get_path("mexico.csv"))
    y = np.array([f.by_col[f"pcgdp{dec}"] for dec in range(1940, 2010, 10)]).T
    return y, np.array(f.by_col("hanson98"))


def test_r_ineq_gini_and_atkinson():
    # R: ineq::Gini(x) = 0.4620911, ineq::Atkinson(x, 0.5) = 0.1796591
    assert ineq.gini(R_INEQ_X) == pytest.approx(0.4620911, abs=5e-8)
    assert ineq.atkinson(R_INEQ_X, epsilon=0.5) == pytest.approx(0.1796591, abs=5e-8)


def test_theil_t_and_l_reat():
    x = [10, 10, 10, 20, 50]
    assert ineq.theil_l(x) == pytest.approx(0.2326302, abs=5e-8)  # REAT::theil
    assert ineq.theil_t(x) == pytest.approx(0.2502012, abs=5e-8)


def test_pysal_mexico_theil_by_year(mexico):
    y, _ = mexico
    expected = [0.20894344, 0.15222451, 0.10472941, 0.10194725, 0.09560113, 0.10511256, 0.10660832]
    np.testing.assert_allclose(ineq.theil_t(y), expected, atol=1e-8)


def test_pysal_mexico_theil_decomposition_hanson98(mexico):
    y, regions = mexico
    bg = [0.0345889, 0.02816853, 0.05260921, 0.05931219, 0.03205257, 0.02963731, 0.03635872]
    wg = [0.17435454, 0.12405598, 0.0521202, 0.04263506, 0.06354856, 0.07547525, 0.0702496]
    ds = ineq.theil_decomposition(y, regions, index="T")
    np.testing.assert_allclose([d.between for d in ds], bg, atol=1e-8)
    np.testing.assert_allclose([d.within for d in ds], wg, atol=1e-8)
    # group contributions add up to the within part
    for d in ds:
        assert sum(d.within_contribution) == pytest.approx(d.within, abs=1e-12)


def test_pysal_mexico_gini_1940(mexico):
    y, _ = mexico
    assert ineq.gini(y[:, 0]) == pytest.approx(0.35372371173452849, abs=1e-12)


def test_weighted_equals_pysal_on_replicated_data(mexico):
    y, regions = mexico
    pop = np.arange(1, 33) % 7 + 1  # integer "populations"
    rep = np.repeat(y[:, 3], pop)
    rep_groups = np.repeat(regions, pop)
    assert ineq.gini(y[:, 3], pop) == pytest.approx(ineq.gini(rep), rel=1e-12)
    assert ineq.theil_t(y[:, 3], pop) == pytest.approx(ineq.theil_t(rep), rel=1e-12)
    assert ineq.theil_l(y[:, 3], pop) == pytest.approx(ineq.theil_l(rep), rel=1e-12)
    assert ineq.atkinson(y[:, 3], pop, epsilon=0.5) == pytest.approx(ineq.atkinson(rep, epsilon=0.5), rel=1e-12)
    assert ineq.coefficient_of_variation(y[:, 3], pop) == pytest.approx(
        ineq.coefficient_of_variation(rep), rel=1e-12
    )
    d_w = ineq.theil_decomposition(y[:, 3], regions, pop)
    d_pysal = TheilD(rep, rep_groups)
    assert d_w.total == pytest.approx(float(d_pysal.T), rel=1e-10)
    assert d_w.between == pytest.approx(float(np.ravel(d_pysal.bg)[0]), rel=1e-10)
    assert d_w.within == pytest.approx(float(np.ravel(d_pysal.wg)[0]), rel=1e-10)


def test_theil_l_decomposition_adds_up(mexico):
    y, regions = mexico
    d = ineq.theil_decomposition(y[:, 0], regions, index="L")
    assert d.total == pytest.approx(ineq.theil_l(y[:, 0]))
    assert d.between + sum(d.within_contribution) == pytest.approx(d.total, rel=1e-12)
    assert sum(d.population_share) == pytest.approx(1.0)


def test_cv_williamson_hand_example():
    # values 1 and 3 with populations 3 and 1: weighted mean 1.5, var = (3*0.25 + 2.25)/4 = 0.75
    assert ineq.williamson([1, 3], [3, 1]) == pytest.approx(np.sqrt(0.75) / 1.5)
    assert ineq.coefficient_of_variation([1, 3]) == pytest.approx(0.5)


def test_simple_dispersion():
    x = np.arange(1, 12, dtype=float)
    assert ineq.max_min_ratio(x) == 11.0
    assert ineq.value_range(x) == 10.0
    assert ineq.p90_p10(x) == pytest.approx(10 / 2)


def test_zero_and_negative_values_are_reported_not_nan():
    with pytest.raises(UndefinedMeasure, match="strictly positive"):
        ineq.theil_l([0, 1, 2])
    with pytest.raises(UndefinedMeasure):
        ineq.gini([-1, 1, 2])
    with pytest.raises(UndefinedMeasure):
        ineq.max_min_ratio([0, 1, 2])
    assert ineq.theil_t([0, 0, 0, 10, 10, 10]) == pytest.approx(np.log(2))


def test_nan_dropped_pairwise():
    x = [541, np.nan, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261]
    assert ineq.gini(x) == pytest.approx(0.4620911, abs=5e-8)
    # NaN weight drops that region too
    assert ineq.gini([1, 2, 100], [1, 1, np.nan]) == pytest.approx(ineq.gini([1, 2]))
    with pytest.raises(UndefinedMeasure):
        ineq.gini([np.nan, np.nan])


def test_edge_cases_single_region_and_all_equal():
    assert ineq.gini([5.0]) == 0.0
    assert ineq.theil_t([7, 7, 7]) == pytest.approx(0.0, abs=1e-15)
    assert ineq.theil_l([7, 7, 7]) == 0.0
    assert ineq.coefficient_of_variation([4.0]) == 0.0
    d = ineq.theil_decomposition([1, 2, 3, 9], ["a", "a", "a", "b"])  # one-member group
    assert d.group_index[1] == 0.0


def test_two_dimensional_each_year_drops_its_own_missing():
    y = np.array([[1, 1], [2, np.nan], [3, 3]], dtype=float)
    out = ineq.gini(y)
    assert out[0] == pytest.approx(ineq.gini([1, 2, 3]))
    assert out[1] == pytest.approx(ineq.gini([1, 3]))
