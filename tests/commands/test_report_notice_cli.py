"""cli.py report --docx / --pdf: the Word and PDF 通报 from the command line (the PDF made in Python by default,
Chromium only with --pdf-engine chromium)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docx import Document

from tests.commands.test_admin_cli import run, run_json

STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("notice_cli") / "shangluo.duckdb"
    shutil.copyfile(STORES / "shangluo.duckdb", path)
    return path


def test_report_writes_the_word_and_pdf_notice(db, tmp_path):
    docx, pdf = tmp_path / "通报.docx", tmp_path / "通报.pdf"
    result = run_json("report", "--month", "2024-06", "--docx", docx, "--pdf", pdf, "--json", "--db", db)
    assert result["files"] == {"docx": str(docx), "pdf": str(pdf)}
    assert Document(str(docx)).paragraphs[0].text == "商洛市2024年6月招商引资项目推进情况通报"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and (b"/FontFile2" in data or b"STSong-Light" in data)
    code, out, err = run("report", "--month", "2024-06", "--docx", docx, "--db", db)
    assert code == 0 and "docx: " in out, err


def test_an_output_is_required_and_the_engine_is_checked(db, tmp_path):
    code, _, err = run("report", "--month", "2024-06", "--db", db)
    assert code == 2 and "--docx FILE.docx" in err
    with pytest.raises(SystemExit):
        run("report", "--month", "2024-06", "--pdf", tmp_path / "x.pdf", "--pdf-engine", "word", "--db", db)
