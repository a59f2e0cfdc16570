"""Reading an uploaded file into a :class:`RawTable` (first step of the importer).

What it handles, and why here: planners' files are never in our format.
Encoding is sniffed (UTF-8 with/without BOM, UTF-16 from Excel's "Unicode
text", else GB18030, a superset of GBK/GB2312). Separators: comma, tab,
semicolon. XLSX (any sheet; :func:`list_sheets`) and legacy XLS. The grid is
then split into: metadata lines above the table (NBS portal exports:
``数据库：…``, ``指标：名称(单位)``, ``时间：…``; yearbook titles), header rows
(merged cells forward-filled, a units row recognised), the body, and footer
lines (``注：…`` becomes a caveat, ``数据来源：…`` the source).

Safety: size limits are checked *before* parsing. For XLSX the zip directory's
uncompressed sizes and compression ratios are checked first (a zip bomb is
refused without inflating it), openpyxl runs in read_only (streaming) mode,
and the cell count is enforced while streaming because a sheet's declared
dimension can lie. Errors are :class:`IngestError` with a message for people.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field

import pandas as pd

from store.ingest_clean import clean_cell, nfkc, parse_year
from store.messages import Message

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What an upload may cost. Defaults suit a laptop serving a few planners."""
    max_bytes: int = 50 * MB             # the file as uploaded
    max_cells: int = 20_000_000          # rows x columns of the chosen table
    max_uncompressed: int = 300 * MB     # XLSX: all zip members inflated (shared strings become Python objects)
    max_ratio: int = 200                 # XLSX: inflated/compressed per member


