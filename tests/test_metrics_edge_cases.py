"""Edge cases where a measure is undefined or jumped: each says why instead of a silent nan (issue #19, 10-12)."""

import numpy as np
import pytest

from metrics import inequality as ineq
from metrics._data import UndefinedMeasure
from metrics.convergence import beta_convergence
from metrics.dagum import dagum_gini
from metrics.summary import summarise


def test_weighted_gini_and_dagum_when_only_zero_valued_regions_carry_weight():
    y, w = [0.0, 0.0, 5.0, 0.0], [1.0, 1.0, 0.0, 1.0]
    with pytest.raises(UndefinedMeasure, match="weighted mean is zero"):
        ineq.gini(y, w)
    with pytest.raises(UndefinedMeasure, match="weighted mean is zero"):
        dagum_gini(y, [1, 1, 2, 2], w)
    s = summarise(y, w)
    assert s.measures["gini_w"] is None and "weighted mean is zero" in s.undefined["gini_w"]
    assert s.measures["gini"] == pytest.approx(0.75)  # unweighted: one of four holds everything


def test_theil_l_decomposition_with_a_zero_weight_group():
    with pytest.raises(UndefinedMeasure, match="group 2 has zero population weight"):
        ineq.theil_decomposition([1.0, 2.0, 3.0, 4.0], [1, 1, 2, 2], [1.0, 1.0, 0.0, 0.0], "L")
    s = summarise([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 0.0, 0.0], [1, 1, 2, 2])
    assert s.theil_l is None and "zero population weight" in s.undefined["theil_l_decomposition"]


def test_beta_se_and_p_are_none_with_a_reason_when_every_region_grows_alike():
    b = beta_convergence(np.array([[1.0, 2.0], [2.0, 4.0], [4.0, 8.0]]), [2000, 2010])
    assert b.slope == pytest.approx(0.0, abs=1e-15)
    assert b.slope_se is None and b.p_value is None and b.r_squared is None
    assert "same rate" in b.undefined["p_value"]
    ok = beta_convergence(np.array([[1.0, 3.0], [2.0, 4.0], [4.0, 7.0]]), [2000, 2010])
    assert ok.undefined == {} and 0 <= ok.p_value <= 1


def test_weighted_p90_p10_has_one_definition_and_ignores_zero_weights():
    y = [1.0, 2.0, 3.0, 4.0, 5.0]
    equal = ineq.p90_p10(y, [1.0] * 5)
    # midpoint rule: positions 0.5..4.5 of 5; P10 at 0.5 -> 1, P90 at 4.5 -> 5
    assert equal == pytest.approx(5.0)
    assert ineq.p90_p10(y, [1.0, 1.0, 1.0, 1.0, 1.0 + 1e-12]) == pytest.approx(equal, rel=1e-9)
    assert ineq.p90_p10(y + [100.0], [1.0] * 5 + [0.0]) == pytest.approx(equal, rel=1e-12)
    assert ineq.p90_p10([0.001] + y, [0.0] + [1.0] * 5) == pytest.approx(equal, rel=1e-12)


def test_atkinson_of_equal_values_is_exactly_zero():
    assert ineq.atkinson([3.0, 3.0, 3.0]) == 0.0
    assert ineq.atkinson([3.0, 3.0, 3.0], [1.0, 2.0, 3.0]) == 0.0
    assert ineq.atkinson([3.0, 3.0, 3.0], epsilon=1) == 0.0


def test_series_files_each_reason_under_the_series_that_is_nan():
    from metrics.summary import summarise_series
    y = np.array([[0.0, 1.0], [0.0, 2.0], [0.0, 3.0], [0.0, 4.0]])
    s = summarise_series(y, [2020, 2021], groups=[1, 1, 2, 2])
    for name, series in s.series.items():
        assert np.isnan(series[0]) == (2020 in s.undefined.get(name, {})), name
        assert np.isfinite(series[1]) and 2021 not in s.undefined.get(name, {}), name
