"""The targets page: attainment, pace and the spending-gap line carry the engine's numbers,
on real NBS figures and the real targets table; the page itself runs in AppTest."""
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from figures import targets as ft
from metrics.convergence import years_to_target
from metrics.gaps import share_meeting_target, spending_gap

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "bundled"
from tests.nbs_samples import BEDS, CODES, YEARS  # noqa: E402
from tests.apptest import figure_array as _arr, figures, open_page  # noqa: E402
REGIONS = pd.DataFrame({"code": CODES + ["310000"],
                        "name": ["北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
                                 "上海市"],
                        "name_en": ["Beijing", "Tianjin", "Hebei", "Shanxi", "Inner Mongolia", "Liaoning", "Jilin",
                                    "Heilongjiang", "Shanghai"]})
POP_2016 = pd.Series([2195, 1562, 7375, 3682, 2520, 4377, 2733, 3799], index=CODES, dtype=float) * 1e4


def real_targets() -> pd.DataFrame:
    t = pd.read_csv(BUNDLED / "targets.csv", dtype={"scope_code": str, "indicator": str}, keep_default_na=False,
                    na_values={"value": [""], "target_year": [""]})
    t["target_year"] = t["target_year"].astype("Int64")
    return t


def beds_target() -> pd.Series:
    t = real_targets()
    return t[t["id"] == "xm03"].iloc[0]          # 厦门: 每千人口医疗卫生机构床位数 ≥ 6 by 2020


def test_direction_follows_the_comparator():
    assert ft.direction_of(">=", -1) == 1 and ft.direction_of("<=", 1) == -1
    assert ft.direction_of("=", -1) == -1 and ft.direction_of("=", 0) == 1


def test_targets_split_by_whether_their_indicator_has_data():
    catalog = pd.read_csv(BUNDLED / "indicators.csv", dtype=str, keep_default_na=False).set_index("id", drop=False)
    coverage = pd.DataFrame({"indicator": ["beds_per_1000", "park_green_pc", "edu_exp_pc"],
                             "level": ["province", "province", "city"]})
    targets = real_targets()
    with_data, without = ft.split_targets(targets, catalog, coverage)
    assert with_data["id"].tolist() == ["xm03", "xm09"]
    assert with_data["levels"].tolist() == [["province"], ["province"]]
    assert len(without) == len(targets) - 2 and "xm37" in set(without["id"]) and "gd01" in set(without["id"])


def test_attainment_table_and_shares_are_the_engines():
    target = beds_target()
    values = pd.DataFrame({"code": CODES, "value": BEDS[2016].to_numpy(), "flag": "", "source": "nbs"})
    table, share = ft.attainment(values, REGIONS, target, 1, POP_2016, "zh")
    ref = share_meeting_target(BEDS[2016].to_numpy(), 6.0, ">=", weights=POP_2016.to_numpy(), direction=1)
    assert share.n_meeting == ref.n_meeting == 1                      # only 辽宁 (6.496) has 6 beds per 1,000
    assert share.share_population == pytest.approx(ref.share_population)
    assert share.share_population == pytest.approx(4377 / POP_2016.sum() * 1e4)
    assert table.set_index("code")["status"].to_dict()["210000"] == "met"
    assert table.set_index("code")["status"].to_dict()["310000"] == "no_data"
    assert table.set_index("code").loc["120000", "gap_target"] == pytest.approx(4.215 - 6)
    layer = ft.attainment_layer(table, ft.pace(BEDS, 6.0, 1), "张/千人", "zh")
    assert layer.class_labels == ["已达标 (1)", "未达标 (7)"] and np.isnan(layer.values[-1])
    assert "距目标 -1.79 张/千人" in layer.hover[1]