class IngestError(ValueError):
    """A file we refuse or cannot read; ``str()`` is a message for the user.

    ``code`` is stable (for translation in the UI): too_large, too_many_cells,
    zip_bomb, not_a_workbook, unknown_sheet, encoding, empty, header_only,
    html_table, unknown_level, unreadable.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class RawTable:
    """A table as found in the file, before any interpretation of its cells.

    ``body`` holds the data rows as strings ("" for empty), columns named by
    ``columns`` (header rows joined with " / "), index = 1-based row number in
    the file or sheet so reports can point at the source. ``header_parts``
    keeps each column's header cells top-down; ``digest`` is the file's and sheet's hash; ``units`` maps a column to the
    unit written in a units row. ``hints`` carries what the file says about
    itself (indicator name, unit, time, source from an NBS export header).
    """
    filename: str
    body: pd.DataFrame
    columns: list[str]
    header_parts: list[tuple[str, ...]] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    meta_lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hints: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    encoding: str | None = None
    digest: str = ""

    @property
    def n_rows(self) -> int:
        return len(self.body)


# --------------------------------------------------------------------------- bytes -> grid

def _refuse_size(data: bytes, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        raise IngestError("too_large", Message("store.read.too_large", size=f"{len(data) / MB:.1f}",
                                               limit=f"{limits.max_bytes / MB:.0f}"))


def _decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding that read it without error."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise IngestError("encoding", Message("store.read.encoding"))


def _sniff_separator(sample_lines: list[str], filename: str) -> str:
    """The separator that splits the most lines into the same number (>1) of fields."""
    if filename.lower().endswith((".tsv", ".tab")):
        return "\t"
    best, best_score = ",", -1
    for sep in [",", "\t", ";", "|"]:
        widths = [len(next(csv.reader([ln], delimiter=sep))) for ln in sample_lines if ln.strip()]
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        score = widths.count(common) * (common > 1) * common ** 0.5
        if score > best_score:
            best, best_score = sep, score
    return best


def _text_grid(data: bytes, filename: str, limits: Limits) -> tuple[pd.DataFrame, str]:
    if len(data) >= 1_000_000 and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Big file: try it as UTF-8 straight from the bytes (Arrow validates the encoding),
        # which saves decoding and re-encoding tens of MB; GB18030 and oddities fall through.
        buf = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        head = buf[:200_000].decode("utf-8", "ignore").splitlines()[:200]
        tail = buf[-50_000:].decode("utf-8", "ignore").rstrip("\r\n").splitlines()[-50:]
        sep, width = _sniff_shape(head, tail, filename)
        _check_cells(buf.count(b"\n") + 1, width, limits)
        grid = _arrow_grid(buf, sep, head, tail)
        if grid is not None:
            return _number_rows(grid), "utf-8-sig"
    text, enc = _decode(data)
    if not text[:100_000].strip() and not text.strip():
        raise IngestError("empty", Message("store.read.empty_file"))
    head = text[:200_000].splitlines()[:200]
    tail = text[-50_000:].rstrip("\r\n").splitlines()[-50:]
    sep, width = _sniff_shape(head, tail, filename)
    _check_cells(text.count("\n") + 1, width, limits)
    grid = _arrow_grid(text.encode("utf-8"), sep, head, tail) if len(data) >= 1_000_000 else None
    if grid is None:
        try:
            # names=range(width) lets short metadata lines above the table parse as ragged rows.
            grid = pd.read_csv(io.StringIO(text), sep=sep, header=None, names=range(width), dtype=str,
                               keep_default_na=False, na_filter=False, skip_blank_lines=False,
                               engine="c", quoting=csv.QUOTE_MINIMAL)
        except Exception:  # ragged rows wider than the sample, odd quoting: slow but tolerant path
            rows = list(csv.reader(io.StringIO(text), delimiter=sep))
            width = max((len(r) for r in rows), default=0)
            _check_cells(len(rows), max(width, 1), limits)
            grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)
    return _number_rows(grid), enc


def _sniff_shape(head: list[str], tail: list[str], filename: str) -> tuple[str, int]:
    sep = _sniff_separator(head, filename)
    return sep, max((len(r) for r in csv.reader(head + tail, delimiter=sep)), default=1)


def _check_cells(rows: int, width: int, limits: Limits) -> None:
    if rows * width > limits.max_cells:
        raise IngestError("too_many_cells", _cells_message(rows * width, limits))


def _number_rows(grid: pd.DataFrame) -> pd.DataFrame:
    grid = grid.fillna("")
    grid.columns = range(grid.shape[1])
    grid.index = range(1, len(grid) + 1)
    return grid


def _arrow_grid(buf: bytes, sep: str, head: list[str], tail: list[str]) -> pd.DataFrame | None:
    """Fast path for big, regular files: pyarrow's CSV reader on UTF-8 bytes (~8x the C parser here).

    Lines above and below the table whose field count differs from the table's
    (NBS header/footer lines) are cut off first and put back as rows, because
    pyarrow needs every row to have the same width. Anything irregular inside
    the table (blank or ragged lines, invalid UTF-8) returns None: the tolerant
    path takes over.
    """
    if len(buf) < 1_000_000:
        return None  # small files: the tolerant path is fast enough
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    counts = [len(next(csv.reader([ln], delimiter=sep))) if ln.strip() else 0 for ln in head]
    nonzero = [c for c in counts if c]
    if not nonzero:
        return None
    width = max(set(nonzero), key=nonzero.count)
    n_top = 0
    while n_top < len(counts) and counts[n_top] != width:
        n_top += 1
    tcounts = [len(next(csv.reader([ln], delimiter=sep))) if ln.strip() else 0 for ln in tail]
    n_bottom = 0
    while n_bottom < len(tcounts) and tcounts[-1 - n_bottom] != width:
        n_bottom += 1
    if n_top > 40 or n_bottom >= len(tcounts) or width < 2:
        return None
    try:
        start = 0
        for _ in range(n_top):
            start = buf.index(b"\n", start) + 1
        end = len(buf)
        while end and buf[end - 1] in b"\r\n":
            end -= 1
        for _ in range(n_bottom):
            end = buf.rfind(b"\n", 0, end)
        if end <= start:
            return None
        top_lines = buf[:start].decode("utf-8").splitlines()
        bottom_lines = buf[end:].decode("utf-8").strip("\r\n").splitlines()

        def refuse(row):
            raise ValueError("irregular row")
        table = pacsv.read_csv(
            io.BytesIO(memoryview(buf)[start:end]),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True,
                                             ignore_empty_lines=False, invalid_row_handler=refuse),
            convert_options=pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 check_utf8=True))
    except Exception:  # invalid UTF-8, ragged rows, odd quoting
        return None
    dtype = pd.StringDtype("pyarrow", na_value=float("nan"))
    middle = table.to_pandas(types_mapper=lambda t: dtype if pa.types.is_string(t) or pa.types.is_large_string(t)
                             else None)
    middle.columns = range(width)

    def rows_of(lines):
        rows = [(next(csv.reader([ln], delimiter=sep)) if ln.strip() else [])[:width] for ln in lines]
        return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=range(width), dtype=dtype)
    parts = [p for p in (rows_of(top_lines), middle, rows_of(bottom_lines)) if len(p)]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else middle


def _cells_message(n: int, limits: Limits) -> Message:
    return Message("store.read.too_many_cells", n=f"{n:,}", limit=f"{limits.max_cells:,}")


def _check_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise IngestError("not_a_workbook", Message("store.read.not_xlsx"))
    total = 0
    for info in zf.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio and info.file_size > 10 * MB:
            raise IngestError("zip_bomb", Message("store.read.zip_ratio", part=info.filename))
    if total > limits.max_uncompressed:
        raise IngestError("zip_bomb", Message("store.read.zip_total", size=f"{total / MB:.0f}"))
    return zf


def _is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _is_xls(data: bytes) -> bool:
    return data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _open_xlsx(data: bytes, limits: Limits):
    import openpyxl
    _check_zip(data, limits)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise IngestError("not_a_workbook", Message("store.read.cannot_open", error=str(exc)))


def list_sheets(data: bytes, limits: Limits = Limits()) -> list[str]:
    """Sheet names of an XLSX/XLS file, in workbook order ([] for text files)."""
    _refuse_size(data, limits)
    if _is_xlsx(data):
        wb = _open_xlsx(data, limits)
        try:
            return list(wb.sheetnames)
        finally:
            wb.close()
    if _is_xls(data):
        import xlrd
        try:
            return xlrd.open_workbook(file_contents=data, on_demand=True).sheet_names()
        except Exception as exc:
            raise IngestError("not_a_workbook", Message("store.read.cannot_open", error=str(exc)))
    return []


@dataclass(frozen=True)
class SheetSummary:
    """What a sheet holds, from its first rows: enough to tell a table of regions from a cover page."""
    name: str
    rows: int       # non-empty rows
    columns: int    # widest row, in filled cells
    numbers: int    # cells that read as figures
    places: int     # cells that look like region names or codes
    title: str      # the first text cell, for the one-line summary

    @property
    def has_table(self) -> bool:
        return self.rows >= 2 and self.columns >= 2 and self.numbers >= 2


_PROVINCE_SHORT = frozenset("北京 天津 河北 山西 内蒙古 辽宁 吉林 黑龙江 上海 江苏 浙江 安徽 福建 江西 "
                            "山东 河南 湖北 湖南 广东 广西 海南 重庆 四川 贵州 云南 西藏 "
                            "陕西 甘肃 青海 宁夏 新疆 台湾 香港 澳门".split())
_PLACE = re.compile(r"^(\d{6}|\d{12}|.{1,12}(省|市|区|县|州|盟|旗|地区|特别行政区))$")
_PLACE_HEADERS = frozenset({"地区", "省份", "城市", "地级市", "区县", "县区", "市县", "行政区", "所在地区"})
SUMMARY_ROWS = 60  # rows read per sheet for its summary: enough to tell a table from a cover page


def _summarise_rows(name: str, rows) -> SheetSummary:
    n_rows = width = numbers = places = 0
    title = ""
    for row in rows:
        cells = [re.sub(r"\s+", "", _cell_text(v)) for v in row]
        filled = [c for c in cells if c]
        if not filled:
            continue
        n_rows += 1
        width = max(width, len(filled))
        for c in filled:
            if _is_number(c):
                numbers += 1
            elif (_PLACE.match(c) or c in _PROVINCE_SHORT) and c not in _PLACE_HEADERS:
                places += 1
            elif not title:
                title = c
    return SheetSummary(name, n_rows, width, numbers, places, title[:40])


def sheet_summaries(data: bytes, limits: Limits = Limits()) -> list[SheetSummary]:
    """One :class:`SheetSummary` per sheet of an XLSX/XLS file, in workbook order ([] for text files)."""
    _refuse_size(data, limits)
    if _is_xlsx(data):
        wb = _open_xlsx(data, limits)
        try:
            out = []
            for name in wb.sheetnames:
                ws = wb[name]
                ws.reset_dimensions()
                out.append(_summarise_rows(name, ws.iter_rows(max_row=SUMMARY_ROWS, values_only=True)))
            return out
        finally:
            wb.close()
    if _is_xls(data):
        import xlrd
        try:
            book = xlrd.open_workbook(file_contents=data, on_demand=True)
        except Exception as exc:
            raise IngestError("not_a_workbook", Message("store.read.cannot_open", error=str(exc)))
        return [_summarise_rows(name, (ws.row_values(i) for i in range(min(ws.nrows, SUMMARY_ROWS))))
                for name, ws in ((n, book.sheet_by_name(n)) for n in book.sheet_names())]
    return []


def default_sheet(summaries: list[SheetSummary]) -> str | None:
    """The sheet to open first: the table with most region names, else the first table, else the first sheet.

    Yearbooks and bureau returns often start with a cover page that holds no table.
    """
    tables = [s for s in summaries if s.has_table]
    if not tables:
        return summaries[0].name if summaries else None
    best = max(tables, key=lambda s: s.places)
    return best.name if best.places else tables[0].name


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


def _pick_sheet(names: list[str], sheet: str | None) -> str:
    if sheet is None:
        return names[0]
    if sheet in names:
        return sheet
    stripped = {n.strip().strip("'"): n for n in names}
    if sheet.strip().strip("'") in stripped:
        return stripped[sheet.strip().strip("'")]
    raise IngestError("unknown_sheet", Message("store.read.unknown_sheet", sheet=repr(sheet)))


def _xlsx_grid(data: bytes, sheet: str | None, limits: Limits) -> tuple[pd.DataFrame, str]:
    wb = _open_xlsx(data, limits)
    try:
        name = _pick_sheet(list(wb.sheetnames), sheet)
        ws = wb[name]
        declared = (ws.max_row or 0) * (ws.max_column or 0)
        if declared > limits.max_cells:
            raise IngestError("too_many_cells", _cells_message(declared, limits))
        # read_only mode stops at the declared <dimension>, which some writers get wrong:
        # forget it and stream every row, counting cells as they come.
        ws.reset_dimensions()
        rows, cells = [], 0
        for row in ws.iter_rows(values_only=True):
            cells += len(row)
            if cells > limits.max_cells:
                raise IngestError("too_many_cells", _cells_message(cells, limits))
            rows.append([_cell_text(v) for v in row])
    finally:
        wb.close()
    return _rows_to_grid(rows), name


def _xls_grid(data: bytes, sheet: str | None, limits: Limits) -> tuple[pd.DataFrame, str]:
    import xlrd
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as exc:
        raise IngestError("not_a_workbook", Message("store.read.cannot_open", error=str(exc)))
    name = _pick_sheet(book.sheet_names(), sheet)
    ws = book.sheet_by_name(name)
    if ws.nrows * ws.ncols > limits.max_cells:
        raise IngestError("too_many_cells", _cells_message(ws.nrows * ws.ncols, limits))
    rows = [[_cell_text(v) for v in ws.row_values(i)] for i in range(ws.nrows)]
    return _rows_to_grid(rows), name


def _rows_to_grid(rows: list[list[str]]) -> pd.DataFrame:
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=str)
    if grid.empty:
        raise IngestError("empty", Message("store.read.empty_sheet"))
    grid.columns = range(grid.shape[1])
    grid.index = range(1, len(grid) + 1)
    return grid


# --------------------------------------------------------------------------- grid -> table

_META_KEY = re.compile(r"^\s*(数据库|指标|时间|地区|单位|频度|表|Database|Indicator|Time|Unit|Region)\s*[:：]", re.I)
_NOTE = re.compile(r"^\s*(注|备注|说明|数据来源|资料来源|来源|Note|Notes|Source)"
                   r"\s*[0-9一二三四五六七八九十①-⑩]*\s*[:：.、)]?", re.I)
_SOURCE = re.compile(r"^\s*(数据来源|资料来源|来源|Source)\s*[:：]\s*", re.I)
# Traditional characters of the words above (單位, 資料來源, 註 ...) and of common units (萬人), for
# recognising a line only: the text kept is the file's own. One character to one, so offsets hold.
_TRADITIONAL = str.maketrans("單資數據來庫標時間區註備說頻萬億個張輛噸戶項臺",
                             "单资数据来库标时间区注备说频万亿个张辆吨户项台")


def _key(text: str) -> str:
    return text.translate(_TRADITIONAL)


_PAREN_UNIT = re.compile(r"^(.*?)[（(]\s*([^()（）]{1,20})\s*[)）]\s*$")
UNIT_WORDS = frozenset({
    "%", "‰", "人", "万人", "亿人", "元", "万元", "亿元", "元/人", "个", "万个", "张", "万张", "所", "座",
    "标台", "辆", "平方米", "平方公里", "公里", "千米", "米", "吨", "万吨", "户", "万户", "床", "岁",
    "人/万人", "张/千人", "人/千人", "次", "万人次", "元/月", "元/年", "公顷", "立方米", "万立方米",
    "千瓦时", "天", "年", "倍", "名", "家", "项", "件", "册", "万册", "台",
})



def _is_number(text: str) -> bool:
    return clean_cell(text)[1] == "number"


def _looks_like_unit(text: str) -> bool:
    t = _key(nfkc(text).strip())
    if not t:
        return True
    if t.startswith("单位"):
        return True
    m = re.fullmatch(r"[（(]\s*(.+?)\s*[)）]", t)
    inner = m.group(1) if m else t
    return inner in UNIT_WORDS or inner.startswith("单位")


def _unit_of(text: str) -> str:
    t = nfkc(text).strip()
    t = re.sub(r"^[单單]位\s*[:：]?\s*", "", t)
    m = re.fullmatch(r"[（(]\s*(.+?)\s*[)）]", t)
    return (m.group(1) if m else t).strip()


def _is_header_like(cells: list[str]) -> bool:
    """No figure in the row, or only distinct year numbers across columns (a years row)."""
    nonempty = [c for c in cells if c]
    if not nonempty:
        return False
    numbers = [c for c in cells[1:] if c and _is_number(c)]
    if not numbers:
        texts = [c for c in cells[1:] if c and clean_cell(c)[1] != "missing"]
        return bool(texts) or not cells[0]
    years = [parse_year(c) for c in numbers]
    return len(numbers) >= 2 and all(years) and len(set(years)) == len(years) and not cells[0]


def _continues_header(cells: list[str], first: str) -> bool:
    """A further header row: no figures, and its first cell is blank (merged downwards),
    repeats the first header's, or the row holds year labels or units."""
    if not _is_header_like(cells):
        return False
    if not cells[0] or cells[0] == first:
        return True
    rest = [c for c in cells[1:] if c]
    return any(parse_year(c) for c in rest) or all(_looks_like_unit(c) for c in rest)


