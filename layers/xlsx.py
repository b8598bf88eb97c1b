"""The one Excel writer: every workbook the product hands out is laid out, formatted and guarded here.

It sits in ``layers`` (below ``analysis``, ``reports`` and ``ui``) so that every package that writes a workbook may
import it; it knows nothing of tables or Streamlit, only of frames and cells.

A list sheet (:func:`frame_sheet`, :func:`to_bytes` of :class:`Sheet` s) reads as a report:

- row 1 the title, row 2 the 数据截至/口径 subtitle, row 3 an optional note, row 4 the header (bold, filled, bordered,
  frozen on screen and printed on every page), then one row per record; Chinese column labels from ``labels``;
- number formats by column kind (:data:`FORMATS`: counts ``#,##0`` written as integers, money ``#,##0.00``, rates
  ``0.0%``, dates ``yyyy-mm-dd``), given per column or inferred from the label and the values (:func:`kind_of`);
- widths from the text shown (a Chinese character counts two), long text wrapped;
- printed A4 landscape, one page wide, page numbers in the footer (:func:`print_setup`).

The **formula guard**: a text cell is always a string cell, whatever it starts with (``=``, ``+``, ``-``, ``@``), and one
that starts like a formula also carries Excel's quote prefix, so editing it in Excel keeps it text. Nothing here ever
writes a formula. Every kind of missing (None, NaN, NaT, ``pd.NA``, empty text) is a blank cell; booleans are 是/否;
lists are joined with "；". Output is deterministic: fixed zip timestamps and the document time given as ``stamp``.

The lower-level :func:`put`, :func:`table`, :func:`title_rows` and :func:`print_setup` build sheets with several tables
(the 督办 export, the 月通报).
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.writer.excel import ExcelWriter

APP_TITLE = "园区承载力与项目地图"
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: number format per column kind
COUNT, MONEY, NUMBER, RATE, DATE, DATETIME, COORDINATE = "#,##0", "#,##0.00", "#,##0.00", "0.0%", "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "0.000000"
FORMATS = {"text": None, "count": COUNT, "money": MONEY, "number": NUMBER, "rate": RATE, "date": DATE, "datetime": DATETIME,
           "coordinate": COORDINATE}

HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
LIGHT_FILLS = {"红灯": PatternFill("solid", fgColor="F8CBAD"), "黄灯": PatternFill("solid", fgColor="FFE699"),
               "绿灯": PatternFill("solid", fgColor="C6EFCE")}
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_FONT, SUBTITLE_FONT, NOTE_FONT = Font(bold=True, size=14), Font(italic=True, color="666666"), Font(color="C00000")
#: column widths (characters; a Chinese character counts two): text wider than MAX_WIDTH wraps
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 8, 36, 12
#: the header row of a list sheet (title, subtitle, note above it)
HEADER_ROW = 4
FOOTER = "第 &P 页，共 &N 页"
NO_ROWS = "（无符合条件的记录）"
FORMULA_START = ("=", "+", "-", "@")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


# --- values ---------------------------------------------------------------------------------------------------------

def is_missing(value) -> bool:
    """None, NaN, NaT, ``pd.NA`` (nullable columns) and empty text: a blank cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, (dt.date, list, tuple, set, dict)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # array-likes
        return False


def cell_value(value):
    """A value as a cell holds it: numbers and dates as such, missing as None, everything else as text."""
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:  # a cell has no time zone: the time as read in China
            stamp = stamp.tz_convert("Asia/Shanghai").tz_localize(None)
        return stamp.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and math.isinf(value):
        return None
    if isinstance(value, (int, float, dt.date)):
        return value
    if isinstance(value, (list, tuple, set)):
        value = "；".join(str(v) for v in value if not is_missing(v))
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def put(ws, row: int, col: int, value, *, fmt: str | None = None):
    """Write one cell (the formula guard: text is a string cell, never a formula). A whole number in a count column is
    written as an integer (the same value, never shown as "391.0"); a date column holds dates without a time."""
    cell = ws.cell(row=row, column=col)
    value = cell_value(value)
    if fmt == COUNT and isinstance(value, float) and value.is_integer():
        value = int(value)
    if fmt == DATE and isinstance(value, dt.datetime) and value.time() == dt.time(0, 0):
        value = value.date()
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    if fmt:
        cell.number_format = fmt
    elif isinstance(value, dt.datetime):
        cell.number_format = DATETIME if value.time() != dt.time(0, 0) else DATE
    elif isinstance(value, dt.date):
        cell.number_format = DATE
    return cell


