"""Excel workbooks for :func:`imports.sheet.read_cells`: .xlsx/.xlsm (a zip of XML) and legacy .xls (OLE2).

Values come from python-calamine (≈10× faster than openpyxl and a fraction of its memory on 200,000-row ledgers).
Calamine holds a sheet's used range densely and blanks what it cannot give, so before it runs an .xlsx is checked:
the zip's declared and real sizes (:mod:`imports.archive`), then one streaming expat pass over the chosen sheet's
XML that stops as soon as the cells reach past the row/cell limits, and records formulas without a cached value
and error cells, returned as :class:`imports.sheet.BadCell`. No DTD is accepted in the parts parsed here.
"""

from __future__ import annotations

import gc
import io
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from contextlib import contextmanager
from xml.parsers import expat

from imports import archive
from imports.sheet import MAX_CELLS, MAX_ROWS, NO_CACHED_VALUE, SAVE_AS_XLSX, BadCell, Cells, LedgerError, clean_rows, error_cell

CORRUPT = "无法读取 Excel 文件：文件已损坏或不完整，请在 Excel 中打开确认无误后重新保存再导入"
PASSWORD = "文件设置了打开密码（已加密），无法读取：请在 Excel 中取消密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码）后另存再导入"
BOOK = "xl/workbook.xml"
_SMALL_PART = 32 * 1024 * 1024  # workbook.xml and .rels files are tiny in real files
_EXCEL_LIMITS = (1_048_576, 16_384)
_DIGITS = "0123456789"


@contextmanager
def _gc_paused():
    """Python's cycle collector rescans every live object as millions of cells are created (≈40 % of the read time on
    a 200,000-row sheet); the rows hold no cycles, so it waits until they are built."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2].rpartition(":")[2]


def _attr(element: ET.Element, name: str) -> str | None:
    return next((v for k, v in element.attrib.items() if _local(k) == name), None)


def _part(raw: bytes, zf: zipfile.ZipFile, name: str) -> ET.Element | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _SMALL_PART:
        raise LedgerError(CORRUPT)
    data = archive.read_member(raw, info)
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise LedgerError(CORRUPT)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise LedgerError(CORRUPT) from exc


def _rels(raw: bytes, zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type's last word, member path) for ``part``."""
    folder, name = posixpath.split(part)
    root = _part(raw, zf, posixpath.join(folder, "_rels", name + ".rels"))
    out = {}
    for rel in root.iter() if root is not None else ():
        if _local(rel.tag) == "Relationship" and rel.get("Target") and rel.get("Id"):
            target = rel.get("Target", "")
            path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            if ".." not in path.split("/") and "./" not in path and (not folder or path.startswith(folder + "/")):
                out[rel.get("Id", "")] = (rel.get("Type", "").rpartition("/")[2], path)
    return out


def _not_a_workbook(zf: zipfile.ZipFile) -> str:
    names = set(zf.namelist())
    if any(n.endswith("workbook.bin") for n in names):
        return f"这是 Excel 二进制工作簿（.xlsb）：{SAVE_AS_XLSX}"
    if "content.xml" in names and "mimetype" in names:
        return f"这是 OpenDocument 表格（.ods/.et 等）：{SAVE_AS_XLSX}"
    if any(n.startswith("word/") for n in names):
        return "这是 Word 文档，不是表格：请上传 Excel（.xlsx/.xls）或 CSV 格式的台账"
    if any(n.startswith("ppt/") for n in names):
        return "这是 PowerPoint 演示文稿，不是表格：请上传 Excel（.xlsx/.xls）或 CSV 格式的台账"
    return "这是一个 zip 压缩包，不是 Excel 工作簿：请解压后上传其中的台账文件（.xlsx/.xls/.csv）"


def _choose_sheet(raw: bytes, zf: zipfile.ZipFile, sheet: str | None) -> tuple[str, str, bool, list[str]]:
    """(sheet name, its XML member, date1904, all sheet names) for ``sheet`` or the first visible worksheet.

    Only the layout every spreadsheet program writes is accepted (``xl/workbook.xml``, sheets under ``xl/``), so the
    sheet checked here is the one calamine reads.
    """
    book = _part(raw, zf, BOOK)
    if book is None:
        raise LedgerError(_not_a_workbook(zf))
    rels = _rels(raw, zf, BOOK)
    date1904 = any(_local(e.tag) == "workbookPr" and (e.get("date1904") or "").lower() in ("1", "true") for e in book.iter())
    sheets, names = [], []  # (name, path, visible) of the worksheets; the names of all sheets
    for element in book.iter():
        if _local(element.tag) == "sheet":
            names.append(element.get("name") or "")
            kind, path = rels.get(_attr(element, "id") or "", ("", ""))
            if kind == "worksheet" and path in zf.NameToInfo:
                sheets.append((names[-1], path, (element.get("state") or "visible") == "visible"))
    if len(set(names)) != len(names):
        raise LedgerError(CORRUPT)  # calamine finds a sheet by name: two with one name could send it elsewhere
    if not sheets:
        raise LedgerError("工作簿中没有可读取的工作表（只有图表或宏表）：请确认台账在普通工作表中")
    if sheet is not None:
        found = next((s for s in sheets if s[0] == sheet), None)
        if found is None:
            raise LedgerError(f"工作簿中没有名为“{sheet}”的工作表（现有：{'、'.join(s[0] for s in sheets)}）")
        return found[0], found[1], date1904, names
    name, path, _ = next((s for s in sheets if s[2]), sheets[0])
    return name, path, date1904, names


