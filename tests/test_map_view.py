"""The map page's pure layer: region table, colours by mode, hover text, ranking bar — real numbers in, checked out."""
import numpy as np
import pandas as pd

from figures.china_map import MapLayer, china_map
from figures.map_view import applicable_target, fmt, legend_format, map_layer, ranking_bar, region_table
from state import ViewState

REGIONS = pd.DataFrame({"code": ["110000", "120000", "130000", "140000"],
                        "name": ["北京市", "天津市", "河北省", "山西省"],
                        "name_en": ["Beijing", "Tianjin", "Hebei", "Shanxi"]})
# Beds per 1,000 people, 2016 (NBS per 10,000 ÷ 10); 山西 deliberately missing.
VALUES = pd.DataFrame({"code": ["110000", "120000", "130000"], "value": [5.386, 4.11, 4.76],
                       "flag": ["", "", "suspect_jump"], "source": ["nbs"] * 3})
TARGET = pd.Series({"indicator": "beds", "value": 4.5, "comparator": ">=", "scope": "national",
                    "scope_code": "", "target_year": 2020, "document": "doc", "quote": "q"})


def test_region_table_gaps_rank_and_target():
    table = region_table(VALUES, REGIONS, direction=1, target=TARGET)
    mean = (5.386 + 4.11 + 4.76) / 3
    assert table.attrs["average"] == mean
    assert np.allclose(table["gap_avg"].iloc[:3], [5.386 - mean, 4.11 - mean, 4.76 - mean])
    assert table["rank"].iloc[:3].tolist() == [1, 3, 2]
    assert table["meets"].iloc[:3].tolist() == [True, False, True]
    assert np.isnan(table["value"].iloc[3]) and pd.isna(table["meets"].iloc[3])
    assert table.attrs["n_with_data"] == 3 and table.attrs["n_regions"] == 4


def test_lower_is_better_flips_rank_and_gap_sign():
    table = region_table(VALUES, REGIONS, direction=-1)
    assert table["rank"].iloc[:3].tolist() == [3, 1, 2]
    assert table["gap_avg"].iloc[1] > 0            # below average = better


def test_population_weighted_average_is_used_when_weights_cover_the_regions():
    weights = pd.Series({"110000": 2173.0, "120000": 1562.0, "130000": 7470.0})
    table = region_table(VALUES, REGIONS, 1, weights=weights)
    expected = (5.386 * 2173 + 4.11 * 1562 + 4.76 * 7470) / (2173 + 1562 + 7470)
    assert abs(table.attrs["average"] - expected) < 1e-12 and table.attrs["average_weighted"]


def test_map_layer_classes_count_no_data_and_label_direction():
    table = region_table(VALUES, REGIONS, 1)
    layer = map_layer(table, ViewState(scheme="equal_interval", k=3), "张/千人", 1, "zh")
    assert isinstance(layer, MapLayer)
    assert np.isnan(layer.values[3]) and sorted(layer.values[:3].tolist()) == [0.0, 1.0, 2.0]
    assert "越高越好" in layer.legend_title
    assert layer.class_labels[0].endswith("(1)")
    assert layer.notes == ["", "", "<br>⚑ 异常跳变", ""]
    fig = china_map(layer, "/app/static/geo/x.geojson", national=False, bounds=(113, 36, 120, 43))
    flagged = [tr for tr in fig.data if list(map(str, tr.locations)) == ["130000"]][0]
    assert flagged.hovertemplate.endswith("<br>⚑ 异常跳变<extra></extra>") and flagged.showscale is False
    plain = [tr for tr in fig.data if list(map(str, tr.locations)) == ["110000", "120000"]][0]
    assert "⚑" not in plain.hovertemplate and plain.showscale and (plain.zmin, plain.zmax) == (-0.5, 2.5)


def test_legend_bounds_share_one_number_of_decimals():
    # equal intervals over 4.11–5.386: bounds 4.11, 4.535, 4.961, 5.386; classes 0.425 wide -> two decimals
    layer = map_layer(region_table(VALUES, REGIONS, 1), ViewState(scheme="equal_interval", k=3), "张/千人", 1, "zh")
    assert layer.class_labels == ["4.11 – 4.54 (1)", "4.54 – 4.96 (1)", "4.96 – 5.39 (1)"]

    def shown(bounds):
        return [legend_format(bounds)(v) for v in bounds]
    # the city map's quintiles of education spending per person, 2018 (yuan): fmt alone wrote 631.5 and 6,502
    assert shown([631.5, 1323.8, 1577.2, 1808.9, 2119.2, 6501.8]) == ["632", "1,324", "1,577", "1,809", "2,119",
                                                                      "6,502"]
    assert shown([11.29, 13.9, 16.26, 17.04]) == ["11.29", "13.90", "16.26", "17.04"]   # fmt wrote 13.9
    assert shown([0.2962, 0.3701, 0.3911, 0.754]) == ["0.296", "0.370", "0.391", "0.754"]
    assert shown([0, 1, 2]) == ["0", "1", "2"] and shown([0.10001, 0.10002]) == ["0.1000", "0.1000"]   # at most 4
    assert legend_format([1e-5, 2e-5]) is fmt                                                         # not 0.0000