def _split_grid(grid: pd.DataFrame) -> dict:
    """Find metadata lines, header rows, body rows and footer lines (positions).

    Only the first and last rows are inspected, so a 1.7 M-row table costs no more than a small one.
    """
    n, width = grid.shape
    edge = min(n, 10_000)
    top = (grid.iloc[:edge] != "").sum(axis=1).to_numpy()
    bottom = (grid.iloc[n - edge:] != "").sum(axis=1).to_numpy()

    def filled(p: int) -> int:
        return int(top[p]) if p < edge else (int(bottom[p - (n - edge)]) if p >= n - edge else width)

    def cells_at(p: int) -> list[str]:
        return [str(v).strip() for v in grid.iloc[p].tolist()]
    meta, notes = [], []

    def title_row(p: int) -> list[str] | None:
        """A title or metadata line: one filled cell in a wider grid, or a title plus '单位：万人'."""
        if filled(p) == 0:
            return []
        if width > 1 and filled(p) <= 2:
            texts = [c for c in cells_at(p) if c]
            if len(texts) == 1 or _META_KEY.match(_key(texts[1])) or _META_KEY.match(_key(texts[0])):
                return texts
        return None
    # metadata / title lines above the table
    start = 0
    while start < n and (found := title_row(start)) is not None:
        meta.extend(found)
        start += 1
        if start > 40:  # a one-column grid: no header block to find
            start, meta = 0, []
            break
    # footer lines below the table: single cells that read as notes or long sentences
    end = n
    while end > start + 1:
        if filled(end - 1) == 0:
            end -= 1
            continue
        cells = [c for c in cells_at(end - 1) if c]
        if len(cells) == 1 and (_NOTE.match(_key(cells[0])) or len(cells[0]) > 20) and not _is_number(cells[0]):
            notes.insert(0, cells[0])
            end -= 1
            continue
        break
    if start >= end:
        raise IngestError("empty", Message("store.read.no_table"))
    # header block: first table row, plus following rows that hold no figures (max 6)
    header = [start]
    j = start + 1
    first = cells_at(start)[0]
    while j < end and len(header) < 6 and _continues_header(cells_at(j), first):
        header.append(j)
        j += 1
    if j >= end and len(header) > 1:  # every row looked like a header: keep one
        header, j = header[:1], start + 1
    return {"meta": meta, "notes": notes, "header": header, "body": (j, end)}


