"""The monitoring workbook out (template) and the returned files back in (a round).

Out: a 填报说明 sheet in Chinese (what to fill, units, definitions, deadline; the plan id the import checks) and a
填报 sheet with one row per unit × year and one column per indicator under three header rows (name, unit, target
and year). Codes, names and years are locked (sheet protection; value and 备注 cells unlocked), value cells carry
number validation, and figures the atlas already has are pre-filled, shaded and named in 备注.

In: any number of returned files (each unit its own copy, or one merged table, or a yearbook sheet with several
indicator columns). ``store.ingest_read.read_table`` reads each (extra header rows, merged cells, notes) and
``store.ingest_clean.parse_numbers`` reads each cell (thousands separators, full-width digits, gap markers); the
rest is here because it needs the plan: a column is matched to a plan indicator by name and unit — exactly, or as a
close match that waits for the user's confirmation —, a row to one of the plan's units by code or name, and every
cell of a matched column ends as used, skipped or rejected with its reason, row and column.
"""
from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from plans.model import Plan, catalog, scope_label, units_table
from store.ingest import detect_roles, is_summary_label
from store.ingest_clean import (
    clean_label,
    neutralise_formula,
    nfkc,
    parse_numbers,
    parse_years,
)
from store.ingest_read import IngestError, RawTable, list_sheets, read_table
from store.messages import Message

FORM_SHEET, GUIDE_SHEET = "填报", "填报说明"
HEADER_ROWS = 4                        # title, names, units, targets
PREFILL_FILL = "DDEBF7"
COMPARATOR_TEXT = {">=": "≥", "<=": "≤", "=": "约"}
# 万人 where 人 was asked: the scale words a unit may carry (the column is converted only after confirmation)
SCALES = {"万": 1e4, "千": 1e3, "百": 1e2, "亿": 1e8, "十万": 1e5, "百万": 1e6, "千万": 1e7}
OBS_COLUMNS = ["code", "year", "indicator", "value", "file", "row", "column"]
CELL_COLUMNS = ["file", "column", "indicator", "row", "unit_code", "raw", "outcome", "reason", "detail"]


def target_text(t) -> str:
    if t.value is None:
        return t.quote
    year = f"（{t.target_year}年）" if t.target_year else ""
    return f"{COMPARATOR_TEXT.get(t.comparator, t.comparator)}{t.value:g}{t.unit}{year}"


