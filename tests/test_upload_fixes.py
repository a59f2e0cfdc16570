"""Upload fixes from issue #19 (items 3, 4, 5, 8, 9): each checked at the store level and on the data page."""
import io

import openpyxl
import pytest

from store.ingest_read import default_sheet, read_table, sheet_summaries
from tests.apptest import open_page

PROVINCES = [("北京市", 21.9, 21.8), ("天津市", 13.7, 13.6), ("河北省", 74.6, 74.2), ("山西省", 34.9, 34.8)]


def cover_then_table() -> bytes:
    """A bureau return: a cover page first, the table of regions on the second sheet."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "封面"
    cover["A1"] = "2022年社会事业统计报表"
    cover["A3"] = "填报单位：某某统计局"
    cover["A4"] = "报送日期：2023年3月"
    table = wb.create_sheet("表1 常住人口")
    table.append(["地区", "2021年", "2022年"])
    for row in PROVINCES:
        table.append(list(row))
    notes = wb.create_sheet("说明")
    notes["A1"] = "注：本表为测试数据。"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def user_data(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_USER_DATA", str(tmp_path / "user"))
    return tmp_path / "user"


def upload(at, name: str, content: bytes):
    at.file_uploader(key="upload").upload(name, content).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def selectbox(at, label: str):
    return next(s for s in at.selectbox if s.label == label)


# ── 3: a cover page first ─────────────────────────────────────────────────────

def test_sheet_summaries_find_the_table_of_regions():
    data = cover_then_table()
    summaries = sheet_summaries(data)
    assert [s.name for s in summaries] == ["封面", "表1 常住人口", "说明"]
    cover, table, notes = summaries
    assert not cover.has_table and not notes.has_table
    assert table.has_table and table.places == 4 and table.rows == 5 and table.columns == 3
    assert cover.title == "2022年社会事业统计报表"
    assert default_sheet(summaries) == "表1 常住人口"
    assert read_table(data, "book.xlsx", sheet=default_sheet(summaries)).n_rows == 4


def test_the_data_page_opens_a_workbook_on_its_table_and_lists_the_sheets(user_data):
    at = upload(open_page("views/data.py"), "报表.xlsx", cover_then_table())
    sheet = selectbox(at, "工作表")
    assert sheet.value == "表1 常住人口"
    lines = sheet.options  # as shown: each sheet with its one-line summary
    assert any("无表格" in line and "封面" in line for line in lines), lines
    assert any("4 个地区" in line for line in lines), lines
    assert {m.label: m.value for m in at.metric}["已使用"] == "4"
    sheet.set_value("封面").run()
    assert any("封面" in w.value and "没有数据表格" in w.value and "表1 常住人口" in w.value for w in at.warning), \
        [w.value for w in at.warning]
    assert not at.metric  # no report of 0 rows with "no region column"


# ── 4: a new sheet gets fresh detection ──────────────────────────────────────

def two_tables() -> bytes:
    """Two sheets laid out differently, each with its own indicator."""
    wb = openpyxl.Workbook()
    beds = wb.active
    beds.title = "床位"
    beds.append(["指标：每千人口医疗卫生机构床位数(张)"])
    beds.append(["地区", "2021年", "2022年"])
    for name, a, b in PROVINCES:
        beds.append([name, a / 3, b / 3])
    teachers = wb.create_sheet("教师")
    teachers.append(["年份", "备注", "省份", "专任教师数"])
    for name, a, _ in PROVINCES:
        teachers.append([2022, "", name, a * 1000])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_each_sheet_is_its_own_table_with_its_own_id():
    from store.ingest import detect_roles, import_table
    data = two_tables()
    beds, teachers = (read_table(data, "book.xlsx", sheet=s) for s in ("床位", "教师"))
    assert beds.digest != teachers.digest
    ids = {import_table(raw, detect_roles(raw)).catalog.iloc[0]["id"] for raw in (beds, teachers)}
    assert len(ids) == 2


def test_changing_the_sheet_detects_roles_name_and_unit_afresh(user_data):
    at = upload(open_page("views/data.py"), "两表.xlsx", two_tables())
    assert selectbox(at, "工作表").value == "床位"
    assert selectbox(at, "地区列").value == "地区"
    assert next(x for x in at.text_input if x.label == "指标名称（中文）").value == "每千人口医疗卫生机构床位数"
    selectbox(at, "工作表").set_value("教师").run()
    assert selectbox(at, "地区列").value == "省份"
    # the second sheet's own name, from its value column's header; nothing of the first sheet's carried over
    assert next(x for x in at.text_input if x.label == "指标名称（中文）").value == "专任教师数"
    assert next(x for x in at.text_input if x.label.startswith("单位")).value == ""
    counts = {m.label: m.value for m in at.metric}
    assert counts["已使用"] == "4" and counts["已拒绝"] == "0", counts


# ── 5: no misleading defaults for domain and direction ───────────────────────

def test_domain_is_guessed_only_with_evidence_from_the_name():
    import pandas as pd

    from store.ingest_clean import guess_domain
    bundled = pd.read_csv("data/bundled/indicators.csv")
    agree = [guess_domain(name)[0] == domain for name, domain in zip(bundled["name_zh"], bundled["domain"])]
    # 37 of the 48 bundled names (the catalog grew with #18: e.g. 生均国家财政性教育经费 reads as spending); the
    # words are to be extended so that every bundled name gets its own domain or none
    assert sum(agree) >= 37
    assert guess_domain("每千人口养老床位") == ("elderly", "养老")
    assert guess_domain("常住人口") == ("context", "人口")
    assert guess_domain("测试指标") == (None, "")
    assert guess_domain("") == (None, "")
    assert guess_domain("小学医疗保健教师")[0] is None  # evidence for two domains: ask


def small_csv(title: str) -> bytes:
    rows = [f"指标：{title}", "地区,2021年,2022年"] + [f"{n},{a},{b}" for n, a, b in PROVINCES]
    return "\n".join(rows).encode("utf-8")


def test_population_is_context_and_neither_better_nor_worse(user_data):
    at = upload(open_page("views/data.py"), "人口.csv", small_csv("年末常住人口(万人)"))
    assert selectbox(at, "领域").value == "context"
    assert selectbox(at, "方向").value == 0
    save = next(b for b in at.get("form_submit_button") if b.label == "保存数据集")
    assert not save.disabled


def test_without_evidence_the_domain_is_asked_and_saving_waits_for_it(user_data):
    at = upload(open_page("views/data.py"), "x.csv", small_csv("测试指标(个)"))
    assert selectbox(at, "领域").value is None
    assert selectbox(at, "方向").value == 0
    save = next(b for b in at.get("form_submit_button") if b.label == "保存数据集")
    assert save.disabled
    assert any("领域" in i.value for i in at.info), [i.value for i in at.info]
    selectbox(at, "领域").set_value("health").run()
    save = next(b for b in at.get("form_submit_button") if b.label == "保存数据集")
    assert not save.disabled


# ── 8: traditional-character metadata, a period in the title, one % cell ─────

TRADITIONAL = "\n".join([
    "各地區普通小學專任教師數(2000-2022年)",
    "單位：萬人",
    "地區,2021年,2022年",
    "北京市,6.1,6.3",
    "天津市,4.2,4.3",
    "河北省,45%,25.1",
    "山西省,12.0,12.2",
    "註：本表為測試數據。",
    "資料來源：某省統計年鑑",
]).encode("utf-8")


def test_traditional_metadata_lines_are_read_like_simplified_ones():
    raw = read_table(TRADITIONAL, "教師.csv")
    assert raw.hints["unit"] == "萬人" and raw.hints["source"] == "某省統計年鑑"
    assert raw.notes == ["註：本表為測試數據。"]
    assert raw.n_rows == 4 and list(raw.body.iloc[:, 0]) == ["北京市", "天津市", "河北省", "山西省"]


def test_a_period_in_the_title_is_not_a_unit_and_one_percent_cell_is_not_the_unit():
    from store.ingest import IndicatorMeta, detect_roles, import_table
    raw = read_table(TRADITIONAL.replace("單位：萬人\n".encode(), b""), "教師.csv")
    assert "unit" not in raw.hints
    result = import_table(raw, detect_roles(raw), IndicatorMeta(name_zh=raw.hints["title"]))
    row = result.catalog.iloc[0]
    assert row["unit_zh"] == "", row["unit_zh"]  # not "2000-2022年", not "%" from one cell of eight
    all_percent = "\n".join(["地区,2022年", "北京市,45%", "天津市,50%", "河北省,47.5%"]).encode()
    raw = read_table(all_percent, "pct.csv")
    assert import_table(raw, detect_roles(raw)).catalog.iloc[0]["unit_zh"] == "%"


# ── 9: header-only files, the level reason, links in user text, the same name twice ──

def test_a_header_only_file_says_it_has_no_data_rows(user_data):
    from store.ingest_read import IngestError
    with pytest.raises(IngestError, match="没有数据行") as err:
        read_table("地区,2021年,2022年\n".encode(), "h.csv")
    assert err.value.code == "header_only"
    at = upload(open_page("views/data.py"), "h.csv", "地区,2021年,2022年\n".encode())
    assert [e.value for e in at.error] == ["表格只有表头，没有数据行。"]          # in the page's language only


def test_the_level_guess_gives_its_reason_once_per_language():
    from store.ingest import detect_roles, import_table
    raw = read_table(small_csv("测试指标(个)"), "x.csv")
    warning = next(w for w in import_table(raw, detect_roles(raw)).report.warnings if "层级" in w)
    assert warning.count("匹配") == 1 and warning.count("match") == 1, warning


def test_user_text_in_markdown_is_never_a_link_nor_shows_entities():
    from components.importer import table_text
    text = table_text('见 http://stats.gov.cn/a?b="c" 或 www.stats.gov.cn、a@b.cn <b>x</b>')
    # an invisible word joiner breaks each autolink (checked in Chromium: no <a> in the caption)
    assert "http\u2060://" in text and "www\u2060." in text and "a\u2060@b.cn" in text
    assert "http://" not in text and "www." not in text
    assert "&quot;" not in text and "<b>" not in text


def test_the_same_name_twice_is_refused_unless_replacing(user_data):
    from store import saved
    from store.ingest import IndicatorMeta, detect_roles, import_table

    def result(title):
        raw = read_table(small_csv(title), "x.csv")
        return import_table(raw, detect_roles(raw), IndicatorMeta(name_zh=title, domain="education"))
    first = saved.save_dataset(result("教师数"), "我的数据")
    with pytest.raises(saved.DatasetNameTaken) as taken:
        saved.save_dataset(result("学校数"), "我的数据")
    assert taken.value.name == "我的数据" and "ds_" not in str(taken.value)
    with pytest.raises(saved.SavedDataError) as again:  # the same file again: named, not by internal ids
        saved.save_dataset(result("教师数"), "另一个名字")
    assert "我的数据" in str(again.value) and "user_" not in str(again.value)
    second = saved.save_dataset(result("学校数"), "我的数据", replace=True)
    listed = saved.list_datasets()   # the same dataset, now at version 2; version 1 is kept
    assert listed["id"].tolist() == [first] == [second] and listed["version"].tolist() == [2]
    assert saved.load_version(first, 1)[1]["name_zh"].tolist() == ["教师数"]


def test_the_data_page_offers_to_replace_a_dataset_of_the_same_name(user_data):
    at = upload(open_page("views/data.py"), "a.csv", small_csv("学校数(所)"))
    name = next(x for x in at.text_input if x.label == "数据集名称")
    name.set_value("我的数据")
    next(b for b in at.get("form_submit_button") if b.label == "保存数据集").click().run()
    assert at.success, [e.value for e in at.error]
    at = upload(open_page("views/data.py"), "b.csv", small_csv("教师数(人)"))
    next(x for x in at.text_input if x.label == "数据集名称").set_value("我的数据")
    next(b for b in at.get("form_submit_button") if b.label == "保存数据集").click().run()
    assert not at.success and any("我的数据" in w.value and "替换" in w.value for w in at.warning)
    next(c for c in at.checkbox if "替换" in c.label).check()
    next(x for x in at.text_input if x.label == "数据集名称").set_value("我的数据")
    next(b for b in at.get("form_submit_button") if b.label == "保存数据集").click().run()
    assert at.success
    from store import saved
    listed = saved.list_datasets()
    assert len(listed) == 1 and listed.iloc[0]["name"] == "我的数据"


# ── 7: the source typed in the save form is the figures' source ─────────────

def test_the_source_typed_when_saving_is_shown_under_figures_and_in_the_briefing(user_data):
    from reports.briefing import briefing_html, build_briefing
    from state import ViewState
    from store import saved
    from store.ingest import IndicatorMeta, detect_roles, import_table
    from store.model import load_store
    typed = "某省卫健委《2022年卫生统计年报》"
    raw = read_table(small_csv("每千人口执业医师数(人)"), "医师.csv")
    result = import_table(raw, detect_roles(raw), IndicatorMeta(name_zh="每千人口执业医师数", unit_zh="人",
                                                                domain="health"), level="province")
    saved.save_dataset(result, "医师", source=typed)
    iid = result.catalog["id"].iloc[0]
    at = open_page("views/map.py", {"ind": iid, "year": "2022"})
    assert any(typed in c.value for c in at.caption), [c.value for c in at.caption]
    store = load_store(extra=saved.load_all())
    assert set(store.observations.loc[store.observations["indicator"] == iid, "source"]) == {typed}
    from geo.regions import load_regions
    regions = load_regions("province")
    html = briefing_html(build_briefing(store, ViewState(indicator=iid, year=2022), regions))
    assert typed in html


# ── 6: rows of a merged unit collide with its successor's own ────────────────

def merged_city_rows(first: str) -> bytes:
    """莱芜市 was merged into 济南市 in 2019: a 2017-2018 table lists both, in either order."""
    laiwu, jinan = "莱芜市,10,11", "济南市,70,72"
    rows = [laiwu, jinan] if first == "莱芜市" else [jinan, laiwu]
    return "\n".join(["地区,2017年,2018年", *rows, "青岛市,90,95", "淄博市,40,41"]).encode()


@pytest.mark.parametrize("first", ["莱芜市", "济南市"])
def test_a_merger_collision_keeps_the_successors_own_figure_and_shows_both(first):
    from dataclasses import replace

    from store.ingest import detect_roles, import_table
    raw = read_table(merged_city_rows(first), "x.csv")
    result = import_table(raw, detect_roles(raw), level="city")
    jinan = result.observations[result.observations["code"] == "370100"].set_index("year")["value"]
    assert jinan.to_dict() == {2017: 70.0, 2018: 72.0}          # never first-wins
    conflicts = result.report.duplicates
    assert conflicts["merger"].all() and len(conflicts) == 2
    assert sorted(zip(conflicts["raw"], conflicts["first_raw"])) == [("10", "70"), ("11", "72")]  # both values
    assert any("继任" in w and "2" in w for w in result.report.warnings), result.report.warnings
    merged = import_table(raw, replace(detect_roles(raw), merger_keep="merged"), level="city")
    jinan = merged.observations[merged.observations["code"] == "370100"].set_index("year")["value"]
    assert jinan.to_dict() == {2017: 10.0, 2018: 11.0}


def test_plain_duplicates_still_keep_the_first_figure():
    from store.ingest import detect_roles, import_table
    raw = read_table("地区,2018年\n济南市,70\n济南市,71\n青岛市,95\n淄博市,41".encode(), "x.csv")
    result = import_table(raw, detect_roles(raw), level="city")
    assert result.observations.set_index("code").loc["370100", "value"] == 70.0
    assert not result.report.duplicates["merger"].any()


def test_the_data_page_lets_the_user_choose_which_figure_of_a_merger_to_keep(user_data):
    at = upload(open_page("views/data.py"), "x.csv", merged_city_rows("莱芜市"))
    choice = next(r for r in at.radio if "合并" in r.label)
    assert choice.value == "own"
    obs = at.session_state["import_result"].observations
    assert obs.set_index(["code", "year"]).loc[("370100", 2018), "value"] == 72.0
    choice.set_value("merged").run()
    obs = at.session_state["import_result"].observations
    assert obs.set_index(["code", "year"]).loc[("370100", 2018), "value"] == 11.0
