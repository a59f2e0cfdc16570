"""The bundled dataset: schema, plausible ranges, hand cross-checks, flags, targets."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from geo.regions import load_regions
from store.model import BUNDLED, FLAGS

SHARED = Path(__file__).resolve().parents[2] / "shared"
needs_shared = pytest.mark.skipif(not (SHARED / "data").is_dir(),
                                  reason="raw data folder ../shared is not next to the repo")


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    return pd.read_parquet(BUNDLED / "observations.parquet")


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return pd.read_csv(BUNDLED / "indicators.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def registry() -> set[tuple[str, str]]:
    r = load_regions()
    return set(zip(r["code"], r["level"]))


def value(obs, indicator, code, year):
    r = obs[(obs.indicator == indicator) & (obs.code == code) & (obs.year == year)]
    assert len(r) == 1, (indicator, code, year)
    return r.iloc[0]


# ---------------------------------------------------------------- schema
def test_observation_schema(obs):
    assert list(obs.columns) == ["code", "level", "year", "indicator", "value", "flag", "source"]
    assert obs["value"].dtype == "float64"
    assert pd.api.types.is_integer_dtype(obs["year"])
    assert obs["code"].str.fullmatch(r"\d{6}").all()
    assert not obs.duplicated(["code", "level", "year", "indicator"]).any()
    assert obs["value"].notna().all()


def test_flags_are_documented(obs):
    used = set(obs["flag"].str.split(";").explode()) - {""}
    assert used <= set(FLAGS)


def test_every_observation_is_catalogued_and_every_indicator_has_data(obs, catalog):
    assert set(obs["indicator"]) == set(catalog["id"])
    lev = obs
    for row in catalog.itertuples():
        for level in row.levels.split(";"):
            n = ((lev.indicator == row.id) & (lev.level == level)).sum()
            assert n > 0, f"{row.id} declares {level} but has no data there"
        declared = set(row.levels.split(";"))
        present = set(lev.loc[lev.indicator == row.id, "level"])
        assert present <= declared, (row.id, present)


def test_every_code_is_in_the_registry_at_its_level_and_no_county_figures(obs, registry):
    pairs = set(zip(obs["code"], obs["level"]))
    assert pairs <= registry, sorted(pairs - registry)[:10]
    assert set(obs["level"]) == {"province", "city"}
    assert obs.loc[obs.level == "province", "code"].str.endswith("0000").all()


def test_catalog_references_resolve(catalog):
    sources = set(pd.read_csv(BUNDLED / "sources.csv")["id"])
    domains = pd.read_csv(BUNDLED / "domains.csv")
    assert set(catalog["domain"]) <= set(domains["id"])
    assert domains["id"].size == 11 and domains["order"].is_unique
    for s in catalog["source"]:
        assert set(s.split(";")) <= sources, s
    assert set(catalog["direction"]) <= {"-1", "0", "1"}
    variants = catalog[catalog["variant_of"] != ""]
    assert set(variants["variant_of"]) <= set(catalog["id"])
    assert set(variants["variant"]) <= {"urban", "rural"}
    basic = catalog.id.str.startswith("stu_teacher") & (catalog.id != "stu_teacher_college")
    assert (catalog.loc[basic, "direction"] == "-1").all()
    # outcomes and higher education are context: no better or worse
    for ind in ("population", "stu_teacher_college", "disposable_income_pc", "consumption_pc_urban"):
        assert catalog.set_index("id").loc[ind, "direction"] == "0", ind


def test_observation_sources_are_listed(obs):
    sources = set(pd.read_csv(BUNDLED / "sources.csv")["id"])
    assert set(obs["source"]) <= sources


# ---------------------------------------------------------------- plausibility
RANGES = {  # unit of the catalog; bounds any real province/city value must respect
    "stu_teacher_primary": (5, 30), "stu_teacher_junior": (5, 25),
    "stu_teacher_senior": (5, 25), "stu_teacher_college": (10, 25),
    "beds_per_1000": (1.5, 10), "beds_per_1000_urban": (2, 20), "beds_per_1000_rural": (1, 8),
    "tap_water_coverage": (40, 100), "gas_coverage": (20, 100),
    "road_area_pc": (3, 30), "buses_per_10k": (3, 30), "toilets_per_10k": (0.5, 25),
    "park_green_pc": (0.4, 25),  # 西藏 2004-05: 0.42-0.48 m² per person
    "pension_insured_per100": (2, 80), "medical_insured_per100": (5, 112),  # double enrolment > 100
    "doctors_per_1000": (0.5, 6), "nurses_per_1000": (0.3, 7), "health_workers_per_1000": (1.5, 15),
    "doctors_per_1000_urban": (0.5, 8), "doctors_per_1000_rural": (0.5, 6),
    "nurses_per_1000_urban": (0.5, 12), "nurses_per_1000_rural": (0.2, 6),
    "beds_ratio_urban_rural": (0.5, 5), "edu_funds_per_student": (1500, 45000),
    "library_books_pc": (0.1, 4), "unemployment_rate": (0.5, 7), "green_cover_built_up": (15, 50),
    "refuse_treatment_rate": (5, 100.0001), "piped_gas_share": (1, 100),
    "disposable_income_pc_urban": (15000, 80000), "disposable_income_pc_rural": (5000, 35000),
    "consumption_pc": (6000, 60000), "consumption_pc_urban": (10000, 50000),
    "consumption_pc_rural": (4000, 25000),
    "income_ratio_urban_rural": (1.5, 4), "consumption_ratio_urban_rural": (1.2, 4),
    "dibao_std_urban": (100, 600), "dibao_std_rural": (40, 400), "dibao_ratio_urban_rural": (1, 5),
    "life_expectancy": (60, 85), "natural_increase_rate": (-5, 15),
    "gen_exp_pc": (1000, 80000), "edu_exp_pc": (30, 12000), "health_exp_pc": (5, 8000),
    "edu_health_exp_pc": (50, 20000),
    "disposable_income_pc": (8000, 90000),
    "population": (0.2, 13000), "urban_share": (5, 100),  # 三沙 has about 2,300 people
}


def test_ranges_cover_the_catalog(catalog):
    assert set(RANGES) == set(catalog["id"])


@pytest.mark.parametrize("indicator", sorted(RANGES))
def test_values_within_plausible_range_or_flagged(obs, indicator):
    """Out-of-range values may stay only if a suspect_* flag says so."""
    lo, hi = RANGES[indicator]
    v = obs.loc[obs.indicator == indicator, "value"]
    bad = obs.loc[(obs.indicator == indicator) & ~v.between(lo, hi)]
    assert bad["flag"].str.contains("suspect_").all(), bad
    assert len(bad) <= 2, bad


def test_known_defects_are_flagged_not_fixed(obs):
    # 曲靖 2008 health spending: 0.86 yuan per person between 115 and 204 (a unit slip)
    r = value(obs, "health_exp_pc", "530300", 2008)
    assert r.value < 1 and "suspect_jump" in r.flag
    # 四川/重庆 2000 spending columns look swapped in the source
    for code in ("510000", "500000"):
        assert "suspect_value" in value(obs, "edu_exp_pc", code, 2000).flag
    # zero cells mean missing: 毕节 has no health spending, but has education spending
    assert obs[(obs.code == "520500") & (obs.indicator == "health_exp_pc")].empty
    assert len(obs[(obs.code == "520500") & (obs.indicator == "edu_exp_pc")]) == 13


def test_percentages_above_100_are_flagged(obs):
    from store.build import PERCENT

    over = obs[obs.indicator.isin(PERCENT) & (obs.value > 100.001)]
    assert len(over) == 4  # 北京 and 天津 tap water, 北京 and 上海 gas, all 2006
    assert set(over["year"]) == {2006} and over["flag"].str.contains("suspect_value").all()


# ---------------------------------------------------------------- hand cross-checks
def test_beijing_beds_2016_converted_to_per_1000(obs):
    # 每万人口医疗卫生机构床位数.csv 北京市 2016 = 53.861 per 10,000 (per_bed.csv of 2007-2016: 53.86)
    assert value(obs, "beds_per_1000", "110000", 2016).value == pytest.approx(5.386, abs=5e-4)


def test_spot_checks_of_the_data_readme(obs):
    pop = value(obs, "population", "440000", 2019).value            # 12,489 万 (revised)
    # 广东 2019 执业(助理)医师 29.11 万人 per 1,000 residents
    assert value(obs, "doctors_per_1000", "440000", 2019).value == pytest.approx(29.1057 / pop * 1000)
    assert round(value(obs, "doctors_per_1000", "440000", 2019).value * pop / 1000, 2) == 29.11
    # 广东 2019 城镇居民人均可支配收入 48,118 元; 北京 2022 居民人均可支配收入 77,415 元 (portal export)
    assert round(value(obs, "disposable_income_pc_urban", "440000", 2019).value) == 48118
    r = value(obs, "disposable_income_pc", "110000", 2022)
    assert (r.value, r.source) == (77415, "nbs_province_2016_2024")
    # the urban/rural ratio is the quotient of the two variants
    rural = value(obs, "disposable_income_pc_rural", "440000", 2019).value
    assert value(obs, "income_ratio_urban_rural", "440000", 2019).value == pytest.approx(48117.553211229 / rural)


def test_province_series_reach_2019_and_income_2024(obs):
    last = obs[obs.level == "province"].groupby("indicator")["year"].max()
    for ind in ("stu_teacher_primary", "beds_per_1000", "toilets_per_10k", "medical_insured_per100",
                "doctors_per_1000", "unemployment_rate", "refuse_treatment_rate"):
        assert last[ind] == 2019, ind
    assert last["disposable_income_pc"] == last["consumption_pc"] == 2024
    first = obs[obs.level == "province"].groupby("indicator")["year"].min()
    assert first["doctors_per_1000"] == first["unemployment_rate"] == 2000
    assert first["stu_teacher_primary"] == first["toilets_per_10k"] == 2004


def test_general_expenditure_per_capita_by_hand(obs):
    # xls: 北京 2016 = 6406.77 亿元; resident population 北京市 2016 = 2195 万人
    assert value(obs, "gen_exp_pc", "110000", 2016).value == pytest.approx(
        6406.77 * 1e8 / (2195 * 1e4))
    # 2005 uses the 财政支出 rows: 北京 1058.31 亿元, population 2005 from the same NBS file
    assert value(obs, "gen_exp_pc", "110000", 2005).source == "nbs_budget_expenditure"


def test_health_expenditure_per_capita_by_hand(obs):
    # provincial workbook: Guangdong 2016 health 1121.83 亿元 (2 d.p.); population 11908 万人
    assert value(obs, "health_exp_pc", "440000", 2016).value == pytest.approx(
        1121.83e8 / 11908e4, rel=1e-4)


def test_city_education_per_capita_by_hand(obs):
    # prefectural workbook: Shijiazhuang 2010 education 70.0086 亿元, population 1017.5231 万人
    r = value(obs, "edu_exp_pc", "130100", 2010)
    assert r.value == pytest.approx(70.0086e8 / 1017.5231e4, rel=1e-6)
    assert r.flag == ""  # a yearbook figure, not one the workbook derived


def test_insured_per_100_by_hand(obs):
    # 城镇基本医疗保险.csv 河北省 2016 = 6672.1288 万人 (medicare.csv: 6672.1); resident population 7375 万人
    r = value(obs, "medical_insured_per100", "130000", 2016)
    assert r.value == pytest.approx(6672.1288 / 7375 * 100)


def test_city_census_population(obs):
    # census: 广州市 2010 = 12,700,800 persons
    assert value(obs, "population", "440100", 2010).value == pytest.approx(1270.08)


def test_provincial_spending_starts_in_2000(obs):
    years = obs.loc[(obs.indicator == "edu_exp_pc") & (obs.source == "gpi_provincial_components"),
                    "year"]
    assert years.min() == 2000 and years.max() == 2018


# ---------------------------------------------------------------- flags where the README says
def test_beds_break_flagged_on_2012(obs):
    beds = obs[obs.indicator == "beds_per_1000"]
    y2012 = beds[beds.year == 2012]
    assert len(y2012) == 31
    assert y2012["flag"].str.contains("series_break").all()
    assert not beds.loc[beds.year != 2012, "flag"].str.contains("series_break").any()


def test_hebei_2016_medical_jump_flagged_and_kept(obs):
    r = value(obs, "medical_insured_per100", "130000", 2016)
    assert "suspect_jump" in r.flag.split(";")
    assert r.value > 80  # kept as published, not "fixed"
    assert value(obs, "medical_insured_per100", "130000", 2015).flag == ""


def test_jump_rule_is_applied_both_ways(obs):
    # per_mill_bus.csv 北京市: 2009 24.75, 2010 14.24, 2011 22.38
    assert "suspect_jump" in value(obs, "buses_per_10k", "110000", 2010).flag
    assert "suspect_jump" in value(obs, "buses_per_10k", "110000", 2011).flag
    assert value(obs, "buses_per_10k", "110000", 2016).flag == ""


def test_budget_reform_breaks_flagged(obs):
    for ind in ("gen_exp_pc", "edu_exp_pc", "health_exp_pc"):
        r = obs[(obs.indicator == ind) & (obs.year == 2007)]
        assert r["flag"].str.contains("series_break").all(), ind


def test_estimate_sits_exactly_on_the_cells_the_workbook_derived(obs):
    city = obs[obs.level.eq("city") & obs.indicator.isin(["edu_exp_pc", "health_exp_pc"])]
    est = city[city.flag.str.contains("estimate")]
    assert 400 < len(est) < 600 < len(city)          # a few hundred of 7,385, not all
    # 2006 health spending is each city's 2007 value times its province's 2006/2007 factor
    health06 = city[(city.indicator == "health_exp_pc") & (city.year == 2006)]
    assert health06["flag"].str.contains("estimate").mean() > 0.95
    assert not city[(city.indicator == "health_exp_pc") & (city.year == 2007)]["flag"].str.contains(
        "estimate").any()
    # 阳泉 (140300) health spending: 2014-15 carried forward from 2013 at Shanxi's growth, 2016 a yearbook figure
    flags = city[(city.code == "140300") & (city.indicator == "health_exp_pc")].set_index("year")["flag"]
    assert [("estimate" in flags[y]) for y in (2013, 2014, 2015, 2016, 2017)] == [False, True, True, False, True]
    assert not obs.loc[obs.source != "gpi_prefectural_components", "flag"].str.contains("estimate").any()


def test_education_plus_health_spending_carries_both_parts_flags(obs):
    for code, level, year in (("440100", "city", 2010), ("440000", "province", 2016), ("140300", "city", 2014)):
        parts = [obs[(obs.indicator == i) & (obs.code == code) & (obs.level == level) & (obs.year == year)].iloc[0]
                 for i in ("edu_exp_pc", "health_exp_pc")]
        both = obs[(obs.indicator == "edu_health_exp_pc") & (obs.code == code) & (obs.level == level)
                   & (obs.year == year)].iloc[0]
        assert both.value == pytest.approx(parts[0].value + parts[1].value)
        assert {f for p in parts for f in p.flag.split(";") if f} <= set(both.flag.split(";"))
    assert "estimate" in value(obs, "health_exp_pc", "140300", 2014).flag   # 阳泉, derived


def test_first_year_outlier_is_flagged_on_the_break_year_too(obs):
    # 嘉峪关 education spending 2006: 64.79 yuan per person, 1/8 of 2007 (the 2007 reform break)
    first, second = value(obs, "edu_exp_pc", "620200", 2006), value(obs, "edu_exp_pc", "620200", 2007)
    assert first.value == pytest.approx(64.79, abs=0.01)
    assert "suspect_jump" in first.flag and second.flag == "series_break;suspect_jump"


# ---------------------------------------------------------------- targets
SEED_OF_SCOPE = {"宁德市": "000_", "宝鸡市": "001_", "广东省": "002_", "厦门市": "003_",
                 "重庆市": "004_"}


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return pd.read_csv(BUNDLED / "targets.csv", dtype=str, keep_default_na=False)


def test_targets_schema(targets, catalog):
    assert list(targets.columns) == ["id", "indicator", "indicator_text", "comparator", "value",
                                     "unit", "target_year", "scope", "scope_code", "scope_name",
                                     "document", "quote"]
    assert targets["id"].is_unique
    assert set(targets["comparator"]) <= {">=", "<=", "="}
    assert set(targets["scope"]) <= {"national", "province", "city"}
    assert targets["scope_code"].str.fullmatch(r"\d{6}").all()
    assert pd.to_numeric(targets["value"]).notna().all()
    assert set(targets["indicator"]) - {""} <= set(catalog["id"])
    years = pd.to_numeric(targets["target_year"].replace("", None))
    assert years.dropna().between(2013, 2025).all()


def test_targets_include_the_known_examples(targets):
    t = targets.assign(value=pd.to_numeric(targets["value"]))

    def one(scope, text, year):
        r = t[(t.scope_name == scope) & (t.indicator_text == text) & (t.target_year == year)]
        assert len(r) == 1, (scope, text)
        return r.iloc[0]

    assert one("宁德市", "每千名老年人拥有养老床位数", "2015").value == 30
    assert one("宁德市", "城镇登记失业率", "2015").comparator == "<="
    assert one("宁德市", "人均体育场地面积", "2015").value == 1.8
    assert one("宝鸡市", "农村卫生厕所普及率", "2020").value == 85
    assert one("宝鸡市", "每万人口全科医生数", "2020").value == 2.5
    beds = one("厦门市", "千人医疗床位数", "2020")
    assert (beds.value, beds.indicator) == (6, "beds_per_1000")
    assert one("厦门市", "每千名老年人拥有养老床位数", "2020").value == 40
    gd = one("广东省", "区域间人均基本公共服务支出差距", "2020")
    assert (gd.comparator, gd.value) == ("<=", 30)
    assert (t.scope == "national").sum() == 19


@needs_shared
def test_every_quote_occurs_in_its_seed_document(targets):
    import opencc

    t2s = opencc.OpenCC("t2s")

    def norm(s: str) -> str:
        return re.sub(r"\s+", "", t2s.convert(s))

    seeds = SHARED / "seeds"
    local = targets[targets.scope != "national"]
    assert len(local) > 40
    for r in local.itertuples():
        (path,) = seeds.glob(SEED_OF_SCOPE[r.scope_name] + "*.txt")
        assert r.quote and norm(r.quote) in norm(path.read_text(encoding="utf-8")), r.id


@needs_shared
def test_national_targets_match_the_raw_file_and_have_no_baseline(targets):
    raw = pd.read_csv(SHARED / "data" / "targets" / "national_14th_fyp_2025_targets.csv")
    assert (raw["value_2020_baseline"] == "NOT FOUND").all()
    nat = targets[targets.scope == "national"]
    assert set(nat["indicator_text"]) <= set(raw["indicator_zh"])
    assert "baseline" not in " ".join(targets.columns)


# ---------------------------------------------------------------- seams
@needs_shared
def test_seams_with_the_2007_2016_panel_and_the_portal_exports_agree():
    from store import build

    compared, bad = build.check_seams(SHARED / "data", pd.read_parquet(BUNDLED / "observations.parquet"))
    assert compared > 4800
    assert bad.empty, bad


def test_flags_carried_into_urban_rural_ratios(obs):
    ratio = obs[obs.indicator == "beds_ratio_urban_rural"].set_index(["code", "year"])["flag"]
    for part in ("beds_per_1000_urban", "beds_per_1000_rural"):
        flagged = obs[(obs.indicator == part) & (obs.flag != "")].set_index(["code", "year"])["flag"]
        for key, f in flagged.items():
            if key in ratio.index:
                assert set(f.split(";")) <= set(ratio[key].split(";")), (part, key)
    assert (ratio != "").sum() > 0


def test_break_years_still_flag_outliers_against_the_median_change(obs):
    # 2006 (urban facilities' new denominator) is a series_break; 北京's 123 % tap water that year
    # is both a break and out of range
    r = value(obs, "tap_water_coverage", "110000", 2006)
    assert r.flag.split(";") == ["series_break", "suspect_value"]
    # on the 2012 beds break not every province jumps: the median change is the yardstick
    y2012 = obs[(obs.indicator == "beds_per_1000") & (obs.year == 2012)]
    assert y2012["flag"].str.contains("suspect_jump").sum() < 10


# ---------------------------------------------------------------- rebuild
@needs_shared
def test_build_reproduces_the_committed_observations(tmp_path):
    from store import build

    for name in ("indicators.csv",):  # read by the build's catalog check
        (tmp_path / name).write_bytes((BUNDLED / name).read_bytes())
    build.main(["--shared", str(SHARED / "data"), "--out", str(tmp_path)])
    fresh = pd.read_parquet(tmp_path / "observations.parquet")
    pd.testing.assert_frame_equal(fresh, pd.read_parquet(BUNDLED / "observations.parquet"))
    for gid in ("nbs_four_regions", "guangdong_regions", "chongqing_zones"):
        assert (tmp_path / "groups" / f"{gid}.csv").read_text() == \
            (BUNDLED / "groups" / f"{gid}.csv").read_text()


def test_targets_with_data_at_least_twelve():
    from figures.targets import split_targets
    from store.model import load_store

    store = load_store()
    with_data, without = split_targets(store.targets, store.catalog, store.coverage())
    assert len(with_data) >= 12
    # the national 14th FYP health-workforce targets are checkable against the provinces
    assert {"cn08", "cn09", "cn07", "nd05", "xm11"} <= set(with_data["id"])
    assert set(with_data.loc[with_data.id == "cn08", "levels"].iloc[0]) == {"province"}


def test_boundary_changes_are_series_breaks_for_those_cities(obs):
    # 简阳 moved from 资阳 to 成都 in 2016; 枞阳 from 安庆 to 铜陵 in 2016; 巢湖 split in 2011
    for code, year in (("510100", 2016), ("512000", 2016), ("340700", 2016), ("340100", 2011)):
        r = value(obs[obs.level == "city"], "edu_exp_pc", code, year)
        assert "series_break" in r.flag, (code, year)
        assert "series_break" not in value(obs[obs.level == "city"], "edu_exp_pc", code, year - 1).flag
    assert "series_break" not in value(obs[obs.level == "city"], "edu_exp_pc", "440100", 2016).flag


def test_city_population_between_censuses_is_interpolated_and_flagged(obs):
    city = obs[(obs.level == "city") & (obs.indicator == "population")]
    gz = city[city.code == "440100"].set_index("year")
    assert gz.loc[2010, "flag"] == gz.loc[2020, "flag"] == ""
    assert (gz.loc[2011:2019, "flag"] == "imputed").all()
    growth = gz["value"].loc[2010:2020].pipe(lambda v: v / v.shift()).dropna()
    assert growth.max() / growth.min() == pytest.approx(1)      # one growth rate, no 2015->2016 jump
    assert not obs.loc[obs.indicator != "population", "flag"].str.contains("imputed").any()


def test_a_misaligned_year_is_flagged_whole_and_nothing_else_is(obs):
    """小学生师比 2006: every province carries suspect_year (上海 25.93 between 14.24 and 13.87), kept as published."""
    hit = obs[obs["flag"].str.split(";").map(lambda fs: "suspect_year" in fs)]
    assert set(zip(hit["indicator"], hit["level"], hit["year"])) == {("stu_teacher_primary", "province", 2006)}
    assert len(hit) == 31
    assert value(obs, "stu_teacher_primary", "310000", 2006).value == pytest.approx(25.93)


def test_out_of_line_years_need_a_shuffled_cross_section_not_one_jump():
    from store.build import flag_out_of_line_years
    # 小学生师比 2005–2007 of twelve provinces as published: 2006 is out of line with both neighbours
    codes = ["110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000",
             "330000", "340000"]
    y2005 = [10.31, 12.98, 15.63, 18.22, 13.42, 16.30, 11.80, 13.50, 14.24, 18.56, 21.11, 22.51]
    y2006 = [9.82, 12.94, 16.34, 14.23, 17.49, 20.72, 16.48, 16.32, 25.93, 14.92, 17.47, 11.57]
    y2007 = [13.83, 13.28, 14.73, 17.14, 13.75, 15.96, 11.69, 12.84, 13.87, 16.61, 20.26, 21.57]
    rows = pd.DataFrame([(c, y, v) for y, vs in ((2005, y2005), (2006, y2006), (2007, y2007))
                         for c, v in zip(codes, vs)], columns=["code", "year", "value"])
    rows = rows.assign(indicator="stu_teacher_primary", level="province")
    flagged = flag_out_of_line_years(rows)
    assert flagged[rows["year"] == 2006].all() and not flagged[rows["year"] != 2006].any()
    # the 2005 figures again in 2006 with one region doubled: a jump (flag_jumps' business), not a shuffled year
    one_jump = rows.copy()
    one_jump.loc[one_jump["year"] == 2006, "value"] = [v * (2 if i == 0 else 1) for i, v in enumerate(y2005)]
    assert not flag_out_of_line_years(one_jump).any()