def test_pace_is_years_to_target_rounded_up_from_the_latest_year():
    reach = ft.pace(BEDS, 6.0, 1)
    ref = years_to_target(BEDS.to_numpy(), YEARS, 6.0, 1)
    assert reach["status"].tolist() == ref.status.tolist()
    for i, status in enumerate(ref.status):
        if status == "on_track":
            assert reach["reach_year"][i] == 2016 + math.ceil(ref.years_needed[i])
    assert reach.set_index("code").loc["210000", "reach_year"] == 2016          # already met
    sentence = ft.pace_sentence(reach, 8, beds_target(), "张/千人", "province", "zh")
    k = int(np.isin(ref.status, ["met", "on_track"]).sum())
    last = int(reach["reach_year"].max())
    assert sentence == f"按目前的速度，8个省级地区中有{k}个将在{last}年前达到≥ 6 张/千人"
    # 天津 adds about 0.1 bed a year from 4.2: the slowest, so the last year is 天津's
    assert last == reach.set_index("code").loc["120000", "reach_year"]
    fig = ft.pace_figure(reach, REGIONS.set_index("code")["name"], 2020, "zh", "t")
    xs = {name: x for tr in fig.data for name, x in zip(tr.y, tr.x)}
    assert xs["天津市"] == last and xs["辽宁省"] == 2016


def test_spending_gap_line_over_real_per_capita_spending():
    # 地方财政一般预算支出 (亿元) ÷ 年末人口 (万人) × 1e4 = 元/人, 2015 and 2016: 福建 湖南 广东 广西 海南
    spend = pd.DataFrame({2015: [4001.58, 5728.72, 12827.80, 4065.51, 1239.43],
                          2016: [4275.40, 6339.16, 13446.09, 4441.70, 1376.48]},
                         index=["350000", "430000", "440000", "450000", "460000"])
    pop = pd.DataFrame({2015: [3839, 6783, 10849, 4796, 911], 2016: [3874, 6822, 10999, 4838, 917]},
                       index=spend.index, dtype=float)
    per_capita = spend / pop * 1e4
    threshold, row = ft.spending_threshold(real_targets())
    assert threshold == pytest.approx(0.30) and "30%以内" in row["quote"]
    for definition in ("range_over_mean", "max_over_min", "cv"):
        frame = ft.spending_gap_by_year(per_capita, definition, threshold)
        for year in (2015, 2016):
            ref = spending_gap(per_capita[year].to_numpy(), definition, threshold)
            got = frame.set_index("year").loc[year]
            assert got["gap"] == pytest.approx(ref.value) and got["within_threshold"] == ref.within_threshold
    frame = ft.spending_gap_by_year(per_capita, "range_over_mean", threshold)
    title = ft.spending_title(frame, "range_over_mean", threshold, "人均一般公共预算支出", "华南", "zh")
    gap16 = frame["gap"].iloc[-1]
    assert f"{gap16:.0%}" in title and "（最大值 − 最小值）÷ 平均值" in title
    assert ("超出" in title) == (gap16 > 0.30)
    fig = ft.spending_gap_figure(frame, "range_over_mean", threshold, title, "zh")
    assert np.allclose(fig.data[0].y, frame["gap"]) and fig.layout.shapes[0].y0 == pytest.approx(0.30)
    # fewer than two regions in a year: no gap that year
    assert ft.spending_gap_by_year(per_capita.iloc[:1], "cv", threshold).empty


# ── the page in AppTest, against the bundled store ───────────────────────────

needs_bundle = pytest.mark.skipif(not (BUNDLED / "observations.parquet").exists(),
                                  reason="bundled observations not built yet (python -m store.build)")
APP = str(ROOT / "app.py")


def _page(params: dict, tab: str | None = None):
    # straight to the page: the link a presenter shares
    return open_page("views/targets.py", params, {"targets-tab": tab} if tab is not None else None)


@needs_bundle
def test_targets_page_states_the_pace_for_the_first_target_with_data():
    from components.data import regions_in_view
    from store.model import load_store
    at = _page({})
    store = load_store()
    with_data, without = ft.split_targets(store.targets, store.catalog, store.coverage())
    row = with_data.iloc[0]
    level = row["levels"][0]
    regions = regions_in_view(level, "")
    panel = store.panel(row["indicator"], level).reindex(regions["code"]).dropna(how="all").dropna(axis=1, how="all")
    reach = ft.pace(panel, float(row["value"]), ft.direction_of(row["comparator"], 1))
    unit = store.catalog.loc[row["indicator"], "unit_zh"]
    n = int(panel[panel.columns.max()].notna().sum())
    sentence = ft.pace_sentence(reach, n, row, unit, level, "zh")
    assert any(sentence in m.value for m in at.markdown)
    # 宁德's unemployment target (≤ 4 % by 2015): 30 provinces already meet it in 2019, 辽宁 never at its trend.
    # Nobody is still on the way, so the page says "already", not "at this pace … by 2019"
    assert sentence == "31个省级地区中已有30个达到≤ 4 %（2019年数据）；1个按目前趋势永远达不到"
    assert any(str(row["quote"]) in m.value for m in at.markdown)
    pace = figures(at)[1]
    xs = [x for trace in pace["data"] for x in _arr(trace["x"])]
    assert max(xs) >= reach["reach_year"].max()


