"""components.cached: results shared across sessions are keyed by the store's key, never by chance."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from components import cached
from store.model import load_store


@pytest.fixture(scope="module")
def bundled():
    return load_store()


def test_same_key_computes_once_and_returns_copies(bundled):
    calls = []
    fn = cached.shared(lambda store, level, year: calls.append(1) or store.population(level, year))
    first = fn(bundled, "province", 2018)
    first.iloc[0] = -1.0                                  # a page editing its copy changes nothing shared
    second = fn(bundled, "province", 2018)
    assert len(calls) == 1
    assert second.iloc[0] > 0
    pd.testing.assert_series_equal(second, bundled.population("province", 2018))


def test_another_store_key_gets_its_own_result(bundled):
    """A store holding other data (another visitor's) has another key: no result crosses between them."""
    obs = bundled.observations.copy()
    obs.loc[obs["indicator"] == "population", "value"] *= 2
    other = replace(bundled, observations=obs, key="user:someone-else")
    ours = cached.population(bundled, "province", 2018)
    theirs = cached.population(other, "province", 2018)
    np.testing.assert_allclose(theirs.to_numpy(), 2 * ours.to_numpy())
    pd.testing.assert_series_equal(cached.population(bundled, "province", 2018), ours)


def test_rank_band_matches_the_uncached_computation(bundled):
    from figures import composite as cf
    from components import data
    choice = cf.default_choice(bundled, "province")
    band = cached.sensitivity(bundled, choice, "province", "", "zh", n_draws=200, seed=0)
    regions = data.regions_in_view("province", "")
    direct = cf.sensitivity(bundled, choice, "province", regions, cf.build_index(bundled, choice, "province", regions),
                            n_draws=200, seed=0)
    pd.testing.assert_frame_equal(band, direct)
    assert band.attrs["n_draws"] == 200
    ranked = band.dropna(subset=["rank"])
    assert len(ranked) > 20 and ranked["rank_p95"].ge(ranked["rank_p05"]).all()


def test_a_shared_figure_carries_the_json_the_browser_gets(bundled):
    from figures import bundle
    from state import ViewState
    meta = bundled.indicators(level="province").iloc[0]
    year = bundled.years(meta.name, "province")[-1]
    view = ViewState(year=year, indicator=meta.name)
    fig = cached.map_figure(bundled, meta.name, "province", year, "", None, view, "zh")
    assert cached.map_figure(bundled, meta.name, "province", year, "", None, view, "zh") is fig
    assert fig._atlas_spec == bundle.figure_spec(fig)
    other = cached.map_figure(replace(bundled, key="user:someone-else"), meta.name, "province", year, "", None, view,
                              "zh")
    assert other is not fig
    ranks = replace(view, mode="rank")
    assert cached.map_figure(bundled, meta.name, "province", year, "", None, ranks, "zh") is not fig
