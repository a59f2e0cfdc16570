"""The map page's pure layer: region table, colours by mode, hover text, ranking bar — real numbers in, checked out."""
import numpy as np
import pandas as pd

from figures.china_map import MapLayer, china_map
from figures.map_view import applicable_target, fmt, map_layer, ranking_bar, region_table
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
    assert "无数据" in layer.hover[3] and "异常跳变" in layer.hover[2]


def test_gap_mode_is_diverging_with_neutral_centre():
    table = region_table(VALUES, REGIONS, 1)
    layer = map_layer(table, ViewState(mode="gap_avg", scheme="continuous"), "张", 1, "en")
    assert layer.midpoint == 0.0 and "positive = better" in layer.legend_title


def test_hover_text_escapes_markup_in_names():
    regions = REGIONS.assign(name=["<img src=x onerror=alert(1)>", "b", "c", "d"])
    table = region_table(VALUES, regions, 1)
    layer = map_layer(table, ViewState(), "u", 1, "zh")
    assert "<img" not in layer.hover[0] and "&lt;img" in layer.hover[0]


def test_figure_carries_codes_not_geometry_and_inset_only_for_national_view():
    table = region_table(VALUES, REGIONS, 1)
    layer = map_layer(table, ViewState(), "u", 1, "zh")
    fig = china_map(layer, "/app/static/geo/x.geojson", national=True, inset_codes={"130000"},
                    maritime={"type": "MultiLineString", "coordinates": [[[110, 10], [111, 11]]]})
    assert fig.data[0].geojson == "/app/static/geo/x.geojson"
    assert list(fig.data[0].locations) == ["110000", "120000", "130000"]
    assert fig.layout.geo.projection.type == "conic equal area"
    assert list(fig.layout.geo.projection.parallels) == [25, 47]
    inset = [tr for tr in fig.data if tr.geo == "geo2" and tr.type == "choropleth"]
    assert [list(tr.locations) for tr in inset] == [["130000"]]
    assert len(fig.to_json()) < 20_000
    province = china_map(layer, "/x", national=False, bounds=(109.6, 20.2, 117.3, 25.5))
    assert "geo2" not in province.layout and province.layout.geo.projection.rotation.lon == (109.6 + 117.3) / 2
    assert province.layout.geo.lonaxis.range[0] < 109.6 and province.layout.geo.lataxis.range[1] > 25.5


def test_ranking_bar_sorts_best_first_with_reference_lines():
    table = region_table(VALUES, REGIONS, 1, target=TARGET)
    fig = ranking_bar(table, "张/千人", 1, "zh", "title")
    assert list(fig.data[0].y) == ["北京市", "河北省", "天津市"]
    assert [s.x0 for s in fig.layout.shapes] == [table.attrs["average"], 4.5]


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