def test_the_selected_region_is_outlined_on_top_of_the_map():
    table = region_table(VALUES, REGIONS, 1)
    fig = china_map(map_layer(table, ViewState(region="120000"), "张/千人", 1, "zh"), "/app/static/geo/x.geojson",
                    national=True, inset_codes={"130000"})
    outline = [tr for tr in fig.data if tr.type == "choropleth" and tr.marker.line.width == 2.5]
    assert len(outline) == 1 and list(map(str, outline[0].locations)) == ["120000"]
    assert outline[0].geo == "geo" and outline[0].hoverinfo == "skip"
    assert [tr for tr in fig.data if tr.type == "choropleth"][-1] == outline[0]          # drawn last, on top
    assert all(tr.marker.opacity is None for tr in fig.data if tr.type == "choropleth")     # nothing faded
    plain = china_map(map_layer(table, ViewState(), "张/千人", 1, "zh"), "/app/static/geo/x.geojson", national=False,
                      bounds=(113, 36, 120, 43))
    elsewhere = china_map(map_layer(table, ViewState(region="440000"), "张/千人", 1, "zh"), "/app/static/geo/x.geojson",
                          national=False, bounds=(113, 36, 120, 43))
    assert len(elsewhere.data) == len(plain.data)                 # a region not on this map: no outline


def test_hover_sends_numbers_and_reads_names_from_the_geojson():
    table = region_table(VALUES, REGIONS, 1, target=TARGET)
    layer = map_layer(table, ViewState(), "张/千人", 1, "zh")
    mean = (5.386 + 4.11 + 4.76) / 3
    # value, rank, % gap to average, gap to target — float32, one row per region
    assert layer.hover.dtype == np.float32 and layer.hover.shape == (4, 4)
    assert np.allclose(layer.hover[0], [5.386, 1, 100 * (5.386 - mean) / mean, 5.386 - 4.5], rtol=1e-6)
    assert layer.hovertemplate.startswith(
        "<b>%{properties.name}</b><br>%{customdata[0]:,.4~g} 张/千人<br>排名 %{customdata[1]} / 3")
    assert "与目标差 %{customdata[3]:+,.4~g} 张/千人" in layer.hovertemplate
    fig = china_map(layer, "/app/static/geo/x.geojson", national=True, inset_codes={"130000", "140000"})
    missing = [tr for tr in fig.data if tr.geo == "geo" and list(map(str, tr.locations)) == ["140000"]][0]
    assert missing.customdata is None and missing.hovertemplate == "<b>%{properties.name}</b><br>无数据<extra></extra>"
    inset = [tr for tr in fig.data if tr.geo == "geo2"]
    assert inset and all(tr.customdata is None for tr in inset)
    en = map_layer(region_table(VALUES, REGIONS, 1), ViewState(), "beds", 1, "en")
    assert en.name_hover == "<b>%{properties.name_en}</b>" and "Rank %{customdata[1]} of 3" in en.hovertemplate


def test_d3_format_reads_like_fmt():
    from figures.map_view import d3_format
    assert d3_format(np.array([1.5, 9999.0])) == ",.4~g"
    assert d3_format(np.array([1500.0, 123456.0, np.nan])) == ",.0f"        # no 1.235e+5
    assert d3_format(np.array([0.5, 25000.0]), sign=True) == "+,.2f"


def test_gap_mode_is_diverging_with_neutral_centre():
    table = region_table(VALUES, REGIONS, 1)
    layer = map_layer(table, ViewState(mode="gap_avg", scheme="continuous"), "张", 1, "en")
    assert layer.midpoint == 0.0 and "positive = better" in layer.legend_title


def test_hover_template_escapes_markup_in_units():
    table = region_table(VALUES, REGIONS, 1)
    layer = map_layer(table, ViewState(), "<img src=x onerror=alert(1)>", 1, "zh")
    assert "<img" not in layer.hovertemplate and "&lt;img" in layer.hovertemplate


