"""The 月通报 as a Word document (.docx) for the city's 文件 workflow: :func:`to_bytes` lays out the
:class:`reports.sections.Notice` of a month — 标题, 期号 and 统计期间 lines, 一、总体情况 … 四、督办事项 and the 附表.

A4 portrait for the text, a landscape section for the wide 附表; tables with borders, their header row repeated on
every page and rows never split across pages; fonts named for East Asian text (``w:eastAsia``: 宋体 for the title
and tables, 黑体 for headings, 仿宋 for the text) as Word in a Chinese office has them; page numbers in the footer.
Text from data is plain text in the document (no field, no formula, no markup). Output is deterministic: fixed core
properties and zip timestamps, so the same month gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from reports.monthly import APP_TITLE, MonthReport
from reports.sections import Notice, Place, Table, build

LATIN = "Times New Roman"
#: style → (East Asian font, size in pt, bold)
STYLES = {"通报标题": ("宋体", 20, True), "通报期号": ("仿宋", 14, False), "通报一级标题": ("黑体", 16, False),
          "通报正文": ("仿宋", 14, False), "通报表题": ("黑体", 12, False), "通报表格": ("宋体", 9, False),
          "通报密表": ("宋体", 7.5, False), "通报注": ("仿宋", 12, False)}
#: a table with more columns than this is set in the smaller type of 通报密表
DENSE = 10
HEAD_FILL = "DCE6F1"
LIGHT_FILLS = {"红灯": "F8CBAD", "黄灯": "FFE699", "绿灯": "C6EFCE"}


def _fonts(element, east: str) -> None:
    """Name ``east`` for East Asian text and Times New Roman for Latin on a style's or run's ``w:rPr``."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr, name in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:cs", LATIN), ("w:eastAsia", east)):
        fonts.set(qn(attr), name)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    _fonts(normal.element, "仿宋")
    for name, (east, size, bold) in STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size, style.font.bold = Pt(size), bold
        _fonts(style.element, east)
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), 1.0 if name in ("通报表格", "通报密表") else 1.5
    doc.styles["通报标题"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.styles["通报标题"].paragraph_format.space_after = Pt(6)
    doc.styles["通报期号"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.styles["通报一级标题"].paragraph_format.space_before = Pt(6)
    doc.styles["通报一级标题"].paragraph_format.keep_with_next = True
    doc.styles["通报正文"].paragraph_format.first_line_indent = Pt(28)  # two characters
    doc.styles["通报表题"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.styles["通报表题"].paragraph_format.keep_with_next = True
    doc.styles["通报表题"].paragraph_format.space_before = Pt(6)


def _page(section, *, landscape: bool) -> None:
    """A4, portrait or landscape, with the margins of a government document."""
    short, long_ = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    section.top_margin, section.bottom_margin = (Cm(2.0), Cm(2.0)) if landscape else (Cm(3.7), Cm(3.5))
    section.left_margin, section.right_margin = (Cm(2.0), Cm(2.0)) if landscape else (Cm(2.8), Cm(2.6))


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) in ``paragraph``."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("第 ")
    _field(p, "PAGE")
    p.add_run(" 页，共 ")
    _field(p, "NUMPAGES")
    p.add_run(" 页")


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _row_flags(row, *, header: bool) -> None:
    """Rows never split across pages; the header row is repeated on every page the table runs to."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def _write_cell(cell, text: str, style_id: str, *, bold: bool = False, center: bool = True) -> None:
    p = cell.paragraphs[0]
    p._p.style = style_id  # by id: python-docx's lookup by name costs more than the rest of the table
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
    run = p.add_run(text)
    run.bold = bold or None


def _table(doc, table: Table, width_cm: float) -> None:
    doc.add_paragraph(table.caption, style="通报表题")
    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    weights = [c.width for c in table.columns]
    widths = [Cm(width_cm * w / sum(weights)) for w in weights]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # the grid LibreOffice lays out by; each cell's own width below is Word's
    style_id = doc.styles["通报表格" if len(table.columns) <= DENSE else "通报密表"].style_id
    rows = grid.rows
    head = rows[0].cells
    for cell, column, width in zip(head, table.columns, widths, strict=True):
        _write_cell(cell, column.header, style_id, bold=True)
        _shade(cell, HEAD_FILL)
        cell.width = width
    _row_flags(rows[0], header=True)
    first_total = len(table.rows) - table.totals
    for r, values in enumerate(table.cells()):
        row = rows[r + 1]
        _row_flags(row, header=False)
        for cell, text, column, width in zip(row.cells, values, table.columns, widths, strict=True):
            _write_cell(cell, text, style_id, bold=r >= first_total, center=column.kind != "text" or column.width < 1.5)
            if column.kind == "light" and text in LIGHT_FILLS:
                _shade(cell, LIGHT_FILLS[text])
            cell.width = width
    doc.add_paragraph("", style="通报表格").paragraph_format.space_after = Pt(4)  # air between a table and the text


def document(notice: Notice):
    """The python-docx ``Document`` of ``notice``."""
    doc = Document()
    _styles(doc)
    body = doc.sections[0]
    _page(body, landscape=False)
    _footer(body)
    doc.add_paragraph(notice.title, style="通报标题")
    doc.add_paragraph(notice.issue, style="通报期号")
    doc.add_paragraph(notice.dates, style="通报期号")
    if notice.note:
        note = doc.add_paragraph(notice.note, style="通报注")
        note.runs[0].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    for part in notice.sections:
        if part.landscape:
            _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=True)
        section = doc.sections[-1]
        width = (section.page_width - section.left_margin - section.right_margin) / 360000  # EMU → cm
        doc.add_paragraph(part.heading, style="通报一级标题")
        for block in part.blocks:
            if isinstance(block, Table):
                _table(doc, block, width)
            else:
                doc.add_paragraph(block, style="通报正文")
    return doc


class _FixedTimeZip(zipfile.ZipFile):
    """Zip entries with a fixed timestamp (python-docx stamps "now"), for byte-identical documents."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=(2000, 1, 1, 0, 0, 0))
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
        return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


def to_bytes(report: MonthReport, where: Place | None = None) -> bytes:
    """The month's 通报 as .docx bytes (``where``: :func:`reports.sections.place`)."""
    notice = build(report, where)
    doc = document(notice)
    stamp = dt.datetime.combine(pd.Period(report.month, freq="M").end_time.date(), dt.time(0, 0))
    props = doc.core_properties
    props.author = props.last_modified_by = APP_TITLE
    props.title, props.created, props.modified, props.revision = notice.title, stamp, stamp, 1
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, _FixedTimeZip(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name))
    return out.getvalue()


def write(report: MonthReport, path: str | Path, where: Place | None = None) -> Path:
    path = Path(path)
    path.write_bytes(to_bytes(report, where))
    return path
