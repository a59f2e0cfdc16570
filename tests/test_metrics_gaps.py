"""Gaps to references and targets, urban-rural gap, the Guangdong 30 % spending-gap KPI."""

import numpy as np
import pytest

from metrics import gaps
from metrics._data import UndefinedMeasure


def test_gap_to_average_weighted_and_direction():
    g = gaps.gap_to_average([10, 20], weights=[3, 1])  # weighted mean 12.5
    assert g.reference == 12.5
    np.testing.assert_allclose(g.gap, [-2.5, 7.5])
    np.testing.assert_allclose(g.gap_pct, [-20.0, 60.0])
    low = gaps.gap_to_average([10, 20], direction=-1)  # lower is better: 10 is 5 better than 15
    np.testing.assert_allclose(low.gap, [5.0, -5.0])


def test_gap_keeps_missing_region_as_nan_and_counts_it():
    g = gaps.gap_to_average([10, np.nan, 20])
    assert g.reference == 15.0 and g.n_dropped == 1
    assert np.isnan(g.gap[1]) and g.gap[2] == 5.0


def test_gap_to_parent_and_best():
    g = gaps.gap_to_parent_average([1, 3, 10, 30], ["A", "A", "B", "B"], weights=[1, 3, 1, 1])
    np.testing.assert_allclose(g.reference, [2.5, 2.5, 20, 20])
    best = gaps.gap_to_best([3, 7, 5])
    np.testing.assert_allclose(best.gap, [-4, 0, -2])
    assert best.reference == 7


def test_gap_to_target_units_and_percent():
    g = gaps.gap_to_target([2.0, 2.5, 3.2], target=2.5)  # doctors per 1000 people, higher is better
    np.testing.assert_allclose(g.gap, [-0.5, 0.0, 0.7])
    np.testing.assert_allclose(g.gap_pct, [-20.0, 0.0, 28.0])
    with pytest.raises(UndefinedMeasure):
        gaps.gap_to_target([1, 2], 0)


@pytest.mark.parametrize(
    ("comparator", "direction", "regions", "population"),
    [(">=", 1, 2 / 4, 0.8), ("<=", 1, 3 / 4, 0.3), ("=", 1, 1 / 4, 0.1), (None, -1, 3 / 4, 0.3)],
)
def test_share_meeting_target(comparator, direction, regions, population):
    s = gaps.share_meeting_target([1, 2, 3, 4], 3, comparator, weights=[10, 10, 10, 70], direction=direction)
    assert s.share_regions == pytest.approx(regions)
    assert s.share_population == pytest.approx(population)


def test_share_meeting_target_with_missing():
    s = gaps.share_meeting_target([1, np.nan, 5], 3)
    assert s.n_dropped == 1 and s.share_regions == 0.5 and s.share_population is None
    assert s.meets.tolist() == [False, False, True]


def test_urban_rural_gap_over_time():
    urban = np.array([[30, 33], [40, np.nan]], float)
    rural = np.array([[10, 11], [0, 20]], float)
    g = gaps.urban_rural_gap(urban, rural)
    assert g.ratio[0].tolist() == [3.0, 3.0]
    assert np.isnan(g.ratio[1, 0]) and g.undefined_ratio == 1 and g.missing == 1
    assert g.difference[0].tolist() == [20.0, 22.0]


def test_spending_gap_definitions_and_threshold():
    y = [80, 100, 120]
    a = gaps.spending_gap(y)
    assert a.value == pytest.approx(0.4) and not a.within_threshold
    b = gaps.spending_gap(y, "max_over_min")
    assert b.value == pytest.approx(0.5)
    c = gaps.spending_gap(y, "cv")
    assert c.value == pytest.approx(np.std(y) / 100) and c.within_threshold
    assert gaps.spending_gap([95, 100, 105]).within_threshold
    assert gaps.spending_gap(y, threshold=0.4).within_threshold  # boundary counts as met
    with pytest.raises(ValueError):
        gaps.spending_gap(y, "variance")


def test_parent_reference_for_region_without_value_and_unknown_parent():
    g = gaps.gap_to_parent_average([1.0, np.nan, 3.0, 7.0], ["A", "A", "A", None])
    assert g.reference[1] == 2.0 and np.isnan(g.gap[1])  # parent known, own value missing
    assert g.n_dropped == 2  # the NaN value and the region without a parent
    assert np.isnan(g.reference[3])
