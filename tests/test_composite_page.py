"""Composite index page: the index, weights, TOPSIS and rank band are the engine's, on a four-province
store with NBS 2015–2016 figures; then the page itself in AppTest against the bundled store."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from figures import composite as cf
from metrics.composite import composite_index, entropy_weights, normalise, rank_sensitivity, topsis
from state import ViewState
from store.model import BUNDLED, load_store
from tests.apptest import figures
from tests.test_profile_page import CODES, NBS, array, tiny_store

INDICATORS = ("beds_per_1000", "stu_teacher_primary", "toilets_per_10k")
DIRECTIONS = [1, -1, 1]


@pytest.fixture(scope="module")
def tiny():
    return tiny_store()


def _X(year=2016):
    return np.array([NBS[i][year] for i in INDICATORS]).T


def test_candidates_leave_out_context_and_variants():
    store = load_store() if (BUNDLED / "observations.parquet").exists() else tiny_store()[0]
    cat = cf.candidates(store, "province")
    assert "population" not in cat.index and "beds_per_1000_urban" not in cat.index
    assert set(cat["direction"]) <= {1, -1}
    assert "stu_teacher_college" not in cf.default_selection(cf.candidates(store, "province", "education")) \
        or "stu_teacher_college" not in store.catalog.index


def test_linear_equal_minmax_index_is_the_engines(tiny):
    store, regions = tiny
    choice = cf.IndexChoice(INDICATORS, 2016)
    result = cf.build_index(store, choice, "province", regions, "zh")
    expected = composite_index(_X(), DIRECTIONS)
    assert result.table["score"].to_numpy() == pytest.approx(expected.score)
    assert result.table["rank"].tolist() == expected.rank.tolist()
    # By hand: 北京 beds 1.0, pupils (17.66-14.05)/(17.66-13.24) = 0.8167, toilets (2.87-1.44)/(3.15-1.44)
    bj = (1.0 + (17.66 - 14.05) / 4.42 + (2.87 - 1.44) / 1.71) / 3
    assert result.table.loc[0, "score"] == pytest.approx(bj)
    assert result.weights.tolist() == pytest.approx([1 / 3] * 3)
    # 山西: beds (5.152-4.215)/1.171, pupils 1 (best), toilets (3.14-1.44)/1.71 -> 0.931 leads; 天津 trails.
    assert cf.headline(result, "zh") == "2016年综合指数：山西省居首，天津市居末（4 个地区，3 项指标）"


def test_domain_equal_weights_share_each_domain_equally(tiny):
    store, regions = tiny
    # beds (health), pupils (education), toilets (infrastructure): three domains, one indicator each.
    choice = cf.IndexChoice(INDICATORS, 2016, weighting="domain_equal")
    w = cf.weight_vector(choice, store.catalog)
    assert w.tolist() == [1.0, 1.0, 1.0]
    choice = cf.IndexChoice(("beds_per_1000", "toilets_per_10k"), 2016, weighting="domain_equal")
    assert cf.weight_vector(choice, store.catalog).tolist() == [1.0, 1.0]


def test_entropy_custom_geometric_and_topsis_are_the_engines(tiny):
    store, regions = tiny
    entropy = cf.build_index(store, cf.IndexChoice(INDICATORS, 2016, weighting="entropy"), "province", regions)
    assert entropy.weights.to_numpy() == pytest.approx(entropy_weights(normalise(_X(), DIRECTIONS)))
    custom = cf.build_index(store, cf.IndexChoice(INDICATORS, 2016, weighting="custom", custom=(2, 1, 1)),
                            "province", regions)
    assert custom.weights.tolist() == pytest.approx([0.5, 0.25, 0.25])
    assert custom.table["score"].to_numpy() == pytest.approx(composite_index(_X(), DIRECTIONS, [2, 1, 1]).score)
    geo = cf.build_index(store, cf.IndexChoice(INDICATORS, 2016, aggregation="geometric"), "province", regions)
    assert geo.table["score"].to_numpy() == pytest.approx(
        composite_index(_X(), DIRECTIONS, aggregation="geometric").score)
    top = cf.build_index(store, cf.IndexChoice(INDICATORS, 2016, aggregation="topsis"), "province", regions)
    closeness = topsis(_X(), DIRECTIONS)
    assert top.table["score"].to_numpy() == pytest.approx(closeness)
    assert top.table["rank"].tolist() == (np.argsort(np.argsort(-closeness)) + 1).tolist()


def test_impossible_combinations_switch_to_minmax_and_say_so():
    choice, notes = cf.coherent(cf.IndexChoice(INDICATORS, 2016, method="zscore", weighting="entropy"))
    assert choice.method == "minmax" and notes == ["composite.entropy_zscore"]
    choice, notes = cf.coherent(cf.IndexChoice(INDICATORS, 2016, method="zscore", aggregation="geometric"))
    assert choice.method == "minmax" and notes == ["composite.geometric_zscore"]
    choice, notes = cf.coherent(cf.IndexChoice(INDICATORS, 2016, method="zscore"))
    assert choice.method == "zscore" and notes == []


def test_missing_indicator_leaves_the_region_out_and_names_it(tiny):
    store, regions = tiny
    obs = store.observations
    drop = (obs["code"] == "120000") & (obs["indicator"] == "toilets_per_10k") & (obs["year"] == 2016)
    from dataclasses import replace
    holed = replace(store, observations=obs[~drop])
    result = cf.build_index(holed, cf.IndexChoice(INDICATORS, 2016), "province", regions, "zh")
    assert result.n_incomplete == 1 and np.isnan(result.table.loc[1, "score"])
    assert result.incomplete == ["天津市 (每万人拥有公共厕所)"]
    lines = cf.choice_lines(result, store.catalog, "zh")
    assert "天津市 (每万人拥有公共厕所)" in lines[1] and "2016年，3 项指标" in lines[0]
    # The others are scored by the engine on the matrix with the hole (天津's other values still
    # set the min–max bounds: 天津 has the fewest beds, so 北京's beds score stays 1 and 河北's is not 0).
    X = _X()
    X[1, 2] = np.nan
    expected = composite_index(X, DIRECTIONS)
    assert result.table["score"].to_numpy() == pytest.approx(expected.score, nan_ok=True)
    assert result.table.loc[2, "score"] == pytest.approx(((4.826 - 4.215) / 1.171 + 0 + 1) / 3)


def test_sensitivity_band_is_the_engines_and_map_hover_quotes_it(tiny):
    store, regions = tiny
    choice = cf.IndexChoice(INDICATORS, 2016)
    result = cf.build_index(store, choice, "province", regions, "en")
    band = cf.sensitivity(store, choice, "province", regions, result, n_draws=400, seed=0)
    rs = rank_sensitivity(_X(), DIRECTIONS, n_draws=400, seed=0)
    assert band["median_rank"].tolist() == rs.median_rank.tolist()
    assert band["rank_p05"].tolist() == rs.rank_p05.tolist() and band["rank_p95"].tolist() == rs.rank_p95.tolist()
    moves = np.maximum(np.abs(rs.base_rank - rs.rank_p05), np.abs(rs.rank_p95 - rs.base_rank))
    assert cf.stable_count(band) == int((moves <= 2).sum())
    layer = cf.index_layer(result, band, ViewState(lang="en"), "en")
    assert layer.codes == CODES
    assert f"rank {rs.rank_p05[0]:.0f}–{rs.rank_p95[0]:.0f}" in layer.hover[0]
    fig = cf.ranking_figure(result, band, "en", "t")
    chosen = [tr for tr in fig.data if tr.name == "Rank with the chosen weights"][0]
    order = np.argsort(rs.base_rank)
    assert list(chosen.x) == rs.base_rank[order].tolist()
    # TOPSIS gets its band too, from the same engine
    top_choice = cf.IndexChoice(INDICATORS, 2016, aggregation="topsis")
    top = cf.build_index(store, top_choice, "province", regions, "en")
    top_band = cf.sensitivity(store, top_choice, "province", regions, top, n_draws=400, seed=0)
    top_rs = rank_sensitivity(_X(), DIRECTIONS, aggregation="topsis", n_draws=400, seed=0)
    assert top_band["median_rank"].tolist() == top_rs.median_rank.tolist()
    assert top_band["rank"].tolist() == top.table["rank"].tolist()


def test_common_years_and_default_choice(tiny):
    store, _ = tiny
    assert cf.common_years(store, INDICATORS, "province") == [2015, 2016]
    choice = cf.default_choice(store, "province", 2015)
    assert choice.year == 2015 and set(choice.indicators) == set(INDICATORS)


def test_download_frame_and_notes_carry_the_choices(tiny):
    store, regions = tiny
    result = cf.build_index(store, cf.IndexChoice(INDICATORS, 2016, weighting="entropy"), "province", regions, "en")
    frame = cf.index_frame(result, None, "en")
    assert frame["rank"].tolist() == sorted(frame["rank"].tolist())
    notes = cf.choice_notes(result, store.catalog, "en")
    assert notes["Year"] == "2016" and "Entropy" in notes["Method"]
    w = result.weights
    assert f"({w['beds_per_1000']:.3f})" in notes["Indicators (weight)"]


# ── the page in AppTest, against the bundled store ───────────────────────────

needs_bundle = pytest.mark.skipif(not (BUNDLED / "observations.parquet").exists(),
                                  reason="bundled observations not built yet (python -m store.build)")
APP = str(Path(__file__).resolve().parents[1] / "app.py")


@needs_bundle
def test_composite_page_ranks_and_weights_are_the_engines():
    from streamlit.testing.v1 import AppTest
    from geo import boundaries
    from geo.regions import load_regions
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("views/composite.py").run()
    assert not at.exception, [e.value for e in at.exception]
    store = load_store()
    regions = load_regions()
    drawn = set(boundaries.load_boundaries("province", "overview")["code"])
    regions = regions[regions["code"].isin(drawn)].drop_duplicates("code").reset_index(drop=True)
    choice = cf.default_choice(store, "province")
    result = cf.build_index(store, choice, "province", regions, "zh")
    assert at.markdown[0].value == "### " + cf.headline(result, "zh")
    # the band's draws and seed
    assert ":material/check_circle: 已完成 1000 组随机权重（种子 0）" in [c.value for c in at.caption]
    figs = figures(at)
    ranking = figs[1]
    chosen = [tr for tr in ranking["data"] if tr.get("name") == "所选权重下的排名"][0]
    assert array(chosen["x"]) == sorted(result.table["rank"].dropna().tolist())
    weights = [v for trace in figs[2]["data"] for v in array(trace["x"])]
    assert weights == pytest.approx([100 / len(choice.indicators)] * len(choice.indicators))
    # Switch to entropy weights: the weights chart shows the engine's entropy weights.
    at.sidebar.radio(key="cmp-weighting").set_value("entropy").run()
    assert not at.exception
    entropy = cf.build_index(store, cf.IndexChoice(choice.indicators, choice.year, weighting="entropy"),
                             "province", regions, "zh")
    figs = figures(at)
    shown = {y: x for trace in figs[2]["data"] for y, x in zip(trace["y"], array(trace["x"]))}
    expected = {f"{'↑' if store.catalog.loc[i, 'direction'] > 0 else '↓'} {store.catalog.loc[i, 'name_zh']}": 100 * w
                for i, w in entropy.weights.items()}
    assert shown == pytest.approx(expected)
    assert len(set(expected.values())) > 1                      # entropy weights are not all equal


def test_normalised_values_are_what_the_engine_aggregated(tiny):
    store, regions = tiny
    result = cf.build_index(store, cf.IndexChoice(INDICATORS, 2016), "province", regions, "en")
    z = cf.normalised_frame(result, store.catalog, "en")
    assert z.index.tolist() == ["Shanxi", "Beijing", "Hebei", "Tianjin"]        # rank order
    expected = normalise(_X(), DIRECTIONS)
    assert z.loc["Beijing"].iloc[2:].to_numpy(float) == pytest.approx(expected[0])
    assert z.loc["Shanxi", "Score"] == pytest.approx(expected[3].mean())
    top = cf.build_index(store, cf.IndexChoice(INDICATORS, 2016, aggregation="topsis"), "province", regions)
    assert cf.normalised_frame(top, store.catalog, "en") is None


def test_weights_figure_has_one_trace_per_domain(tiny):
    store, regions = tiny
    result = cf.build_index(store, cf.IndexChoice(INDICATORS, 2016, weighting="custom", custom=(2, 1, 1)),
                            "province", regions, "en")
    names = dict(zip(store.domains["id"], store.domains["name_en"]))
    fig = cf.weights_figure(result, store.catalog, names, "en", "t")
    assert [tr.name for tr in fig.data] == ["Health care", "Education", "Public infrastructure"] or \
        sorted(tr.name for tr in fig.data) == sorted(["Health care", "Education", "Public infrastructure"])
    by_name = {tr.name: list(tr.x) for tr in fig.data}
    assert by_name["Health care"] == pytest.approx([50.0]) and by_name["Education"] == pytest.approx([25.0])


def test_index_spec_round_trip_and_fallbacks(tiny):
    assert cf.parse_spec("") == ("minmax", "equal", "linear", ())
    assert cf.parse_spec("zscore.entropy.topsis") == ("zscore", "entropy", "topsis", ())
    assert cf.parse_spec("nonsense.custom") == ("minmax", "custom", "linear", ())
    assert cf.format_spec("minmax", "equal", "linear") == ""
    assert cf.parse_spec(cf.format_spec("zscore", "domain_equal", "geometric")) == \
        ("zscore", "domain_equal", "geometric", ())
    # custom weights travel in the link, in the order of the chosen indicators
    assert cf.format_spec("minmax", "custom", "linear", (2.0, 0.5, 1.0)) == "minmax.custom.linear.2,0.5,1"
    assert cf.parse_spec("minmax.custom.linear.2,0.5,1") == ("minmax", "custom", "linear", (2.0, 0.5, 1.0))
    assert cf.parse_spec("minmax.custom.linear.2,9,1")[3] == ()             # beyond the sliders' 0–5
    assert cf.parse_spec("minmax.custom.linear.2,x")[3] == ()
    assert cf.parse_spec("minmax.entropy.linear.2,1")[3] == ()              # weights only mean something for custom
    assert cf.custom_weights((2.0, 0.5), 3) == (1.0, 1.0, 1.0) and cf.custom_weights((2.0, 0.5), 2) == (2.0, 0.5)
    store, _ = tiny
    cat = cf.candidates(store, "province")
    assert cf.chosen_indicators("toilets_per_10k,beds_per_1000,nope", cat) == ["toilets_per_10k", "beds_per_1000"]
    assert cf.chosen_indicators("nope", cat) == cf.default_selection(cat)


def test_a_link_with_custom_weights_restores_the_sliders_and_the_index():
    from streamlit.testing.v1 import AppTest
    store = load_store()
    choice = cf.default_choice(store, "province")
    inds = choice.indicators[:3]
    weights = (2.0, 0.5, 1.0)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"inds": ",".join(inds),
                            "index": "minmax.custom.linear." + ",".join(f"{w:g}" for w in weights),
                            "year": str(choice.year)})
    at.switch_page("views/composite.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [at.sidebar.slider(key=f"cmp-w-{i}").value for i in inds] == list(weights)
    shown = [v for trace in figures(at)[2]["data"] for v in array(trace["x"])]
    assert sorted(shown) == pytest.approx(sorted(100 * w / sum(weights) for w in weights))
    # moving a slider writes the new weights back into the link
    at.sidebar.slider(key=f"cmp-w-{inds[1]}").set_value(3.0).run()
    assert at.query_params["index"] in ("minmax.custom.linear.2,3,1", ["minmax.custom.linear.2,3,1"])


def test_the_normalised_values_are_shown_on_request_with_their_download():
    from tests.apptest import open_page
    at = open_page("views/composite.py")
    assert not at.dataframe                                      # not built on an ordinary visit
    at.toggle(key="cmp-normalised").set_value(True).run()
    assert not at.exception and len(at.dataframe) == 1
    shown = at.dataframe[0].value
    assert len(shown) == 31 and shown.iloc[:, 0].tolist() == sorted(shown.iloc[:, 0].tolist())   # rank order
