"""The briefing report on the bundled NBS figures: its numbers are the engine's, its HTML is self-contained."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from metrics.inequality import coefficient_of_variation, gini, theil_decomposition
from figures.caption import source_line, with_caption, wrap
from reports.briefing import GEO_PLACEHOLDER, briefing_html, build_briefing, geojson_for
from state import ViewState


@pytest.fixture(scope="module")
def store():
    from store.model import BUNDLED, load_store
    if not (BUNDLED / "observations.parquet").exists():
        pytest.skip("bundled observations not built (python -m store.build)")
    return load_store()


@pytest.fixture(scope="module")
def provinces():
    from geo import boundaries
    from geo.regions import load_regions
    geometry = boundaries.load_boundaries("province", "overview")
    regions = load_regions("province")
    regions = regions[regions["code"].isin(geometry["code"])].drop_duplicates("code").reset_index(drop=True)
    return regions, geometry


def _four_regions(store, regions):
    return pd.Series(regions["code"].map(store.grouping("nbs_four_regions")).to_numpy(), index=regions["code"])


@pytest.fixture(scope="module")
def beds(store, provinces):
    regions, geometry = provinces
    return build_briefing(store, ViewState(indicator="beds_per_1000", year=2016), regions, geometry,
                          grouping=_four_regions(store, regions), grouping_name="四大区域")


def test_trend_is_the_engines_numbers(store, provinces, beds):
    regions, _ = provinces
    panel = store.panel("beds_per_1000", "province").reindex(regions["code"])
    assert list(beds.trend["year"]) == [2008, 2010, 2011, 2012, 2013, 2014, 2015, 2016]  # 2009 is not published
    for year in (2008, 2016):
        y = panel[year].to_numpy(float)
        row = beds.trend.set_index("year").loc[year]
        assert row["n"] == 31
        assert row["cv"] == pytest.approx(coefficient_of_variation(y[~np.isnan(y)]))
        assert row["gini"] == pytest.approx(gini(y[~np.isnan(y)]))
        groups = _four_regions(store, regions).to_numpy(object)
        keep = ~np.isnan(y)
        d = theil_decomposition(y[keep], groups[keep])
        assert row["between_share"] == pytest.approx(d.between_share)
    # the NBS figures: CV 0.342 in 2008, 0.127 in 2016
    assert beds.trend.set_index("year").loc[2008, "cv"] == pytest.approx(0.3416, abs=5e-4)
    assert beds.trend.set_index("year").loc[2016, "cv"] == pytest.approx(0.1269, abs=5e-4)


def test_findings_name_the_extremes_and_the_break(store, beds):
    values = store.values("beds_per_1000", "province", 2016).set_index("code")["value"]
    assert values.idxmax() == "650000" and values.max() == pytest.approx(6.543, abs=5e-4)   # 新疆
    assert values.idxmin() == "120000" and values.min() == pytest.approx(4.215, abs=5e-4)   # 天津
    headline, trend, decomposition, targets = beds.findings
    assert "新疆维吾尔自治区（6.543" in headline and "天津市（4.215）" in headline
    # beds change definition in 2012 (flag series_break): the sentence compares 2012–2016 only
    assert "从 2012 年的 0.143 下降至 2016 年的 0.127" in trend
    assert "2012 年统计口径变化" in trend
    assert "26%" in decomposition
    assert "没有适用于全国" in targets


def test_top_and_bottom_regions_follow_the_ranking(beds):
    html = briefing_html(beds)
    ranked = beds.table.dropna(subset=["value"]).sort_values("value", ascending=False)
    top5 = ranked["label"].head(5).tolist()
    assert top5 == ["新疆维吾尔自治区", "辽宁省", "四川省", "重庆市", "湖南省"]
    positions = [html.index(name + "</td>") for name in top5]
    assert positions == sorted(positions)
    # 新疆 6.543 is 22.0 % above the population-weighted mean of 5.364; 天津 is last
    assert "+22.0%" in html and "<td class='num'>31</td><td>天津市</td>" in html


def test_target_attainment_with_a_national_target(store, provinces):
    """A national target of ≥ 5 beds per 1,000 (as a planner might enter it): the shares are counted
    from the real 2016 values."""
    regions, geometry = provinces
    row = pd.DataFrame([{"id": "t1", "indicator": "beds_per_1000", "indicator_text": "", "comparator": ">=",
                         "value": 5.0, "unit": "张", "target_year": 2020, "scope": "national", "scope_code": "",
                         "scope_name": "", "document": "测试文件", "quote": "每千人口床位数达到5张"}])
    targets = pd.concat([store.targets, row], ignore_index=True)
    planned = replace(store, targets=targets)
    b = build_briefing(planned, ViewState(indicator="beds_per_1000", year=2016), regions, geometry)
    values = store.values("beds_per_1000", "province", 2016)["value"]
    assert b.trend.set_index("year").loc[2016, "share_meeting"] == pytest.approx((values >= 5).mean())
    met = int((values >= 5).sum())
    assert f"{met}/31 个地区达到目标" in b.findings[3]
    assert "targets" in b.figures
    assert "每千人口床位数达到5张" in briefing_html(b)


def test_html_is_self_contained(beds):
    html = briefing_html(beds)
    assert html.count("<script src") == 0 and "<link" not in html
    assert "var GEO={" in html and f'"{GEO_PLACEHOLDER}"' in html     # boundaries inline, shared by the map traces
    assert html.count('"id":"650000"') == 1                              # written once, not once per trace
    assert "Plotly.newPlot" in html and "window.PlotlyGeoAssets" in html
    assert html.count('class="plot"') == 3                               # map, trend, decomposition
    assert "class='page'" in html and html.count("<section") == 4


def test_county_briefing_within_a_province(store):
    """Below province level the map covers one province's counties; an empty year explains itself."""
    from geo import boundaries
    from geo.regions import load_regions
    geometry = boundaries.load_boundaries("city", "detail")
    regions = load_regions("city")
    regions = regions[regions["province_code"].eq("440000") & regions["code"].isin(geometry["code"])]
    indicator = store.indicators(level="city").index[0]
    b = build_briefing(store, ViewState(level="city", scope="440000", indicator=indicator), regions, geometry,
                       where="广东省")
    assert {f["id"][:2] for f in b.geojson["features"]} == {"44"}
    assert len(b.geojson["features"]) == len(regions) == 21
    assert "广东省" in b.findings[0]