# --- column kinds ---------------------------------------------------------------------------------------------------

_MONEY_WORDS = ("万元", "亿元", "（元", "元）", "元/")
#: numbers that are names, not quantities: no 千分位 (a year 2018 is not "2,018")
_PLAIN_WORDS = ("年份", "年度", "编号", "代码", "电话", "邮编")
#: ratios that are not percentages
_NOT_RATES = ("容积率",)


def kind_of(label: str, values: pd.Series) -> str:
    """The kind of a column from its (Chinese) label and its values: date/datetime, coordinate (经度/纬度), a plain
    number for years and codes (``"0"``), rate (a label with 率 and values between 0 and 1; not 容积率), money (万元, 亿元,
    元), count (whole numbers), number; anything else is text."""
    label = str(label)
    present = values[[not is_missing(v) for v in values]] if len(values) else values
    if pd.api.types.is_bool_dtype(values.dtype):
        return "text"
    if pd.api.types.is_datetime64_any_dtype(values.dtype) or (
            len(present) and all(isinstance(v, (dt.date, pd.Timestamp)) for v in present)):
        stamps = pd.to_datetime(pd.Series(list(present)), errors="coerce") if len(present) else pd.Series(dtype="datetime64[ns]")
        if len(stamps) and getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
        return "datetime" if len(stamps) and (stamps != stamps.dt.normalize()).any() else "date"
    numeric = pd.api.types.is_numeric_dtype(values.dtype) or (
        len(present) > 0 and all(isinstance(v, (int, float, np.number, decimal.Decimal)) and not isinstance(v, (bool, np.bool_))
                                 for v in present))
    if not numeric:
        return "text"
    if "经度" in label or "纬度" in label:
        return "coordinate"
    numbers = pd.to_numeric(pd.Series(list(present), dtype=object), errors="coerce").replace([np.inf, -np.inf], np.nan).dropna()
    whole = bool(len(numbers)) and bool((numbers == numbers.round()).all())
    if any(w in label for w in _PLAIN_WORDS):
        return "0"
    if ("率" in label and not any(w in label for w in _NOT_RATES) and "%" not in label and "％" not in label
            and len(numbers) and numbers.abs().max() <= 1):
        return "rate"
    if any(w in label for w in _MONEY_WORDS):
        return "money"
    return "count" if whole else "number"


def column_format(kind: str | None) -> str | None:
    """A kind's number format; a kind that is already a format (``"0.0"``) is used as it is."""
    if kind is None:
        return None
    return FORMATS.get(kind, kind)


# --- widths ---------------------------------------------------------------------------------------------------------

def shown_width(value, fmt: str | None = None) -> int:
    """About how many characters wide ``value`` is shown (a Chinese character counts two)."""
    if value is None:
        return 0
    if isinstance(value, str):
        return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in value.splitlines()),
                   default=0)
    if isinstance(value, dt.datetime):
        return 16 if fmt == DATETIME or value.time() != dt.time(0, 0) else 10
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return len(str(value))
    shown = {RATE: f"{value:.1%}", MONEY: f"{value:,.2f}", COUNT: f"{value:,.0f}", COORDINATE: f"{value:.6f}",
             "0.0": f"{value:.1f}"}.get(fmt or "")
    return len(shown or str(value))


def widen(ws, col: int, width: int) -> None:
    """Note that column ``col`` shows ``width`` characters (:func:`print_setup` sets the widths)."""
    widths = ws.__dict__.setdefault("_xlsx_widths", {})
    widths[col] = max(widths.get(col, 0), min(MAX_WIDTH, max(MIN_WIDTH, width + 2)))


