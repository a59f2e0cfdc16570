"""sigma/beta-convergence and years-to-target against independent computations."""

import libpysal
import numpy as np
import pytest
from scipy import stats

from metrics._data import UndefinedMeasure
from metrics.convergence import beta_convergence, sigma_convergence, years_to_target


@pytest.fixture(scope="module")
def mexico():
    f = libpysal.io.open(libpysal.examples.get_path("mexico.csv"))
    return np.array([f.by_col[f"pcgdp{dec}"] for dec in range(1940, 2010, 10)]).T, np.arange(1940, 2010, 10)


def test_beta_matches_polyfit_and_formula(mexico):
    y, years = mexico
    b = beta_convergence(y, years)
    x = np.log(y[:, 0])
    g = np.log(y[:, -1] / y[:, 0]) / 60
    slope, intercept = np.polyfit(x, g, 1)
    assert b.slope == pytest.approx(slope, rel=1e-10)
    assert b.intercept == pytest.approx(intercept, rel=1e-10)
    # standard error by the textbook formula: sqrt(SSR / (n-2) / Sxx)
    resid = g - (intercept + slope * x)
    se = np.sqrt(resid @ resid / (len(x) - 2) / np.sum((x - x.mean()) ** 2))
    assert b.slope_se == pytest.approx(se, rel=1e-10)
    assert b.speed == pytest.approx(-np.log(1 + slope * 60) / 60, rel=1e-12)
    assert b.half_life == pytest.approx(np.log(2) / b.speed, rel=1e-12)
    assert b.converging and b.n_regions == 32  # Mexican states converged 1940-2000
    assert b.p_value == pytest.approx(stats.linregress(x, g).pvalue)


def test_beta_missing_and_undefined():
    y = np.array([[100, 150], [200, 260], [np.nan, 10], [400, 480], [800, 900]], float)
    b = beta_convergence(y, [2000, 2010])
    assert b.n_dropped == 1 and b.n_regions == 4
    with pytest.raises(UndefinedMeasure):
        beta_convergence([[0, 1], [1, 2], [2, 3]], [2000, 2001])
    with pytest.raises(UndefinedMeasure):
        beta_convergence([[1, 2], [2, 3]], [2000, 2001])  # two regions: no standard error
    # diverging: richer regions grow faster -> no speed/half-life
    div = beta_convergence([[1, 1], [2, 4], [4, 16]], [0, 10])
    assert div.slope > 0 and div.half_life is None and div.speed < 0


def test_sigma_convergence_by_year(mexico):
    y, years = mexico
    s = sigma_convergence(y, years)
    np.testing.assert_allclose(s.cv, y.std(axis=0) / y.mean(axis=0))
    np.testing.assert_allclose(s.sd_log, np.log(y).std(axis=0))
    assert s.cv_trend == pytest.approx(stats.linregress(years, s.cv).slope)
    assert s.converging


def test_sigma_missing_year_cells():
    y = np.array([[1, 2, np.nan], [3, 4, 5], [5, 6, 7]], float)
    s = sigma_convergence(y, [2010, 2012, 2015])  # non-consecutive years are fine
    assert s.n_regions.tolist() == [3, 3, 2]
    assert s.cv[2] == pytest.approx(np.std([5, 7]) / 6)
    with pytest.raises(UndefinedMeasure):
        sigma_convergence([[0, 1], [1, 2]], [2000, 2001])


def test_years_to_target_directions_and_missing():
    years = [2018, 2019, 2020, 2021, 2022]
    y = np.array(
        [
            [20, 19, 18, 17, 16],  # students per teacher falling 1/yr, target 13 -> 3 years
            [12, 12, 12, 12, 12],  # already <= 13
            [14, 15, 16, 17, 18],  # moving away
            [np.nan, np.nan, np.nan, np.nan, 15],  # one observation: no trend
            [20, np.nan, 18, np.nan, 16],  # gaps in the series: slope -1 still
        ],
        float,
    )
    r = years_to_target(y, years, target=13, direction=-1, last_k=5)
    assert r.status.tolist() == ["on_track", "met", "never", "no_data", "on_track"]
    np.testing.assert_allclose(r.years_needed[[0, 1, 4]], [3.0, 0.0, 3.0])
    assert np.isinf(r.years_needed[2])
    np.testing.assert_allclose(r.slope[[0, 4]], [-1.0, -1.0])


def test_years_to_target_uses_last_k_years():
    y = np.array([[0, 0, 0, 10, 12, 14]], float)  # recent trend +2/yr
    r = years_to_target(y, range(2017, 2023), target=20, last_k=3)
    assert r.slope[0] == pytest.approx(2.0)
    assert r.years_needed[0] == pytest.approx(3.0)
