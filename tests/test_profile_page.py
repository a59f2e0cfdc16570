"""Region profile: where a region stands (percentile, gaps), its trends against the averages, its
rank history — checked on a four-province store with NBS 2015–2016 figures, then the page itself
in AppTest against the bundled store."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.apptest import figure_array, figures as _figures

from figures import profile as pf
from geo.regions import load_regions
from metrics.gaps import gap_to_average
from store.model import BUNDLED, Store, load_store

CODES = ["110000", "120000", "130000", "140000"]          # 北京 天津 河北 山西
# NBS 分省年度数据, 2016 and 2015 (beds per 10,000 ÷ 10).
NBS = {
    "beds_per_1000": {2016: [5.386, 4.215, 4.826, 5.152], 2015: [5.140, 4.117, 4.607, 5.000]},
    "stu_teacher_primary": {2016: [14.05, 15.19, 17.66, 13.24], 2015: [14.35, 14.98, 17.59, 13.12]},
    "toilets_per_10k": {2016: [2.87, 1.44, 3.15, 3.14], 2015: [2.88, 1.52, 3.72, 2.93]},
    "population": {2016: [2173, 1562, 7470, 3682], 2015: [2171, 1547, 7425, 3664]},
}


def tiny_store() -> tuple[Store, pd.DataFrame]:
    """The bundled catalog, domains and targets with four provinces' NBS figures as observations."""
    rows = [(code, year, ind, v, "", "nbs_province_2007_2016")
            for ind, by_year in NBS.items() for year, values in by_year.items() for code, v in zip(CODES, values)]
    obs = pd.DataFrame(rows, columns=["code", "year", "indicator", "value", "flag", "source"]).assign(level="province")
    cat = pd.read_csv(BUNDLED / "indicators.csv", dtype=str, keep_default_na=False)
    cat["direction"] = cat["direction"].astype(int)
    cat = cat[cat["id"].isin(NBS)].set_index("id", drop=False).rename_axis(None)
    targets = pd.read_csv(BUNDLED / "targets.csv", dtype={"scope_code": str, "indicator": str},
                          keep_default_na=False, na_values={"value": [""], "target_year": [""]})
    targets = targets[targets["indicator"].isin(["", *NBS])]
    store = Store(observations=obs, catalog=cat, domains=pd.read_csv(BUNDLED / "domains.csv"), targets=targets,
                  groups=pd.DataFrame(columns=["id", "name_zh", "name_en", "level", "file"]),
                  sources=pd.read_csv(BUNDLED / "sources.csv", dtype=str, keep_default_na=False))
    regions = load_regions()
    regions = regions[regions["code"].isin(CODES)].drop_duplicates("code").reset_index(drop=True)
    return store, regions


@pytest.fixture(scope="module")
def tiny():
    return tiny_store()


def _pop(store, year):
    return store.population("province", year)


def test_standing_ranks_percentiles_and_gaps_follow_direction(tiny):
    store, regions = tiny
    rows = pf.standing(store, "province", ["110000"], 2016, regions, _pop(store, 2016), "zh").set_index("indicator")
    # Beds, higher is better: 北京 5.386 is the highest of four -> rank 1, percentile 100.
    assert rows.loc["beds_per_1000", "rank"] == 1 and rows.loc["beds_per_1000", "percentile"] == 100
    # Pupils per teacher, lower is better: 山西 13.24 < 北京 14.05 < 天津 < 河北 -> rank 2, (4-2)/3.
    assert rows.loc["stu_teacher_primary", "rank"] == 2
    assert rows.loc["stu_teacher_primary", "percentile"] == pytest.approx(200 / 3)
    # Toilets: 河北 3.15 > 山西 3.14 > 北京 2.87 > 天津 1.44 -> rank 3, percentile 33.3.
    assert rows.loc["toilets_per_10k", "percentile"] == pytest.approx(100 / 3)
    # The gap is the engine's population-weighted gap, signed so that + = better.
    pop = np.array(NBS["population"][2016], float) * 1e4
    g = gap_to_average(NBS["stu_teacher_primary"][2016], weights=pop, direction=-1)
    assert rows.loc["stu_teacher_primary", "gap_avg"] == pytest.approx(g.gap[0])
    assert rows.loc["stu_teacher_primary", "gap_avg"] > 0          # below the average ratio = better
    assert rows.loc["stu_teacher_primary", "average"] == pytest.approx(g.reference)
    # Population is context: a value, but no better side.
    assert rows.loc["population", "value"] == 2173 and np.isnan(rows.loc["population", "percentile"])


def test_missing_year_falls_back_to_latest_earlier_year(tiny):
    store, regions = tiny
    rows = pf.standing(store, "province", ["140000"], 2020, regions, None, "en").set_index("indicator")
    assert (rows["year"] == 2016).all()
    rows = pf.standing(store, "province", ["140000"], 2015, regions, None, "en").set_index("indicator")
    assert rows.loc["beds_per_1000", "value"] == pytest.approx(5.0) and (rows["year"] == 2015).all()