def _wraps(ws, row: int, col: int, width: int) -> None:
    """Note that the cell at ``row``, ``col`` wraps text ``width`` characters wide (:func:`print_setup` gives its row
    the height of its lines: not every reader sizes wrapped rows by itself)."""
    ws.__dict__.setdefault("_xlsx_wrapped", []).append((row, col, width))


def _row_heights(ws) -> None:
    lines: dict[int, int] = {}
    for row, col, width in ws.__dict__.get("_xlsx_wrapped", []):
        room = max(1.0, (ws.column_dimensions[get_column_letter(col)].width or MIN_WIDTH) - 1)
        lines[row] = max(lines.get(row, 1), min(6, math.ceil(width / room)))
    for row, n in lines.items():
        if n > 1:
            ws.row_dimensions[row].height = 15 * n


# --- sheets ---------------------------------------------------------------------------------------------------------

def title_rows(ws, title: str, subtitle: str | None = None, note: str | None = None) -> int:
    """Title (row 1), subtitle (row 2), note (row 3, red); returns the header row, :data:`HEADER_ROW`."""
    put(ws, 1, 1, title).font = TITLE_FONT
    if subtitle:
        put(ws, 2, 1, subtitle).font = SUBTITLE_FONT
    if note:
        put(ws, 3, 1, note).font = NOTE_FONT
    return HEADER_ROW


def table(ws, top: int, headers: list[str], rows: list[list], formats: dict[int, str | list | None] | None = None,
          light_col: int | None = None) -> int:
    """A header row at ``top`` and data rows below it (thin borders, formats per column — one format, or one per row —,
    红灯/黄灯/绿灯 filled in ``light_col``); returns the row after the next blank one."""
    for c, h in enumerate(headers, start=1):
        cell = put(ws, top, c, h)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        widen(ws, c, min(shown_width(cell.value), HEADER_WIDTH))
        _wraps(ws, top, c, shown_width(cell.value))
    for i, values in enumerate(rows):
        r = top + 1 + i
        for c, value in enumerate(values, start=1):
            fmt = (formats or {}).get(c)
            fmt = fmt[i] if isinstance(fmt, (list, tuple)) else fmt
            cell = put(ws, r, c, value, fmt=fmt)
            cell.border = BOX
            width = shown_width(cell.value, fmt)
            lit = light_col is not None and c == light_col
            cell.alignment = Alignment(vertical="center", wrap_text=width > MAX_WIDTH - 2, horizontal="center" if lit else None)
            if width > MAX_WIDTH - 2:
                _wraps(ws, r, c, width)
            if lit and cell.value in LIGHT_FILLS:
                cell.fill = LIGHT_FILLS[cell.value]
            widen(ws, c, width)
        for c in range(len(values) + 1, len(headers) + 1):
            ws.cell(row=r, column=c).border = BOX
    return top + len(rows) + 2


