"""The "download data" buttons under every figure: the exact numbers behind it, CSV and XLSX."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from figures.export import to_csv, to_xlsx
from i18n import t


def download_buttons(frame: pd.DataFrame, name: str, notes: dict[str, str], lang: str, key: str) -> None:
    """Two small buttons; `notes` (source, unit, flags, definition) are written into the files."""
    left, right, _ = st.columns([1, 1, 4])
    left.download_button(t("dl.csv", lang), to_csv(frame, notes), file_name=f"{name}.csv", mime="text/csv",
                         key=f"{key}-csv", icon=":material/download:")
    right.download_button(t("dl.xlsx", lang), to_xlsx(frame, notes), file_name=f"{name}.xlsx",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key=f"{key}-xlsx", icon=":material/download:")
