"""Every page reads in Chinese at 1280×720: none of Streamlit's English ("Choose options", the file uploader's
"Drag and drop / 200MB per file / Browse files", "empty") nor the stored coordinate-system names in what a user
sees, and no raw column name (snake_case) as a header of 图层数据. Screenshots: test-artifacts/readable-*.png."""

from __future__ import annotations

import re

import pytest

from tests.browser.browsing import ARTIFACTS, page_url, wait_idle
from ui.page import PAGES

pytestmark = pytest.mark.browser

SMALL_SCREEN = {"width": 1280, "height": 720}
ENGLISH = ("Choose options", "Choose an option", "Drag and drop", "Browse files", "200MB", "MB per file", "Upload", "empty",
           "No options", "gcj02", "bd09", "wgs84")
#: what the page shows as text: rendered text (innerText leaves out what CSS hides), plus the placeholder of every empty
#: input (Streamlit's select boxes draw "Choose options" as an input's placeholder, not as text)
SHOWN = """() => [document.querySelector('[data-testid=stApp]').innerText,
    ...[...document.querySelectorAll('input[placeholder], textarea[placeholder]')].filter(i => !i.value).map(i => i.placeholder)]
    .join('\\n')"""
HEADERS = "() => [...document.querySelectorAll('[data-testid=stDataFrame] [role=columnheader]')].map(h => h.textContent.trim())"


@pytest.fixture
def small_tab(chromium):
    context = chromium.new_context(viewport=SMALL_SCREEN, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        yield page
    finally:
        context.close()


def _open(tab, server: str, script: str) -> None:
    tab.goto(page_url(server, script))
    tab.wait_for_selector("[data-testid=stMain] h1", timeout=90_000)
    wait_idle(tab)
    # uploaders and tables inside collapsed sections are part of the page too (some sit in tabs not shown: clicked by script)
    tab.evaluate("() => document.querySelectorAll('[data-testid=stMain] [data-testid=stExpander] details:not([open]) > summary')"
                 ".forEach(s => s.click())")
    tab.wait_for_timeout(500)


def _english(text: str) -> list[str]:
    return [word for word in ENGLISH if word in text]


@pytest.mark.parametrize("script", [s for s, _ in PAGES], ids=[label for _, label in PAGES])
def test_page_shows_no_english(server, small_tab, script):
    label = dict(PAGES)[script]
    _open(small_tab, server, script)
    ARTIFACTS.mkdir(exist_ok=True)
    small_tab.screenshot(path=str(ARTIFACTS / f"readable-{label}.png"))
    shown = small_tab.evaluate(SHOWN)
    assert "图层" in shown or label in shown  # the page drew (the check below is not vacuous)
    assert not _english(shown), f"{label}: {_english(shown)}"


def test_the_uploader_reads_in_chinese(server, small_tab):
    _open(small_tab, server, "pages/3_项目进度.py")
    zone = small_tab.wait_for_selector("[data-testid=stFileUploaderDropzone]")
    zone.scroll_into_view_if_needed()
    zone.screenshot(path=str(ARTIFACTS / "readable-uploader.png"))
    drawn = small_tab.evaluate("""z => [z.querySelector('button [data-testid=stMarkdownContainer]'),
        z.querySelector('[data-testid=stFileUploaderDropzoneInstructions] > div')].map(e => getComputedStyle(e, '::after').content)""", zone)
    assert drawn[0] == '"选择文件"' and "拖到此处" in drawn[1], drawn
    assert not _english(zone.inner_text()), zone.inner_text()


def test_layer_tables_have_chinese_headers(server, small_tab):
    from layers import LAYER_LABELS

    _open(small_tab, server, "pages/1_图层数据.py")
    for layer, name in LAYER_LABELS.items():
        picker = small_tab.get_by_role("combobox", name="图层")
        picker.click()
        small_tab.get_by_role("option", name=name, exact=True).click()
        wait_idle(small_tab)
        small_tab.wait_for_function(f"() => ({HEADERS})().includes('编号')", timeout=60_000)
        headers = small_tab.evaluate(HEADERS)
        raw = [h for h in headers if re.fullmatch(r"[A-Za-z0-9_]+", h)]
        assert len(headers) > 3 and not raw, (layer, headers)
        small_tab.screenshot(path=str(ARTIFACTS / f"readable-图层数据-{layer}.png"))
