"""Text from data is never Markdown: a park whose 主导产业 is a Markdown image (and a dataset named with a link) shows
the characters on 园区承载力 and in the sidebar, and the viewer's browser fetches nothing from outside."""

from __future__ import annotations

import pytest

from tests.browser.browsing import ARTIFACTS, is_local, page_url, wait_idle, watch
from tests.browser.conftest import _copy, serve

pytestmark = pytest.mark.browser

IMAGE = "![x](http://198.51.100.7/track.png)"  # TEST-NET-2: nothing answers there
LINK = "[点我](http://198.51.100.7/)"


@pytest.fixture(scope="module")
def markdown_server(demo_template, tmp_path_factory):
    import store
    from layers import dataset, parks

    folder = tmp_path_factory.mktemp("markdown")
    db = _copy(demo_template, folder, "markdown")
    con = store.connect(db)
    try:
        first = parks.load(con).sort_values("park_id").iloc[0]
        parks.update(con, first["park_id"], {"positioning": f"电子信息、{IMAGE}"}, user="测试")
        dataset.set_info(con, user="测试", demo="false", label=f"测试数据集{LINK}")
    finally:
        con.close()
    with serve(db, folder / "streamlit.log") as base:
        yield base, first["name"]


def test_a_markdown_image_in_data_is_shown_as_text_and_never_fetched(markdown_server, tab):
    base, park = markdown_server
    requests = watch(tab)
    tab.goto(page_url(base, "pages/5_园区承载力.py"))
    tab.locator("h1").filter(has_text="园区承载力").first.wait_for(timeout=90_000)
    wait_idle(tab)
    tab.get_by_role("combobox", name="园区").click()
    tab.get_by_role("option", name=park, exact=True).click()
    wait_idle(tab)
    # the park card's caption (Markdown) shows the characters themselves, and so does the sidebar's dataset line
    tab.locator("[data-testid=stCaptionContainer]").filter(has_text=IMAGE).first.wait_for(timeout=30_000)
    assert tab.locator("[data-testid=stSidebar] [data-testid=stCaptionContainer]").filter(has_text=f"测试数据集{LINK}").count() == 1
    tab.wait_for_timeout(1000)  # an <img> would have been requested by now
    live = tab.evaluate("""() => [...document.querySelectorAll('img[src*="198.51.100.7"], a[href*="198.51.100.7"]')]
        .map(e => e.outerHTML + ' IN ' + (e.closest('[data-testid]') || {}).outerHTML?.slice(0, 300))""")
    assert live == []
    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "markdown_from_data.png"), full_page=True)
