"""Reading uploads: encodings, NBS export header/footer, yearbook headers, workbooks, limits, cell readings."""
from __future__ import annotations

import io
import math
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from store.ingest import (IngestError, Limits, detect_roles, list_sheets, neutralise_formula, neutralise_frame,
                          read_table)
from store.ingest_clean import clean_cell, parse_numbers, parse_years

SHARED = Path(__file__).resolve().parents[2] / "shared"
NBS = SHARED / "data" / "nbs_province_2007_2016"
PREF = SHARED / "data" / "fiscal" / "prefectural_components_2006_2018.xlsx"
need_nbs = pytest.mark.skipif(not NBS.is_dir(), reason="shared/data/nbs_province_2007_2016 not available")
need_pref = pytest.mark.skipif(not PREF.exists(), reason="shared prefectural workbook not available")


def nbs_export(csv_text: str, name: str, unit: str) -> str:
    """Wrap a wide table the way the NBS data portal exports it."""
    return (f"数据库：分省年度数据\n指标：{name}({unit})\n时间：最近10年\n{csv_text.rstrip()}\n"
            "注：2012年起按常住人口计算。\n数据来源：国家统计局\n")


# ----------------------------------------------------------------------------- real files

@need_nbs
@pytest.mark.parametrize("path", sorted(NBS.glob("*.csv")) if NBS.is_dir() else [], ids=lambda p: p.name)
def test_every_province_csv_reads_as_wide_by_year(path):
    raw = read_table(path.read_bytes(), path.name)
    roles = detect_roles(raw)
    assert roles.shape == "wide_year" and roles.region == "地区"
    assert sorted(roles.year_columns.values()) == list(range(2007, 2017))
    assert raw.n_rows == 31  # the '数据来源' footer line is not a region row
    assert raw.hints.get("source") == "国家统计局"


@need_nbs
def test_real_numbers_come_through_utf8():
    raw = read_table((NBS / "per_bed.csv").read_bytes(), "per_bed.csv")
    beijing = raw.body.set_index("地区").loc["北京市"]
    assert beijing["2016年"] == "53.86" and beijing["2011年"] == "73.96"
    assert raw.encoding == "utf-8-sig"


@need_nbs
@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-16"])
def test_nbs_portal_export_in_any_encoding(encoding):
    text = (NBS / "per_bed.csv").read_text(encoding="utf-8").replace("数据来源：国家统计局", "").rstrip()
    data = nbs_export(text, "每万人医疗卫生机构床位数", "张").encode(encoding)
    raw = read_table(data, "per_bed_export.csv")
    assert raw.hints["name"] == "每万人医疗卫生机构床位数" and raw.hints["unit"] == "张"
    assert raw.hints["database"] == "分省年度数据" and raw.hints["source"] == "国家统计局"
    assert raw.notes == ["注：2012年起按常住人口计算。"]
    assert raw.n_rows == 31
    body = raw.body.set_index("地区")
    assert body.loc["北京市", "2016年"] == "53.86"
    assert body.loc["新疆维吾尔自治区", "2007年"] == ""
    assert detect_roles(raw).shape == "wide_year"


@need_nbs
def test_tab_separated_text():
    text = (NBS / "population.csv").read_text(encoding="utf-8").replace(",", "\t")
    raw = read_table(text.encode("utf-8"), "population.txt")
    assert raw.columns[0] == "地区" and raw.n_rows == 31
    assert float(raw.body.set_index("地区").loc["广东省", "2016年"]) > 10000


@need_pref
def test_prefectural_workbook_sheets_and_chinese_name_sheet():
    data = PREF.read_bytes()
    sheets = list_sheets(data)
    assert len(sheets) > 70 and "population-total" in sheets
    raw = read_table(data, PREF.name, sheet=sheets[0])
    roles = detect_roles(raw)
    # Chinese names, not the colliding English ones; the province column is the parent
    assert roles.region == "地级市" and roles.parent == "省份"
    body = raw.body
    assert len(body) == 287
    assert (body["地级市"] == "苏州").sum() == 1 and (body["Prefecture"] == "Suzhou").sum() == 2


# ----------------------------------------------------------------------------- yearbook habits

