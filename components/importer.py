"""The import wizard's steps: correct column roles, describe the indicator, read the report."""
from __future__ import annotations

import hashlib
from dataclasses import replace

import pandas as pd
import streamlit as st

from components.downloads import download_buttons
from figures.style import ERROR_COLOR
from i18n import listing, strings, t
from store.messages import in_lang
from store.ingest import IndicatorMeta, RawTable, Roles, split_unit
from store.ingest_clean import guess_domain, how_text
from store.ingest_read import default_sheet, sheet_summaries

_NONE = "—"
SHAPES = ("long", "wide_year", "wide_indicator")


def file_uploader(label: str, *, types: list[str], key: str, lang: str, help: str | None = None,
                  multiple: bool = False):
    """st.file_uploader whose own words (its button, the size and type line) speak the page language.
    Streamlit writes them in English only, so on a Chinese page CSS scoped to this widget replaces them.
    A file the browser refuses (wrong type, over the size limit, more than one) gets a visible line
    saying what is accepted: Streamlit shows only a red chip, its reason in an English tooltip."""
    mb, zone = st.get_option("server.maxUploadSize"), f".st-key-{key} [data-testid='stFileUploaderDropzone']"
    listed = listing((x.upper() for x in types), lang)
    rejected = t("common.upload_rejected_many" if multiple else "common.upload_rejected", lang, mb=mb, types=listed)
    css = (f"{zone}:has([data-testid='stFileChip'][aria-invalid='true'])::after {{content: "
           f"{_css_text(rejected)}; color: {ERROR_COLOR}; "
           f"font-size: 0.875rem; align-self: center; padding: 0 0.75rem}}")
    if lang != "en":
        button, line = f"{zone} button [data-testid='stMarkdownContainer'] p", \
            f"{zone} [data-testid='stFileUploaderDropzoneInstructions'] span"
        css += (f" {button}, {line} {{font-size: 0}} {button}::after {{content: {_css_text(t('common.upload', lang))}; "
                f"font-size: 0.875rem}} {line}::after {{content: "
                f"{_css_text(t('common.upload_limit', lang, mb=mb, types=listed))}; font-size: 0.875rem}}")
    st.html(f"<style>{css}</style>")
    return st.file_uploader(label, type=types, key=key, help=help, accept_multiple_files=multiple)


