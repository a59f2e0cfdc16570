"""Exports keep the numbers and neutralise formula-looking cells."""
import io

import openpyxl
import pandas as pd

from figures.export import to_csv, to_xlsx

FRAME = pd.DataFrame({"region": ["北京市", "=HYPERLINK(\"http://x\")", "@SUM(A1)"], "value": [5.386, -1.5, 4.11],
                      "flag": ["", "+cmd", "series_break"]})


def test_xlsx_round_trips_numbers_and_neutralises_formulas():
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(FRAME, {"source": "NBS", "unit": "张/千人"})))
    rows = list(book["data"].values)
    assert rows[0] == ("region", "value", "flag")
    assert [r[1] for r in rows[1:]] == [5.386, -1.5, 4.11]          # numbers stay numbers, negatives too
    assert rows[2][0] == "'=HYPERLINK(\"http://x\")" and rows[3][0] == "'@SUM(A1)" and rows[2][2] == "'+cmd"
    assert dict(list(book["about"].values)[1:]) == {"source": "NBS", "unit": "张/千人"}


def test_csv_has_bom_notes_and_safe_cells():
    text = to_csv(FRAME, {"source": "NBS"}).decode("utf-8")
    assert text.startswith("\ufeff#,source: NBS\n")
    body = pd.read_csv(io.StringIO(text.lstrip("\ufeff")), comment="#")
    assert body["value"].tolist() == [5.386, -1.5, 4.11]
    assert body["region"].iloc[1].startswith("'=")
