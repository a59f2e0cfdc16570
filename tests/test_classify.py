"""Classification adapts mapclassify to maps: missing values, few distinct values, labels."""
import numpy as np

from figures.classify import classify


def test_quantiles_on_ten_values_put_two_in_each_class():
    c = classify(np.arange(1, 11, dtype=float), "quantiles", 5)
    assert c.counts() == [2, 2, 2, 2, 2]
    assert np.allclose(c.bins, [2.8, 4.6, 6.4, 8.2, 10.0])  # numpy percentiles (linear)


def test_missing_values_get_class_minus_one_and_are_not_counted():
    c = classify([1.0, np.nan, 3.0, 4.0], "equal_interval", 3)
    assert c.index[1] == -1 and sum(c.counts()) == 3


def test_fewer_distinct_values_than_classes_reduces_k():
    c = classify([5.0, 5.0, 7.0], "quantiles", 5)
    assert c.k == 2 and sum(c.counts()) == 3


def test_fisher_jenks_separates_clusters():
    c = classify([1, 1.1, 1.2, 10, 10.5, 11, 50, 51], "fisher_jenks", 3)
    assert c.index.tolist() == [0, 0, 0, 1, 1, 1, 2, 2]


def test_user_breaks_and_labels():
    c = classify([1, 5, 9, 12], "user", breaks=(4, 10))
    assert c.index.tolist() == [0, 1, 1, 2]
    assert c.labels() == ["1 – 4", "4 – 10", "10 – 12"]


def test_all_missing_gives_no_classes():
    c = classify([np.nan, np.nan], "quantiles", 5)
    assert c.k == 0 and c.index.tolist() == [-1, -1]