class _Refused(Exception):
    """Raised from inside the expat callbacks to stop the pass early with a Chinese message."""


#: Elements that occur inside a cell (<c>); any other element ends the cell before it (no end-tag callback is set,
#: which halves the Python calls per cell).
_IN_CELL = frozenset({"f", "v", "is", "t", "r", "rPr", "rPh", "phoneticPr", "b", "i", "u", "strike", "sz", "color",
                      "rFont", "family", "charset", "scheme", "vertAlign", "outline", "shadow", "condense", "extend"})


def _scan_xml(chunks) -> tuple[int, int, dict[tuple[int, int], BadCell]]:
    """(last row, last column, untrustworthy cells) over the cells of a worksheet's XML that hold something.

    One expat pass with a start-tag callback only (a cell ends where the next element outside a cell starts): this
    runs once per XML element of a sheet that may hold millions of cells, so it is written flat, with closure state.
    """
    kinds: dict[str, str] = {}
    columns: dict[str, int] = {}  # "AB" → 28, cached: the same few letters on every row
    bad: dict[tuple[int, int], BadCell] = {}
    row, row_text, col, max_row, max_col = 0, "0", 0, 0, 0
    open_cell, c_row, c_col, c_type, c_formula, c_value, c_text = False, 0, 0, None, False, False, None
    parser = expat.ParserCreate()

    def close() -> None:
        nonlocal max_row, max_col
        if c_row > max_row or c_col > max_col:
            if c_row > MAX_ROWS:
                raise _Refused(f"表格超过 {MAX_ROWS:,} 行（第 {c_row:,} 行仍有内容）：请按县区或年度拆分成几个文件后再导入")
            max_row, max_col = max(max_row, c_row), max(max_col, c_col)
            if max_row * max_col > MAX_CELLS:
                raise _Refused(f"表格范围过大（{max_row:,} 行 × {max_col:,} 列）：请删除右侧多余的列和下方无关的内容，"
                               "或拆分成几个文件后再导入")
        if c_type == "e":
            bad[(c_row, c_col)] = error_cell("".join(c_text or ()))
        elif c_formula and c_type != "str" and not "".join(c_text or ()).strip():
            bad[(c_row, c_col)] = BadCell(NO_CACHED_VALUE)

    def start(name: str, attrs: dict) -> None:
        nonlocal row, row_text, col, open_cell, max_row, max_col, c_row, c_col, c_type, c_formula, c_value, c_text
        kind = kinds.get(name)
        if kind is None:
            local = name.rpartition(":")[2]
            kind = kinds[name] = local if local in ("c", "row", "f", "v", "is") or local not in _IN_CELL else "-"
        if kind == "-":
            return
        if open_cell:
            if kind == "f":
                c_formula = True
                return
            if kind == "v" or kind == "is":
                c_value = True
                if kind == "v" and (c_formula or c_type == "e"):
                    c_text = []
                    parser.CharacterDataHandler = c_text.append
                return
            if c_text is not None:
                parser.CharacterDataHandler = None
            if (c_formula or c_value) and (c_formula or c_type == "e" or c_row > max_row or c_col > max_col):
                close()  # the rare cells that change something; a plain value inside the known range only ends here
            open_cell = False
        if kind == "c":
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                col = columns.get(letters) or columns.setdefault(letters, _column(letters))
                c_row = row if ref[len(letters):] == row_text else _int(ref[len(letters):])
            else:
                c_row, col = row, col + 1
            open_cell, c_col, c_type, c_formula, c_value, c_text = True, col, attrs.get("t"), False, False, None
        elif kind == "row":
            ref = attrs.get("r")
            row, col = (_int(ref) if ref else row + 1), 0
            row_text = str(row)

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    parser.buffer_text = True
    for chunk in chunks:
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    if open_cell and (c_formula or c_value):
        close()
    return max_row, max_col, bad


def _no_dtd(*_args) -> None:
    raise ValueError("DTD")


def _int(text: str) -> int:
    value = int(text)
    if not 0 < value <= _EXCEL_LIMITS[0]:
        raise ValueError(text)
    return value


