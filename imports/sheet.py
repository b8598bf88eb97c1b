"""Raw cells out of an uploaded ledger: .xlsx (merged cells filled in) or CSV (UTF-8 or GB18030).

Returns a list of rows (lists of cell values) with 1-based sheet row numbers implied by position.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path


class LedgerError(ValueError):
    """The whole file cannot be imported (unreadable, no header, unknown coordinate system); Chinese message."""


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerError("无法识别文件编码：请另存为 UTF-8 或 GB18030（GBK）编码的 CSV，或直接上传 Excel")


def _csv_rows(raw: bytes) -> list[list]:
    text = _decode(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _xlsx_rows(raw: bytes, sheet: str | None) -> list[list]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise LedgerError(f"无法读取 Excel 文件：{exc}") from exc
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    # A merged range shows its value in every cell it covers (two-row headers, merged unit names).
    for merged in ws.merged_cells.ranges:
        value = ws.cell(merged.min_row, merged.min_col).value
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if r - 1 < len(rows):
                    row = rows[r - 1]
                    row.extend([None] * (c - len(row)))
                    row[c - 1] = value
    return rows


def read_cells(source: str | Path | bytes, filename: str | None = None, sheet: str | None = None) -> list[list]:
    """All rows of the first sheet (or ``sheet``) of an .xlsx, or of a CSV file."""
    if isinstance(source, (str, Path)):
        filename = filename or str(source)
        try:
            raw = Path(source).read_bytes()
        except OSError as exc:
            raise LedgerError(f"无法打开文件：{source}（{exc.strerror}）") from exc
    else:
        raw = source
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")) or raw[:2] == b"PK":
        return _xlsx_rows(raw, sheet)
    if name.endswith(".xls"):
        raise LedgerError("不支持旧版 .xls 文件：请在 Excel 中另存为 .xlsx 后再导入")
    return _csv_rows(raw)
