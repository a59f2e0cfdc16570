"""Moran's I / LISA from a neighbour dict, checked against esda's published test values."""

import libpysal
import numpy as np
import pytest

from metrics._data import UndefinedMeasure
from metrics.spatial import local_moran, moran_global, weights_from_neighbors


def _as_dict(w):
    return {str(k): [str(v) for v in vs] for k, vs in w.neighbors.items()}, [str(i) for i in w.id_order]


def test_global_moran_st_louis_homicides():
    # esda/tests/test_moran.py: Moran(HR8893, stl.gal).I = 0.24365582621771659, one-tailed p_norm 0.000135739...
    w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    y = np.array(libpysal.io.open(libpysal.examples.get_path("stl_hom.txt")).by_col["HR8893"])
    nb, codes = _as_dict(w)
    m = moran_global(y, codes, nb, permutations=99)
    assert m.I == pytest.approx(0.24365582621771659, rel=1e-7)
    assert m.p_norm / 2 == pytest.approx(0.00013573931385468807, rel=1e-6)
    assert m.expected == pytest.approx(-1 / (len(y) - 1))
    assert m.n_regions == len(y) and m.p_sim <= 0.05


def test_local_moran_desmith_published_z_sim():
    # esda/tests/test_moran.py TestMoranLocal.test_defaults: seed 12345, 99 permutations
    w = libpysal.io.open(libpysal.examples.get_path("desmith.gal")).read()
    y = np.array(libpysal.io.open(libpysal.examples.get_path("desmith.txt")).by_col["z"])
    nb, codes = _as_dict(w)
    lm = local_moran(y, codes, nb, permutations=99, seed=12345)
    assert lm.z_sim[0] == pytest.approx(-0.6990291160835514, rel=1e-7)


def test_lisa_statistic_and_quadrants_by_hand():
    # a path a - b - c - d - e, values high on the left, low on the right
    nb = {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c", "e"], "e": ["d"]}
    y = np.array([10.0, 9.0, 5.0, 1.0, 0.0])
    lm = local_moran(y, list("abcde"), nb, permutations=99, significance=0.5)
    z = y - y.mean()
    lag = np.array([z[1], (z[0] + z[2]) / 2, (z[1] + z[3]) / 2, (z[2] + z[4]) / 2, z[3]])
    # Anselin (1995) with esda's scaling: I_i = (n - 1) z_i lag_i / sum_j z_j^2
    np.testing.assert_allclose(lm.Ii, (len(y) - 1) * z * lag / (z @ z), rtol=1e-10)
    assert lm.quadrant.tolist()[:2] == ["HH", "HH"] and lm.quadrant.tolist()[3:] == ["LL", "LL"]
    assert set(lm.cluster) <= {"HH", "LL", "HL", "LH", "ns"}


def test_islands_and_missing_are_dropped_with_a_note():
    nb = {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"], "hainan": [], "x": ["d"]}
    codes = ["a", "b", "c", "d", "hainan", "x", "y"]  # "y" not even in the dict
    y = np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0])
    sw = weights_from_neighbors(nb, codes, y)
    # c is missing -> d's only remaining neighbour is x (symmetrised from x's list); a-b stay linked
    assert sw.dropped_missing == ("c",)
    assert set(sw.dropped_islands) == {"hainan", "y"}
    assert sw.codes == ("a", "b", "d", "x")
    assert sw.w.weights["d"] == [1.0]
    assert "without neighbours" in sw.note
    lm = local_moran(y, codes, nb, permutations=9)
    assert lm.cluster.tolist()[2] == "no_data" and lm.cluster.tolist()[4] == "no_neighbours"
    assert np.isnan(lm.Ii[4]) and np.isfinite(lm.Ii[0])
    with pytest.raises(UndefinedMeasure):
        weights_from_neighbors({"a": []}, ["a"], [1.0])


def test_weights_are_row_standardised():
    nb = {"a": ["b", "c"], "b": ["a"], "c": ["a"]}
    sw = weights_from_neighbors(nb, ["a", "b", "c"])
    assert sw.w.transform == "R"
    for code in sw.codes:
        assert sum(sw.w.weights[code]) == pytest.approx(1.0)


def test_lisa_on_real_county_neighbours_drops_islands():
    boundaries = pytest.importorskip("geo.boundaries")
    try:
        nb = boundaries.neighbors("county")
    except (FileNotFoundError, KeyError, OSError) as e:
        pytest.skip(f"county boundaries not available: {e}")
    codes = sorted(nb)
    y = np.random.default_rng(0).lognormal(8, 0.5, len(codes))
    y[:5] = np.nan
    lm = local_moran(y, codes, nb, permutations=99)
    islands = {c for c, v in nb.items() if not v}
    assert set(lm.weights.dropped_islands) >= islands
    assert lm.cluster.tolist()[:5] == ["no_data"] * 5
    assert np.isfinite(lm.Ii[lm.weights.kept]).all()


def test_without_permutations_nothing_is_called_significant():
    nb = {"a": ["b"], "b": ["a", "c"], "c": ["b"]}
    lm = local_moran([1.0, 2.0, 4.0], ["a", "b", "c"], nb, permutations=0)
    assert lm.cluster.tolist() == ["untested"] * 3 and np.isnan(lm.p_sim).all()
    assert np.isfinite(lm.Ii).all()
    assert moran_global([1.0, 2.0, 4.0], ["a", "b", "c"], nb, permutations=0).p_sim is None


def test_all_equal_values_are_undefined_not_an_all_ll_map():
    """No variation: I = 0/0. esda returned I = nan with p = 0.001 and LISA called every region a significant LL."""
    nb = {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]}
    with pytest.raises(UndefinedMeasure, match="no variation"):
        moran_global([5.0, 5.0, 5.0, 5.0], list("abcd"), nb)
    with pytest.raises(UndefinedMeasure, match="no variation"):
        local_moran([5.0, 5.0, np.nan, 5.0, 5.0], list("abcde"), {**nb, "e": ["d"]})
    # one region different is enough variation
    assert np.isfinite(moran_global([5.0, 5.0, 5.0, 6.0], list("abcd"), nb).I)
