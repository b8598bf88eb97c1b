"""Raw cells out of an uploaded ledger: .xlsx/.xlsm, legacy .xls, or CSV (UTF-8, GB18030/GBK, UTF-16).

Returns a list of rows (lists of cell values) with 1-based sheet row numbers implied by position; a merged range
shows its value in every cell it covers. The file's kind comes from its bytes, not its name (a CSV named .xlsx is
read as CSV; a PDF named .xlsx is refused). Anything unusable raises :class:`LedgerError` with a Chinese sentence,
within the limits below, so a hostile file can neither exhaust memory nor hang the server.

Workbooks are read with python-calamine (fast, values cached by Excel) after one streaming pass over the sheet XML
(:mod:`imports.workbook`) that bounds the used range and finds what calamine would silently blank: formulas without
a cached value and error cells (``#REF!`` …), which come back as :class:`BadCell`.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

#: Largest upload read at all (Streamlit's ``server.maxUploadSize`` should say the same, in MB).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: Last row holding a value (trailing blank rows do not count). Real provincial ledgers reach ~200,000.
MAX_ROWS = 300_000
#: Last column holding a value (trailing empty columns do not count).
MAX_COLUMNS = 500
#: Rows × columns of the used range, i.e. the cells held in memory at once.
MAX_CELLS = 10_000_000

#: A CSV row spanning more physical lines than this is an unclosed quote swallowing the rows after it.
MAX_LINES_PER_ROW = 20

NO_CACHED_VALUE = "公式没有计算结果，请在 Excel 中打开并保存后再导入"
EXCEL_ERRORS = {
    "#REF!": "引用无效（#REF!）", "#DIV/0!": "除数为零（#DIV/0!）", "#N/A": "数值不可用（#N/A）",
    "#VALUE!": "值的类型错误（#VALUE!）", "#NAME?": "公式名称无效（#NAME?）", "#NUM!": "数字无效（#NUM!）",
    "#NULL!": "区域不相交（#NULL!）", "#SPILL!": "溢出区域被占用（#SPILL!）", "#CALC!": "计算错误（#CALC!）",
    "#GETTING_DATA": "数据尚未取回（#GETTING_DATA）",
}
_MAGIC = (
    (b"%PDF", "PDF 文档"), (b"\x89PNG", "PNG 图片"), (b"\xff\xd8\xff", "JPEG 图片"), (b"GIF8", "GIF 图片"),
    (b"Rar!", "RAR 压缩包"), (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"), (b"\x1f\x8b", "gzip 压缩包"), (b"{\\rtf", "RTF 文档"),
    (b"SQLite format 3\x00", "SQLite 数据库"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SAVE_AS_XLSX = "请在 Excel（或 WPS）中打开，另存为“Excel 工作簿（.xlsx）”后再导入"


class LedgerError(ValueError):
    """The whole file cannot be imported (unreadable, no header, unknown coordinate system); Chinese message."""


@dataclass(frozen=True)
class BadCell:
    """A cell whose value cannot be trusted (a formula without a cached value, an Excel error such as ``#REF!``).

    :func:`read_cells` puts one in place of the value; :func:`imports.ledger.read_ledger` rejects a data row that holds
    one, naming the column and ``reason`` (Chinese), so such a row is never imported silently with a blank.
    """

    reason: str


class Cells(list):
    """The rows :func:`read_cells` returns; ``date1904`` tells that the workbook counts dates from 1904-01-01.

    Cells formatted as dates already come out as ``datetime.date``/``datetime`` either way; only a date serial left
    as a plain number needs ``date1904`` to be read right (a 1904 serial is 1462 days less than a 1900 one).
    """

    date1904: bool = False


def error_cell(code: str) -> BadCell:
    """The :class:`BadCell` for an Excel error value such as ``#REF!``."""
    what = EXCEL_ERRORS.get(code.strip().upper(), f"错误值（{code.strip()[:20]}）")
    return BadCell(f"单元格为 Excel 错误值：{what}，请在 Excel 中改正后再导入")


# --- what the bytes are -------------------------------------------------------------------------------------------

def _load(source: str | Path | bytes) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
            if size <= MAX_UPLOAD_BYTES:
                raw = path.read_bytes()
        except OSError as exc:
            raise LedgerError(f"无法打开文件“{path.name}”：文件不存在或没有读取权限") from exc
        if size > MAX_UPLOAD_BYTES:
            raise LedgerError(_too_large(size))
    if len(raw) > MAX_UPLOAD_BYTES:
        raise LedgerError(_too_large(len(raw)))
    if not raw.strip():
        raise LedgerError("文件是空的：请确认上传了填好的台账")
    return raw


def _too_large(size: int) -> str:
    return (f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）：请删除无关的工作表、"
            "图片和空白格式后再导入，或按县区拆分成几个文件")


def _kind(raw: bytes) -> str:
    """"zip", "ole2" or "text" from the first bytes; other known formats are refused here."""
    if raw[:2] == b"PK":  # a zip (an .xlsx), possibly damaged
        return "zip"
    if raw[:8] == _OLE2:
        return "ole2"
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise LedgerError(f"这是{what}，不是表格文件：请上传 Excel（.xlsx/.xls）或 CSV 格式的台账")
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) or (b"<html" in head and b"<table" in raw[:65536]):
        raise LedgerError(f"这是网页（HTML）格式的表格（常见于从业务系统导出的 .xls）：{SAVE_AS_XLSX}")
    if head.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in raw[:65536]:
            raise LedgerError(f"这是“XML 电子表格 2003”格式：{SAVE_AS_XLSX}")
        raise LedgerError("这是 XML 文件，不是表格：请上传 Excel（.xlsx/.xls）或 CSV 格式的台账")
    return "text"


