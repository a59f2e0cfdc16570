"""One-call summary for the map cards; plus the modules' own doctests (reference numbers in docstrings)."""

import ast
import doctest
import importlib
from pathlib import Path

import numpy as np
import pytest

from metrics import inequality as ineq
from metrics.summary import summarise

MODULES = ["inequality", "dagum", "convergence", "gaps", "composite", "spatial", "summary"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(f"metrics.{name}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if name != "spatial":  # spatial's heavy functions have no doctest (permutations)
        assert result.attempted > 0


def test_summary_values_match_the_single_measures():
    rng = np.random.default_rng(3)
    y = rng.lognormal(8, 0.4, 200)
    w = rng.integers(1_000, 500_000, 200).astype(float)
    g = rng.integers(0, 4, 200)
    y[7] = np.nan
    s = summarise(y, w, g, target=3000)
    keep = ~np.isnan(y)
    assert s.n_regions == 199 and s.n_dropped == 1
    assert s.measures["gini"] == pytest.approx(ineq.gini(y[keep]))
    assert s.measures["gini_w"] == pytest.approx(ineq.gini(y[keep], w[keep]))
    assert s.measures["williamson"] == pytest.approx(ineq.williamson(y[keep], w[keep]))
    assert s.theil_t.between + s.theil_t.within == pytest.approx(s.measures["theil_t_w"])
    assert s.dagum.gini == pytest.approx(s.measures["gini_w"])
    share = s.measures["share_regions_meeting_target"]
    assert share == pytest.approx(np.mean(y[keep] >= 3000))
    assert s.undefined == {}


def test_summary_reports_undefined_measures_instead_of_nan():
    s = summarise([0.0, 1.0, 2.0, 3.0])
    assert s.measures["theil_l"] is None and "strictly positive" in s.undefined["theil_l"]
    assert s.measures["max_min_ratio"] is None
    assert s.measures["gini"] == pytest.approx(ineq.gini([0, 1, 2, 3]))
    assert not any(isinstance(v, float) and np.isnan(v) for v in s.measures.values())


def test_metrics_never_import_streamlit():
    root = Path(__file__).resolve().parents[1] / "metrics"
    imported = set()
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "numpy" in imported and "streamlit" not in imported


def test_series_matches_per_year_measures_and_reports_undefined_years():
    from metrics.dagum import dagum_gini
    from metrics.summary import summarise_series

    rng = np.random.default_rng(11)
    y = rng.lognormal(5, 0.5, (50, 4))
    y[0, 2] = 0.0  # Theil L undefined in the third year only
    y[3, 1] = np.nan
    g = rng.integers(0, 3, 50)
    w = rng.integers(1, 100, 50).astype(float)
    s = summarise_series(y, [2001, 2002, 2003, 2005], w, g)
    assert s.n_regions.tolist() == [50, 49, 50, 50]
    assert s.series["gini"][1] == pytest.approx(ineq.gini(y[:, 1], w))
    assert s.series["dagum_net_between"][3] == pytest.approx(dagum_gini(y[:, 3], g, w).net_between)
    assert np.isnan(s.series["theil_l"][2]) and 2003 in s.undefined["theil_l"]
    assert np.isfinite(s.series["theil_l"][[0, 1, 3]]).all()
    total = s.series["dagum_within"] + s.series["dagum_net_between"] + s.series["dagum_transvariation"]
    np.testing.assert_allclose(total, s.series["gini"])