def test_geojson_for_keeps_only_the_regions_asked_for(provinces):
    _, geometry = provinces
    fc = geojson_for(geometry, ["110000", "120000"])
    assert [f["id"] for f in fc["features"]] == ["110000", "120000"]
    assert geojson_for(fc, ["120000"])["features"][0]["id"] == "120000"


def test_source_line_cites_every_source(store):
    line = source_line(store, store.catalog.loc["beds_per_1000"], "en")
    assert line.startswith("Source: ") and "Unit: beds per 1,000 people" in line


def test_caption_travels_with_the_figure():
    import plotly.graph_objects as go
    fig = with_caption(go.Figure(go.Bar(x=[1], y=[2])), "A headline", "Source: NBS")
    assert fig.layout.title.text == "A headline"
    assert fig.layout.annotations[-1].text == "Source: NBS"
    assert fig.layout.margin.b == 80 + 12 + round(11 * 1.4)   # Plotly's default bottom margin + the source line
    wordy = with_caption(go.Figure(), "t", "Source: " + "a long citation, " * 20, width_px=700)
    assert wordy.layout.annotations[-1].text.count("<br>") >= 2  # a long source wraps instead of running off
    assert wordy.layout.margin.b > fig.layout.margin.b
    # On a slide (18 px type) the source line goes below the x-axis title, not across it.
    axis = go.Figure(go.Scatter(x=[1], y=[2]), layout={"font": {"size": 18}, "xaxis": {"title": {"text": "Year"}},
                                                         "margin": {"b": 40}})
    slide = with_caption(axis, "t", "Source: NBS", title_size=30)
    assert slide.layout.annotations[-1].yshift == -(round(18 * 1.3) + 8 + round(18 * 1.3) + 12 + 6)
    assert slide.layout.margin.b > -slide.layout.annotations[-1].yshift     # and there is room for it
    long = with_caption(go.Figure(), "一二三四五六七八九十，" * 6, "s", width_px=400)
    assert long.layout.title.text.count("<br>") >= 2
    assert long.layout.margin.t > fig.layout.margin.t        # room for every line of a long headline
    long = "每千人口医疗卫生机构床位数最高为新疆维吾尔自治区，最低为天津市，相差 1.55 倍，共有三十一个地区有数据"
    assert wrap(long, 30).count("<br>") == 1 and wrap("short") == "short"
    # A break goes after the colon, not between "20" and "名"; English still breaks at spaces.
    assert wrap("人均地方财政教育支出：前 20 名与后 20 名（2018年）", 22) == \
        "人均地方财政教育支出：<br>前 20 名与后 20 名（2018年）"
    assert wrap("Local public education expenditure per capita: top and bottom 20, 2018", 22) == \
        "Local public education expenditure per<br>capita: top and bottom 20, 2018"
    assert wrap("Shenzhen: 661 in 2006 → 4,487 in 2018 (average 280.8 → 1,832)", 20) == \
        "Shenzhen: 661 in 2006 → 4,487 in<br>2018 (average 280.8 → 1,832)"             # never "1,<br>832"
    # Each line of a headline wraps on its own, and a <sub> line stays a <sub> line (a slide's
    # "Series break in 2007: …" came out at the headline's size).
    assert wrap("CV fell<br><sub>Series break in 2007: the title compares only the years since 2007</sub>", 24) == \
        "CV fell<br><sub>Series break in 2007:</sub><br><sub>the title compares only the years since 2007</sub>"


def test_a_level_without_indicators_is_explained(store):
    from geo.regions import load_regions
    with pytest.raises(ValueError, match="县级还没有指标数据"):
        build_briefing(store, ViewState(level="county"), load_regions("county"), None)


def test_an_extreme_that_rests_on_a_flagged_figure_is_named_with_its_flag(store):
    from geo.regions import load_regions
    regions = load_regions("city")
    b = build_briefing(store, ViewState(indicator="edu_exp_pc", level="city", year=2006), regions)
    assert "嘉峪关市（⚑ 异常跳变）" in b.findings[0], b.findings[0]     # the lowest, and so the max ÷ min ratio


def test_a_misaligned_year_is_said_and_banded_in_the_briefing(store, provinces):
    """小学生师比 2006 (flag suspect_year): the trend's sentence says so, its two charts band the year."""
    regions, geometry = provinces
    b = build_briefing(store, ViewState(indicator="stu_teacher_primary", year=2019), regions, None,
                       grouping=_four_regions(store, regions), grouping_name="四大区域")
    assert "2006 年各地区的数值与前后两年的排序对不上" in b.findings[1]
    for name in ("trend", "decomposition"):
        rects = [s for s in b.figures[name][0].layout.shapes if s.type == "rect"]
        assert [(r.x0, r.x1) for r in rects] == [(2005.5, 2006.5)], name
    assert "疑似错行" not in build_briefing(store, ViewState(indicator="beds_per_1000", year=2016), regions,
                                         None).findings[1]
