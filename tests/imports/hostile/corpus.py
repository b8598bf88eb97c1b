"""Hostile and malformed uploads, built byte for byte at test time (deterministic; no binary file is committed).

Every builder takes a folder and returns the path it wrote. :data:`LEDGERS`, :data:`GEOFILES` and :data:`TILESETS`
list the cases with what a reader must do with them: ``refuse`` (a Chinese :class:`LedgerError`, ``match`` in its
text), ``read`` (``rows`` data rows, each imported or rejected by row), or ``either``.

The ledgers are 项目台账 for 商洛市 (tests/imports/conftest.py ``shangluo_file``): header row 1, data from row 2.
"""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

HEADER = ["序号", "项目名称", "县区", "合同投资（万元）", "项目进度", "签约时间"]


@dataclass(frozen=True)
class Case:
    """One corpus file: ``build(folder) -> path``; ``rows`` = its data rows (sheet row numbers) when it is readable."""

    name: str
    build: Callable[[Path], Path]
    expect: str = "read"  # "read" | "refuse" | "either"
    match: str = ""
    rows: tuple[int, ...] = ()
    slow: bool = False
    pipeline: bool = False  # absurd values: only "no crash, every row accounted for" until the pipeline validates them


def project_rows(n: int, start: int = 1) -> list[list]:
    return [[i, f"测试项目{i:06d}", "商州区", 100 + i, "已签约", "2024-03-15"] for i in range(start, start + n)]


# --- xlsx written by hand (full control over the XML) ------------------------------------------------------------

