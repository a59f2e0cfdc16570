"""The gaps page: its figures carry the numbers the metrics engine returns, on real NBS figures
(beds per 1,000 people = NBS per 10,000 ÷ 10, 2012–2019, after the 2011/2012 series break),
and the page itself runs in AppTest against the bundled store."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from figures import gaps as fg
from viewmodel import gaps as gm
from metrics.convergence import beta_convergence
from metrics.dagum import dagum_gini
from metrics.inequality import coefficient_of_variation, gini, theil_decomposition, theil_l, theil_t, williamson
from metrics.spatial import local_moran

ROOT = Path(__file__).resolve().parents[1]
from tests.nbs_samples import BEDS, CODES, YEARS  # noqa: E402
from tests.apptest import figure_array as _arr, figures as _figures, open_page  # noqa: E402
LABELS = pd.Series(["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江"], index=CODES)
GROUPS = pd.Series(["东部", "东部", "东部", "中部", "西部", "东北", "东北", "东北"], index=CODES)
# Year-end resident population (万人), 2012 and 2016; other years left out on purpose.
POP = pd.DataFrame({2012: [2078, 1413, 7262, 3611, 2490, 4389, 2750, 3834],
                    2016: [2195, 1562, 7375, 3682, 2520, 4377, 2733, 3799]}, index=CODES, dtype=float)


def test_inequality_by_year_is_the_engine_per_year_and_the_title_states_the_change():
    trend = gm.inequality_by_year(BEDS, POP)
    assert trend["year"].tolist() == YEARS and trend["n_regions"].tolist() == [8] * 5
    for j, year in enumerate(YEARS):
        y = BEDS[year].to_numpy()
        assert trend["cv"][j] == pytest.approx(coefficient_of_variation(y), rel=1e-12)
        assert trend["gini"][j] == pytest.approx(gini(y), rel=1e-12)
        assert trend["theil_t"][j] == pytest.approx(theil_t(y), rel=1e-12)
        assert trend["theil_l"][j] == pytest.approx(theil_l(y), rel=1e-12)
    assert trend["williamson"][0] == pytest.approx(williamson(BEDS[2012].to_numpy(), POP[2012].to_numpy()))
    assert trend["williamson"][1:4].isna().all()          # no population figures for 2013–2015
    fig = fg.trend_figure(trend, "cv", "每千人口床位数", "zh")
    assert np.allclose(fig.data[0].y, trend["cv"])
    v0, v1 = trend["cv"].iloc[0], trend["cv"].iloc[-1]
    word = "降至" if v1 < v0 else "升至"
    assert f"{v0:.3f}" in fig.layout.title.text and f"{v1:.3f}" in fig.layout.title.text
    assert word in fig.layout.title.text and "2012" in fig.layout.title.text
    en = fg.trend_figure(trend, "gini", "Beds", "en").layout.title.text
    assert f"{trend['gini'].iloc[0]:.3f}" in en and "between 2012 and 2016" in en


def test_a_series_break_limits_the_title_to_comparable_years():
    # 2011 per_bed.csv ÷ 10, before NBS changed the denominator in 2012 (北京 7.396 → 4.841)
    y2011 = pd.Series([7.396, 4.940, 3.628, 4.490, 4.081, 5.072, 4.447, 4.310], index=CODES)
    panel = pd.concat([y2011.rename(2011), BEDS], axis=1)
    flags = pd.DataFrame("", index=CODES, columns=panel.columns)
    flags.loc["110000", 2012] = "series_break"
    assert fg.break_years(flags) == [2012]
    trend = gm.inequality_by_year(panel)
    fig = fg.trend_figure(trend, "cv", "床位", "zh", fg.break_years(flags))
    since = trend[trend["year"] >= 2012]["cv"]
    assert f"从2012年的{since.iloc[0]:.3f}" in fig.layout.title.text
    assert f"{trend['cv'].iloc[0]:.3f}" not in fig.layout.title.text and "口径变化" in fig.layout.title.text
    assert fig.layout.shapes[0].x0 == 2011.5
    result, points = gm.beta_frame(panel, LABELS, 1, [2012])          # growth only since the break
    assert points.attrs["first"] == 2012
    assert result.slope == pytest.approx(beta_convergence(BEDS.to_numpy(), YEARS).slope)


def test_theil_areas_stack_to_the_engine_total_with_between_and_each_group():
    theil = gm.theil_by_year(BEDS, GROUPS)
    for year in YEARS:
        d = theil_decomposition(BEDS[year].to_numpy(), GROUPS.to_numpy(), index="T")
        rows = theil[theil["year"] == year]
        assert rows["value"].sum() == pytest.approx(d.total, rel=1e-10)
        assert rows.loc[rows["part"] == "between", "value"].item() == pytest.approx(d.between, rel=1e-12)
    fig = fg.theil_figure(theil, {}, "zh")
    assert len(fig.data) == 1 + 4 and fig.data[0].name == "组间差距"
    share = theil[theil["part"] == "between"]["value"].iloc[-1] / theil["total"].iloc[-1]
    assert f"{share:.0%}" in fig.layout.title.text


def test_dagum_parts_add_up_and_the_heatmap_is_the_pair_gini():
    table, results = gm.dagum_by_year(BEDS, GROUPS)
    d16 = dagum_gini(BEDS[2016].to_numpy(), GROUPS.to_numpy())
    last = table.iloc[-1]
    assert last["gini"] == pytest.approx(d16.gini) and last["net_between"] == pytest.approx(d16.net_between)
    assert last["within"] + last["net_between"] + last["transvariation"] == pytest.approx(last["gini"])
    assert last["gini_东北"] == pytest.approx(d16.group_gini[d16.groups.index("东北")])
    heat = fg.pair_gini_figure(results[2016], {}, 2016, "zh")
    assert np.allclose(np.asarray(heat.data[0].z, dtype=float), d16.pair_gini)
    off = d16.pair_gini.copy()
    np.fill_diagonal(off, -1)
    i, j = np.unravel_index(np.argmax(off), off.shape)
    assert f"{d16.pair_gini[i, j]:.3f}" in heat.layout.title.text
    rows = fg.dagum_table(results[2016], {}, "en")
    assert rows["value"].iloc[0] == pytest.approx(d16.gini) and rows["share"].iloc[1:4].sum() == pytest.approx(1)


def test_beta_points_line_and_laggards_follow_the_engine():
    result, points = gm.beta_frame(BEDS, LABELS, direction=1)
    ref = beta_convergence(BEDS.to_numpy(), YEARS)
    assert result.slope == pytest.approx(ref.slope) and result.n_regions == 8
    # the points are the regression's own variables: refitting them gives the engine's slope
    assert np.polyfit(points["ln_start"], points["growth"], 1)[0] == pytest.approx(ref.slope)
    # 天津 started lowest (3.787) and grew slowest: a laggard; 辽宁 started highest: never a laggard
    lag = dict(zip(points["label"], points["laggard"]))
    assert lag["天津"] and not lag["辽宁"]
    fig = fg.beta_figure(result, points, "张/千人", "zh")
    assert f"{ref.slope:.4f}" in fig.layout.title.text
    assert ("β收敛" in fig.layout.title.text) and ("半衰期" in fig.layout.title.text) == (ref.half_life is not None)
    laggard_trace = next(tr for tr in fig.data if tr.name == "落后且追赶慢的地区")
    assert "天津" in laggard_trace.text and "天津" in laggard_trace.customdata      # written and in the hover


def test_beta_laggard_names_never_pile_up():
    """The bundled primary-school ratio 2004–2019 (seen in a screenshot): five laggards started near 20 students
    per teacher and grew alike, their names written over each other. Each dot keeps its name in the hover; a name
    is written only where no other is."""
    from store.model import load_store
    store = load_store()
    panel = store.panel("stu_teacher_primary", "province").dropna(how="all")
    labels = panel.index.to_series()
    result, points = gm.beta_frame(panel, labels, direction=-1)
    fig = fg.beta_figure(result, points, "名学生/每名教师", "zh")
    trace = next(tr for tr in fig.data if tr.name == "落后且追赶慢的地区")
    assert list(trace.customdata) == points.loc[points["laggard"], "label"].tolist()
    written = [(x, y) for x, y, s in zip(np.log(trace.x), trace.y, trace.text) if s]
    span_x, span_y = np.ptp(points["ln_start"]), np.ptp(points["growth"] * 100)
    assert 3 <= len(written) < len(trace.text)
    for k, (x, y) in enumerate(written):
        for (u, v) in written[:k]:
            assert abs(x - u) / span_x > 0.07 or abs(y - v) / span_y > 0.06


def test_urban_rural_variants_and_ratio_from_the_real_catalog():
    catalog = pd.read_csv(ROOT / "data" / "bundled" / "indicators.csv", dtype=str, keep_default_na=False)
    catalog = catalog.set_index("id", drop=False)
    assert gm.urban_rural_variants(catalog, "beds_per_1000") == ("beds_per_1000_urban", "beds_per_1000_rural")
    assert gm.urban_rural_variants(catalog, "beds_per_1000_rural") == ("beds_per_1000_urban", "beds_per_1000_rural")
    assert gm.urban_rural_variants(catalog, "gen_exp_pc") is None
    # per_bed_town / per_bed_village 2016 ÷ 10: 北京 has no rural figure; 天津 6.312 urban, 6.150 rural
    urban = pd.DataFrame({2016: [8.636, 6.312]}, index=["110000", "120000"])
    rural = pd.DataFrame({2016: [np.nan, 6.150]}, index=["110000", "120000"])
    ratio = gm.urban_rural_panel(urban, rural)
    assert np.isnan(ratio.loc["110000", 2016]) and ratio.loc["120000", 2016] == pytest.approx(6.312 / 6.150)


def test_gap_ranking_bars_are_sorted_and_coloured_by_group():
    table = pd.DataFrame({"code": CODES, "label": LABELS.to_numpy(), "value": BEDS[2016].to_numpy()})
    table["gap_avg"] = table["value"] - table["value"].mean()
    fig = fg.gap_ranking_figure(table, GROUPS, {}, "gap_avg", "张/千人", "zh", "t")
    assert {tr.name for tr in fig.data} == {"东部", "中部", "西部", "东北"}
    order = list(fig.layout.yaxis.categoryarray)
    assert order[0] == "辽宁" and order[-1] == "天津"
    east = next(tr for tr in fig.data if tr.name == "东部")
    assert np.allclose(sorted(east.x), sorted(table["gap_avg"][:3]))


def test_lisa_layer_puts_each_region_in_its_engine_cluster():
    # a 3 x 3 grid (rook), a high corner and a low corner, one cell without data, and an island
    grid = [f"{i}00000" for i in range(1, 10)]
    nb = {}
    for k, c in enumerate(grid):
        r, q = divmod(k, 3)
        nb[c] = [grid[r2 * 3 + q2] for r2, q2 in ((r - 1, q), (r + 1, q), (r, q - 1), (r, q + 1))
                 if 0 <= r2 < 3 and 0 <= q2 < 3]
    codes = grid + ["990000"]
    nb["990000"] = []
    y = np.array([10, 9, 5, 9, 8, 4, 5, 4, np.nan, 7.0])
    res = local_moran(y, codes, nb, permutations=99)
    regions = pd.DataFrame({"code": codes + ["980000"], "name": list("ABCDEFGHIJK"), "name_en": list("ABCDEFGHIJK")})
    layer = fg.lisa_layer(res, regions, "en")
    for i, cluster in enumerate(res.cluster):
        if cluster in fg.LISA_CLASSES:
            assert fg.LISA_CLASSES[int(layer.values[i])] == cluster
    assert np.isnan(layer.values[8]) and np.isnan(layer.values[10])      # no data; not in the result
    assert fg.LISA_CLASSES[int(layer.values[9])] == "no_neighbours"       # the island keeps its own class
    assert sum(int(lbl.rsplit("(", 1)[1].rstrip(")")) for lbl in layer.class_labels) == 9
    note = fg.lisa_note(res, regions.set_index("code")["name"], "zh")
    assert note == "1个无数据的地区未参与计算。 1个没有相邻地区的地区未参与计算：J。"


def test_urban_rural_title_names_the_widest_gap():
    ratio = pd.Series({"110000": 1.4, "120000": 4.12, "130000": np.nan})
    title = fg.ratio_title(ratio, LABELS, "床位", 2016, "zh")
    assert title == "床位：2016年城市是农村的1.4–4.1倍，天津城乡差距最大"


# ── the page in AppTest, against the bundled store ───────────────────────────

needs_bundle = pytest.mark.skipif(not (ROOT / "data" / "bundled" / "observations.parquet").exists(),
                                  reason="bundled observations not built yet (python -m store.build)")
APP = str(ROOT / "app.py")


def _page(params: dict, tab: str | None = None):
    # straight to the page: the link a presenter shares
    return open_page("views/gaps.py", params, {"gaps-tab": tab} if tab is not None else None)


def _view_panel(indicator: str, level: str = "province"):
    from components.data import regions_in_view
    from store.model import load_store
    store = load_store()
    regions = regions_in_view(level, "")
    panel = store.panel(indicator, level).reindex(regions["code"]).dropna(how="all").dropna(axis=1, how="all")
    return store, regions, panel


@needs_bundle
def test_gaps_page_trend_carries_the_engines_cv_for_bundled_beds():
    at = _page({"ind": "beds_per_1000"})
    store, _, panel = _view_panel("beds_per_1000")
    trend = gm.inequality_by_year(panel, pd.DataFrame({y: store.population("province", int(y)) for y in panel.columns}))
    figure = _figures(at)[0]
    assert _arr(figure["data"][0]["y"]) == pytest.approx(trend["cv"].to_numpy())
    # beds change definition in 2012 (flag series_break): the title compares 2012 onwards only
    assert fg.break_years(store.flags("beds_per_1000", "province").reindex(index=panel.index).fillna("")) == [2012]
    since = trend[trend["year"] >= 2012]
    assert fg.change_sentence(since["cv"], since["year"], "变异系数", "zh") in figure["layout"]["title"]["text"]
    assert len(trend) >= 8 and trend["n_regions"].max() == 31


@needs_bundle
def test_gaps_page_group_tab_stacks_the_theil_split_of_the_four_regions():
    from components.data import grouping
    at = _page({"ind": "beds_per_1000", "group": "nbs_four_regions"}, tab="分组分解")
    store, _, panel = _view_panel("beds_per_1000")
    theil = gm.theil_by_year(panel, grouping(store, "nbs_four_regions", "province").reindex(panel.index))
    figures = _figures(at)
    between = theil[theil["part"] == "between"]
    assert _arr(figures[0]["data"][0]["y"]) == pytest.approx(between["value"].to_numpy())
    assert len(figures[0]["data"]) == 5                      # between + 东部 中部 西部 东北
    assert any(f["data"][0]["type"] == "heatmap" for f in figures)


@needs_bundle
def test_gaps_page_other_tabs_run_in_english():
    for tab in ("β-convergence", "Urban–rural", "Gap ranking", "Spatial clusters"):
        at = _page({"ind": "beds_per_1000", "lang": "en"}, tab=tab)
        assert _figures(at) or at.info, tab
    beta = _figures(_page({"ind": "beds_per_1000", "lang": "en"}, tab="β-convergence"))[0]
    _, _, panel = _view_panel("beds_per_1000")
    since = panel[[y for y in panel.columns if y >= 2012]]
    result = beta_convergence(since.to_numpy(float), since.columns.to_numpy(float))
    assert f"{result.slope:.4f}" in beta["layout"]["title"]["text"] and "2012–2019" in beta["layout"]["title"]["text"]


@needs_bundle
def test_gaps_page_ranks_gaps_to_another_places_target_as_a_benchmark():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"ind": "beds_per_1000", "year": "2016"})
    at.session_state["gaps-tab"] = "差距排序"
    at.session_state["gaps-rank-ref"] = "gap_target"
    at.switch_page("views/gaps.py").run()
    assert not at.exception, [e.value for e in at.exception]
    fig = _figures(at)[0]
    assert "厦门市" in fig["layout"]["title"]["text"] and "（6）" in fig["layout"]["title"]["text"]
    bars = {y: x for trace in fig["data"] for y, x in zip(trace["y"], _arr(trace["x"]))}
    # 2016 per 10,000: 天津 42.15, 辽宁 64.96 (to 2 decimals)
    assert bars["天津市"] == pytest.approx(4.215 - 6, abs=5e-4) and bars["辽宁省"] == pytest.approx(6.496 - 6, abs=5e-4)


@needs_bundle
def test_gaps_page_keeps_the_indicator_chosen_on_the_map():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update({"ind": "beds_per_1000"})
    at.run()
    at.switch_page("views/gaps.py").run()
    assert not at.exception
    assert at.session_state["view"].indicator == "beds_per_1000"
    assert "每千人口医疗卫生机构床位数" in at.markdown[0].value or any(
        "每千人口医疗卫生机构床位数" in m.value for m in at.markdown)
    at.selectbox(key="w_domain").select("education").run()          # the domain box still works
    assert store_domain(at.session_state["view"].indicator) == "education"


def store_domain(indicator: str) -> str:
    catalog = pd.read_csv(ROOT / "data" / "bundled" / "indicators.csv", dtype=str, keep_default_na=False)
    return catalog.set_index("id").loc[indicator, "domain"]


@needs_bundle
def test_a_year_that_looks_misaligned_is_said_on_the_page_and_banded_on_the_trend():
    """小学生师比 2006 (flag suspect_year): the page warns once for every tab, the σ chart bands the year."""
    at = _page({"ind": "stu_teacher_primary"})
    assert [w.value for w in at.warning] == [
        "2006年各地区的数值与前后两年的排序对不上（来源表中疑似错行），这些年份的差距不宜解读为变化；数值按原样保留并标注。"]
    shapes = _figures(at)[0]["layout"]["shapes"]
    assert [(s["x0"], s["x1"]) for s in shapes if s.get("type") == "rect"] == [(2005.5, 2006.5)]
    at = _page({"ind": "beds_per_1000"})
    assert not at.warning                                 # beds have a series break, not a misaligned year