def _css_text(text: str) -> str:
    """A CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def table_text(value) -> str:
    """User text shown in markdown: escaped, so a cell is data and never markup.

    Nor a link: markdown autolinks http://, www. and e-mail addresses (and took escaped quotes into
    the link as &quot;). An invisible word joiner (U+2060) before '://', '.' of 'www.' and '@' keeps
    them text; backslash escapes do not, the autolinker reads the text after they are resolved.
    """
    from html import escape
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    text = escape(text, quote=False).replace("\\", "\\\\")
    for mark in "*_[`":
        text = text.replace(mark, "\\" + mark)
    return text.replace("://", "\u2060://").replace("www.", "www\u2060.").replace("@", "\u2060@")


@st.cache_data(max_entries=4, show_spinner=False)
def _sheet_summaries(content: bytes) -> list:
    """Cached: every rerun of the wizard asks again, and a 70-sheet workbook takes a second or two."""
    return sheet_summaries(content)


def sheet_picker(content: bytes, lang: str) -> str | None:
    """The workbook sheet to import: opens on the table of regions, each sheet listed with a one-line
    summary; a sheet without a table says so and names one that has one (then the page stops)."""
    summaries = {s.name: s for s in _sheet_summaries(content)}
    first = default_sheet(list(summaries.values()))

    def line(name: str) -> str:
        s = summaries[name]
        if s.has_table:
            return t("fixes.sheet_line", lang, name=name, rows=s.rows, columns=s.columns, places=s.places)
        return t("fixes.sheet_line_empty", lang, name=name, title=s.title or _NONE)
    sheet = st.selectbox(t("data.sheet", lang), list(summaries), index=list(summaries).index(first),
                         format_func=line, key=f"sheet-{hashlib.sha1(content).hexdigest()}")
    if not summaries[sheet].has_table:
        other = next((s.name for s in summaries.values() if s.has_table), None)
        st.warning(table_text(t("fixes.sheet_no_table", lang, sheet=sheet, other=other) if other
                              else t("fixes.workbook_no_table", lang)))
        st.stop()
    return sheet


def edit_roles(raw: RawTable, detected: Roles, lang: str) -> Roles:
    """Show the detected roles and let the user correct each one."""
    columns = [_NONE, *raw.columns]
    for note in detected.notes:
        st.caption(table_text(in_lang(note, lang)))
    cols = st.columns(4)
    shape = cols[0].selectbox(t("imp.shape", lang), SHAPES, index=SHAPES.index(detected.shape),
                              format_func=lambda s: t(f"imp.shape.{s}", lang), key=f"shape-{raw.digest}")

    def pick(col, role: str, current: str | None):
        index = columns.index(current) if current in columns else 0
        chosen = col.selectbox(t(f"imp.role.{role}", lang), columns, index=index, key=f"role-{role}-{raw.digest}")
        return None if chosen == _NONE else chosen

    region = pick(cols[1], "region", detected.region)
    parent = pick(cols[2], "parent", detected.parent)
    unit = pick(cols[3], "unit", detected.unit)
    roles = replace(detected, shape=shape, region=region, parent=parent, unit=unit,
                    merger_keep=st.session_state.get(f"merger-{raw.digest}", "own"))  # see merger_choice
    if shape == "long":
        cols = st.columns(3)
        roles = replace(roles, year=pick(cols[0], "year", detected.year),
                        indicator=pick(cols[1], "indicator", detected.indicator),
                        value=pick(cols[2], "value", detected.value))
    elif shape == "wide_year":
        st.caption(t("imp.year_columns", lang, columns="、".join(
            f"{table_text(c)} → {y}" for c, y in detected.year_columns.items()) or _NONE))
    else:
        chosen = st.multiselect(t("imp.indicator_columns", lang), raw.columns,
                                default=[c for c in detected.indicator_columns if c in raw.columns],
                                key=f"indcols-{raw.digest}", placeholder=t("common.choose", lang))
        roles = replace(roles, indicator_columns=chosen)
    return roles


def edit_meta(raw: RawTable, roles: Roles, store, lang: str) -> tuple[IndicatorMeta, str | None]:
    """Name, unit, domain, direction and level of the uploaded indicator, prefilled from the file: its title
    lines, else the header of a long table's one value column (``每千人口养老床位（张）``), which the import
    would use anyway, so the domain can be guessed from it and the user sees what will be saved."""
    hints = raw.hints
    long_one_value = roles.shape == "long" and roles.value and not roles.indicator
    header, header_unit = split_unit(roles.value) if long_one_value else ("", "")
    cols = st.columns(3)
    name_zh = cols[0].text_input(t("imp.name_zh", lang), value=hints.get("name", hints.get("title", "")) or header,
                                 key=f"nzh-{raw.digest}")
    name_en = cols[1].text_input(t("imp.name_en", lang), key=f"nen-{raw.digest}")
    unit = cols[2].text_input(t("imp.unit", lang), value=hints.get("unit", "") or header_unit,
                              key=f"unit-{raw.digest}")
    cols = st.columns(3)
    domains = store.domains.sort_values("order")
    names = dict(zip(domains["id"], domains[f"name_{lang}"]))
    # No default without evidence: population filed under 幼有所育 with a 越高越好 legend misleads.
    guess, word = guess_domain(name_zh)
    domain = cols[0].selectbox(t("ctl.domain", lang), list(names), format_func=names.get, key=f"dom-{raw.digest}",
                               index=list(names).index(guess) if guess in names else None,
                               placeholder=t("fixes.domain_choose", lang))
    direction = cols[1].selectbox(t("imp.direction", lang), [1, -1, 0], index=2, key=f"dir-{raw.digest}",
                                  format_func=lambda d: t(f"imp.direction.{d}", lang))
    level = cols[2].selectbox(t("ctl.level", lang), [None, "province", "city", "county"], key=f"lvl-{raw.digest}",
                              format_func=lambda v: t("imp.level_auto", lang) if v is None else t(f"level.{v}", lang))
    if domain is None:
        st.info(t("fixes.domain_ask", lang))
    elif domain == guess:
        st.caption(table_text(t("fixes.domain_guessed", lang, word=word, domain=names[guess])))
    cols = st.columns(3)
    context = direction == 0
    target = cols[0].number_input(t("imp.target", lang), value=None, format="%g", key=f"tgt-{raw.digest}",
                                  help=t("imp.target_context" if context else "imp.target_help", lang),
                                  disabled=context)
    target_year = cols[1].number_input(t("imp.target_year", lang), value=None, min_value=1949, max_value=2100, step=1,
                                       key=f"tgy-{raw.digest}", disabled=context)
    document = cols[2].text_input(t("imp.target_document", lang), key=f"tgd-{raw.digest}", disabled=context)
    meta = IndicatorMeta(name_zh=name_zh, name_en=name_en or name_zh, unit_zh=unit, unit_en=unit,
                         domain=domain or "", direction=direction, source=hints.get("source", ""),
                         caveats_zh="；".join(raw.notes), target=target,
                         target_year=None if target_year is None else int(target_year), target_document=document)
    return meta, level


def show_report(result, lang: str) -> None:
    """Counts that add up to the input, then every table of the report with its rows."""
    report = result.report
    c = report.counts
    for error in report.errors:
        st.error(table_text(in_lang(error, lang)))
    for warning in report.warnings:
        st.warning(table_text(in_lang(warning, lang)))
    cols = st.columns(4)
    cols[0].metric(t("imp.input_rows", lang), f"{c.get('input_rows', 0):,}")
    cols[1].metric(t("imp.used", lang), f"{c.get('used', 0):,}")
    cols[2].metric(t("imp.skipped", lang), f"{c.get('skipped', 0):,}")
    cols[3].metric(t("imp.rejected", lang), f"{c.get('rejected', 0):,}")
    st.caption(t("imp.counts_add_up", lang, observations=f"{c.get('observations', 0):,}",
                 level=t(f"level.{result.level}", lang) if result.level else _NONE))
    tabs = {
        "regions": report.regions, "cells": report.cells, "duplicates": report.duplicates,
        "summary_rows": report.summary_rows, "jumps": report.jumps, "outliers": report.outliers,
        "rows": _with_reason_text(result.row_outcomes[result.row_outcomes["outcome"] != "used"], lang),
    }
    labels = [f"{t(f'imp.tab.{k}', lang)} ({len(v):,})" for k, v in tabs.items()]
    for tab, (key, frame) in zip(st.tabs(labels), tabs.items()):
        with tab:
            if key == "regions" and len(frame):
                status = frame["status"].value_counts()
                st.caption(" · ".join(f"{t(f'imp.status.{s}', lang)}: {n}" for s, n in status.items()))
                frame = frame.assign(note=frame["note"].map(lambda n: in_lang(n, lang)),
                                     candidates=frame["candidates"].map(
                    lambda c: "、".join(f"{x[0]} {x[1]}" if isinstance(x, (list, tuple)) else str(x) for x in c)
                    if isinstance(c, (list, tuple)) else c))
            frame = _in_words(frame, lang)
            st.dataframe(frame.fillna("").astype(str) if len(frame) else frame, width="stretch", hide_index=True)
            if len(frame):
                download_buttons(_cells_as_text(frame), f"import_report_{key}", {}, lang, key=f"imp-report-{key}")


def _in_words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A report table as the page shows and exports it: its codes (match status, a cell's or a row's outcome,
    how a cell was read) and its column names in the page's language."""
    out = frame.copy()
    if "status" in out:
        out["status"] = out["status"].map(lambda s: t(f"imp.status.{s}", lang) if s else s)
    if "how" in out:
        out["how"] = out["how"].map(lambda h: how_text(h, lang))
    if "outcome" in out:         # a cell: number / missing / rejected; a row: used / skipped / rejected
        cell = "how" in out
        out["outcome"] = out["outcome"].map(lambda o: t(f"imp.cell.{o}" if cell else f"imp.{o}", lang) if o else o)
    return out.rename(columns={c: t(f"imp.col.{c}", lang) for c in out.columns if f"imp.col.{c}" in strings()})


def _cells_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Object cells (lists of candidates, raw values) as text for the export; numbers stay numbers, blanks blank."""
    return frame.apply(lambda col: col.map(lambda v: v if v is None or isinstance(v, (str, float, int)) else str(v))
                       if col.dtype == object else col)


def merger_choice(result, raw: RawTable, lang: str) -> None:
    """Which figure to keep where a merged unit's rows collide with its successor's own (shown only then);
    edit_roles reads the choice into the roles of the next import."""
    duplicates = result.report.duplicates
    if "merger" in duplicates.columns and duplicates["merger"].any():
        st.radio(t("fixes.merger_keep", lang), ["own", "merged"], key=f"merger-{raw.digest}", horizontal=True,
                 format_func=lambda k: t(f"fixes.merger_keep.{k}", lang), help=t("fixes.merger_help", lang))


def _with_reason_text(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The reason code of each skipped or rejected row, in words, beside the code; its detail in `lang`."""
    text = rows["reason"].map(lambda code: t(f"imp.reason.{code}", lang) if code else "")
    return rows.assign(detail=rows["detail"].map(lambda d: in_lang(d, lang)), **{t("imp.reason_text", lang): text})