def _column(letters: str) -> int:
    """"AB" → 28; ValueError for anything Excel could not have written."""
    if not 0 < len(letters) <= 3 or not letters.isascii() or not letters.isupper():
        raise ValueError(letters)
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    if col > _EXCEL_LIMITS[1]:
        raise ValueError(letters)
    return col


def _scan(raw: bytes, info: zipfile.ZipInfo) -> dict[tuple[int, int], BadCell]:
    try:
        return _scan_xml(archive.inflate(raw, info))[2]
    except _Refused as exc:
        raise LedgerError(str(exc)) from None
    except archive.UnsafeArchive as exc:
        raise LedgerError(f"无法读取 Excel 文件：{exc}") from None
    except (expat.ExpatError, ValueError) as exc:
        raise LedgerError(CORRUPT) from exc


def read_xlsx(raw: bytes, sheet: str | None) -> Cells:
    """Rows of an .xlsx/.xlsm held in ``raw`` (see the module docstring for the checks made first)."""
    import python_calamine

    try:
        zf = archive.open_zip(raw)
    except archive.UnsafeArchive as exc:
        raise LedgerError(f"无法读取 Excel 文件：{exc}") from None
    name, path, date1904, names = _choose_sheet(raw, zf, sheet)
    sheet_info = zf.getinfo(path)
    try:
        archive.verify(raw, zf, skip=sheet_info)  # calamine inflates these itself; the sheet is verified by the scan
    except archive.UnsafeArchive as exc:
        raise LedgerError(f"无法读取 Excel 文件：{exc}") from None
    bad = _scan(raw, sheet_info)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        if book.sheet_names != names:
            raise LedgerError(CORRUPT)
        values = book.get_sheet_by_name(name)
        with _gc_paused():
            rows, merges = values.to_python(skip_empty_area=False), values.merged_cell_ranges
        del values, book  # calamine's copy of the sheet, before the Python rows are cleaned
    except LedgerError:
        raise
    except python_calamine.PasswordError:
        raise LedgerError(PASSWORD) from None
    except Exception as exc:  # calamine raises its own kinds (XmlError, ZipError, CalamineError …) and ValueError
        raise LedgerError(CORRUPT) from exc
    with _gc_paused():
        out = Cells(clean_rows(rows, bad, merges))
    out.date1904 = date1904
    return out


def _is_encrypted_ooxml(raw: bytes) -> bool:
    """An OLE2 container holding an encrypted .xlsx (Excel's "用密码进行加密"): its stream names, UTF-16LE."""
    return "EncryptionInfo".encode("utf-16-le") in raw or "EncryptedPackage".encode("utf-16-le") in raw


def read_ole2(raw: bytes, sheet: str | None) -> Cells:
    """Rows of a legacy .xls (BIFF8 in an OLE2 file); a password-protected .xlsx is also an OLE2 file.

    BIFF stores every formula with its last result, so "no cached value" cannot occur; error results, which calamine
    gives as blanks, cannot be told apart here (the message asks for .xlsx when that matters).
    """
    import python_calamine

    if _is_encrypted_ooxml(raw):
        raise LedgerError(PASSWORD)
    if "Workbook".encode("utf-16-le") not in raw and "Book".encode("utf-16-le") not in raw:
        if "WordDocument".encode("utf-16-le") in raw:
            raise LedgerError("这是 Word 文档（.doc），不是表格：请上传 Excel（.xlsx/.xls）或 CSV 格式的台账")
        raise LedgerError("这是 Office 旧格式文件，但不是 Excel 工作簿：请上传 Excel（.xlsx/.xls）或 CSV 格式的台账")
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
        names = [m.name for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        visible = [m.name for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet
                   and m.visible == python_calamine.SheetVisibleEnum.Visible]
        if sheet is not None and sheet not in names:
            raise LedgerError(f"工作簿中没有名为“{sheet}”的工作表（现有：{'、'.join(names)}）")
        if not names:
            raise LedgerError("工作簿中没有可读取的工作表（只有图表或宏表）：请确认台账在普通工作表中")
        values = book.get_sheet_by_name(sheet or (visible or names)[0])
        end = values.end
        if end is not None and (end[0] + 1) * (end[1] + 1) > MAX_CELLS:
            raise LedgerError(f"表格范围过大（{end[0] + 1:,} 行 × {end[1] + 1:,} 列）：请删除多余的行列或拆分成几个文件后再导入")
        with _gc_paused():
            rows, merges = values.to_python(skip_empty_area=False), values.merged_cell_ranges
    except LedgerError:
        raise
    except python_calamine.PasswordError:
        raise LedgerError(PASSWORD) from None
    except Exception as exc:  # calamine raises its own kinds for a damaged file
        raise LedgerError(f"旧版 Excel（.xls）文件已损坏或格式不受支持：{SAVE_AS_XLSX}") from exc
    with _gc_paused():
        return Cells(clean_rows(rows, {}, merges))