def _header_labels(grid: pd.DataFrame, header_rows: list) -> tuple[list[str], list[tuple[str, ...]], dict]:
    rows = [[str(v).strip() for v in grid.iloc[p].tolist()] for p in header_rows]
    units_by_col: dict[int, str] = {}
    # a units row: every filled cell (after the first column) is a unit
    kept = []
    for k, r in enumerate(rows):
        filled = [c for c in r[1:] if c]
        if k > 0 and filled and all(_looks_like_unit(c) for c in filled):
            units_by_col.update({c: _unit_of(v) for c, v in enumerate(r) if v and _looks_like_unit(v)})
        else:
            kept.append(r)
    if not kept:
        kept = rows[:1]
    width = len(kept[0])
    # merged cells: a label over several columns is written once; fill it rightwards
    # across the columns that carry their own label further down.
    filled_rows = []
    for k, r in enumerate(kept):
        r = list(r)
        if k < len(kept) - 1:
            carry = ""
            for c in range(width):
                below = any(kept[b][c] for b in range(k + 1, len(kept)))
                if r[c]:
                    carry = r[c]
                elif carry and below and c > 0:
                    r[c] = carry
        filled_rows.append(r)
    parts, labels = [], []
    for c in range(width):
        p: list[str] = []
        for r in filled_rows:
            if r[c] and (not p or p[-1] != r[c]):
                p.append(r[c])
        parts.append(tuple(p))
        labels.append(" / ".join(p) if p else f"列{c + 1}")
    seen: dict[str, int] = {}
    unique = []
    for lab in labels:
        if lab in seen:
            seen[lab] += 1
            unique.append(f"{lab} ({seen[lab]})")
        else:
            seen[lab] = 1
            unique.append(lab)
    units = {unique[c]: u for c, u in units_by_col.items() if c < len(unique) and u}
    return unique, parts, units


