"""reports.notice: the Word 通报 opens with python-docx and holds the sections, tables and figures (demo 2018-06 and
the 商洛市 store); A4, landscape 附表, bordered tables with repeated header rows, East Asian fonts; hostile names stay
text; the same month gives the same bytes; LibreOffice renders it to pages (looked at as PNG)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm

from reports import notice
from tests.reports.conftest import HOSTILE

HEADINGS = ["一、总体情况", "二、分县排名", "三、红黄灯", "四、督办事项", "附表"]
WRITER = Path("/usr/lib/libreoffice/program/libswlo.so")


@pytest.fixture(scope="module")
def data(demo_report, demo_place) -> bytes:
    return notice.to_bytes(demo_report, demo_place)


@pytest.fixture(scope="module")
def doc(data):
    return Document(io.BytesIO(data))


def paragraphs(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_structure_of_a_government_notice(doc, demo_report):
    texts = paragraphs(doc)
    assert texts[0] == "咸宁市2018年6月招商引资项目推进情况通报"
    assert texts[1] == "2018年第6期" and texts[2].startswith("统计期间：2018年1—6月")
    assert [t for t in texts if t in HEADINGS] == HEADINGS
    assert doc.paragraphs[0].style.name == "通报标题"
    body = "".join(texts)
    assert "新签约招商项目391个" in body and "签约金额845.60亿元" in body and "开工率22.8%" in body
    assert f"本月列入督办事项{len(demo_report.supervision)}项" in body


def test_tables_with_headers_and_figures(doc, demo_report):
    tables = doc.tables
    captions = [p.text for p in doc.paragraphs if p.style.name == "通报表题"]
    assert len(tables) == len(captions) >= 6
    ranking = tables[0]
    assert ranking.rows[0].cells[0].text == "单位" and "签约金额（亿元）" in [c.text for c in ranking.rows[0].cells]
    assert len(ranking.rows) == 1 + len(demo_report.rankings["signed"])
    kpis = tables[captions.index(next(c for c in captions if "各单位主要指标完成情况" in c))]
    last = [c.text for c in kpis.rows[-1].cells]
    assert last[0] == "合计" and "845.60" in last and "391" in last
    supervision = tables[captions.index(next(c for c in captions if c.startswith("附表") and "督办清单" in c))]
    assert len(supervision.rows) == 1 + len(demo_report.supervision)


def test_every_table_has_borders_and_a_repeated_header_row(doc):
    for table in doc.tables:
        assert table.style.name == "Table Grid"
        first = table.rows[0]._tr.trPr
        assert first is not None and first.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows)
        assert table.rows[0].cells[0]._tc.tcPr.find(qn("w:shd")).get(qn("w:fill")) == "DCE6F1"


def test_a4_portrait_text_and_landscape_annex(doc):
    first, last = doc.sections[0], doc.sections[-1]
    assert len(doc.sections) == 2
    assert (first.orientation, round(first.page_width.cm, 1), round(first.page_height.cm, 1)) == (WD_ORIENT.PORTRAIT, 21.0, 29.7)
    assert (last.orientation, round(last.page_width.cm, 1), round(last.page_height.cm, 1)) == (WD_ORIENT.LANDSCAPE, 29.7, 21.0)
    assert last.left_margin >= Cm(1.5)
    assert "PAGE" in first.footer.paragraphs[0]._p.xml and "NUMPAGES" in first.footer.paragraphs[0]._p.xml


def test_east_asian_fonts_are_named(doc):
    def east(style):
        return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))

    assert east(doc.styles["Normal"]) == "仿宋"
    assert (east(doc.styles["通报标题"]), east(doc.styles["通报一级标题"]), east(doc.styles["通报表格"])) == ("宋体", "黑体", "宋体")


def test_same_month_same_bytes(data, demo_report, demo_place):
    assert notice.to_bytes(demo_report, demo_place) == data


def test_a_store_that_is_not_the_demo(shangluo):
    report, where = shangluo
    doc = Document(io.BytesIO(notice.to_bytes(report, where)))
    texts = paragraphs(doc)
    assert texts[0] == "商洛市2024年6月招商引资项目推进情况通报"
    assert [t for t in texts if t in HEADINGS] == HEADINGS
    units = {r.cells[0].text for t in doc.tables for r in t.rows[1:]}
    assert {"商州区", "合计"} <= units


def test_hostile_names_stay_text(hostile_report, demo_place):
    data = notice.to_bytes(hostile_report, demo_place)
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert any(c.startswith('=HYPERLINK("http://x")<script>alert(1)</script>&amp;') for c in cells)
    assert not any(HOSTILE in c or "\x07" in c for c in cells)
    assert b"<script>" not in data  # escaped in the XML
    assert "fldSimple" not in doc.element.xml and doc.element.xml.count("w:instrText") == 0  # no field from data


def soffice_pdf(docx: Path) -> Path:
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{docx.parent}/lo-profile",
                    "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)], check=True, capture_output=True, timeout=300)
    return docx.with_suffix(".pdf")


@pytest.mark.skipif(shutil.which("soffice") is None or not WRITER.exists() or shutil.which("pdftoppm") is None,
                    reason="LibreOffice Writer or poppler-utils is not installed")
def test_libreoffice_renders_a4_pages(data, tmp_path):
    source = tmp_path / "通报.docx"
    source.write_bytes(data)
    rendered = soffice_pdf(source)
    info = subprocess.run(["pdfinfo", "-l", "-1", str(rendered)], capture_output=True, text=True, check=True).stdout
    sizes = [line.split(":", 1)[1].split("pts")[0].split(" x ") for line in info.splitlines() if " size:" in line and "Page" in line]
    sizes = [(round(float(w)), round(float(h))) for w, h in sizes]
    assert (595, 842) in sizes and (842, 595) in sizes and set(sizes) == {(595, 842), (842, 595)}
    assert 5 <= len(sizes) <= 40
    text = subprocess.run(["pdftotext", "-layout", str(rendered), "-"], capture_output=True, text=True, check=True).stdout
    assert "咸宁市2018年6月招商引资项目推进情况通报" in text.replace(" ", "") and "三、红黄灯" in text
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", str(rendered), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 10_000 for p in pages)
    keep = Path(os.environ.get("PARKMAP_KEEP_RENDERS", ""))
    if keep.name:  # for looking at the pages: PARKMAP_KEEP_RENDERS=/some/folder
        keep.mkdir(parents=True, exist_ok=True)
        for p in [rendered, *pages]:
            shutil.copy(p, keep / p.name)
