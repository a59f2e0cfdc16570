"""Property tests: malformed tables never produce a traceback, and every input row is accounted for."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.ingest import IngestError, Limits, Roles, detect_roles, import_table, read_table


class TableMatcher:
    """A stand-in for geo.matcher.RegionMatcher with the same match() contract, over a fixed table."""

    NAMES = {"北京市": "110000", "北京": "110000", "天津市": "120000", "河北省": "130000", "山西省": "140000",
             "110000": "110000", "120000": "120000"}

    def match(self, values, parents=None, year=None):
        rows = []
        for i, v in enumerate(values):
            code = self.NAMES.get(v)
            status = "exact" if code else ("ambiguous" if v == "朝阳" else "unmatched")
            rows.append({"input": v, "parent": parents[i] if parents else None, "code": code,
                         "name": v if code else None, "level": "province", "status": status,
                         "candidates": ["朝阳区", "朝阳市"] if v == "朝阳" else [], "note": ""})
        return pd.DataFrame(rows)


def stand_in(level):
    return TableMatcher()


CELLS = st.one_of(
    st.sampled_from(["北京市", "天津市", "河北省", "山西省", "北京", "朝阳", "火星", "全国", "合计", "东部地区",
                     "110000", "120000", "地区", "年份", "指标", "数值", "2016", "2016年", "2015年末", "２０１７年",
                     "53.86", "1,234", "１２３", "12.3①", "45%", "—", "-", "…", "..", "", "#N/A", "=1+1", "x",
                     "注：口径调整", "数据来源：国家统计局", "指标：床位数(张)", "(万人)", " ", "1e400", "nan"]),
    st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**6, 10**6).map(str),
)
GRIDS = st.lists(st.lists(CELLS, min_size=0, max_size=7), min_size=0, max_size=25)


def to_csv(grid, sep=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep).writerows(grid)
    return buf.getvalue()


def check_accounting(raw, result):
    c = result.report.counts
    assert c["used"] + c["skipped"] + c["rejected"] == c["input_rows"] == raw.n_rows
    ro = result.row_outcomes
    assert len(ro) == raw.n_rows and ro["row"].is_unique
    assert set(ro["outcome"]) <= {"used", "skipped", "rejected"}
    assert (ro.loc[ro["outcome"] != "used", "reason"] != "").all()  # every non-used row says why
    assert (ro["outcome"] == "used").sum() == c["used"]
    obs = result.observations
    assert list(obs.columns) == ["code", "year", "indicator", "value", "flag", "source"]
    assert obs["value"].notna().all() and not obs.duplicated(["code", "year", "indicator"]).any()
    assert set(obs["indicator"]) <= set(result.catalog["id"])
    if result.report.errors:
        assert all(isinstance(m, str) and m for m in result.report.errors)


def run_pipeline(data: bytes, filename: str, matcher=stand_in, level="province"):
    try:
        raw = read_table(data, filename, limits=Limits(max_cells=10_000))
    except IngestError as exc:
        assert str(exc) and exc.code
        return None
    roles = detect_roles(raw)
    result = import_table(raw, roles, level=level, matcher=matcher)
    check_accounting(raw, result)
    return raw, roles, result


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GRIDS, st.sampled_from([",", "\t", ";"]), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_malformed_text_tables(grid, sep, encoding):
    text = to_csv(grid, sep)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    run_pipeline(data, "t.csv")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GRIDS, st.data())
def test_any_roles_chosen_by_the_user(grid, data):
    """The user may pick any column for any role: still no traceback, still full accounting."""
    try:
        raw = read_table(to_csv(grid).encode(), "t.csv")
    except IngestError:
        return
    cols = list(raw.columns)
    pick = st.one_of(st.none(), st.sampled_from(cols), st.just("no such column"))
    roles = Roles(shape=data.draw(st.sampled_from(["long", "wide_year", "wide_indicator", "nonsense"])),
                  region=data.draw(pick), parent=data.draw(pick), year=data.draw(pick),
                  indicator=data.draw(pick), value=data.draw(pick), unit=data.draw(pick),
                  year_columns={c: data.draw(st.integers(1990, 2030)) for c in
                                data.draw(st.lists(st.sampled_from(cols), unique=True, max_size=3))},
                  indicator_columns=data.draw(st.lists(st.sampled_from(cols), unique=True, max_size=3)))
    result = import_table(raw, roles, level=data.draw(st.sampled_from(["province", None])), matcher=stand_in)
    check_accounting(raw, result)


XLSX_CELLS = st.one_of(st.none(), CELLS, st.integers(-10**9, 10**9), st.floats(allow_nan=False, allow_infinity=False),
                       st.booleans(), st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2050, 1, 1)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(XLSX_CELLS, max_size=6), max_size=15))
def test_malformed_workbooks(grid):
    """Typed cells (numbers, dates, booleans, blanks) through the XLSX path: same guarantees."""
    wb = openpyxl.Workbook()
    for r in grid:
        wb.active.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
    buf = io.BytesIO()
    wb.save(buf)
    run_pipeline(buf.getvalue(), "t.xlsx")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    run_pipeline(data, "t.csv")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["北京市", "天津市", "河北省", "火星", "全国", ""]),
                          st.sampled_from(["2015", "2016", "2016年", "x", ""]),
                          st.sampled_from(["1.5", "2,000", "—", "abc", "", "7①"])), max_size=30))
def test_long_tables_count_exactly(rows):
    """Long tables: outcomes follow from each row's cells, whatever the mix."""
    text = to_csv([["地区", "年份", "数值"], *rows])
    out = run_pipeline(text.encode(), "long.csv")
    if out is None:
        return
    raw, roles, result = out
    if raw.columns != ["地区", "年份", "数值"] or roles.region != "地区" or result.report.errors:
        return  # a blank-first-cell row right under the header reads as a second header row
    ro = result.row_outcomes.set_index("row")
    for row, (region, year, value) in zip(raw.body.index, raw.body[["地区", "年份", "数值"]].itertuples(index=False)):
        if region == "全国":
            assert ro.loc[row, "reason"] == "summary_row"
        elif region == "火星":
            assert ro.loc[row, "reason"] == "unmatched_region"


def test_real_matcher_on_malformed_tables():
    """The same accounting with the project's own matcher, when it is there."""
    pytest.importorskip("geo.matcher")

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(GRIDS)
    def inner(grid):
        run_pipeline(to_csv(grid).encode(), "t.csv", matcher=None, level=None)
    inner()
