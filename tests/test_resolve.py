"""resolve(): every fallback a page applies to a view, on its own, against the bundled store."""
from dataclasses import replace

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figures import composite as cf
from figures import profile as pf
from geo.regions import load_regions
from resolve import groupings, resolve, spending_indicators
from state import ViewState
from store.model import load_store

STORE = load_store()
REGISTRY = load_regions()


def regions(level: str, scope: str = "") -> pd.DataFrame:
    """The registry's regions at `level` (within province `scope`): what components.data.regions_in_view
    gives a page, without the boundary files."""
    at = REGISTRY[REGISTRY["level"] == level].drop_duplicates("code")
    return (at[at["province_code"] == scope] if scope else at).reset_index(drop=True)


def test_the_default_indicator_keeps_the_links_year_and_a_missing_one_starts_at_its_latest():
    first = STORE.indicators(level="province").index[0]
    years = STORE.years(first, "province")
    kept = resolve(ViewState(year=years[0]), STORE, regions)
    assert (kept.view.indicator, kept.view.year, kept.year) == (first, years[0], years[0])
    assert kept.meta.name == first and kept.years == tuple(years)
    moved = resolve(ViewState(indicator="no_such_thing", year=years[0]), STORE, regions)
    assert (moved.view.indicator, moved.view.year) == (first, years[-1])


def test_a_year_without_data_falls_back_to_the_latest():
    r = resolve(ViewState(indicator="beds_per_1000", year=2009), STORE, regions)
    assert STORE.years("beds_per_1000", "province") == [2008, 2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018,
                                                         2019]
    assert r.view.year == 2019 and r.year == 2019


def test_gap_to_target_without_a_target_shows_values_and_says_so():
    r = resolve(ViewState(indicator="beds_per_1000", year=2016, mode="gap_target"), STORE, regions)
    assert r.target is None and r.view.mode == "value" and r.notices == ("map.no_target",)
    national = pd.DataFrame([{**STORE.targets.iloc[0].to_dict(), "indicator": "beds_per_1000", "value": 4.5,
                              "scope": "national", "scope_code": "", "target_year": 2020}])
    with_target = replace(STORE, targets=pd.concat([STORE.targets, national], ignore_index=True))
    r = resolve(ViewState(indicator="beds_per_1000", year=2016, mode="gap_target"), with_target, regions)
    assert r.target["value"] == 4.5 and r.view.mode == "gap_target" and r.notices == ()
    # the same link on the gaps page keeps its mode: only the map draws it
    assert resolve(ViewState(mode="gap_target"), STORE, regions, "gaps").view.mode == "gap_target"


def test_scope_is_a_province_below_province_level_only():
    assert resolve(ViewState(level="city", scope="440000"), STORE, regions).view.scope == "440000"
    assert resolve(ViewState(level="city", scope="440100"), STORE, regions).view.scope == ""   # a city, not a province
    assert resolve(ViewState(level="province", scope="440000"), STORE, regions).view.scope == ""


def test_province_groupings_reach_cities_through_their_province():
    r = resolve(ViewState(level="city"), STORE, regions, "gaps")
    assert r.view.group == "nbs_four_regions"
    assert r.grouping["440100"] == "东部" and r.grouping["620100"] == "西部"
    assert r.grouping.index.is_unique and set(r.grouping.index) == set(regions("city")["code"])
    # a city-level grouping at province level does not apply: the first that does
    assert groupings(STORE, "province") == ["nbs_four_regions"]
    moved = resolve(ViewState(group="guangdong_regions"), STORE, regions, "gaps")
    assert moved.view.group == "nbs_four_regions"
    kept = resolve(ViewState(level="city", group="guangdong_regions"), STORE, regions, "gaps")
    outside = kept.grouping[regions("city")["province_code"].ne("440000").to_numpy()]
    assert kept.grouping["440100"] == "珠三角" and len(outside) > 300 and outside.isna().all()


def test_profile_keeps_only_regions_on_its_map_and_takes_its_own_year():
    r = resolve(ViewState(region="440000", peers="110000,440000,999999,310000", year=1990), STORE, regions,
                "profile")
    assert r.view.region == "440000" and r.view.peers == "110000,310000"
    assert r.years == tuple(pf.profile_years(STORE, "province")) and r.view.year == pf.best_year(STORE, "province")
    gone = resolve(ViewState(level="city", scope="440000", region="110000", year=2016), STORE, regions, "profile")
    assert gone.view.region == "" and gone.view.year == 2016
    many = ",".join(regions("province")["code"][:8])
    assert len(resolve(ViewState(peers=many), STORE, regions, "profile").view.peers.split(",")) == pf.MAX_PEERS


