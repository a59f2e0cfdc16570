"""What a method does without saying, said on the page (issue #19 item 13): min–max bounds from
incomplete regions, TOPSIS's two normalisations, LISA without / with an FDR correction, σ vs β at a break."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from figures import composite as cf
from metrics.composite import entropy_weights, normalise
from metrics.spatial import local_moran
from tests.apptest import open_page
from tests.test_composite_page import DIRECTIONS, INDICATORS, _X
from tests.test_profile_page import tiny_store

ROOT = Path(__file__).resolve().parents[1]
needs_bundle = pytest.mark.skipif(not (ROOT / "data" / "bundled" / "observations.parquet").exists(),
                                  reason="bundled observations not built yet (python -m store.build)")


@pytest.fixture(scope="module")
def holed():
    """天津 without its 2016 toilets figure: it is left out of the ranks but still sets min–max bounds."""
    store, regions = tiny_store()
    obs = store.observations
    drop = (obs["code"] == "120000") & (obs["indicator"] == "toilets_per_10k") & (obs["year"] == 2016)
    return replace(store, observations=obs[~drop]), regions


def test_composite_notes_say_min_max_bounds_come_from_incomplete_regions_with_the_entropy_shift(holed):
    store, regions = holed
    result = cf.build_index(store, cf.IndexChoice(INDICATORS, 2016, weighting="entropy"), "province", regions)
    X = _X()
    X[1, 2] = np.nan
    complete = ~np.isnan(X).any(axis=1)
    shift = np.abs(entropy_weights(normalise(X, DIRECTIONS)) - entropy_weights(normalise(X[complete], DIRECTIONS)))
    assert shift.max() > 0.01
    notes = cf.implicit_notes(store, result, "province", regions, "zh")
    assert len(notes) == 1 and "不参与排名的地区" in notes[0] and f"{shift.max():.2f}" in notes[0]
    equal = cf.build_index(store, cf.IndexChoice(INDICATORS, 2016), "province", regions)
    assert "熵权" not in cf.implicit_notes(store, equal, "province", regions, "zh")[0]
    full, _ = tiny_store()
    complete_result = cf.build_index(full, cf.IndexChoice(INDICATORS, 2016), "province", regions)
    assert cf.implicit_notes(full, complete_result, "province", regions, "zh") == []


def test_topsis_with_entropy_weights_says_where_weights_and_ranks_come_from():
    store, regions = tiny_store()
    choice = cf.IndexChoice(INDICATORS, 2016, weighting="entropy", aggregation="topsis")
    notes = cf.implicit_notes(store, cf.build_index(store, choice, "province", regions), "province", regions, "en")
    assert notes == ["TOPSIS with entropy weights: the weights come from min–max normalised data, "
                     "the ranking from vector-normalised data."]


def test_lisa_fdr_correction_is_benjamini_hochberg_on_the_permutation_p_values():
    import libpysal
    w = libpysal.weights.lat2W(6, 6, rook=False)
    rng = np.random.default_rng(3)
    y = np.add.outer(np.arange(6), np.arange(6)).ravel() + rng.normal(0, 1.5, 36)
    nb = {str(k): [str(v) for v in vs] for k, vs in w.neighbors.items()}
    codes = [str(i) for i in w.id_order]
    plain = local_moran(y, codes, nb)
    fdr = local_moran(y, codes, nb, fdr=True)
    assert plain.correction == "none" and fdr.correction == "fdr"
    p = np.sort(plain.p_sim)
    passing = np.flatnonzero(p <= 0.05 * np.arange(1, 37) / 36)
    cutoff = p[passing[-1]] if len(passing) else 0.0
    assert fdr.threshold == pytest.approx(cutoff)
    sig_plain, sig_fdr = plain.cluster != "ns", fdr.cluster != "ns"
    assert (sig_fdr == (plain.p_sim <= cutoff)).all()
    assert sig_fdr.sum() < sig_plain.sum() and not (sig_fdr & ~sig_plain).any()


@needs_bundle
def test_gaps_page_lisa_tab_says_there_is_no_correction_and_offers_fdr():
    at = open_page("views/gaps.py", {"ind": "beds_per_1000", "year": "2016"}, {"gaps-tab": "空间集聚"})
    assert any("未做多重检验校正" in c.value for c in at.caption), [c.value for c in at.caption]
    fdr = next(x for x in at.toggle if "FDR" in x.label)
    fdr.set_value(True).run()
    assert not at.exception
    assert any("Benjamini" in c.value for c in at.caption), [c.value for c in at.caption]


@needs_bundle
def test_gaps_page_says_beta_uses_only_the_years_after_the_break_and_sigma_spans_it():
    beta = open_page("views/gaps.py", {"ind": "beds_per_1000"}, {"gaps-tab": "β收敛"})
    assert any("2012" in c.value and "口径" in c.value and "β" in c.value for c in beta.caption), \
        [c.value for c in beta.caption]
    trend = open_page("views/gaps.py", {"ind": "beds_per_1000"})
    assert any("跨越" in c.value and "2012" in c.value for c in trend.caption), [c.value for c in trend.caption]
