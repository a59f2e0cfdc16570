"""Data behind a figure as CSV and XLSX: units, sources and flags travel with the numbers,
and no cell can run as a spreadsheet formula. No streamlit import."""
from __future__ import annotations

import csv
import io
import re

import pandas as pd

from store.ingest_clean import neutralise_formula, neutralise_frame


def to_csv(frame: pd.DataFrame, notes: dict[str, str] | None = None) -> bytes:
    """UTF-8 with BOM (Excel opens the Chinese correctly); notes (source, unit …) as leading `#,key: value` rows."""
    head = io.StringIO()
    writer = csv.writer(head, lineterminator="\n")
    for key, value in (notes or {}).items():
        # '#' in the first cell (readers skip the row as a comment), the note quoted whole in the second: a comma or
        # a newline in an uploaded source can't start a cell of its own, and the note can't start as a formula.
        writer.writerow(["#", neutralise_formula(" ".join(f"{key}: {value}".split()))])
    safe = neutralise_frame(frame)
    return ("\ufeff" + head.getvalue() + safe.to_csv(index=False)).encode("utf-8")


def to_xlsx(frame: pd.DataFrame, notes: dict[str, str] | None = None, sheet: str = "data") -> bytes:
    """One sheet of data, one sheet `about` with the notes (source, unit, flags, definition)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_frame(frame).to_excel(writer, sheet_name=_sheet_name(sheet), index=False)
        about = pd.DataFrame(list((notes or {}).items()), columns=["key", "value"])
        neutralise_frame(about).to_excel(writer, sheet_name="about", index=False)
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    """Excel refuses []:*?/\\ in a sheet's name and more than 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or "data"


def safe_filename(name: str) -> str:
    """A download's file name from text that may hold user strings: letters, digits, '_' and '-' only (no path)."""
    return re.sub(r"[^\w\-]+", "_", str(name)).strip("_")[:120] or "atlas"