def _hints(meta: list[str], notes: list[str]) -> tuple[dict, list[str]]:
    hints: dict[str, str] = {}
    caveats = []
    for line in meta:
        t = nfkc(line).strip()
        key = re.match(r"^\s*(数据库|指标|时间|单位|地区)\s*[:：]\s*(.*)$", _key(t))
        if key:
            k, v = key.group(1), t[key.start(2):].strip()  # the file's own characters
            if k == "指标":
                m = _PAREN_UNIT.match(v)
                hints["name"], unit = (m.group(1).strip(), m.group(2).strip()) if m else (v, "")
                if unit:
                    hints["unit"] = unit
            elif k == "单位":
                hints["unit"] = _unit_of(v)
            elif k == "时间":
                hints["time"] = v
            elif k == "数据库":
                hints["database"] = v
            elif k == "地区":
                hints["region"] = v
        elif t and "title" not in hints:
            hints["title"] = t
    for n in notes:
        m = _SOURCE.match(_key(n))
        if m:
            hints["source"] = n[m.end():].strip()
        else:
            caveats.append(n)
    return hints, caveats


def read_table(data: bytes, filename: str, sheet: str | None = None, limits: Limits = Limits()) -> RawTable:
    """Parse an uploaded file (bytes as received) into a :class:`RawTable`.

    ``sheet`` picks a workbook sheet by name (default: the first). Raises
    :class:`IngestError` -- and only that -- for anything we refuse or cannot read.
    """
    try:
        return _read_table(data, filename, sheet, limits)
    except IngestError:
        raise
    except MemoryError:
        raise IngestError("too_large", Message("store.read.out_of_memory"))
    except Exception as exc:  # a parser bug must reach the user as a message, not a traceback
        raise IngestError("unreadable", Message("store.read.unreadable", error=f"{type(exc).__name__}: {exc}"))