def column_specs(plan: Plan, cat: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per indicator the units report: id, name, unit, target text, lead department, definition."""
    cat = catalog() if cat is None else cat
    rows = []
    for ind in plan.indicators():
        ts = [t for t in plan.targets if t.indicator == ind and t.quantified]
        c = cat.loc[ind]
        rows.append({"indicator": ind, "name": c["name_zh"], "unit": c["unit_zh"],
                     "target": "；".join(target_text(t) for t in ts),
                     "lead": "；".join(dict.fromkeys(t.lead for t in ts if t.lead)),
                     "definition": c["definition_zh"], "name_en": c["name_en"], "unit_en": c["unit_en"]})
    return pd.DataFrame(rows, columns=["indicator", "name", "unit", "target", "lead", "definition", "name_en",
                                       "unit_en"])


def known_values(store, indicators: list[str], level: str, codes: list[str], years: list[int]) -> pd.DataFrame:
    """What the atlas already has (bundled or saved) for these units and years: code, year, indicator, value, source."""
    if store is None:
        return pd.DataFrame(columns=["code", "year", "indicator", "value", "source"])
    o = store.observations
    o = o[o["indicator"].isin(indicators) & (o["level"] == level) & o["code"].isin(codes) & o["year"].isin(years)]
    return o[["code", "year", "indicator", "value", "source"]].reset_index(drop=True)


def template(plan: Plan, scope_code: str, level: str, years: list[int], store=None, deadline: str = "",
             cat: pd.DataFrame | None = None) -> bytes:
    """The monitoring workbook (XLSX bytes) for ``plan``'s units under ``scope_code`` at ``level`` and ``years``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    specs = column_specs(plan, cat)
    units = units_table(scope_code, level)
    years = sorted(int(y) for y in years)
    known = known_values(store, specs["indicator"].tolist(), level, units["code"].tolist(), years)
    wb = Workbook(write_only=True)
    guide = wb.create_sheet(GUIDE_SHEET)
    bold = Font(bold=True)

    def row(*values, font=None):
        cells = []
        for v in values:
            c = WriteOnlyCell(guide, value=neutralise_formula(v))
            if font:
                c.font = font
            cells.append(c)
        guide.append(cells)
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 40
    guide.column_dimensions["C"].width = 16
    row(f"《{plan.title}》监测数据填报说明", font=Font(bold=True, size=14))
    row("方案编号", plan.id)
    row("方案名称", plan.title)
    row("发文单位", plan.issuer)
    level_zh = {"province": "省级", "city": "地市级", "county": "县级"}[level]
    row("填报范围", f"{scope_label(scope_code)}（{scope_code}）所辖{level_zh}单位，共{len(units)}个")
    row("层级", level)
    row("填报年份", f"{years[0]}-{years[-1]}")
    row("报送截止日期", deadline or "（由方案牵头单位填写）")
    row("")
    row("怎么填", font=bold)
    for line in (
        f"1. 在“{FORM_SHEET}”表中，每个单位每个年份一行，每个指标一列；地区代码、名称和年份已锁定，请勿改动。",
        "2. 只填数字，按表头第三行的单位填写（例如单位为“%”时填 95.5，不要写“95.5%”；单位为“万人”时不要换算成人）。",
        "3. 没有数据的格子留空，并在“备注”列说明原因；不要填 0 代替缺失。",
        "4. 浅蓝色底纹的数字是图集已有的公开统计数据（已预填，来源见备注），"
        "如与本单位数据不一致，请直接改写并在备注中说明。",
        "5. 表头第四行是规划目标及目标年份，仅供参考。",
        "6. 可每个单位各填一份，也可汇总成一份；上传时可一次选多个文件，系统会合并并列出未报、重复和不一致的数据。",
        "测试或示例数值请在备注中注明“测试数据”。",
    ):
        row(line)
    row("")
    row("指标口径", font=bold)
    row("指标编号", "指标名称", "单位", "目标", "牵头单位", "口径说明", font=bold)
    for s in specs.to_dict("records"):
        row(s["indicator"], s["name"], s["unit"], s["target"], s["lead"], s["definition"])
    row("")
    row("口径来源：规划文件原文（见图集“规划监测”页的目标引文）与图集指标目录（data/bundled）。")

    form = wb.create_sheet(FORM_SHEET)
    n_ind = len(specs)
    last_col = 3 + n_ind + 1
    form.freeze_panes = "D5"
    for k, width in enumerate([12, 16, 8] + [18] * n_ind + [40], 1):
        form.column_dimensions[get_column_letter(k)].width = width
    dv = DataValidation(type="decimal", operator="between", formula1="-1000000000000", formula2="1000000000000",
                        allow_blank=True, showErrorMessage=True, errorTitle="请填数字",
                        error="这里只能填数字（按表头的单位）；没有数据请留空并在备注中说明。")
    if n_ind:
        dv.add(f"D{HEADER_ROWS + 1}:{get_column_letter(3 + n_ind)}{HEADER_ROWS + len(units) * len(years)}")
    form.data_validations.dataValidation.append(dv)
    form.protection.sheet = True
    form.protection.formatColumns = False
    form.protection.formatRows = False
    head_font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def header(values):
        cells = []
        for v in values:
            c = WriteOnlyCell(form, value=neutralise_formula(v))
            c.font, c.alignment = head_font, wrap
            cells.append(c)
        form.append(cells)
    form.append([WriteOnlyCell(form, value=neutralise_formula(
        f"《{plan.title}》监测数据填报表（方案编号 {plan.id}，{years[0]}-{years[-1]}年）"))])
    header(["地区代码", "地区名称", "年份", *specs["name"], "备注"])
    header(["", "", "", *(f"单位：{u}" if u else "单位：—" for u in specs["unit"]), ""])
    header(["", "", "", *(f"目标：{t}" for t in specs["target"]), ""])
    open_cell = Protection(locked=False)
    shade = PatternFill("solid", fgColor=PREFILL_FILL)
    # pre-filled values: (code, year) -> {indicator: value}
    lookup = {}
    sources = {}
    for r in known.itertuples(index=False):
        lookup.setdefault((r.code, int(r.year)), {})[r.indicator] = float(r.value)
        sources.setdefault((r.code, int(r.year)), set()).add(str(r.source))
    inds = specs["indicator"].tolist()
    names = dict(zip(specs["indicator"], specs["name"]))
    for code, name in zip(units["code"], units["name"]):
        for y in years:
            have = lookup.get((code, y), {})
            cells = [code, name, y]
            out = [WriteOnlyCell(form, value=v) for v in cells]
            for ind in inds:
                c = WriteOnlyCell(form, value=have.get(ind))
                c.protection = open_cell
                if ind in have:
                    c.fill = shade
                out.append(c)
            note = ""
            if have:
                note = (f"已预填（图集已有数据）：{'、'.join(names[i] for i in inds if i in have)}；"
                        f"来源：{'、'.join(sorted(sources[(code, y)]))}")
            c = WriteOnlyCell(form, value=note)
            c.protection = open_cell
            out.append(c)
            form.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    return _with_dimensions(buf.getvalue(), {"xl/worksheets/sheet2.xml": f"A1:{get_column_letter(last_col)}"
                                                                        f"{HEADER_ROWS + len(units) * len(years)}"})


def _with_dimensions(xlsx: bytes, refs: dict[str, str]) -> bytes:
    """Write each sheet's <dimension> (openpyxl's write-only mode leaves it out): without it every reader in
    read-only mode scans the whole sheet once per open just to learn its size (16 s for 2,848 counties × 3 years)."""
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename in refs and b"<dimension" not in data[:2000]:
                data = data.replace(b"</sheetPr>", f'</sheetPr><dimension ref="{refs[info.filename]}" />'.encode(), 1)
            dst.writestr(info, data)
    return out.getvalue()


def template_csv(plan: Plan, scope_code: str, level: str, years: list[int], store=None,
                 cat: pd.DataFrame | None = None) -> bytes:
    """The same form as CSV (UTF-8 with BOM for Excel): header row 名称（单位）, then one row per unit × year."""
    specs = column_specs(plan, cat)
    units = units_table(scope_code, level)
    years = sorted(int(y) for y in years)
    known = known_values(store, specs["indicator"].tolist(), level, units["code"].tolist(), years)
    frame = pd.DataFrame([(c, n, y) for c, n in zip(units["code"], units["name"]) for y in years],
                         columns=["地区代码", "地区名称", "年份"])
    wide = known.pivot_table(index=["code", "year"], columns="indicator", values="value", aggfunc="first")
    for ind, name, unit in zip(specs["indicator"], specs["name"], specs["unit"]):
        col = f"{name}（{unit}）" if unit else name
        frame[col] = [wide[ind].get((c, y)) if ind in wide.columns else None
                      for c, y in zip(frame["地区代码"], frame["年份"])]
    frame["备注"] = ""
    return frame.to_csv(index=False).encode("utf-8-sig")


# ----------------------------------------------------------------------------- reading returned files

def _norm(text: str) -> str:
    return re.sub(r"[\s　（）()“”\"'·、，,：:]+", "", nfkc(str(text or ""))).lower()


def _unit_scale(given: str, wanted: str) -> float | None:
    """万人 given where 人 wanted -> 1e4 (multiply); None when the units are not one scale apart."""
    g, w = nfkc(given or "").strip(), nfkc(wanted or "").strip()
    if g == w:
        return 1.0
    for word, f in SCALES.items():
        if g == word + w:
            return f
        if w == word + g:
            return 1 / f
    return None


@dataclass
class ColumnMatch:
    file: str
    column: str             # the column's label in the file
    name: str               # what the header says it measures
    unit: str               # the unit the header gives ('' if none)
    indicator: str = ""     # the plan indicator it feeds ('' = not matched)
    status: str = "unmatched"   # exact | close (needs confirmation) | confirmed | unmatched
    factor: float = 1.0     # multiply the figures by this (万人 -> 人)
    candidates: list[str] = field(default_factory=list)
    note: str = ""


def _header_name_unit(raw: RawTable, col: str, parts: tuple) -> tuple[str, str]:
    """(name, unit) of a column: first header part is the name; a unit from a '单位：' part, the units row,
    or the name's own parentheses (床位数（张）)."""
    parts = [p for p in parts if p] or [col]
    name, unit = parts[0], raw.units.get(col, "")
    for p in parts[1:]:
        if nfkc(p).startswith("单位"):
            unit = re.sub(r"^单位\s*[:：]?\s*", "", nfkc(p)).strip()
    m = re.match(r"^(.*?)\s*[（(]\s*([^()（）]{1,20})\s*[)）]\s*$", nfkc(name).strip())
    if m and m.group(1).strip():
        name = m.group(1).strip()
        unit = unit or m.group(2).strip()
    if unit in ("—", "-"):
        unit = ""
    return name.strip(), unit


def match_columns(plan: Plan, raw: RawTable, skip: set[str], cat: pd.DataFrame | None = None,
                  confirmed: dict | None = None) -> list[ColumnMatch]:
    """Each remaining column against the plan's indicators: exact name and unit; else close ones, for confirmation.

    ``confirmed`` maps (file, column) -> indicator id ('' = ignore the column): the user's answers.
    """
    specs = column_specs(plan, cat)
    aliases = {}
    for s in specs.to_dict("records"):
        aliases.setdefault(_norm(s["name"]), s["indicator"])
        for t in plan.targets:
            if t.indicator == s["indicator"] and t.text:
                aliases.setdefault(_norm(t.text), s["indicator"])
    units = dict(zip(specs["indicator"], specs["unit"]))
    names = dict(zip(specs["indicator"], specs["name"]))
    confirmed = confirmed or {}
    parts_of = dict(zip(raw.columns, raw.header_parts or [(c,) for c in raw.columns]))
    out = []
    for col in raw.columns:
        if col in skip:
            continue
        name, unit = _header_name_unit(raw, col, parts_of.get(col, (col,)))
        m = ColumnMatch(raw.filename, col, name, unit)
        key = (raw.filename, col)
        ind = aliases.get(_norm(name))
        if ind is not None and unit in (units[ind], ""):
            m.indicator, m.status = ind, "exact"
            if not unit:
                m.note = Message("plans.note.unit_assumed", unit=units[ind])
        else:
            close = [ind] if ind else []
            close += [i for i in difflib.get_close_matches(_norm(name), list(aliases), n=3, cutoff=0.6)
                      for i in [aliases[i]] if i not in close]
            close += [i for a, i in aliases.items() if len(a) >= 4 and (a in _norm(name) or _norm(name) in a)
                      and i not in close]
            m.candidates = close[:3]
            if close:
                m.status = "close"
                m.indicator = close[0]
                scale = _unit_scale(unit, units[close[0]]) if unit else 1.0
                if scale is None:
                    m.note = Message("plans.note.unit_unconvertible", unit=unit, plan_unit=units[close[0]])
                else:
                    m.factor = scale
                    if scale != 1:
                        m.note = Message("plans.note.unit_converted", unit=unit, plan_unit=units[close[0]],
                                         factor=f"{scale:g}")
        if key in confirmed:
            chosen = confirmed[key]
            if chosen:
                scale = _unit_scale(unit, units[chosen]) if unit else 1.0
                m.indicator, m.status, m.factor = chosen, "confirmed", scale or 1.0
                if scale is None:
                    m.status, m.note = "close", Message("plans.note.unit_unconvertible", unit=unit,
                                                        plan_unit=units[chosen])
            else:
                m.indicator, m.status = "", "ignored"
        if m.status in ("close",) and not m.note:
            m.note = Message("plans.note.maybe", name=names[m.indicator])
        out.append(m)
    return out


@dataclass
class FileRead:
    """One returned file: where its units and years are, how each column matched, or why it was refused."""
    file: str
    raw: RawTable | None = None
    sheet: str = ""
    code_col: str | None = None
    name_col: str | None = None
    year_col: str | None = None
    columns: list[ColumnMatch] = field(default_factory=list)
    plan_id: str = ""                       # the plan id its 填报说明 names ('' if none)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


_CODE_WORDS = ("地区代码", "代码", "区划代码", "行政区划代码", "code", "adcode", "region_code")
_NAME_WORDS = ("地区名称", "地区", "名称", "单位", "单位名称", "县(市、区)", "县市区", "区县", "城市", "地市", "省份",
               "region", "name", "county", "city", "province")
_NOTE_WORDS = ("备注", "说明", "note", "notes", "remark", "remarks")


def _guide_plan_id(data: bytes, names: list[str]) -> str:
    """The plan id written in a 填报说明 sheet ('' if the file has none); `names`: the file's sheets."""
    guide = next((s for s in names if "说明" in s), None)
    if guide is None or not data.startswith(b"PK"):  # legacy .xls: no plan id to check (the rows still are)
        return ""
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        for row in wb[guide].iter_rows(min_row=1, max_row=12, values_only=True):
            if row and str(row[0] or "").strip() == "方案编号" and len(row) > 1:
                return str(row[1] or "").strip()
    finally:
        wb.close()
    return ""


def _label_is(label: str, words) -> bool:
    first = _norm(label.split(" / ")[0])
    return first in {_norm(w) for w in words}


def read_file(plan: Plan, filename: str, data: bytes, cat: pd.DataFrame | None = None,
              confirmed: dict | None = None) -> FileRead:
    """Read one returned file: pick the sheet with the plan's columns, find unit/year columns, match the rest."""
    fr = FileRead(file=filename)
    try:
        sheets = list_sheets(data)
        fr.plan_id = _guide_plan_id(data, sheets) if sheets else ""
        if fr.plan_id and fr.plan_id != plan.id:
            fr.errors.append(Message("plans.err.other_plan", file=filename, other=fr.plan_id, plan=plan.id))
            return fr
        candidates = [s for s in sheets if "说明" not in s] or [None]
        best = None
        for sheet in candidates:
            try:
                raw = read_table(data, filename, sheet=sheet)
            except IngestError:
                if best is None and sheet == candidates[-1]:
                    raise
                continue
            score = sum(1 for m in match_columns(plan, raw, set(), cat) if m.status == "exact")
            if best is None or score > best[0] or (sheet == FORM_SHEET and score == best[0]):
                best = (score, raw, sheet or "")
        if best is None:
            fr.errors.append(Message("plans.err.no_table", file=filename))
            return fr
        _, raw, fr.sheet = best
    except IngestError as exc:
        fr.errors.append(Message("plans.err.file", file=filename, error=exc.args[0] if exc.args else str(exc)))
        return fr
    fr.raw = raw
    cols = list(raw.columns)
    fr.code_col = next((c for c in cols if _label_is(c, _CODE_WORDS)), None)
    fr.name_col = next((c for c in cols if _label_is(c, _NAME_WORDS) and c != fr.code_col), None)
    fr.year_col = next((c for c in cols if _label_is(c, ("年份", "年度", "年", "year", "统计年度"))), None)
    if not (fr.code_col or fr.name_col) or not fr.year_col:
        roles = detect_roles(raw)
        fr.name_col = fr.name_col or (roles.region if roles.region != fr.code_col else None)
        fr.year_col = fr.year_col or roles.year
    skip = {c for c in (fr.code_col, fr.name_col, fr.year_col) if c}
    skip |= {c for c in cols if _label_is(c, _NOTE_WORDS)}
    if not (fr.code_col or fr.name_col):
        fr.errors.append(Message("plans.err.no_region_column", file=filename))
    fr.columns = match_columns(plan, raw, skip, cat, confirmed)
    if not any(m.status in ("exact", "confirmed", "close") for m in fr.columns):
        fr.errors.append(Message("plans.err.no_matching_column", file=filename))
    return fr


def _unit_rows(fr: FileRead, units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per body row: the plan unit's code ('' if none), a reason code and a detail text."""
    body = fr.raw.body
    n = len(body)
    by_code = set(units["code"])
    by_name = {}
    for c, name in zip(units["code"], units["name"]):
        by_name[_norm(name)] = c
        short = re.sub(r"(市|县|区|自治县|自治州|地区|省|自治区|特别行政区)$", "", name)
        if len(short) >= 2:
            by_name.setdefault(_norm(short), c)
    code = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)
    codes = body[fr.code_col].map(clean_label).to_numpy(dtype=object) if fr.code_col else np.full(n, "", object)
    names = body[fr.name_col].map(clean_label).to_numpy(dtype=object) if fr.name_col else np.full(n, "", object)
    for i in range(n):
        c6, nm = str(codes[i])[:6], names[i]
        if c6 in by_code:
            code[i] = c6
        elif not c6 and _norm(nm) in by_name:
            code[i] = by_name[_norm(nm)]
        elif not c6 and not nm:
            reason[i] = "empty_row" if not (body.iloc[i] != "").any() else "no_region"
        elif is_summary_label(nm or c6) or re.match(r"^(合计|总计|小计|全市|全省|汇总)", nm or ""):
            reason[i], detail[i] = "summary_row", Message("plans.detail.summary_row")
        elif c6 and _norm(nm) in by_name and by_name[_norm(nm)] != c6:
            reason[i], detail[i] = "code_name_mismatch", Message("plans.detail.code_name_mismatch", code=c6, name=nm)
        else:
            reason[i], detail[i] = "not_a_unit", Message("plans.detail.not_a_unit", name=nm or c6)
    return code, reason, detail


SKIP_REASONS = ("empty_row", "summary_row", "empty_cell")


def read_cells(plan: Plan, fr: FileRead, units: pd.DataFrame, years: list[int] | None) -> tuple[pd.DataFrame,
                                                                                                 pd.DataFrame]:
    """Observations and one outcome per cell of every matched column of one file (used + skipped + rejected = input).

    Reasons: empty_row, summary_row, empty_cell (skipped); no_region, not_a_unit, code_name_mismatch, bad_year,
    year_not_in_round, bad_value, duplicate_in_file (rejected). Nothing is dropped without a line.
    """
    obs_parts, cell_parts = [], []
    if fr.raw is None or fr.errors:
        return pd.DataFrame(columns=OBS_COLUMNS), pd.DataFrame(columns=CELL_COLUMNS)
    body = fr.raw.body
    rows = body.index.to_numpy()
    ucode, ureason, udetail = _unit_rows(fr, units)
    year = parse_years(body[fr.year_col]).to_numpy(dtype="float64", na_value=np.nan) if fr.year_col else \
        np.full(len(body), np.nan)
    year_raw = body[fr.year_col].to_numpy(dtype=object) if fr.year_col else np.full(len(body), "", object)
    for m in fr.columns:
        if m.status not in ("exact", "confirmed"):
            continue
        cells = body[m.column].astype(str)
        unit_pat = re.escape(m.unit) if m.unit else None
        if unit_pat:  # '2.5名/万人' in a 名/万人 column: the unit is the column's, the figure is kept
            cells = cells.str.replace(rf"\s*{unit_pat}\s*$", "", regex=True)
        parsed = parse_numbers(cells)
        value = parsed["value"].to_numpy() * m.factor
        outcome = parsed["outcome"].astype(str).to_numpy()
        how = parsed["how"].astype(str).to_numpy()
        reason = ureason.copy()
        detail = udetail.copy()
        open_ = reason == ""
        bad_year = open_ & np.isnan(year)
        reason[bad_year] = "bad_year"
        detail[bad_year] = [Message("plans.detail.bad_year", year=y) for y in year_raw[bad_year]]
        if years:
            off = open_ & ~bad_year & ~np.isin(np.nan_to_num(year), years)
            reason[off] = "year_not_in_round"
            detail[off] = [Message("plans.detail.year_not_in_round", year=int(y), first=min(years), last=max(years))
                           for y in year[off]]
        open_ = reason == ""
        empty = open_ & (outcome == "missing")
        reason[empty] = "empty_cell"
        bad = open_ & (outcome == "rejected")
        reason[bad] = "bad_value"
        detail[bad] = [Message("plans.detail.not_a_number", raw=body[m.column].iloc[i], how=how[i])
                       for i in np.flatnonzero(bad)]
        ok = reason == ""
        key = pd.Series(list(zip(ucode, np.nan_to_num(year))))
        dup = ok & key.duplicated(keep="first").to_numpy()
        if dup.any():
            first_row = {}
            for k, r, o in zip(key, rows, ok):
                if o:
                    first_row.setdefault(k, r)
            reason[dup] = "duplicate_in_file"
            detail[dup] = [Message("plans.detail.duplicate", row=first_row[key[i]]) for i in np.flatnonzero(dup)]
            ok &= ~dup
        outcome_txt = np.where(ok, "used", np.where(np.isin(reason, SKIP_REASONS), "skipped", "rejected"))
        conv = ok & (how != "")
        detail[conv] = how[conv]
        if m.factor != 1:
            detail[ok] = [Message("plans.detail.converted", how=f"{d}；" if d else "", factor=f"{m.factor:g}",
                                  unit=m.unit) for d in detail[ok]]
        cell_parts.append(pd.DataFrame({"file": fr.file, "column": m.column, "indicator": m.indicator, "row": rows,
                                        "unit_code": ucode, "raw": body[m.column].to_numpy(dtype=object),
                                        "outcome": outcome_txt, "reason": reason,
                                        "detail": pd.Series(detail, dtype=object)}))   # Messages: the page translates
        obs_parts.append(pd.DataFrame({"code": ucode[ok], "year": year[ok].astype("int64"),
                                       "indicator": m.indicator, "value": value[ok], "file": fr.file,
                                       "row": rows[ok], "column": m.column}))
    obs = pd.concat(obs_parts, ignore_index=True) if obs_parts else pd.DataFrame(columns=OBS_COLUMNS)
    cells = pd.concat(cell_parts, ignore_index=True) if cell_parts else pd.DataFrame(columns=CELL_COLUMNS)
    return obs, cells


@dataclass
class Round:
    """One round's merged returns: what to save, what conflicts, who reported."""
    observations: pd.DataFrame          # code, year, indicator, value, file, row, column (no conflicts)
    conflicts: pd.DataFrame             # code, year, indicator, value, file, row, column: every conflicting figure
    cells: pd.DataFrame                 # CELL_COLUMNS: one outcome per input cell of a matched column
    progress: pd.DataFrame              # code, name, status, filled, expected, files
    files: list[FileRead]
    years: list[int]
    level: str
    scope_code: str

    @property
    def errors(self) -> list[str]:
        return [e for f in self.files for e in f.errors]

    def column_report(self) -> pd.DataFrame:
        """Per file × column: indicator, input, used, skipped, rejected (used + skipped + rejected = input)."""
        c = self.cells
        if not len(c):
            return pd.DataFrame(columns=["file", "column", "indicator", "input", "used", "skipped", "rejected"])
        t = pd.crosstab([c["file"], c["column"], c["indicator"]], c["outcome"])
        t = t.reindex(columns=["used", "skipped", "rejected"], fill_value=0)
        t.insert(0, "input", t.sum(axis=1))
        return t.reset_index()

    def pending(self) -> list[ColumnMatch]:
        """Columns that wait for the user: close matches to confirm (never guessed silently)."""
        return [m for f in self.files for m in f.columns if m.status == "close"]


def read_returns(plan: Plan, files: list[tuple[str, bytes]], scope_code: str | None = None,
                 level: str | None = None, years: list[int] | None = None, cat: pd.DataFrame | None = None,
                 confirmed: dict | None = None) -> Round:
    """Merge several returned files into one round: per-cell outcomes, conflicts across files, 填报进度."""
    scope_code = scope_code or plan.scope_code
    level = level or plan.level
    units = units_table(scope_code, level)
    reads = [read_file(plan, name, data, cat, confirmed) for name, data in files]
    if not files:
        reads = [FileRead(file="", errors=[Message("plans.err.no_file")])]
    parts = [read_cells(plan, fr, units, years) for fr in reads]
    obs = pd.concat([p[0] for p in parts], ignore_index=True) if parts else pd.DataFrame(columns=OBS_COLUMNS)
    cells = pd.concat([p[1] for p in parts], ignore_index=True) if parts else pd.DataFrame(columns=CELL_COLUMNS)
    obs = obs.astype({"year": "int64", "value": "float64"}) if len(obs) else obs
    key = ["code", "year", "indicator"]
    if len(obs):
        distinct = obs.assign(_v=obs["value"].round(9)).groupby(key)["_v"].transform("nunique")
        conflicts = obs[distinct > 1].sort_values(key + ["file"]).reset_index(drop=True)
        clean = obs[distinct <= 1].drop_duplicates(key).reset_index(drop=True)
    else:
        conflicts, clean = obs.copy(), obs.copy()
    yrs = sorted(set(years or []) or set(clean["year"].astype(int)) if len(clean) else set(years or []))
    n_ind = len(plan.indicators())
    filled = clean.groupby("code").size() if len(clean) else pd.Series(dtype=int)
    conflicted = set(conflicts["code"]) if len(conflicts) else set()
    # each unit's files, named once (the distinct pairs first: a per-row Python join took 0.3 s at county scale)
    files_of = (obs[["code", "file"]].drop_duplicates().sort_values("file").groupby("code")["file"].agg("、".join)
                if len(obs) else {})
    prog = units[["code", "name"]].copy()
    prog["filled"] = prog["code"].map(filled).fillna(0).astype(int)
    prog["expected"] = n_ind * max(len(yrs), 1)
    prog["status"] = np.where(prog["code"].isin(conflicted), "conflicting",
                              np.where(prog["filled"] == 0, "missing",
                                       np.where(prog["filled"] >= prog["expected"], "reported", "partial")))
    prog["files"] = prog["code"].map(files_of).fillna("") if len(obs) else ""
    return Round(clean, conflicts, cells, prog, reads, yrs, level, scope_code)


def diff(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """new vs the latest saved values: code, year, indicator, old, new, change (new | changed | unchanged)."""
    key = ["code", "year", "indicator"]
    n = new[key + ["value"]].rename(columns={"value": "new"})
    if old is None or not len(old):
        return n.assign(old=np.nan, change="new")[key + ["old", "new", "change"]]
    o = old[key + ["value"]].rename(columns={"value": "old"})
    d = n.merge(o, on=key, how="left")
    d["change"] = np.where(d["old"].isna(), "new", np.where(np.isclose(d["old"], d["new"], rtol=1e-9, atol=0),
                                                             "unchanged", "changed"))
    return d[key + ["old", "new", "change"]].sort_values(key).reset_index(drop=True)
