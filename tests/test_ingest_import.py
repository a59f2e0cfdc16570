"""Importing real and yearbook-style tables end to end, with the project's region matcher."""
from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from store.ingest import (CATALOG_COLUMNS, OBSERVATION_COLUMNS, IndicatorMeta, Roles, detect_roles, import_table,
                          list_sheets, read_table, template)

pytest.importorskip("geo.matcher")

SHARED = Path(__file__).resolve().parents[2] / "shared"
NBS = SHARED / "data" / "nbs_province_2007_2016"
PREF = SHARED / "data" / "fiscal" / "prefectural_components_2006_2018.xlsx"
need_nbs = pytest.mark.skipif(not NBS.is_dir(), reason="shared/data/nbs_province_2007_2016 not available")
need_pref = pytest.mark.skipif(not PREF.exists(), reason="shared prefectural workbook not available")


def run(data: bytes, filename: str, meta=None, level=None, sheet=None, roles=None):
    raw = read_table(data, filename, sheet=sheet)
    result = import_table(raw, roles or detect_roles(raw), meta, level=level)
    c = result.report.counts
    assert c["used"] + c["skipped"] + c["rejected"] == c["input_rows"] == raw.n_rows
    return raw, result


def value(obs: pd.DataFrame, code: str, year: int) -> float:
    hit = obs[(obs["code"] == code) & (obs["year"] == year)]
    assert len(hit) == 1, hit
    return float(hit["value"].iloc[0])


# ----------------------------------------------------------------------------- real NBS files

@need_nbs
def test_nbs_province_csv_end_to_end():
    raw, res = run((NBS / "per_bed.csv").read_bytes(), "per_bed.csv",
                   IndicatorMeta(name_zh="每万人医疗卫生机构床位数", unit_zh="张", domain="health", direction=1))
    assert res.level == "province" and res.ok  # level guessed from the names
    c = res.report.counts
    assert (c["input_rows"], c["used"], c["regions_exact"]) == (31, 31, 31)
    assert c["cells_missing"] == 62  # 2009 and 2007 are blank for every province
    obs = res.observations
    assert list(obs.columns) == OBSERVATION_COLUMNS and len(obs) == 31 * 8
    assert value(obs, "110000", 2016) == 53.86 and value(obs, "650000", 2008) == 46.47
    # the 2011 -> 2012 definition break shows up as a jump, flagged like the bundled data
    jumps = res.report.jumps.set_index("code")
    assert jumps.loc["110000", "year"] == 2012 and jumps.loc["110000", "value_from"] == 73.96
    assert obs.loc[(obs["code"] == "110000") & (obs["year"] == 2012), "flag"].item() == "suspect_jump"
    cat = res.catalog
    assert list(cat.columns) == CATALOG_COLUMNS and len(cat) == 1
    row = cat.iloc[0]
    assert row["id"].startswith("user_") and row["name_zh"] == "每万人医疗卫生机构床位数"
    assert (row["unit_zh"], row["domain"], row["direction"], row["levels"]) == ("张", "health", 1, "province")
    assert row["source"] == "国家统计局"  # from the file's own footer


@need_nbs
def test_medicare_merger_jump_is_reported_not_fixed():
    _, res = run((NBS / "medicare.csv").read_bytes(), "medicare.csv", level="province")
    j = res.report.jumps
    hebei = j[(j["code"] == "130000") & (j["year"] == 2016)].iloc[0]
    assert (hebei["value_from"], hebei["value"]) == (1663.7, 6672.1)
    assert value(res.observations, "130000", 2016) == 6672.1


@need_nbs
def test_nbs_portal_export_gb18030_with_header_and_footer():
    text = (NBS / "per_bed.csv").read_text(encoding="utf-8").replace("数据来源：国家统计局", "").rstrip()
    export = ("数据库：分省年度数据\n指标：每万人医疗卫生机构床位数(张)\n时间：最近10年\n" + text +
              "\n注：2012年起按常住人口计算。\n数据来源：国家统计局\n").encode("gb18030")
    raw, res = run(export, "分省年度数据.csv", level="province")
    assert raw.encoding == "gb18030"
    row = res.catalog.iloc[0]
    assert (row["name_zh"], row["unit_zh"], row["source"]) == ("每万人医疗卫生机构床位数", "张", "国家统计局")
    assert "注：2012年起按常住人口计算。" in row["caveats_zh"]
    assert value(res.observations, "110000", 2016) == 53.86
    assert res.report.counts["input_rows"] == 31  # header and footer lines are not rows