def print_setup(ws, *, repeat: int, footer: str = "", widths: dict[int, float] | None = None) -> None:
    """A4 landscape, one page wide (as many pages high as it takes), rows 1..``repeat`` printed on every page and
    frozen on screen, ``footer`` (the document's title) and page numbers in the footer. Column widths from the text
    written (:func:`widen`), or ``widths`` where given."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.7, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    for col, width in sorted((ws.__dict__.get("_xlsx_widths", {}) | (widths or {})).items()):
        ws.column_dimensions[get_column_letter(col)].width = width
    _row_heights(ws)
    if repeat:
        ws.print_title_rows = f"1:{repeat}"
        ws.freeze_panes = f"A{repeat + 1}"
    ws.oddFooter.left.text = footer.replace("&", "&&")[:120]
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.right.text = "&A"  # the sheet's name


def sheet_name(name: str, taken: set[str], fallback: str = "Sheet") -> str:
    """A valid worksheet name for ``name`` not in ``taken`` (casefolded; the name is added): ≤ 31 characters, none of
    ``[]:*?/\\``, no leading or trailing apostrophe, a number in brackets when taken."""
    base = _BAD_SHEET_CHARS.sub("＿", str(name)).strip().strip("'") or fallback
    out, n = base[:31], 1
    while out.casefold() in taken:
        n += 1
        suffix = f"（{n}）"
        out = base[:31 - len(suffix)] + suffix
    taken.add(out.casefold())
    return out


@dataclass
class Sheet:
    """One list sheet: ``frame`` under ``title``, its columns labelled by ``labels`` (column → Chinese label) and
    formatted by ``kinds`` (column or label → kind of :data:`FORMATS`, or a number format; others inferred)."""

    name: str
    frame: pd.DataFrame
    title: str
    subtitle: str | None = None  # 数据截至/口径
    note: str | None = None
    labels: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    light: str | None = None  # the column (or label) holding 红灯/黄灯/绿灯
    widths: dict = field(default_factory=dict)  # column (or label) → width in characters, where the text would mislead


def frame_sheet(ws, sheet: Sheet, *, footer: str = "") -> None:
    """Write :class:`Sheet` ``sheet`` into worksheet ``ws`` (see the module docstring for the layout)."""
    frame = sheet.frame
    columns = list(frame.columns)
    headers = [str(sheet.labels.get(c, c)) for c in columns]
    given = {**sheet.kinds}
    formats = {}
    for i, (column, header) in enumerate(zip(columns, headers), start=1):
        kind = given.get(column, given.get(header))
        formats[i] = column_format(kind if kind is not None else kind_of(header, frame.iloc[:, i - 1]))  # by position: labels may repeat
    top = title_rows(ws, sheet.title, sheet.subtitle, sheet.note)
    rows = [list(r) for r in frame.itertuples(index=False, name=None)]
    light = next((i for i, (c, h) in enumerate(zip(columns, headers), start=1) if sheet.light in (c, h)), None)
    table(ws, top, headers, rows, formats, light_col=light)
    if not rows:
        put(ws, top + 1, 1, NO_ROWS).font = SUBTITLE_FONT
    widths = {i: w for i, (c, h) in enumerate(zip(columns, headers), start=1) for key, w in sheet.widths.items() if key in (c, h)}
    print_setup(ws, repeat=top, footer=footer or sheet.title, widths=widths)


def workbook(sheets: list[Sheet], *, title: str | None = None, stamp: dt.datetime | None = None) -> Workbook:
    """A workbook of list sheets (in order; names made valid and distinct), its properties titled ``title``."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for sheet in sheets:
        frame_sheet(wb.create_sheet(sheet_name(sheet.name, taken)), sheet, footer=title or sheet.title)
    if not sheets:
        ws = wb.create_sheet("说明")
        title_rows(ws, title or APP_TITLE, NO_ROWS)
    properties(wb, title=title or (sheets[0].title if sheets else APP_TITLE), stamp=stamp)
    return wb


def properties(wb: Workbook, *, title: str, stamp: dt.datetime | None = None) -> None:
    """The document's author (the product), title and time (``stamp``, else now)."""
    wb.properties.creator = wb.properties.lastModifiedBy = APP_TITLE
    wb.properties.title = cell_value(title)
    when = stamp or dt.datetime.now().replace(microsecond=0)
    wb.properties.created = wb.properties.modified = when


class _FixedTimeZip(zipfile.ZipFile):
    """Zip entries with a fixed timestamp (the default is "now"), for byte-identical workbooks."""

    date_time = (2000, 1, 1, 0, 0, 0)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.date_time)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
        return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        """openpyxl writes worksheets from temporary files, whose mtime would end up in the zip."""
        return self.writestr(arcname or Path(filename).name, Path(filename).read_bytes())


def save(wb: Workbook) -> bytes:
    """``wb`` as .xlsx bytes; the same workbook (same ``stamp``) gives the same bytes."""
    buffer = io.BytesIO()
    archive = _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # not openpyxl's save_workbook, which stamps the current time
    return buffer.getvalue()


def to_bytes(sheets: list[Sheet], *, title: str | None = None, stamp: dt.datetime | None = None) -> bytes:
    """:func:`workbook` as .xlsx bytes."""
    return save(workbook(sheets, title=title, stamp=stamp))
