"""All UI strings, Chinese first, English available.

Strings live in CSV files beside this module (one per area of the app, columns
``id,zh,en``) so translators can edit them in a spreadsheet; together they form
one table keyed by id. Pure modules may use it: it does not import streamlit.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh", "en")
_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def strings() -> dict[str, dict[str, str]]:
    """Every string id -> {"zh": ..., "en": ...}; a duplicate id is an error."""
    table: dict[str, dict[str, str]] = {}
    for path in sorted(_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                sid = row["id"].strip()
                if not sid:
                    continue
                if sid in table:
                    raise ValueError(f"duplicate UI string id {sid!r} in {path.name}")
                table[sid] = {"zh": row["zh"], "en": row["en"] or row["zh"]}
    return table


def listing(items, lang: str) -> str:
    """Items as one list in `lang`: 2006、2007 in Chinese, 2006, 2007 in English."""
    return ("、" if lang == "zh" else ", ").join(map(str, items))


def t(sid: str, lang: str = "zh", **fmt) -> str:
    """The string `sid` in `lang`, formatted with `fmt`; an unknown id shows as itself."""
    entry = strings().get(sid)
    text = sid if entry is None else entry.get(lang) or entry["zh"]
    return text.format(**fmt) if fmt else text