@need_pref
def test_prefectural_sheet_with_chinese_names_and_province_column(tmp_path):
    """The workbook's Chinese-name sheet joined (by row, English names checked) to its population sheet."""
    wb = openpyxl.load_workbook(PREF, read_only=True)
    names = list(wb["list of prefectures included"].iter_rows(values_only=True))
    pop = list(wb["population-total"].iter_rows(values_only=True))
    wb.close()
    assert [r[0] for r in names[1:]] == [r[0] for r in pop[1:]]
    out = openpyxl.Workbook()
    ws = out.active
    ws.title = "常住人口"
    ws.append(["地级市", "省份", *pop[0][1:]])
    for n, p in zip(names[1:], pop[1:]):
        ws.append([n[1], n[3], *p[1:]])
    buf = io.BytesIO()
    out.save(buf)
    raw, res = run(buf.getvalue(), "prefectures.xlsx", IndicatorMeta(name_zh="年末总人口", unit_zh="万人"),
                   level="city", sheet="常住人口")
    roles = detect_roles(raw)
    assert (roles.region, roles.parent, roles.shape) == ("地级市", "省份", "wide_year")
    obs = res.observations
    assert value(obs, "130100", 2016) == pytest.approx(1078.46)   # 石家庄
    regions = res.report.regions.set_index("input")
    assert regions.loc["苏州", "code"] == "320500"  # the province column decides which Suzhou
    # 莱芜 was merged into 济南 in 2019: remapped, then its figures collide with 济南's and are refused
    assert regions.loc["莱芜", "status"] == "remapped" and regions.loc["莱芜", "code"] == "370100"
    laiwu = res.row_outcomes.set_index("region").loc["莱芜"]
    assert laiwu["outcome"] == "rejected" and laiwu["reason"] == "duplicate_key" and "济南" in laiwu["detail"]
    assert res.report.counts["used"] == 286 and obs["code"].nunique() == 286


# ----------------------------------------------------------------------------- yearbook habits

MESSY = """表 4-3 各地区卫生机构床位数和年末人口
地区,卫生机构床位数,,年末人口,
,2016年,2015年,2016年末,2015年末
,（张）,（张）,（万人）,（万人）
全国,"7,410,453","7,015,214",138271,137462
北京市,"１２３,４５６",117000,2173,2171
天津市,—,"1,234",1562①,1547
河北省,12.3*,45%,7470,7425
河北,99,98,7470,7425
火星市,1,2,3,4
东部地区,1,2,3,4
山西省,…,..,#N/A,
地区,2016年,2015年,2016年末,2015年末
内蒙古自治区,约12,-,2520,2511
注：2015年起口径调整。
数据来源：国家统计局
"""


def test_messy_yearbook_table_every_outcome():
    raw, res = run(MESSY.encode("gbk"), "yearbook.csv", level="province")
    out = res.row_outcomes.set_index("row")
    by_region = {r: (o, why) for r, o, why in zip(out["region"], out["outcome"], out["reason"])}
    assert by_region["全国"] == ("skipped", "summary_row")
    assert by_region["东部地区"] == ("skipped", "summary_row")
    assert by_region["北京市"] == ("used", "") and by_region["天津市"] == ("used", "")
    assert by_region["河北省"] == ("used", "")
    assert by_region["河北"] == ("rejected", "duplicate_key")  # same province, second time
    assert by_region["火星市"] == ("rejected", "unmatched_region")
    assert by_region["山西省"] == ("skipped", "no_values")     # only gap markers
    assert by_region["地区"] == ("skipped", "repeated_header")
    assert by_region["内蒙古自治区"] == ("used", "")            # 2 figures kept, '约12' rejected
    c = res.report.counts
    assert (c["input_rows"], c["used"], c["skipped"], c["rejected"]) == (10, 4, 4, 2)
    # two indicators from the merged header, units from the units row
    cat = res.catalog.set_index("name_zh")
    assert cat.loc["卫生机构床位数", "unit_zh"] == "张" and cat.loc["年末人口", "unit_zh"] == "万人"
    assert "注：2015年起口径调整。" in cat.loc["年末人口", "caveats_zh"]
    beds, people = cat.loc["卫生机构床位数", "id"], cat.loc["年末人口", "id"]
    obs = res.observations.set_index(["code", "year", "indicator"])
    assert obs.loc[("110000", 2016, beds), "value"] == 123456.0          # full-width digits + thousands
    assert obs.loc[("120000", 2015, beds), "value"] == 1234.0            # 1,234
    assert obs.loc[("120000", 2016, people), "value"] == 1562.0          # 1562① -> 1562, flagged
    assert obs.loc[("120000", 2016, people), "flag"] == "footnote"
    assert obs.loc[("130000", 2016, beds), "value"] == 12.3              # 12.3* -> 12.3
    assert obs.loc[("130000", 2015, beds), "value"] == 45.0              # 45% kept as written
    assert obs.loc[("150000", 2016, people), "value"] == 2520.0
    assert ("120000", 2016, beds) not in obs.index                       # '—' is a gap, not zero
    assert ("999999", 2016, beds) not in obs.index
    # how each odd cell was read, with the raw text kept
    cells = res.report.cells.set_index(["row", "column"])
    assert cells.loc[(7, "卫生机构床位数 / 2016年"), "outcome"] == "missing"
    assert cells.loc[(14, "卫生机构床位数 / 2016年"), ["raw", "outcome", "reason"]].tolist() == \
        ["约12", "rejected", "bad_value"]
    assert "thousands separator" in cells.loc[(6, "卫生机构床位数 / 2016年"), "how"]
    dup = res.report.duplicates
    assert set(dup["row"]) == {9} and set(dup["first_row"]) == {8} and len(dup) == 4
    regions = res.report.regions.set_index("input")
    assert regions.loc["火星市", "status"] == "unmatched"
    assert res.report.summary_rows["region"].tolist() == ["全国", "东部地区"]
    # the unmatched row's detail, the matcher's note included, reads in the page's language
    from components.importer import _with_reason_text
    shown = {lang: _with_reason_text(res.row_outcomes, lang).set_index("region")["detail"] for lang in ("zh", "en")}
    assert shown["zh"]["火星市"].startswith("未匹配；没有这个名称的地区") and "region" not in shown["zh"]["火星市"]
    assert shown["en"]["火星市"].startswith("unmatched; no region of that name")
    from store.messages import in_lang
    assert in_lang(regions.loc["火星市", "note"], "zh") == "没有这个名称的地区"    # the matching tab