def column(i: int) -> str:
    """1 → A, 28 → AB."""
    out = ""
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def cell_xml(ref: str, value) -> str:
    """A cell: str → inline string, number → number, ("f", formula, cached) formula, ("e", code) error,
    ("d", serial) date-formatted number, ("raw", xml) as given."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        tag = value[0]
        if tag == "f":
            cached = "" if value[2] is None else f"<v>{value[2]}</v>"
            return f'<c r="{ref}"><f>{escape(value[1])}</f>{cached}</c>'
        if tag == "e":
            return f'<c r="{ref}" t="e"><v>{escape(value[1])}</v></c>'
        if tag == "d":
            return f'<c r="{ref}" s="1"><v>{value[1]}</v></c>'
        return value[1]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list], merges: tuple[str, ...] = (), doctype: str = "", tail: str = "") -> bytes:
    cols = [column(i) for i in range(1, max((len(r) for r in rows), default=0) + 1)]
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, start=1):
        parts.append(f'<row r="{r}">' + "".join(cell_xml(f"{cols[c]}{r}", v) for c, v in enumerate(row)) + "</row>")
    parts.append("</sheetData>")
    if merges:
        parts.append(f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>")
    parts.append(tail + "</worksheet>")
    return "".join(parts).encode("utf-8")


STYLES = ('<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
          '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
          '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')
MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def xlsx_bytes(sheets: list[tuple[str, bytes]], *, date1904: bool = False, hidden: tuple[str, ...] = (), main: str = MAIN,
               extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal but complete workbook (what Excel needs to open it) with the given sheet XMLs."""
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
                        'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(sheets) + 1))
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             f'<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
             f'{overrides}<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.styles+xml"/></Types>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    root_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 f'relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    states = {n: ' state="hidden"' for n in hidden}
    entries = "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"{states.get(n, "")}/>'
                      for i, (n, _) in enumerate(sheets, start=1))
    pr = ' date1904="1"' if date1904 else ""
    book = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{rel}"><workbookPr{pr}/><sheets>{entries}</sheets></workbook>')
    book_rels = ("".join(f'<Relationship Id="rId{i}" Type="{rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                         for i in range(1, len(sheets) + 1))
                 + f'<Relationship Id="rId{len(sheets) + 1}" Type="{rel}/styles" Target="styles.xml"/>')
    book_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 f'relationships">{book_rels}</Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in (("[Content_Types].xml", types), ("_rels/.rels", root_rels), ("xl/workbook.xml", book),
                           ("xl/_rels/workbook.xml.rels", book_rels), ("xl/styles.xml", STYLES)):
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        for i, (_, data) in enumerate(sheets, start=1):
            zf.writestr(zipfile.ZipInfo(f"xl/worksheets/sheet{i}.xml", (2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def ledger_xlsx(rows: list[list], **kwargs) -> bytes:
    merges = kwargs.pop("merges", ())
    return xlsx_bytes([("台账", sheet_xml(rows, merges))], **kwargs)


def writer(name: str, make: Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(make())
        return path

    return build


def openpyxl_ledger(rows: list[list], merges: tuple[str, ...] = (), epoch1904: bool = False) -> bytes:
    """A workbook as openpyxl (and many business systems) write it: formulas without cached values."""
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    if epoch1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls_ledger(rows: list[list], merge: tuple[int, int, int, int] | None = None) -> bytes:
    """A legacy .xls (BIFF8) written with xlwt; dates as real date cells."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("台账")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    skip = set()
    if merge:
        r0, r1, c0, c1 = merge
        ws.write_merge(r0, r1, c0, c1, rows[r0][c0])
        skip = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) in skip or value is None:
                continue
            ws.write(r, c, value, date_style) if isinstance(value, dt.date) else ws.write(r, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- OLE2 compound files (an encrypted .xlsx is one; so are .xls and .doc) -----------------------------------------

def ole2(streams: dict[str, bytes]) -> bytes:
    """A minimal valid compound file (512-byte sectors, one FAT sector, streams ≥ 4096 bytes so no mini stream)."""
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    data_sectors, fat, chains = [], [fat_sect, end], []
    next_sector = 2
    for payload in streams.values():
        payload = payload.ljust(max(4096, -(-len(payload) // 512) * 512), b"\0")
        count = len(payload) // 512
        chains.append((next_sector, len(payload)))
        fat += [next_sector + i + 1 for i in range(count - 1)] + [end]
        data_sectors.append(payload)
        next_sector += count
    assert len(fat) <= 128 and len(streams) <= 3
    fat += [free] * (128 - len(fat))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", free, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
                + struct.pack("<IQ", start, size))

    entries = [entry("Root Entry", 5, 1 if streams else free, free, end, 0)]
    for i, (name, (start, size)) in enumerate(zip(streams, chains, strict=True), start=1):
        entries.append(entry(name, 2, free, i + 1 if i < len(streams) else free, start, size))
    directory = b"".join(entries).ljust(512, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<I", 0)
              + struct.pack("<108I", *([free] * 108)))
    return header + struct.pack("<128I", *fat) + directory + b"".join(data_sectors)


def encrypted_xlsx() -> bytes:
    info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>'
    return ole2({"EncryptionInfo": info, "EncryptedPackage": struct.pack("<Q", 4096) + bytes(range(256)) * 16})


# --- zips --------------------------------------------------------------------------------------------------------

def zip_of(members: dict[str, bytes], level: int = 6) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def zeros_zip(member: str, size: int, others: dict[str, bytes] | None = None) -> bytes:
    """A zip bomb: ``member`` inflates to ``size`` bytes of b"0" (ratio ≈ 1000), written in 1 MB chunks."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in (others or {}).items():
            zf.writestr(name, data)
        info = zipfile.ZipInfo(member, (2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=size >= 2**31 - (1 << 20)) as out:
            chunk = b"0" * (1 << 20)
            for _ in range(size >> 20):
                out.write(chunk)
    return buf.getvalue()


def lying_zip(raw: bytes, member: str, declared: int) -> bytes:
    """``raw`` with ``member``'s uncompressed size rewritten to ``declared`` in both headers (a zip bomb that lies)."""
    data = bytearray(raw)
    info = zipfile.ZipFile(io.BytesIO(raw)).getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46:pos + 46 + name_len]) == member.encode():
            struct.pack_into("<I", data, pos + 24, declared)
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    return bytes(data)


def bomb_xlsx(size: int) -> bytes:
    """A workbook whose sheet1.xml inflates to ``size`` bytes."""
    good = zipfile.ZipFile(io.BytesIO(ledger_xlsx([HEADER])))
    others = {n: good.read(n) for n in good.namelist() if n != "xl/worksheets/sheet1.xml"}
    return zeros_zip("xl/worksheets/sheet1.xml", size, others)


def lying_bomb_xlsx() -> bytes:
    """A sheet that declares 2 KB but inflates to 64 MB (a header that lies)."""
    sheet = sheet_xml([HEADER, *project_rows(2)])
    sheet = sheet.replace(b"</worksheet>", b"<!--" + b"x" * (64 << 20) + b"--></worksheet>")
    good = zipfile.ZipFile(io.BytesIO(ledger_xlsx([HEADER])))
    raw = zip_of({**{n: good.read(n) for n in good.namelist() if n != "xl/worksheets/sheet1.xml"}, "xl/worksheets/sheet1.xml": sheet}, 9)
    return lying_zip(raw, "xl/worksheets/sheet1.xml", 2048)


def far_cell_xlsx(ref: str) -> bytes:
    """Header, two data rows and one value far away (calamine would allocate the whole range in between)."""
    sheet = sheet_xml([HEADER, *project_rows(2)], tail="")
    sheet = sheet.replace(b"</sheetData>", f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{ref}"><v>1</v></c></row></sheetData>'.encode())
    return xlsx_bytes([("台账", sheet)])


def laughs_xlsx() -> bytes:
    doctype = ('<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
               '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')
    rows = [HEADER, [1, "&d;", "商州区", 1, "已签约", "2024-03-15"]]
    return xlsx_bytes([("台账", sheet_xml(rows, doctype=doctype).replace(b"&amp;d;", b"&d;"))])


def big_ledger(n: int, width: int = 20) -> bytes:
    header = HEADER + [f"备注{i}" for i in range(width - len(HEADER))]
    rows = [header] + [[i, f"测试项目{i:06d}", "商州区", 100 + i % 1000, "已签约", ("d", 45366 + i % 300)]
                       + [f"说明{i % 97}" if k % 2 else i * k for k in range(width - len(HEADER))] for i in range(1, n + 1)]
    return ledger_xlsx(rows)


def many_merges_xlsx() -> bytes:
    rows = [HEADER, *project_rows(1000)]
    return ledger_xlsx(rows, merges=tuple("A2:F1001" for _ in range(2000)))


def csv_bytes(rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    text = "\r\n".join(delimiter.join(str(v) for v in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def _data(n: int, first: int = 2) -> tuple[int, ...]:
    return tuple(range(first, first + n))


PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + bytes(64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROWS5 = [HEADER, *project_rows(5)]

LEDGERS: tuple[Case, ...] = (
    Case("empty.xlsx", writer("empty.xlsx", lambda: b""), "refuse", "空"),
    Case("blank.csv", writer("blank.csv", lambda: b" \r\n\r\n  "), "refuse", "空"),
    Case("header_only.xlsx", writer("header_only.xlsx", lambda: ledger_xlsx([HEADER]))),
    Case("header_only.csv", writer("header_only.csv", lambda: csv_bytes([HEADER]))),
    Case("png_named.xlsx", writer("png_named.xlsx", lambda: PNG), "refuse", "PNG"),
    Case("pdf_named.xlsx", writer("pdf_named.xlsx", lambda: PDF), "refuse", "PDF"),
    Case("xlsx_named.csv", writer("xlsx_named.csv", lambda: ledger_xlsx(ROWS5)), rows=_data(5)),
    Case("csv_named.xlsx", writer("csv_named.xlsx", lambda: csv_bytes(ROWS5)), rows=_data(5)),
    Case("truncated.xlsx", writer("truncated.xlsx", lambda: ledger_xlsx(ROWS5)[:700]), "refuse", "无法读取 Excel"),
    Case("pk_garbage.xlsx", writer("pk_garbage.xlsx", lambda: b"PK not really a zip" * 10), "refuse", "无法读取 Excel"),
    Case("plain_zip.xlsx", writer("plain_zip.xlsx", lambda: zip_of({"readme.txt": b"hello"})), "refuse", "不是 Excel"),
    Case("docx_named.xlsx", writer("docx_named.xlsx", lambda: zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})),
         "refuse", "Word"),
    Case("xlsb_named.xlsx", writer("xlsb_named.xlsx", lambda: zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0" * 64})),
         "refuse", ".xlsb"),
    Case("ods_named.xlsx", writer("ods_named.xlsx", lambda: zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                                                    "content.xml": b"<office/>"})), "refuse", "OpenDocument"),
    Case("encrypted.xlsx", writer("encrypted.xlsx", encrypted_xlsx), "refuse", "密码"),
    Case("doc_named.xls", writer("doc_named.xls", lambda: ole2({"WordDocument": b"\xec\xa5" + bytes(200)})), "refuse", "Word"),
    Case("ole_other.xls", writer("ole_other.xls", lambda: ole2({"Contents": bytes(100)})), "refuse", "不是 Excel"),
    Case("html_named.xls", writer("html_named.xls", lambda: "<html><body><table><tr><td>项目名称</td></tr></table></body></html>"
                                  .encode()), "refuse", "HTML"),
    Case("xml2003.xls", writer("xml2003.xls", lambda: b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:'
                               b'spreadsheet"/>'), "refuse", "XML"),
    Case("binary.csv", writer("binary.csv", lambda: bytes(range(256)) * 64), "refuse", "不是文本"),
    Case("legacy.xls", writer("legacy.xls", lambda: xls_ledger([HEADER] + [r[:5] + [dt.date(2024, 3, 15)] for r in project_rows(4)])),
         rows=_data(4)),
    Case("macro.xlsm", writer("macro.xlsm", lambda: xlsx_bytes([("台账", sheet_xml(ROWS5))], main=MACRO_MAIN,
                                                                extra={"xl/vbaProject.bin": bytes(512)})), rows=_data(5)),
    Case("hidden_first_sheet.xlsx", writer("hidden_first_sheet.xlsx", lambda: xlsx_bytes(
        [("下拉选项", sheet_xml([["商州区"], ["山阳县"]])), ("台账", sheet_xml(ROWS5))], hidden=("下拉选项",))), rows=_data(5)),
    Case("formula_no_cache.xlsx", writer("formula_no_cache.xlsx", lambda: openpyxl_ledger(
        [HEADER, [1, "公式项目", "商州区", "=100*2", "已签约", "2024-03-15"], *project_rows(2, 2)])), rows=_data(3)),
    Case("formula_cached.xlsx", writer("formula_cached.xlsx", lambda: ledger_xlsx(
        [HEADER, [1, "公式项目", "商州区", ("f", "100*2", 200), "已签约", "2024-03-15"], *project_rows(2, 2)])), rows=_data(3)),
    Case("ref_error.xlsx", writer("ref_error.xlsx", lambda: ledger_xlsx(
        [HEADER, [1, "坏引用项目", "商州区", 100, "已签约", ("e", "#REF!")], [2, "除零项目", "商州区", ("e", "#DIV/0!"), "已签约",
                                                                          "2024-03-15"], *project_rows(2, 3)])), rows=_data(4)),
    Case("nan_number.xlsx", writer("nan_number.xlsx", lambda: ledger_xlsx(
        [HEADER, [1, "无效数值项目", "商州区", ("raw", '<c r="D2"><v>NaN</v></c>'), "已签约", "2024-03-15"], *project_rows(1, 2)])),
         rows=_data(2)),
    Case("date1904.xlsx", writer("date1904.xlsx", lambda: openpyxl_ledger(
        [HEADER, *[r[:5] + [dt.datetime(2024, 3, 15)] for r in project_rows(3)]], epoch1904=True)), rows=_data(3)),
    Case("date_out_of_range.xlsx", writer("date_out_of_range.xlsx", lambda: ledger_xlsx(
        [HEADER, [1, "日期越界项目", "商州区", 100, "已签约", ("d", 99999999)], *project_rows(1, 2)])), rows=_data(2)),
    Case("merged.xlsx", writer("merged.xlsx", lambda: openpyxl_ledger(
        [["序号", "项目名称", "县区", "投资额（亿元）", None, "项目进度", "签约时间"],
         [None, None, None, "合同投资", "到位资金", None, None],
         [1, "合并甲项目", "商州区", 1.2, 0.3, "已签约", "2024-03-15"],
         [2, "合并乙项目", None, 0.5, 0.1, "已签约", "2024-03-15"]],
        merges=("A1:A2", "B1:B2", "C1:C2", "D1:E1", "F1:F2", "G1:G2", "C3:C4"))), rows=(3, 4)),
    Case("many_merges.xlsx", writer("many_merges.xlsx", many_merges_xlsx), "refuse", "合并单元格"),
    Case("trailing_empty_columns.xlsx", writer("trailing_empty_columns.xlsx", lambda: ledger_xlsx(
        [row + [""] * 2000 for row in ROWS5])), rows=_data(5)),
    Case("trailing_commas.csv", writer("trailing_commas.csv", lambda: csv_bytes([row + [""] * 5000 for row in ROWS5])), rows=_data(5)),
    Case("wide_10k.csv", writer("wide_10k.csv", lambda: csv_bytes([HEADER + [f"列{i}" for i in range(10_000)], *project_rows(2)])),
         "refuse", "列"),
    Case("wide_10k.xlsx", writer("wide_10k.xlsx", lambda: ledger_xlsx([HEADER + [f"列{i}" for i in range(10_000)], *project_rows(2)])),
         "refuse", "列"),
    Case("far_cell.xlsx", writer("far_cell.xlsx", lambda: far_cell_xlsx("XFD100000")), "refuse", "范围过大"),
    Case("far_row.xlsx", writer("far_row.xlsx", lambda: far_cell_xlsx("A1000000")), "refuse", "行"),
    Case("rows_301k.csv", writer("rows_301k.csv", lambda: csv_bytes([["项目名称", "县区"]] + [[f"项目{i}", "商州区"] for i in range(300_001)])),
         "refuse", "行"),
    Case("zip_bomb.xlsx", writer("zip_bomb.xlsx", lambda: bomb_xlsx(200 << 20)), "refuse", "疑似恶意"),
    Case("lying_zip_bomb.xlsx", writer("lying_zip_bomb.xlsx", lying_bomb_xlsx), "refuse", "无法读取 Excel"),
    Case("billion_laughs.xlsx", writer("billion_laughs.xlsx", laughs_xlsx), "refuse", "无法读取 Excel"),
    Case("utf8.csv", writer("utf8.csv", lambda: csv_bytes(ROWS5)), rows=_data(5)),
    Case("utf8_bom.csv", writer("utf8_bom.csv", lambda: csv_bytes(ROWS5, "utf-8-sig")), rows=_data(5)),
    Case("gbk.csv", writer("gbk.csv", lambda: csv_bytes(ROWS5, "gbk")), rows=_data(5)),
    Case("gb18030.csv", writer("gb18030.csv", lambda: csv_bytes([HEADER, [1, "𠀀扩展字项目", "商州区", 1, "已签约", "2024-03-15"]],
                                                                "gb18030")), rows=_data(1)),
    Case("utf16le.csv", writer("utf16le.csv", lambda: b"\xff\xfe" + csv_bytes(ROWS5, "utf-16-le", "\t")), rows=_data(5)),
    Case("utf16be.csv", writer("utf16be.csv", lambda: b"\xfe\xff" + csv_bytes(ROWS5, "utf-16-be")), rows=_data(5)),
    Case("semicolon.csv", writer("semicolon.csv", lambda: csv_bytes(ROWS5, delimiter=";")), rows=_data(5)),
    Case("huge_line.csv", writer("huge_line.csv", lambda: b"x" * (20 << 20)), "refuse", "CSV"),
    Case("huge_line_commas.csv", writer("huge_line_commas.csv", lambda: b"a," * (10 << 20)), "refuse", "列"),
    Case("unclosed_quote.csv", writer("unclosed_quote.csv", lambda: csv_bytes(ROWS5[:3]) + '3,"未闭合'.encode() + csv_bytes(project_rows(40, 4))),
         "refuse", "引号"),
    Case("too_large.csv", writer("too_large.csv", lambda: b"a,b\r\n" * (14 << 20)), "refuse", "过大"),
    Case("absurd_values.xlsx", writer("absurd_values.xlsx", lambda: ledger_xlsx(
        [HEADER, [1, "负数项目", "商州区", -500, "已签约", "2024-03-15"], [2, "巨大项目", "商州区", 1e308, "已签约", "2024-03-15"],
         [3, "文字NaN项目", "商州区", "NaN", "已签约", "2024-03-15"], [4, "亿万混写项目", "商州区", "1.2亿万", "已签约", "2024-03-15"],
         [5, "其中：一期工程", "商州区", 50, "已签约", "2024-03-15"], [6, "正常项目", "商州区", 100, "已签约", "2024-03-15"]])),
         rows=(2, 3, 4, 5, 7), pipeline=True),  # row 6 "其中：" is a sub-row of row 5: skipped as a summary row, or rejected
    Case("big_200k.xlsx", writer("big_200k.xlsx", lambda: big_ledger(200_000)), rows=_data(200_000), slow=True),
)


# --- boundary files ----------------------------------------------------------------------------------------------

def _parks_frame(names=("商洛高新区", "山阳工业园"), crs="EPSG:4326"):
    import geopandas as gpd
    from shapely.geometry import box

    geoms = [box(109.90 + 0.05 * i, 33.85, 109.93 + 0.05 * i, 33.88) for i in range(len(names))]
    return gpd.GeoDataFrame({"name": list(names)}, geometry=geoms, crs=crs)


def shapefile_parts(folder: Path, stem: str = "parks", encoding: str = "UTF-8", frame=None) -> dict[str, bytes]:
    """The parts of a Shapefile written by pyogrio: {"parks.shp": …, ".shx", ".dbf", ".prj", ".cpg"}."""
    out = folder / f"_{stem}_parts"
    out.mkdir(exist_ok=True)
    (frame if frame is not None else _parks_frame()).to_file(out / f"{stem}.shp", engine="pyogrio", encoding=encoding)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def gbk_without_cpg(parts: dict[str, bytes], stem: str = "parks") -> dict[str, bytes]:
    """Drop the .cpg and the .dbf's code page byte: what Chinese ArcGIS exports look like."""
    parts = {k: v for k, v in parts.items() if not k.endswith(".cpg")}
    dbf = bytearray(parts[f"{stem}.dbf"])
    dbf[29] = 0
    parts[f"{stem}.dbf"] = bytes(dbf)
    return parts


def geo_zip(name: str, members: Callable[[Path], dict[str, bytes]]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(zip_of(members(folder)))
        return path

    return build


def geojson(features: list[dict]) -> bytes:
    import json

    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")


def feature(name: str, coords, kind: str = "Polygon") -> dict:
    return {"type": "Feature", "properties": {"name": name}, "geometry": None if coords is None else {"type": kind, "coordinates": coords}}


SQUARE = [[[109.90, 33.85], [109.93, 33.85], [109.93, 33.88], [109.90, 33.88], [109.90, 33.85]]]
BOWTIE = [[[109.95, 33.85], [109.98, 33.88], [109.98, 33.85], [109.95, 33.88], [109.95, 33.85]]]


def two_layer_gpkg(folder: Path) -> Path:
    import geopandas as gpd
    from shapely.geometry import Point

    path = folder / "two_layers.gpkg"
    gpd.GeoDataFrame({"name": ["路灯"]}, geometry=[Point(109.9, 33.8)], crs="EPSG:4326").to_file(path, layer="points", engine="pyogrio")
    _parks_frame().to_file(path, layer="parks", engine="pyogrio", mode="a")
    return path


def two_shapefiles(folder: Path) -> dict[str, bytes]:
    import geopandas as gpd
    from shapely.geometry import Point

    points = gpd.GeoDataFrame({"name": ["路灯"]}, geometry=[Point(109.9, 33.8)], crs="EPSG:4326")
    return {**shapefile_parts(folder, "a_points", frame=points), **shapefile_parts(folder, "b_parks")}


GEOFILES: tuple[Case, ...] = (
    Case("parks.geojson", writer("parks.geojson", lambda: geojson([feature("商洛高新区", SQUARE)])), rows=(1,)),
    Case("not_json.geojson", writer("not_json.geojson", lambda: b'{"type": "FeatureCollection", "features": [}'), "refuse", "JSON"),
    Case("not_geojson.json", writer("not_geojson.json", lambda: b'{"hello": 1}'), "refuse", "GeoJSON"),
    Case("deep.geojson", writer("deep.geojson", lambda: b"[" * 200_000 + b"]" * 200_000), "refuse", "JSON"),
    Case("gbk.geojson", writer("gbk.geojson", lambda: geojson([feature("商洛高新区", SQUARE)]).decode().encode("gbk")), rows=(1,)),
    Case("empty.geojson", writer("empty.geojson", lambda: b""), "refuse", "空"),
    Case("png_named.geojson", writer("png_named.geojson", lambda: PNG), "refuse", "格式"),
    Case("bowtie_empty_null.geojson", writer("bowtie_empty_null.geojson", lambda: geojson(
        [feature("蝴蝶结园区", BOWTIE), feature("空面园区", []), feature("无几何园区", None), feature("正常园区", SQUARE)])), rows=(1, 2, 3, 4)),
    Case("shapefile.zip", geo_zip("shapefile.zip", shapefile_parts), rows=(1, 2)),
    Case("gbk_no_cpg.zip", geo_zip("gbk_no_cpg.zip", lambda f: gbk_without_cpg(shapefile_parts(f, encoding="GBK"))), rows=(1, 2)),
    Case("missing_shx.zip", geo_zip("missing_shx.zip", lambda f: {k: v for k, v in shapefile_parts(f).items() if not k.endswith(".shx")}),
         "refuse", ".shx"),
    Case("missing_dbf.zip", geo_zip("missing_dbf.zip", lambda f: {k: v for k, v in shapefile_parts(f).items() if not k.endswith(".dbf")}),
         "refuse", ".dbf"),
    Case("no_spatial.zip", geo_zip("no_spatial.zip", lambda f: {"说明.txt": "园区边界".encode()}), "refuse", "没有"),
    Case("nested.zip", geo_zip("nested.zip", lambda f: {"inner.zip": zip_of(shapefile_parts(f))}), "refuse", "套着压缩包"),
    Case("zip_slip.zip", geo_zip("zip_slip.zip", lambda f: {("../" * 6) + "evil.shp": b"x", "parks.shp": b"x"}), "refuse", "不安全"),
    Case("absolute_path.zip", geo_zip("absolute_path.zip", lambda f: {"/tmp/evil.geojson": b"{}"}), "refuse", "不安全"),
    Case("geo_zip_bomb.zip", writer("geo_zip_bomb.zip", lambda: zeros_zip("parks.shp", 200 << 20)), "refuse", "疑似恶意"),
    Case("geo_lying_bomb.zip", writer("geo_lying_bomb.zip", lambda: lying_zip(zip_of({"parks.geojson": b" " * (64 << 20)}, 9),
                                                                              "parks.geojson", 1024)), "refuse", "疑似恶意"),
    Case("corrupt_shp.zip", geo_zip("corrupt_shp.zip", lambda f: {"parks.shp": b"\0\0\x27\x0a" + bytes(96), "parks.shx": bytes(100),
                                                                "parks.dbf": bytes(33)}), "refuse", "损坏"),
    Case("bare.shp", writer("bare.shp", lambda: b"\x00\x00\x27\x0a" + bytes(96)), "refuse", ".shx"),
    Case("corrupt.gpkg", writer("corrupt.gpkg", lambda: b"SQLite format 3\x00" + bytes(200)), "refuse", "损坏"),
    Case("two_layers.gpkg", two_layer_gpkg, rows=(1, 2)),
    Case("two_shapefiles.zip", geo_zip("two_shapefiles.zip", two_shapefiles), rows=(1, 2)),
)


# --- MBTiles -----------------------------------------------------------------------------------------------------

def mbtiles(path: Path, tiles: list[tuple], fmt: str = "png", tiles_sql: str | None = None) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "县域影像"), ("format", fmt)])
    if tiles_sql:
        con.execute(tiles_sql)
    else:
        con.execute("CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)")
        con.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", tiles)
    con.commit()
    con.close()
    return path


TILE = b"\x89PNG\r\n\x1a\n" + bytes(32)


def tiles_case(name: str, tiles=(), tiles_sql=None) -> Callable[[Path], Path]:
    return lambda folder: mbtiles(folder / name, list(tiles), tiles_sql=tiles_sql)


TILESETS: tuple[Case, ...] = (
    Case("good.mbtiles", tiles_case("good.mbtiles", [(1, 0, 0, TILE), (2, 3, 1, TILE)]), rows=(1, 2)),
    Case("not_sqlite.mbtiles", writer("not_sqlite.mbtiles", lambda: PNG * 10), "refuse", "不是 MBTiles"),
    Case("empty.mbtiles", writer("empty.mbtiles", lambda: b""), "refuse", "MBTiles"),
    Case("plain_sqlite.mbtiles", lambda f: _plain_sqlite(f / "plain_sqlite.mbtiles"), "refuse", "不是 MBTiles"),
    Case("traversal.mbtiles", tiles_case("traversal.mbtiles", [(1, "../../../../escaped", 0, TILE)]), "refuse", "编号无效"),
    Case("zoom_99.mbtiles", tiles_case("zoom_99.mbtiles", [(99, 0, 0, TILE)]), "refuse", "编号无效"),
    Case("zoom_huge.mbtiles", tiles_case("zoom_huge.mbtiles", [(10**12, 0, 0, TILE)]), "refuse", "编号无效"),
    Case("x_out_of_range.mbtiles", tiles_case("x_out_of_range.mbtiles", [(3, 2**40, 0, TILE)]), "refuse", "编号无效"),
    Case("negative_row.mbtiles", tiles_case("negative_row.mbtiles", [(3, 0, -1, TILE)]), "refuse", "编号无效"),
    Case("float_zoom.mbtiles", tiles_case("float_zoom.mbtiles", [(1.5, 0, 0, TILE)]), "refuse", "编号无效"),
    Case("null_data.mbtiles", tiles_case("null_data.mbtiles", [(1, 0, 0, None)]), "refuse", "数据无效"),
    Case("too_many.mbtiles", tiles_case("too_many.mbtiles", tiles_sql=(
        "CREATE VIEW tiles AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000) "
        "SELECT 20 AS zoom_level, i AS tile_column, 0 AS tile_row, x'89504e47' AS tile_data FROM n")), "refuse", "数量过多"),
    Case("endless_view.mbtiles", tiles_case("endless_view.mbtiles", tiles_sql=(
        "CREATE VIEW tiles AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i FROM n) "
        "SELECT 1 AS zoom_level, 0 AS tile_column, 0 AS tile_row, x'89504e47' AS tile_data FROM n")), "refuse", "秒"),
)


def _plain_sqlite(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a INT)")
    con.commit()
    con.close()
    return path
