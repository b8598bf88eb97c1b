"""项目进度 offers the Word and PDF 通报 next to the 月通报 workbook (made when clicked); each follows the viewer's scope
and names the place it is about."""

from __future__ import annotations

import io
import re
import subprocess

from docx import Document

from layers import _scope
from tests.ui.test_pages import PAGES_DIR, app_test
from ui import project_views as pv
from ui.text import t

XIANAN = "421202"


def test_progress_page_offers_the_word_and_pdf_notice(demo_env):
    at = app_test(PAGES_DIR / "3_项目进度.py")
    at.run()
    assert not at.exception
    labels = [d.proto.label for d in at.get("download_button")]
    assert [t("pp_xlsx"), t("pp_docx"), t("pp_pdf"), t("pp_html")] == [x for x in labels if x in
                                                                        (t("pp_xlsx"), t("pp_docx"), t("pp_pdf"), t("pp_html"))]


def test_the_notice_files_follow_the_scope(demo_env, tmp_path):
    county = _scope.make((XIANAN,))
    doc = Document(io.BytesIO(pv.notice_docx("2018-06", county)))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for tb in doc.tables for r in tb.rows for c in r.cells])
    assert doc.paragraphs[0].text == "咸安区2018年6月招商引资项目推进情况通报"
    assert "嘉鱼县" not in text and "通山县" not in text and "咸安区" in text
    whole = Document(io.BytesIO(pv.notice_docx("2018-06", None)))
    assert whole.paragraphs[0].text == "咸宁市2018年6月招商引资项目推进情况通报"
    park = pv.notice_pdf("2018-06", _scope.make((XIANAN,), ("P-GX",)))
    (tmp_path / "p.pdf").write_bytes(park)
    words = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(tmp_path / "p.pdf"), "-"], capture_output=True, text=True,
                                              check=True).stdout)
    assert "咸宁高新技术产业开发区2018年6月招商引资项目推进情况通报" in words and "嘉鱼县" not in words