def test_wide_by_indicator_with_codes_and_a_year():
    csv = ("代码,地区,年份,床位数（张）,医生数（人）\n"
           "110000,北京,2016,100,50\n120000,天津,2016,80,\n130000,河北,2016,—,40\n")
    raw, res = run(csv.encode(), "two.csv", level="province")
    cat = res.catalog.set_index("name_zh")
    assert set(cat.index) == {"床位数", "医生数"} and cat.loc["医生数", "unit_zh"] == "人"
    obs = res.observations
    assert len(obs) == 4 and value(obs[obs["indicator"] == cat.loc["医生数", "id"]], "130000", 2016) == 40


def test_one_year_table_takes_the_year_from_meta():
    csv = "省份,人均公园绿地面积（平方米）\n北京,16.0\n上海,7.8\n"
    raw = read_table(csv.encode(), "green.csv")
    roles = detect_roles(raw)
    no_year = import_table(raw, roles, level="province")
    assert no_year.report.errors and not no_year.ok  # asks for a year instead of guessing
    res = import_table(raw, roles, IndicatorMeta(year=2016), level="province")
    assert res.ok and value(res.observations, "310000", 2016) == 7.8
    assert res.catalog.iloc[0]["unit_zh"] == "平方米"


def test_ambiguous_names_are_rejected_with_candidates_and_parent_resolves_them():
    csv = "区县,年份,数值\n朝阳区,2020,1\n鼓楼区,2020,2\n"
    _, res = run(csv.encode(), "d.csv", level="county")
    out = res.row_outcomes.set_index("region")
    assert out.loc["朝阳区", "reason"] == "ambiguous_region"
    assert "110105 朝阳区" in out.loc["朝阳区", "detail"] and "220104 朝阳区" in out.loc["朝阳区", "detail"]
    assert out.loc["鼓楼区", "outcome"] == "rejected" and res.observations.empty
    with_parent = "区县,城市,年份,数值\n朝阳区,北京市,2020,1\n鼓楼区,南京市,2020,2\n"
    raw = read_table(with_parent.encode(), "d.csv")
    roles = detect_roles(raw)
    roles.parent = "城市"
    res = import_table(raw, roles, level="county")
    assert res.report.counts["used"] == 2
    assert set(res.observations["code"]) == {"110105", "320106"}


def test_user_can_override_roles():
    csv = "name,parent,y,v\n北京,,2016,1\n"
    raw = read_table(csv.encode(), "x.csv")
    res = import_table(raw, Roles(shape="long", region="name", year="y", value="v"), level="province")
    assert res.ok and value(res.observations, "110000", 2016) == 1.0