# --- CSV --------------------------------------------------------------------------------------------------------

def _decode(raw: bytes) -> str:
    """Text by BOM (UTF-8, UTF-16 LE/BE, UTF-32), else UTF-16 without BOM by its NUL pattern, else UTF-8, else GB18030."""
    boms = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
            (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
    encodings = [next((enc for bom, enc in boms if raw.startswith(bom)), None)]
    sample = raw[:4096]
    if encodings[0] is None and sample.count(b"\x00") > len(sample) // 4:
        encodings = ["utf-16-le" if sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00") else "utf-16-be"]
    elif encodings[0] is None:
        if b"\x00" in raw:
            raise LedgerError("文件内容不是文本，也不是可识别的表格格式：请上传 Excel（.xlsx/.xls）或 CSV 格式的台账")
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerError("无法识别文件编码：请另存为 UTF-8 或 GB18030（GBK）编码的 CSV，或直接上传 Excel")


def _delimiter(text: str) -> str:
    """The most frequent of , tab ; | over the first lines (bounded: never more than 64 KB are looked at)."""
    sample = text[:65536].split("\n", 50)[:50]
    counts = {d: sum(line.count(d) for line in sample) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _csv_rows(raw: bytes) -> list[list]:
    text = _decode(raw).replace("\x00", "")
    delimiter = _delimiter(text)
    _check_lines(text, delimiter)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list] = []
    pending_blank, line = 0, 0
    try:
        for row in reader:
            if reader.line_num - line > MAX_LINES_PER_ROW:
                raise csv.Error("a quoted cell runs over many lines")
            line = reader.line_num
            while row and not row[-1].strip():
                row.pop()
            if not row:
                pending_blank += 1  # trailing blank lines are dropped, inner ones kept (they count as blank rows)
                continue
            rows.extend([] for _ in range(pending_blank))
            pending_blank = 0
            rows.append(row)
            _check_extent(len(rows), len(row))
    except csv.Error as exc:
        raise LedgerError(f"CSV 文件格式有误（第 {reader.line_num} 行附近：常见原因是引号不成对或单元格过长）："
                          "请用 Excel 打开检查后另存为 CSV 或 .xlsx") from exc
    return rows


def _check_lines(text: str, delimiter: str) -> None:
    """Refuse a line with far more fields than MAX_COLUMNS before csv builds it (one 20 MB line of "a,a,a…" would
    become ten million strings); trailing empty fields do not count."""
    limit = 4 * MAX_COLUMNS  # quoted cells may hold delimiters too
    strip = delimiter + " \t\r\n"
    for line in io.StringIO(text, newline=""):
        if len(line) > limit and line.rstrip(strip).count(delimiter) > limit:
            _check_extent(0, line.rstrip(strip).count(delimiter) + 1)


def _check_extent(rows: int, columns: int) -> None:
    if rows > MAX_ROWS:
        raise LedgerError(f"表格超过 {MAX_ROWS:,} 行：请按县区或年度拆分成几个文件后再导入")
    if columns > MAX_COLUMNS:
        raise LedgerError(f"表格有 {columns:,} 列有内容，超过 {MAX_COLUMNS} 列的上限：请只保留台账的列（删除右侧多余的列）后再导入")


# --- workbooks ----------------------------------------------------------------------------------------------------

def clean_rows(rows: list[list], bad: dict[tuple[int, int], BadCell], merges) -> list[list]:
    """Calamine's rows as ledger cells: "" → None, whole floats → int, NaN/∞ → BadCell; ``bad`` (1-based (row, column))
    put in place; trailing empty cells and rows dropped; then each merged range filled with its top-left value."""
    out = rows  # cleaned in place, so calamine's row lists are freed as we go
    for i, row in enumerate(out):
        out[i] = _trim([None if c == "" else (_number(c) if type(c) is float else c) for c in row])
    for (r, c), cell in bad.items():
        out.extend([] for _ in range(r - len(out)))
        row = out[r - 1]
        row.extend([None] * (c - len(row)))
        row[c - 1] = cell
    width = max((len(r) for r in out), default=0)
    _check_extent(len(out), width)
    _fill_merges(out, merges or (), width)
    while out and not out[-1]:
        out.pop()
    return out


def _number(value: float):
    if not math.isfinite(value):
        return BadCell("单元格数值无效（非数字或无穷大），请在 Excel 中改正后再导入")
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


def _trim(row: list) -> list:
    while row and row[-1] is None:
        row.pop()
    return row


def _fill_merges(rows: list[list], merges, width: int) -> None:
    """A merged range shows its top-left value in every cell it covers (two-row headers, merged unit names), clipped
    to the rows and columns that hold data; the total work is bounded by MAX_CELLS."""
    budget = MAX_CELLS
    for (r0, c0), (r1, c1) in merges:
        r1, c1 = min(r1, len(rows) - 1), min(c1, width - 1)
        if r0 > r1 or c0 > c1 or r0 < 0 or c0 < 0:
            continue
        budget -= (r1 - r0 + 1) * (c1 - c0 + 1)
        if budget < 0:
            raise LedgerError("合并单元格过多或范围过大：请取消不必要的合并单元格后再导入")
        anchor = rows[r0][c0] if c0 < len(rows[r0]) else None
        for r in range(r0, r1 + 1):
            row = rows[r]
            row.extend([None] * (c1 + 1 - len(row)))
            row[c0:c1 + 1] = [anchor] * (c1 - c0 + 1)


def read_cells(source: str | Path | bytes, filename: str | None = None, sheet: str | None = None) -> Cells:
    """All rows of the first visible worksheet (or ``sheet``) of an .xlsx/.xlsm/.xls, or of a CSV file.

    Parameters
    ----------
    source : path or bytes
        The uploaded file; at most :data:`MAX_UPLOAD_BYTES`.
    filename : str, optional
        Only used in messages; the format is recognised from the content.
    sheet : str, optional
        The worksheet's name (workbooks only).

    Returns
    -------
    Cells
        A list of rows; cells are str, int, float, bool, date/datetime/time, None or :class:`BadCell`.
    """
    from imports import workbook

    raw = _load(source)
    kind = _kind(raw)
    if kind == "zip":
        return workbook.read_xlsx(raw, sheet)
    if kind == "ole2":
        return workbook.read_ole2(raw, sheet)
    out = Cells(_csv_rows(raw))
    return out