def test_merged_header_and_units_row_in_xlsx():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表4-3"
    ws.append(["表 4-3 各地区卫生机构床位数"])
    ws.append(["地区", "卫生机构床位数", None, "年末人口", None])
    ws.append([None, "2016年", "2015年", 2016, 2015])
    ws.append([None, "（张）", "（张）", "(万人)", "(万人)"])
    ws.append(["北京市", 123456, "117,000", 2173, 2171.5])
    ws.append(["注：2015年起口径调整。"])
    ws.merge_cells("B2:C2")
    ws.merge_cells("D2:E2")
    ws.merge_cells("A2:A4")
    buf = io.BytesIO()
    wb.save(buf)
    raw = read_table(buf.getvalue(), "yearbook.xlsx", sheet="表4-3")
    assert raw.columns == ["地区", "卫生机构床位数 / 2016年", "卫生机构床位数 / 2015年", "年末人口 / 2016",
                           "年末人口 / 2015"]
    assert raw.units["年末人口 / 2016"] == "万人" and raw.units["卫生机构床位数 / 2015年"] == "张"
    assert raw.hints["title"] == "表 4-3 各地区卫生机构床位数"
    assert raw.notes == ["注：2015年起口径调整。"]
    assert raw.body.iloc[0].tolist() == ["北京市", "123456", "117,000", "2173", "2171.5"]
    assert raw.body.index[0] == 5  # row number in the sheet, for the report
    roles = detect_roles(raw)
    assert roles.shape == "wide_year" and set(roles.year_columns.values()) == {2015, 2016}


def test_title_row_with_unit_at_the_right():
    csv = ("各地区年末人口,,,单位：万人\n地区,2016年,2015年,2014年\n北京市,2173,2171,2152\n"
           "天津市,1562,1547,1517\n")
    raw = read_table(csv.encode("gbk"), "pop.csv")
    assert raw.columns == ["地区", "2016年", "2015年", "2014年"]
    assert raw.hints["unit"] == "万人" and raw.hints["title"] == "各地区年末人口"
    assert raw.n_rows == 2 and raw.body.index.tolist() == [3, 4]


def test_long_table_roles():
    csv = "省份,年份,指标,数值,单位\n北京,2016,床位数,53.86,张/万人\n天津,2016,床位数,42.15,张/万人\n"
    roles = detect_roles(read_table(csv.encode(), "long.csv"))
    assert (roles.shape, roles.region, roles.year, roles.indicator, roles.value, roles.unit) == \
        ("long", "省份", "年份", "指标", "数值", "单位")


def test_wide_by_indicator_roles_prefer_codes():
    csv = "代码,地区,年份,床位数（张）,医生数（人）\n110000,北京,2016,100,50\n120000,天津,2016,80,40\n"
    roles = detect_roles(read_table(csv.encode(), "wide.csv"))
    assert roles.shape == "wide_indicator" and roles.region == "代码" and roles.year == "年份"
    assert roles.indicator_columns == ["床位数（张）", "医生数（人）"]


@pytest.mark.parametrize("cell,value,outcome", [
    ("53.86", 53.86, "number"), ("1,234", 1234.0, "number"), ("１２３４", 1234.0, "number"),
    ("１,２３４.５", 1234.5, "number"), ("12.3*", 12.3, "number"), ("12.3①", 12.3, "number"),
    ("45%", 45.0, "number"), ("-3.5", -3.5, "number"), ("1 234 567", 1234567.0, "number"),
    ("—", None, "missing"), ("-", None, "missing"), ("…", None, "missing"), ("..", None, "missing"),
    ("", None, "missing"), ("#N/A", None, "missing"), ("——", None, "missing"),
    ("#DIV/0!", None, "rejected"), ("约12", None, "rejected"), ("12.3万", None, "rejected"),
    ("inf", None, "rejected"), ("1,23", None, "rejected"),
])
def test_cell_readings(cell, value, outcome):
    v, out, how = clean_cell(cell)
    assert out == outcome
    if value is None:
        assert math.isnan(v)
    else:
        assert v == pytest.approx(value)
    assert how  # every reading says what it did


def test_parse_numbers_vectorised_matches_cellwise():
    cells = pd.Series(["1", "2.5", "1,234", "—", "x12", "12.3①", "inf", ""] * 3)
    out = parse_numbers(cells)
    for raw, (v, o) in zip(cells, zip(out["value"], out["outcome"])):
        ev, eo, _ = clean_cell(raw)
        assert o == eo and (v == ev or (math.isnan(v) and math.isnan(ev)))


def test_years():
    s = pd.Series(["2016", "2016年", "2016年末", "２０１６年", "2016.0", "16", "1800", "abc"])
    assert parse_years(s).tolist() == [2016, 2016, 2016, 2016, 2016, pd.NA, pd.NA, pd.NA]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_big_file_fast_path_keeps_header_footer_and_row_numbers(encoding, monkeypatch):
    """Files over 1 MB go through Arrow's reader; the result must be the same as the tolerant path's."""
    import store.ingest_read as reader
    used = []
    real = reader._arrow_grid
    monkeypatch.setattr(reader, "_arrow_grid", lambda *a: used.append(real(*a)) or used[-1])
    body = "".join(f"{'北京市' if i % 2 else '天津市'},{2000 + i % 20},{i * 0.5}\n" for i in range(60_000))
    text = "数据库：分省年度数据\n指标：床位数(张)\n地区,年份,数值\n" + body + "注：测试。\n数据来源：国家统计局\n"
    data = text.encode(encoding)
    assert len(data) > 1_000_000
    raw = read_table(data, "big.csv")
    assert raw.encoding == ("gb18030" if encoding == "gb18030" else "utf-8-sig")
    assert raw.columns == ["地区", "年份", "数值"] and raw.n_rows == 60_000
    assert raw.hints["name"] == "床位数" and raw.notes == ["注：测试。"] and raw.hints["source"] == "国家统计局"
    assert raw.body.index[0] == 4 and raw.body.index[-1] == 60_003  # line numbers in the file
    assert raw.body.iloc[-1].tolist() == ["北京市", "2019", "29999.5"]
    assert any(g is not None for g in used)  # the fast path did the work