def test_composite_names_its_indicators_years_and_choices():
    default = resolve(ViewState(), STORE, regions, "composite")
    cat = cf.candidates(STORE, "province")
    assert default.indicators == tuple(cf.default_selection(cat)) and default.view.index_indicators == ""
    assert default.years == tuple(cf.common_years(STORE, default.indicators, "province"))
    assert default.view.year == default.years[-1] and default.spec == ("minmax", "equal", "linear")
    two = ["beds_per_1000", "toilets_per_10k"]
    r = resolve(ViewState(index_indicators=",".join([*two, "nope"]), index_spec="zscore.custom.topsis.2,0.5"),
                STORE, regions, "composite")
    assert r.indicators == tuple(two) and r.view.index_indicators == ",".join(two)
    assert r.spec == ("zscore", "custom", "topsis") and r.weights == (2.0, 0.5)
    health = resolve(ViewState(), STORE, regions, "composite", domain="health")
    assert health.view.index_indicators == ",".join(health.indicators)            # a domain's set is named
    assert set(health.indicators) <= set(cf.candidates(STORE, "province", "health").index)


def test_the_spending_tab_measures_spending_and_keeps_the_year():
    r = resolve(ViewState(level="city", indicator="beds_per_1000", year=2012), STORE, regions, "spending")
    spend = spending_indicators(STORE, "city")
    assert r.view.indicator == spend.index[0] and r.meta["domain"] == "fiscal" and r.view.year == 2012
    # the other tabs leave the indicator alone (the map should not open on a spending series)
    assert resolve(ViewState(indicator="beds_per_1000"), STORE, regions, "targets").view.indicator == "beds_per_1000"


URL = st.fixed_dictionaries({}, optional={
    "level": st.sampled_from(["province", "city", "county", "planet"]),
    "scope": st.sampled_from(["440000", "110000", "440100", "999999", ""]),
    "ind": st.sampled_from([*STORE.catalog.index[:12], "nope", "edu_exp_pc"]),
    "year": st.integers(1995, 2030).map(str),
    "mode": st.sampled_from(["value", "gap_avg", "gap_target", "rank"]),
    "group": st.sampled_from([*STORE.groups["id"], "other"]),
    "region": st.sampled_from(["440000", "440100", "110000", ""]),
    "peers": st.sampled_from(["110000,310000", "440100", "", "110000,110000"]),
    "inds": st.sampled_from(["beds_per_1000,toilets_per_10k", "nope", ""]),
    "index": st.sampled_from(["zscore.custom.linear.1,2", "x.y.z", ""]),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(URL, st.sampled_from(["map", "gaps", "targets", "spending", "profile", "composite", "data"]))
def test_any_link_resolves_to_a_view_the_page_can_draw_and_resolving_again_changes_nothing(params, page):
    view, _ = ViewState.from_params(params)
    r = resolve(view, STORE, regions, page)
    v = r.view
    assert ViewState.from_params(v.to_params()) == (v, [])                    # the URL written holds it
    assert resolve(v, STORE, regions, page).view == v                          # nothing left to correct
    assert v.scope == "" or (v.level != "province" and v.scope in set(regions("province")["code"]))
    if r.meta is not None:
        assert r.meta.name == v.indicator
    if page in ("map", "gaps") and r.meta is not None:
        assert v.indicator in STORE.indicators(level=v.level).index
        assert r.years == tuple(STORE.years(v.indicator, v.level))
        assert not r.years or v.year in r.years
    if page == "map":
        assert v.mode != "gap_target" or r.target is not None
    if page == "profile":
        codes = set(regions(v.level, v.scope)["code"])
        assert v.region in codes | {""} and set(filter(None, v.peers.split(","))) <= codes - {v.region}
    if page == "composite" and r.years:
        assert v.year in r.years and len(r.weights) == len(r.indicators)
    if page == "gaps" and groupings(STORE, v.level):
        assert v.group in groupings(STORE, v.level)
