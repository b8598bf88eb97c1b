"""No English from Streamlit where the product chooses the text: coordinate systems by their Chinese names, the file
uploader's texts replaced by CSS, multiselects with Chinese placeholders (the browser check is
tests/browser/test_readable.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ui import page, uploads

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])


def test_coordinate_systems_are_shown_by_their_chinese_names():
    assert {c for c in uploads.CRS_CHOICES if c} == set(uploads.CRS_LABELS)
    assert uploads.CRS_LABELS["gcj02"] == "GCJ-02（高德/腾讯）"
    assert all("（" in label for label in uploads.CRS_LABELS.values())


def test_uploader_css_hides_the_english_and_draws_chinese():
    css = page.chinese_uploader_css()
    assert css.count("display: none") == 2
    assert 'content: "选择文件"' in css and "50 MB" in css


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_every_multiselect_has_a_placeholder(source):
    calls = [node for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "multiselect"]
    missing = [node.lineno for node in calls if "placeholder" not in {k.arg for k in node.keywords}]
    assert not missing, f"{source.name}: st.multiselect without placeholder= (Streamlit shows “Choose options”) at lines {missing}"


def test_the_push_list_shows_no_none_and_takes_this_project(demo_env):
    from tests.ui.test_pages import PAGES_DIR, app_test

    at = app_test(PAGES_DIR / "6_项目选址.py").run()
    assert not at.exception
    at.checkbox(key="site-push-add").check().run()
    assert not at.exception, [e.value for e in at.exception]
    pushed = next(d.value for d in at.dataframe if "推送园区" in d.value.columns)
    assert list(pushed.columns[:4]) == ["项目名称", "推送园区", "评分", "理由"]  # what the list is for, before it runs off
    scores = set(pushed["评分"])
    assert pushed["评分"].map(type).eq(str).all() and not scores & {"None", "nan", "NaN", "<NA>", ""}  # a missing one is "—"
