"""Data behind a figure as CSV and XLSX: units, sources and flags travel with the numbers,
and no cell can run as a spreadsheet formula. No streamlit import."""
from __future__ import annotations

import io

import pandas as pd

from store.ingest_clean import neutralise_frame


def to_csv(frame: pd.DataFrame, notes: dict[str, str] | None = None) -> bytes:
    """UTF-8 with BOM (Excel opens the Chinese correctly); notes (source, unit …) as leading `# key: value` lines."""
    head = "".join(f"# {k}: {v}\n" for k, v in (notes or {}).items())
    safe = neutralise_frame(frame)
    return ("\ufeff" + head + safe.to_csv(index=False)).encode("utf-8")


def to_xlsx(frame: pd.DataFrame, notes: dict[str, str] | None = None, sheet: str = "data") -> bytes:
    """One sheet of data, one sheet `about` with the notes (source, unit, flags, definition)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_frame(frame).to_excel(writer, sheet_name=sheet[:31], index=False)
        about = pd.DataFrame(list((notes or {}).items()), columns=["key", "value"])
        neutralise_frame(about).to_excel(writer, sheet_name="about", index=False)
    return buffer.getvalue()