def test_figure_carries_codes_not_geometry_and_inset_only_for_national_view():
    table = region_table(VALUES, REGIONS, 1)
    layer = map_layer(table, ViewState(), "u", 1, "zh")
    fig = china_map(layer, "/app/static/geo/x.geojson", national=True, inset_codes={"130000"},
                    maritime={"type": "MultiLineString", "coordinates": [[[110, 10], [111, 11]]]})
    assert fig.data[0].geojson == "/app/static/geo/x.geojson"
    drawn = [c for tr in fig.data if tr.type == "choropleth" and tr.geo == "geo" for c in map(str, tr.locations)]
    assert sorted(drawn) == ["110000", "120000", "130000", "140000"]         # 河北 flagged: a trace of its own
    assert fig.layout.geo.projection.type == "conic equal area"
    assert list(fig.layout.geo.projection.parallels) == [25, 47]
    inset = [tr for tr in fig.data if tr.geo == "geo2" and tr.type == "choropleth"]
    assert [list(map(str, tr.locations)) for tr in inset] == [["130000"]]
    assert fig.data[0].locations.dtype == np.int32                        # 5.3 bytes a region, not 9
    assert len(fig.to_json()) < 20_000
    province = china_map(layer, "/x", national=False, bounds=(109.6, 20.2, 117.3, 25.5))
    assert "geo2" not in province.layout and province.layout.geo.projection.rotation.lon == (109.6 + 117.3) / 2
    assert province.layout.geo.lonaxis.range[0] < 109.6 and province.layout.geo.lataxis.range[1] > 25.5


def test_ranking_bar_sorts_best_first_with_reference_lines():
    table = region_table(VALUES, REGIONS, 1, target=TARGET)
    fig = ranking_bar(table, "张/千人", 1, "zh", "title")
    assert list(fig.data[0].y) == ["北京市", "河北省", "天津市"]
    assert [s.x0 for s in fig.layout.shapes] == [table.attrs["average"], 4.5]
    wrapped = ranking_bar(table, "张/千人", 1, "zh", "a long title<br>on two lines")
    assert wrapped.layout.margin.t == fig.layout.margin.t + 20      # room above the 平均 / 目标 labels
    assert fig.layout.height == 320                                 # three bars: the smallest chart


def test_ranking_bar_gives_every_label_its_row_when_best_and_worst_20_are_shown():
    from figures.map_view import AXIS_TITLE_PX, MAX_BARS
    codes = [f"{i:02d}0000" for i in range(11, 65)]
    regions = pd.DataFrame({"code": codes, "name": [f"地区{i}" for i in range(len(codes))], "name_en": codes})
    values = pd.DataFrame({"code": codes, "value": np.arange(len(codes), dtype=float), "flag": ""})
    fig = ranking_bar(region_table(values, regions, 1), "元", 1, "zh", "两行<br>标题")
    rows = len(fig.data[0].y)
    assert rows == MAX_BARS + 1                                     # best 20, the gap, worst 20
    plot = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b - AXIS_TITLE_PX
    assert plot / rows >= 15 > fig.layout.font.size                 # 12 px labels in 15 px rows don't touch


def test_applicable_target_prefers_the_province_then_national():
    targets = pd.DataFrame([
        {"indicator": "beds", "value": 6.0, "scope": "city", "scope_code": "350200", "target_year": 2020},
        {"indicator": "beds", "value": 5.0, "scope": "province", "scope_code": "440000", "target_year": 2020},
        {"indicator": "beds", "value": 4.5, "scope": "national", "scope_code": "", "target_year": 2025}])
    assert applicable_target(targets, "beds", "440000")["value"] == 5.0
    assert applicable_target(targets, "beds", "")["value"] == 4.5
    assert applicable_target(targets, "other", "") is None


def test_fmt():
    assert fmt(5.386) == "5.386" and fmt(123456.7) == "123,457" and fmt(float("nan")) == "—"


def test_regions_located_by_position_in_the_geojson_and_clicks_mapped_back():
    from components import data
    from geo import boundaries
    codes = boundaries.browser_codes("province")
    layer = map_layer(region_table(VALUES, REGIONS, 1), ViewState(), "u", 1, "zh")
    fig = china_map(layer, "/x", national=False, bounds=(113, 36, 120, 43),
                    positions={c: i for i, c in enumerate(codes)})
    plain = [tr for tr in fig.data if tr.featureidkey == "properties.i"]
    assert len(plain) == len(fig.data) and fig.data[0].locations.dtype == np.int16
    assert [codes[i] for tr in fig.data for i in tr.locations] == ["110000", "120000", "130000", "140000"]
    assert data.region_at("province", "", codes.index("440000")) == "440000"
    assert data.region_at("province", "", "not a number") is None and data.region_at("province", "", 9999) is None