def test_template_round_trip():
    data = template("province")
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns) == ["代码", "地区", "年份", "数值"] and len(frame) == 34
    frame["年份"] = "2020"
    frame["数值"] = [str(i) for i in range(len(frame))]
    raw, res = run(frame.to_csv(index=False).encode("utf-8-sig"), "filled.csv", level="province")
    assert detect_roles(raw).region == "代码"
    assert res.report.counts["used"] == 34 and res.observations["code"].nunique() == 34
    county = pd.read_csv(io.BytesIO(template("county")), dtype=str, encoding="utf-8-sig")
    assert len(county) == 2875 and list(county.columns) == ["代码", "地区", "省份", "年份", "数值"]


def test_yearbook_region_label_styles():
    csv = "地区,2016年\n北　京,1\n天 津,2\n广东①,6\n  其中：广州,4\n#深圳,5\n合　计,7\n"
    _, res = run(csv.encode(), "styles.csv", level="province")
    out = res.row_outcomes.set_index("region")
    assert set(res.observations["code"]) == {"110000", "120000", "440000"}
    assert out.loc["  其中：广州", "reason"] == "summary_row" and "sub-item" in out.loc["  其中：广州", "detail"]
    assert out.loc["#深圳", "outcome"] == "skipped" and out.loc["合　计", "reason"] == "summary_row"
    # the page shows a row's detail in its language (components.importer), the file keeps both
    from components.importer import _with_reason_text
    shown = {lang: _with_reason_text(res.row_outcomes, lang).set_index("region")["detail"] for lang in ("zh", "en")}
    assert shown["zh"]["  其中：广州"] == "分项（其中）行，不是地区" and shown["zh"]["合　计"] == "汇总行，不是地区"
    assert shown["en"]["  其中：广州"] == "'of which' sub-item, not a region"
    assert out.loc["合　计", "detail"] == "汇总行，不是地区 / aggregate row, not a region"


XLS = SHARED / "data" / "fiscal" / "general_budget_expenditure_province_2005_2024.xls"


@pytest.mark.skipif(not XLS.exists(), reason="shared budget .xls not available")
def test_legacy_xls_with_indicator_names_in_stray_columns():
    data = XLS.read_bytes()
    assert list_sheets(data)[0] == "Sheet1"
    raw = read_table(data, XLS.name)
    roles = detect_roles(raw)
    assert roles.shape == "wide_year" and roles.parent is None
    assert set(roles.year_columns.values()) == set(range(2005, 2025))
    assert any("一般公共预算支出（亿元）" in note for note in roles.notes)  # the user is told it mixes two series
    res = import_table(raw, roles, IndicatorMeta(name_zh="一般公共预算支出", unit_zh="亿元"), level="province")
    obs = res.observations
    assert value(obs, "110000", 2024) == 8396.49 and value(obs, "110000", 2007) == 1649.5
    assert value(obs, "110000", 2005) == 1058.31  # from the 财政支出 rows further down
    assert res.report.counts["used"] == 62 and obs["code"].nunique() == 31


def test_the_report_tables_speak_the_page_language():
    """The import report's tables as the Data page shows and exports them: column names, match status, a cell's
    outcome and how it was read, a row's outcome, in Chinese on a Chinese page (English code words before)."""
    from components.importer import _in_words, _with_reason_text
    body = "地区,年份,床位\n北京市,2019,\"1,234①\"\n火星省,2019,12\n天津,2019,n/a\n".encode("utf-8")
    raw = read_table(body, "beds.csv")
    result = import_table(raw, detect_roles(raw))
    from store.messages import in_lang
    assert [in_lang(w, "en") for w in result.report.warnings] == [
        "Level guessed from the data: province (67% of names match at province level); change it above."]
    regions = _in_words(result.report.regions, "zh")
    assert list(regions.columns) == ["表中写法", "上级地区", "代码", "匹配到的地区", "匹配结果", "候选", "说明", "行数"]
    assert dict(zip(regions["表中写法"], regions["匹配结果"])) == {"北京市": "完全匹配", "火星省": "未匹配",
                                                                  "天津": "规范化后匹配"}
    cells = _in_words(result.report.cells, "zh").set_index("原始内容")
    assert cells.loc["1,234①", ["结果", "处理方式"]].tolist() == ["数值", "脚注标记 ①（已去掉）；千位分隔符"]
    assert cells.loc["n/a", ["结果", "处理方式"]].tolist() == ["缺失", "缺失标记 'n/a'"]
    assert _in_words(result.report.cells, "en").set_index("As written").loc["n/a", "How it was read"] == \
        "gap marker 'n/a'"
    rows = result.row_outcomes[result.row_outcomes["outcome"] != "used"]
    shown = _in_words(_with_reason_text(rows, "zh"), "zh")
    assert shown[["地区", "结果", "原因"]].values.tolist() == [["火星省", "已拒绝", "地区无法匹配"],
                                                          ["天津", "已跳过", "没有数值"]]