def _read_table(data: bytes, filename: str, sheet: str | None, limits: Limits) -> RawTable:
    if not isinstance(data, (bytes, bytearray)):
        raise IngestError("unreadable", Message("store.read.not_bytes"))
    data = bytes(data)
    _refuse_size(data, limits)
    if not data[:100_000].strip() and not data.strip():
        raise IngestError("empty", Message("store.read.empty_file"))
    encoding = None
    if _is_xlsx(data):
        grid, sheet = _xlsx_grid(data, sheet, limits)
    elif _is_xls(data):
        grid, sheet = _xls_grid(data, sheet, limits)
    else:
        sniff = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if sniff.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta", b"<head")):
            # web portals often save an HTML table with an .xls name
            raise IngestError("html_table", Message("store.read.html_table"))
        grid, encoding = _text_grid(data, filename, limits)
        sheet = None
    # drop columns that are empty everywhere (trailing commas, spacer columns)
    filled = (grid != "").any(axis=0)
    if not filled.all():
        grid = grid.loc[:, filled]
        grid.columns = range(grid.shape[1])
    if grid.shape[1] == 0:
        raise IngestError("empty", Message("store.read.no_table"))
    parts = _split_grid(grid)
    columns, header_parts, units = _header_labels(grid, parts["header"])
    body = grid.iloc[parts["body"][0]:parts["body"][1]]
    if body.empty or not (body != "").to_numpy().any():
        raise IngestError("header_only", Message("store.read.header_only"))
    body.columns = columns
    hints, caveats = _hints(parts["meta"], parts["notes"])
    return RawTable(filename=filename, body=body, columns=columns, header_parts=header_parts, units=units,
                    meta_lines=parts["meta"], notes=caveats, hints=hints, sheet=sheet, encoding=encoding,
                    digest=_digest(data, sheet))


def _digest(data: bytes, sheet: str | None) -> str:
    """Names the table, not just the file: two sheets of one workbook are two tables, so they get
    their own widget state in the wizard and their own indicator ids."""
    h = hashlib.sha1(data)
    if sheet is not None:
        h.update(b"\0sheet:" + sheet.encode("utf-8"))
    return h.hexdigest()


__all__ = ["Limits", "IngestError", "RawTable", "read_table", "list_sheets", "SheetSummary", "sheet_summaries",
           "default_sheet"]