def test_headline_counts_indicators_in_the_better_half(tiny):
    store, regions = tiny
    rows = pf.standing(store, "province", ["110000"], 2016, regions, None, "zh")
    assert pf.headline(rows, "北京市", 2016, "zh") == "北京市 · 2016年：3 项指标中有 2 项位于同级 4 个地区的前一半"
    assert "better half of 4 peers on 2 of 3" in pf.headline(rows, "Beijing", 2016, "en")


def test_standing_figure_carries_percentiles_per_region(tiny):
    store, regions = tiny
    rows = pf.standing(store, "province", ["110000", "140000"], 2016, regions, None, "zh")
    fig = pf.standing_figure(rows, "zh", "title")
    assert [tr.name for tr in fig.data] == ["北京市", "山西省"]
    scored = rows.dropna(subset=["percentile"])
    for trace, code in zip(fig.data, ["110000", "140000"]):
        assert list(trace.x) == pytest.approx(scored.loc[scored["code"] == code, "percentile"].tolist())
    # 山西 has the best pupil ratio (13.24): percentile 100.
    sx = scored[(scored["code"] == "140000") & (scored["indicator"] == "stu_teacher_primary")]
    assert sx["percentile"].item() == 100


def test_profile_and_peer_tables(tiny):
    store, regions = tiny
    rows = pf.standing(store, "province", ["110000", "130000"], 2016, regions, None, "en")
    table = pf.profile_table(rows, "110000", "en")
    beds = table[table["Indicator"].str.contains("beds")].iloc[0]
    assert beds["Rank"] == "1 / 4" and beds["Value"] == pytest.approx(5.386) and beds["Better"] == "↑"
    side = pf.peer_table(rows, "en")
    assert list(side.columns[-2:]) == ["Beijing", "Hebei"]
    assert side.loc[side["Indicator"].str.contains("beds"), "Hebei"].item() == pytest.approx(4.826)


def test_trend_frame_averages_are_the_engines(tiny):
    store, regions = tiny
    groups = pd.Series({"110000": "东部", "120000": "东部", "130000": "东部", "140000": "中部"})
    frame = pf.trend_frame(store, "beds_per_1000", "province", ["110000", "140000"], regions, groups, "zh")
    at = frame[frame["year"] == 2016].set_index("series")["value"]
    pop = np.array(NBS["population"][2016], float)
    beds = np.array(NBS["beds_per_1000"][2016])
    assert at["__avg__"] == pytest.approx(np.dot(beds, pop) / pop.sum())
    assert at["__group__"] == pytest.approx(np.dot(beds[:3], pop[:3]) / pop[:3].sum())   # 东部 only
    assert at["北京市"] == 5.386 and at["山西省"] == 5.152
    assert frame.attrs["group"] == "东部"
    title = pf.trend_title(frame, "北京市", "床位", "zh")
    assert "2015年 5.14" in title and "2016年 5.386" in title
    fig = pf.trend_figure(frame, "张/千人", "zh", title, "东部")
    assert [tr.name for tr in fig.data] == ["北京市", "山西省", "同级平均", "东部平均"]


def test_rank_history_per_indicator_and_year(tiny):
    store, regions = tiny
    hist = pf.rank_history(store, "province", "110000", regions, "en")
    beds = [i for i in hist.index if "beds" in i][0]
    pupils = [i for i in hist.index if "Primary" in i][0]
    toilets = [i for i in hist.index if "toilets" in i][0]
    assert hist.loc[beds].tolist() == [1, 1]
    assert hist.loc[pupils].tolist() == [2, 2]
    assert hist.loc[toilets].tolist() == [3, 3]     # 2015: 3.72, 2.93, 2.88 (北京), 1.52
    assert hist.attrs["n"].loc[beds].tolist() == [4, 4]
    fig = pf.rank_history_figure(hist, "en", "t")
    assert fig.data[0].z.shape == (3, 2)


def test_best_year_is_latest_with_most_indicators(tiny):
    store, _ = tiny
    assert pf.best_year(store, "province") == 2016
    assert pf.profile_years(store, "province") == [2015, 2016]


# ── the page in AppTest, against the bundled store ───────────────────────────

needs_bundle = pytest.mark.skipif(not (BUNDLED / "observations.parquet").exists(),
                                  reason="bundled observations not built yet (python -m store.build)")
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def array(value) -> list:
    return figure_array(value).tolist()


