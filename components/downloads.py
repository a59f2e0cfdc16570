"""The "download data" buttons under every figure: the exact numbers behind it, CSV and XLSX.

The files are built only when a button is clicked (deferred data): building an XLSX of
2,875 counties on every rerun cost over a second of server time per interaction.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from figures.export import safe_filename, to_csv, to_xlsx
from i18n import t


def download_buttons(frame: pd.DataFrame, name: str, notes: dict[str, str], lang: str, key: str) -> None:
    """Two small buttons in a row; `notes` (source, unit, flags, definition) are written into the files."""
    row, name = st.container(horizontal=True, gap="small"), safe_filename(name)
    row.download_button(t("dl.csv", lang), lambda: to_csv(frame, notes), file_name=f"{name}.csv", mime="text/csv",
                       key=f"{key}-csv", icon=":material/download:", on_click="ignore", width="content")
    row.download_button(t("dl.xlsx", lang), lambda: to_xlsx(frame, notes), file_name=f"{name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}-xlsx", icon=":material/download:", on_click="ignore", width="content")
