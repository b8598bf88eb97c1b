"""reports.pdf: the PDF 通报 made in Python says what the sections say (text read back with pdftotext, or pypdf when
it is installed), on A4 landscape pages, with the map's county names and stage legend; embeds a TrueType CJK font when
the machine has one and falls back to STSong-Light when it has none; hostile names; the same month gives the same
bytes."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reports import pdf, sections

HEADINGS = ["一、总体情况", "二、分县排名", "三、红黄灯", "四、督办事项", "附表"]
WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def text_of(data: bytes, tmp_path: Path) -> str:
    """The PDF's text, spaces and line breaks removed (pdftotext lays CJK out with spaces)."""
    path = tmp_path / "notice.pdf"
    path.write_bytes(data)
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    elif importlib.util.find_spec("pypdf"):
        import pypdf

        out = "".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    else:
        pytest.skip("neither pdftotext nor pypdf is installed")
    return re.sub(r"\s+", "", out)


@pytest.fixture(scope="module")
def data(demo_report, demo_place) -> bytes:
    return pdf.to_bytes(demo_report, demo_place)


@pytest.fixture
def no_fonts(monkeypatch):
    """A machine without any CJK font file (font() looks again, and again after the test)."""
    monkeypatch.setattr(pdf, "FONT_PATHS", ())
    monkeypatch.setattr(pdf, "FONT_GLOBS", ())
    pdf.font.cache_clear()
    yield
    pdf.font.cache_clear()


def test_pdf_says_what_the_sections_say(data, demo_report, demo_place, tmp_path):
    assert data.startswith(b"%PDF-")
    text = text_of(data, tmp_path)
    notice = sections.build(demo_report, demo_place)
    assert notice.title in text and "2018年第6期" in text
    assert all(h in text for h in HEADINGS)
    for part in notice.sections[1:4]:  # (the overview's lines are read interleaved with the map's names beside them)
        for sentence in part.blocks:
            if isinstance(sentence, str):
                assert re.sub(r"\s+", "", sentence) in text
    assert "项目分布图（2018年6月末" in text
    assert "新签约招商项目391个" in text and "845.60亿元" in text and "开工率22.8%" in text
    first_item = demo_report.supervision["subject"].iloc[0]
    assert first_item in text and "第1页，共" in text


def test_a4_landscape_pages(data):
    boxes = set(re.findall(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", data))
    assert boxes and {(round(float(w)), round(float(h))) for w, h in boxes} == {(842, 595)}
    assert len(re.findall(rb"/Type /Page\b", data)) >= 5


def test_the_map_names_the_counties_and_the_stages(demo_report, tmp_path):
    from reportlab.graphics.shapes import Circle, Polygon, String

    drawing = pdf.map_drawing(demo_report)
    shapes = drawing.contents
    labels = {s.text for s in shapes if isinstance(s, String)}
    assert set(demo_report.regions["name"]) <= labels and {"签约", "开工", "投产"} <= labels
    assert sum(isinstance(s, Polygon) for s in shapes) >= len(demo_report.regions)
    located = int(demo_report.projects["lon"].notna().sum())
    assert sum(isinstance(s, Circle) for s in shapes) >= located
    for s in shapes:  # every point drawn inside the drawing
        if isinstance(s, Circle):
            assert 0 <= s.cx <= drawing.width and 0 <= s.cy <= drawing.height


@pytest.mark.skipif(not WQY.exists(), reason="fonts-wqy-zenhei is not installed")
def test_a_truetype_cjk_font_is_embedded(data):
    assert pdf.font() == "ParkmapCJK"
    assert b"/FontFile2" in data and b"WenQuanYi" in data


@pytest.mark.skipif(not NOTO.exists(), reason="fonts-noto-cjk is not installed")
def test_noto_cjk_cff_outlines_are_skipped():
    assert pdf._embeddable(str(NOTO)) is None


def test_without_any_cjk_font_the_builtin_cid_font_is_used(no_fonts, monkeypatch, tmp_path, demo_report, demo_place):
    bogus = tmp_path / "not-a-font.ttf"
    bogus.write_bytes(b"not a font")
    monkeypatch.setenv(pdf.ENV_FONT, str(bogus))
    assert pdf.font() == "STSong-Light"
    data = pdf.to_bytes(demo_report, demo_place)
    assert data.startswith(b"%PDF-") and b"STSong-Light" in data and b"/FontFile2" not in data


@pytest.mark.skipif(not WQY.exists(), reason="fonts-wqy-zenhei is not installed")
def test_the_font_named_by_the_environment_comes_first(no_fonts, monkeypatch):
    monkeypatch.setenv(pdf.ENV_FONT, str(WQY))
    assert pdf.font() == "ParkmapCJK"


def test_same_month_same_bytes(data, demo_report, demo_place):
    assert pdf.to_bytes(demo_report, demo_place) == data


def test_a_store_that_is_not_the_demo(shangluo, tmp_path):
    report, where = shangluo
    text = text_of(pdf.to_bytes(report, where), tmp_path)
    assert "商洛市2024年6月招商引资项目推进情况通报" in text and "商州区" in text
    assert all(h in text for h in HEADINGS)


def test_hostile_names_stay_text(hostile_report, demo_place, tmp_path):
    data = pdf.to_bytes(hostile_report, demo_place)
    text = text_of(data, tmp_path)
    assert '=HYPERLINK("http://x")<script>alert(1)</script>&amp;' in text
    assert "\x07" not in text