@needs_bundle
def test_profile_page_shows_the_engines_numbers_for_beijing():
    from streamlit.testing.v1 import AppTest
    from figures import composite as cf
    from geo import boundaries
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"region": "110000", "year": "2016"})
    at.run()
    at.switch_page("views/profile.py").run()
    assert not at.exception, [e.value for e in at.exception]
    store = load_store()
    regions = load_regions()
    drawn = set(boundaries.load_boundaries("province", "overview")["code"])
    regions = regions[regions["code"].isin(drawn)].drop_duplicates("code").reset_index(drop=True)
    rows = pf.standing(store, "province", ["110000"], 2016, regions, store.population("province", 2016), "zh")
    assert at.markdown[0].value == "### " + pf.headline(rows, "北京市", 2016, "zh")
    standing = _figures(at)[0]
    scored = rows.dropna(subset=["percentile"])
    assert array(standing["data"][0]["x"]) == pytest.approx(scored["percentile"].tolist())
    choice = cf.default_choice(store, "province", 2016)
    result = cf.build_index(store, choice, "province", regions, "zh")
    rank = int(result.table.set_index("code").loc["110000", "rank"])
    assert any(m.value.startswith(f"{rank} / ") for m in at.metric)
    assert at.multiselect(key="w_peers").proto.placeholder == "请选择"          # not Streamlit's English default


@needs_bundle
def test_profile_page_without_region_explains_itself_in_english():
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"lang": "en"})
    at.run()
    at.switch_page("views/profile.py").run()
    assert not at.exception
    assert any("Pick a region" in i.value for i in at.info)


def test_rank_history_title_counts_moves_between_first_and_last_year(tiny):
    store, regions = tiny
    hist = pf.rank_history(store, "province", "130000", regions, "zh")
    # 河北 keeps its ranks in 2015 and 2016: beds 3rd, pupils 4th, toilets 1st.
    assert hist.to_numpy().tolist() == [[4, 4], [3, 3], [1, 1]]
    assert pf.rank_history_title(hist, "河北省", "zh").endswith("3 项指标中 0 项末年排名高于首年，0 项下降")
    # Give 天津 4.0 toilets per 10,000 in 2016: 天津 climbs 4th -> 1st, 河北 drops 1st -> 2nd.
    from dataclasses import replace
    obs = store.observations.copy()
    obs.loc[(obs["code"] == "120000") & (obs["indicator"] == "toilets_per_10k") & (obs["year"] == 2016), "value"] = 4.0
    moved = replace(store, observations=obs)
    assert pf.rank_history_title(pf.rank_history(moved, "province", "120000", regions, "en"), "Tianjin", "en") \
        .endswith("1 of 3 indicators rank better in the last year than the first, 0 worse")
    assert pf.rank_history_title(pf.rank_history(moved, "province", "130000", regions, "en"), "Hebei", "en") \
        .endswith("0 of 3 indicators rank better in the last year than the first, 1 worse")


def test_indicator_note_cites_source_unit_caveat_and_flags(tiny):
    store, regions = tiny
    from dataclasses import replace
    obs = store.observations.copy()
    obs.loc[(obs["code"] == "130000") & (obs["indicator"] == "beds_per_1000") & (obs["year"] == 2016),
            "flag"] = "suspect_jump"
    note = pf.indicator_note(replace(store, observations=obs), store.catalog.loc["beds_per_1000"], "province",
                             ["110000", "130000"], "zh")
    assert "国家统计局" in note and "张/千人" in note and "异常跳变 (2016)" in note
    assert "⚑" not in pf.indicator_note(store, store.catalog.loc["beds_per_1000"], "province", ["110000"], "zh")


def test_group_name_follows_the_language():
    store = load_store() if (BUNDLED / "observations.parquet").exists() else None
    if store is None:
        pytest.skip("bundled observations not built yet")
    assert pf.group_name(store, "nbs_four_regions", "西部", "en") == "West"
    assert pf.group_name(store, "nbs_four_regions", "西部", "zh") == "西部"
    assert pf.group_name(store, "no_such_grouping", "西部", "en") == "西部"


def test_a_national_target_gives_gap_and_attainment(tiny):
    store, regions = tiny
    from dataclasses import replace
    target = {"id": "t1", "indicator": "beds_per_1000", "indicator_text": "床位", "comparator": ">=", "value": 5.0,
              "unit": "张/千人", "target_year": 2020, "scope": "national", "scope_code": "", "scope_name": "全国",
              "document": "doc", "quote": "q"}
    with_target = replace(store, targets=pd.DataFrame([target]))
    rows = pf.standing(with_target, "province", ["120000", "140000"], 2016, regions, None, "zh")
    beds = rows[rows["indicator"] == "beds_per_1000"].set_index("code")
    assert beds.loc["120000", "gap_target"] == pytest.approx(4.215 - 5.0) and not beds.loc["120000", "meets"]
    assert beds.loc["140000", "gap_target"] == pytest.approx(0.152) and beds.loc["140000", "meets"]
    table = pf.profile_table(rows, "140000", "zh")
    assert table.loc[table["指标"].str.contains("床位"), "目标"].item() == ">= 5"
    table = pf.profile_table(pf.standing(store, "province", ["140000"], 2016, regions), "140000", "zh")
    assert "目标" not in table.columns