@needs_bundle
def test_targets_page_spending_gap_is_the_engines_and_missing_targets_are_listed():
    from components.data import regions_in_view
    from store.model import load_store
    at = _page({"ind": "gen_exp_pc"}, tab="广东区域支出差距")
    store = load_store()
    regions = regions_in_view("province", "")
    panel = store.panel("gen_exp_pc", "province").reindex(regions["code"]).dropna(how="all")
    frame = ft.spending_gap_by_year(panel, "range_over_mean", 0.30)
    fig = figures(at)[0]
    assert _arr(fig["data"][0]["y"]) == pytest.approx(frame["gap"].to_numpy())
    assert "（最大值 − 最小值）÷ 平均值" in fig["layout"]["title"]["text"]
    with_data, without = ft.split_targets(store.targets, store.catalog, store.coverage())
    without = without[without["id"] != ft.SPENDING_TARGET_ID]           # measured on its own tab
    at = _page({"lang": "en"}, tab=f"Targets without data ({len(without)})")
    assert len(at.dataframe[0].value) == len(without) and "gd01" not in set(with_data["id"])


@needs_bundle
def test_targets_page_guangdong_button_computes_the_gap_over_its_cities():
    from components.data import regions_in_view
    from store.model import load_store
    at = _page({}, tab="广东区域支出差距")
    at.button(key="targets-gap-gd").click().run()
    assert not at.exception, [e.value for e in at.exception]
    view = at.session_state["view"]
    assert (view.level, view.scope) == ("city", "440000")
    store = load_store()
    regions = regions_in_view("city", "440000")
    panel = store.panel(view.indicator, "city").reindex(regions["code"]).dropna(how="all")
    assert 19 <= len(panel) <= 21                       # 广东's prefecture-level cities with spending figures
    frame = ft.spending_gap_by_year(panel, "range_over_mean", 0.30)
    fig = figures(at)[0]
    assert _arr(fig["data"][0]["y"]) == pytest.approx(frame["gap"].to_numpy())
    # the caption counts the estimates among the figures shown (exactly the cells the workbook derived)
    flags = store.flags(view.indicator, "city").reindex(panel.index)
    k = int(flags.apply(lambda col: col.str.contains("estimate", na=False)).to_numpy().sum())
    assert any("估算" in c.value for c in at.caption) == (k > 0)
    # the combined education + health measure is offered next to each part
    options = [o for box in at.selectbox for o in box.options]
    assert "人均地方财政教育和医疗卫生支出" in options and "人均地方财政教育支出" in options


def test_a_target_entered_with_an_upload_drives_the_map_cards_and_the_targets_page(tmp_path, monkeypatch):
    from store import saved
    from store.ingest import IndicatorMeta, detect_roles, import_table, read_table
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path))
    table = "地区,年份,学前三年入园率\n北京市,2018,96.5\n河北省,2018,93.0\n广东省,2018,95.0\n"
    raw = read_table(table.encode(), "入园率.csv")
    meta = IndicatorMeta(name_zh="学前三年入园率", unit_zh="%", domain="education", direction=1, target=95,
                         target_year=2020, target_document="某市基本公共服务均等化规划（2016）")
    result = import_table(raw, detect_roles(raw), meta, level="province")
    saved.save_dataset(result, "入园率", root=tmp_path)
    iid = result.catalog["id"].iloc[0]
    at = open_page("views/map.py", {"ind": iid, "year": "2018"})
    cards = {m.label: m.value for m in at.metric}
    assert cards["达标地区数"] == "2 / 3"                         # 北京 96.5 and 广东 95.0 reach 95; 河北 93.0 doesn't
    gap = open_page("views/map.py", {"ind": iid, "year": "2018", "mode": "gap_target"})
    assert not any("没有量化目标" in c.value for c in gap.caption)   # the gap-to-target view is available
    listed = open_page("views/targets.py")
    # a tab of its own, like the plans' targets
    assert "学前三年入园率（全国）" in [tab.label for tab in listed.tabs]