# ----------------------------------------------------------------------------- limits and safety

def test_size_limit_refused_before_parsing():
    data = b"a,b\n" + b"1,2\n" * 1000
    with pytest.raises(IngestError) as e:
        read_table(data, "big.csv", limits=Limits(max_bytes=1000))
    assert e.value.code == "too_large" and "MB" in str(e.value)


def test_cell_limit_text_and_xlsx():
    data = ("a,b,c,d\n" + "北京,1,2,3\n" * 100).encode()
    with pytest.raises(IngestError) as e:
        read_table(data, "x.csv", limits=Limits(max_cells=200))
    assert e.value.code == "too_many_cells"
    wb = openpyxl.Workbook()
    for i in range(100):
        wb.active.append(["北京", i, i, i])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(IngestError) as e:
        read_table(buf.getvalue(), "x.xlsx", limits=Limits(max_cells=200))
    assert e.value.code == "too_many_cells"


def test_xlsx_whose_declared_size_lies_is_still_capped():
    """read_only mode trusts <dimension>; the cell count is enforced while streaming anyway."""
    wb = openpyxl.Workbook()
    for i in range(300):
        wb.active.append(["北京", i, i, i])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:D300" />' in data
                data = data.replace(b'<dimension ref="A1:D300" />', b'<dimension ref="A1" />')
            dst.writestr(item, data)
    lying = out.getvalue()
    assert read_table(lying, "x.xlsx").n_rows == 299  # within limits it reads fine
    with pytest.raises(IngestError) as e:
        read_table(lying, "x.xlsx", limits=Limits(max_cells=1000))
    assert e.value.code == "too_many_cells"


def _bomb(inflated_mb: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        block = b"0" * (1 << 20)
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            for _ in range(inflated_mb):
                fh.write(block)
    return buf.getvalue()


def test_zip_bomb_disguised_as_xlsx_is_refused_without_inflating():
    bomb = _bomb(64)
    assert len(bomb) < 1 << 20  # 64 MB of sheet in well under 1 MB
    tracemalloc.start()
    try:
        with pytest.raises(IngestError) as e:
            read_table(bomb, "report.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert e.value.code == "zip_bomb"
    assert peak < 8 << 20  # nothing was inflated
    with pytest.raises(IngestError) as e:
        read_table(_bomb(12), "report.xlsx", limits=Limits(max_uncompressed=10 << 20, max_ratio=10 ** 6))
    assert e.value.code == "zip_bomb"


@pytest.mark.parametrize("data,code", [
    (b"", "empty"), (b"   \n\n", "empty"), (b"PK\x03\x04garbage", "not_a_workbook"),
    (b"\xff\xfe\x00", "encoding"), (bytes(range(256)) * 4, None),
    ("<html><body><table><tr><td>地区</td></tr></table></body></html>".encode(), "html_table"),
])
def test_bad_files_give_messages(data, code):
    with pytest.raises(IngestError) as e:
        read_table(data, "bad.csv")
    if code:
        assert e.value.code == code
    assert str(e.value)


def test_unknown_sheet():
    wb = openpyxl.Workbook()
    wb.active.append(["地区", "2016"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(IngestError) as e:
        read_table(buf.getvalue(), "x.xlsx", sheet="nope")
    assert e.value.code == "unknown_sheet"


def test_neutralise_formula():
    assert neutralise_formula("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert neutralise_formula("+1+2") == "'+1+2" and neutralise_formula("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_formula("\tcmd") == "'\tcmd" and neutralise_formula("-cmd|x") == "'-cmd|x"
    assert neutralise_formula("-12.5") == "-12.5" and neutralise_formula(-12.5) == -12.5
    assert neutralise_formula("北京") == "北京"
    df = pd.DataFrame({"name": ["=1+1", "北京"], "value": [-1.0, 2.0], "=col": ["a", "b"]})
    out = neutralise_frame(df)
    assert out["name"].tolist() == ["'=1+1", "北京"] and out["value"].tolist() == [-1.0, 2.0]
    assert list(out.columns) == ["name", "value", "'=col"]
    assert df["name"].iloc[0] == "=1+1"  # the input is not modified
