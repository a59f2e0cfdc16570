"""Query API of store.model on the real bundled data."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from store.model import load_store


@pytest.fixture(scope="module")
def store():
    return load_store()


def test_load_is_fast():
    load_store()  # warm the file cache and imports
    t0 = time.perf_counter()
    load_store()
    assert time.perf_counter() - t0 < 1.0


def test_values_one_year_one_level(store):
    v = store.values("beds_per_1000", "province", 2016)
    assert list(v.columns) == ["code", "value", "flag", "source"]
    assert len(v) == 31 and v["code"].str.endswith("0000").all()
    assert v.set_index("code").loc["110000", "value"] == pytest.approx(5.386, abs=5e-4)  # 53.861 per 10,000
    assert store.values("beds_per_1000", "city", 2016).empty


def test_values_keep_levels_apart(store):
    prov = store.values("edu_exp_pc", "province", 2010)
    city = store.values("edu_exp_pc", "city", 2010)
    assert len(prov) == 31
    assert len(city) >= 280
    stand = city["flag"].str.endswith("stand_in")               # the four municipalities' province figures
    assert set(city.loc[stand, "code"]) == {"110100", "120100", "310100", "500000"}
    assert not set(prov["code"]) & set(city.loc[~stand, "code"])
    assert city.loc[~stand, "source"].eq("gpi_prefectural_components").all()
    assert not city["flag"].str.contains("estimate").any()    # 2010: all yearbook figures


def test_panel_and_years(store):
    p = store.panel("beds_per_1000", "province")
    assert p.shape == (31, 11)
    assert list(p.columns) == store.years("beds_per_1000", "province")
    assert store.years("beds_per_1000", "province") == [2008, *range(2010, 2020)]
    assert 2009 not in p.columns  # blank in the source for every province
    assert p.loc["110000", 2011] == pytest.approx(7.396, abs=5e-4)
    f = store.flags("beds_per_1000", "province")
    assert (f[2012].str.contains("series_break")).all()
    assert store.years("population", "city") == list(range(2010, 2021))  # 2011-2019 interpolated


def test_indicators_filter_by_level_and_domain(store):
    city = store.indicators(level="city")
    assert set(city["id"]) == {"edu_exp_pc", "health_exp_pc", "edu_health_exp_pc", "population", "urban_share"}
    edu = store.indicators(domain="education")
    assert set(edu["id"]) == {"stu_teacher_primary", "stu_teacher_junior", "stu_teacher_senior",
                              "stu_teacher_college", "edu_funds_per_student"}
    assert store.catalog.loc["stu_teacher_primary", "direction"] == -1
    # domain order: education (2) before fiscal (10)
    ids = list(store.indicators()["id"])
    assert ids.index("stu_teacher_primary") < ids.index("gen_exp_pc")


def test_groupings(store):
    nbs = store.grouping("nbs_four_regions")
    assert len(nbs) == 31 and nbs["110000"] == "东部" and nbs["210000"] == "东北"
    assert nbs.value_counts().to_dict() == {"西部": 12, "东部": 10, "中部": 6, "东北": 3}
    gd = store.grouping("guangdong_regions")
    assert gd.value_counts().to_dict() == {"珠三角": 9, "粤北": 5, "粤东": 4, "粤西": 3}
    assert gd["440100"] == "珠三角" and gd["440500"] == "粤东"
    assert store.grouping("guangdong_regions", "en")["440100"] == "Pearl River Delta"
    cq = store.grouping("chongqing_zones")
    assert len(cq) == 38 and cq.index.str.startswith("50").all()
    assert cq["500103"] == "都市功能核心区"  # 渝中区
    assert cq.value_counts()["城市发展新区"] == 12
    assert set(store.groups["level"]) == {"province", "city", "county"}


def test_population_nearest_year(store):
    p = store.population("province", 2016)
    assert len(p) == 31 and p["110000"] == pytest.approx(2195e4)
    c = store.population("city", 2008)  # nearest: the 2010 census
    assert c["440100"] == pytest.approx(12_700_800)
    c = store.population("city", 2012)  # between the censuses at a constant growth rate
    assert c["440100"] == pytest.approx(12_700_800 * (18_676_605 / 12_700_800) ** 0.2, rel=1e-6)
    c = store.population("city", 2020)
    assert c["440100"] == pytest.approx(18_676_605)


def test_coverage_table(store):
    cov = store.coverage().set_index(["indicator", "level"])
    beds = cov.loc[("beds_per_1000", "province")]
    assert (beds.regions, beds.first_year, beds.last_year, beds.years) == (31, 2008, 2019, 11)
    assert beds.share_missing == pytest.approx(0)
    assert beds.flagged >= 31
    assert 0 < cov.loc[("beds_per_1000_rural", "province")].share_missing < 0.1
    assert ("edu_exp_pc", "city") in cov.index


def test_extra_user_dataset_merges_and_cannot_replace_official(store):
    obs = pd.DataFrame({"code": ["110000", "120000"], "year": [2020, 2020],
                        "indicator": ["user_libraries", "user_libraries"], "value": [1.5, 2.0],
                        "flag": ["", ""], "source": ["user:demo", "user:demo"]})
    cat = pd.DataFrame([{"id": "user_libraries", "name_zh": "公共图书馆", "name_en": "Libraries",
                         "domain": "culture_sports", "direction": 1, "levels": "province"}])
    s = load_store(extra=[(obs, cat, pd.DataFrame())])
    v = s.values("user_libraries", "province", 2020)
    assert v["value"].tolist() == [1.5, 2.0]
    assert s.catalog.loc["user_libraries", "direction"] == 1
    assert len(s.observations) == len(store.observations) + 2
    # level from the catalog when it names one: 500000 is also the province code
    city = cat.assign(id="user_city", levels="city")
    s2 = load_store(extra=[(obs.assign(code="500000", indicator="user_city").iloc[:1], city, pd.DataFrame())])
    assert s2.values("user_city", "city", 2020)["code"].tolist() == ["500000"]
    assert s2.values("user_city", "province", 2020).empty
    clash = cat.assign(id="beds_per_1000")
    with pytest.raises(ValueError, match="beds_per_1000"):
        load_store(extra=[(obs.assign(indicator="beds_per_1000"), clash, pd.DataFrame())])


def test_targets_loaded_with_types(store):
    t = store.targets
    assert t["value"].dtype == "float64"
    assert str(t["target_year"].dtype) == "Int64"
    mapped = t[t["indicator"] != ""]
    assert set(mapped["indicator"]) <= set(store.catalog.index)


def test_series_split_once_equals_filtering_the_whole_table(store):
    o = store.observations
    for (indicator, level), rows in list(store._series.items())[::7]:
        expected = o[(o["indicator"] == indicator) & (o["level"] == level)]
        pd.testing.assert_frame_equal(store._rows(indicator, level), expected)
    assert store._rows("no such indicator", "province").empty
    assert list(store._rows("no such indicator", "province").columns) == list(o.columns)
    assert store.grouping("nbs_four_regions").equals(store.grouping("nbs_four_regions"))


def test_municipalities_show_their_province_figure_on_city_maps_flagged(store):
    city, prov = (store.values("edu_exp_pc", level, 2016).set_index("code") for level in ("city", "province"))
    for province, entry in (("110000", "110100"), ("120000", "120100"), ("310000", "310100"), ("500000", "500000")):
        assert city.loc[entry, "value"] == prov.loc[province, "value"]
        assert city.loc[entry, "flag"].split(";")[-1] == "stand_in"
    assert (city["flag"] == "stand_in").sum() == 4                       # no other city is a stand-in
    # a city series that has the municipality keeps its own figure (the census-based city population)
    assert store.values("population", "city", 2016).set_index("code").loc["110100", "flag"] == "imputed"
    rows = store.observations[(store.observations["indicator"] == "edu_exp_pc")
                              & (store.observations["level"] == "city")]
    stand = rows["flag"].str.endswith("stand_in")                      # no year the city series lacks
    assert set(rows.loc[stand, "year"]) == set(rows.loc[~stand, "year"])
    # a city figure that exists is never replaced; a count (not a rate) is never stood in for
    from store.model import _municipality_stand_ins
    obs = pd.DataFrame({"indicator": ["edu_exp_pc", "edu_exp_pc", "schools", "schools"],
                        "code": ["110000", "110100", "110000", "310000"], "level": ["province", "city"] * 2,
                        "year": 2016, "value": [1.0, 2.0, 3.0, 4.0], "flag": ["", "", "", ""], "source": "s"})
    cat = pd.DataFrame({"id": ["edu_exp_pc", "schools"], "unit_zh": ["元/人", "所"], "levels": ["province;city"] * 2})
    out = _municipality_stand_ins(obs, cat)
    assert len(out) == 4 and out.loc[(out["code"] == "110100"), "value"].tolist() == [2.0]
