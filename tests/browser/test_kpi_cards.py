"""KPI cards read whole at 1280×720 and 1440×900 on 总览 and 项目进度 (every registered card indicator, its 同比/环比
line), and 「查看明细」 lists the projects behind a card. Screenshots: test-artifacts/kpi-<page>-<width>.png."""

from __future__ import annotations

import pytest

from analysis import indicators
from tests.browser.browsing import ARTIFACTS, page_url, wait_idle

pytestmark = pytest.mark.browser

SCREENS = [{"width": 1280, "height": 720}, {"width": 1440, "height": 900}]
PAGES = [("app.py", "总览"), ("pages/3_项目进度.py", "项目进度")]
#: each card's label, value and 同比/环比 line, and whether any of them is cut (wider than its box, or an ellipsis)
CARDS = """() => [...document.querySelectorAll('[data-testid=stMetric]')].map(m => {
    const box = m.closest('[data-testid=stColumn]');
    const parts = [m.querySelector('[data-testid=stMetricLabel]'), m.querySelector('[data-testid=stMetricValue]'),
                   ...box.querySelectorAll('[data-testid=stCaptionContainer]')].filter(Boolean);
    const cut = parts.some(e => e.scrollWidth > e.clientWidth + 1 || [...e.querySelectorAll('*')].some(c => c.scrollWidth > c.clientWidth + 1 && getComputedStyle(c).textOverflow === 'ellipsis'));
    return {label: parts[0].innerText.trim(), value: parts[1].innerText.trim(), change: parts.slice(2).map(p => p.innerText).join(' '), cut,
            width: m.getBoundingClientRect().width};
})"""


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: str(s["width"]))
@pytest.mark.parametrize(("script", "label"), PAGES, ids=[p for _, p in PAGES])
def test_every_card_reads_whole(server, chromium, screen, script, label):
    context = chromium.new_context(viewport=screen, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(page_url(server, script))
        tab.wait_for_selector("[data-testid=stMetric]", timeout=90_000)
        wait_idle(tab)
        first = tab.locator("[data-testid=stMetric]").first
        first.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"kpi-{label}-{screen['width']}.png"), full_page=False)
        cards = tab.evaluate(CARDS)
        assert [c["label"] for c in cards] == [i.card_label for i in indicators.cards()]
        assert not [c for c in cards if c["cut"] or "…" in c["value"]], [c for c in cards if c["cut"]]
        assert all("同比" in c["change"] and "环比" in c["change"] for c in cards), cards
        assert len({round(c["width"]) for c in cards}) == 1  # the last row's cards are as wide as the others
    finally:
        context.close()


def test_detail_lists_the_projects_behind_a_card(server, chromium):
    context = chromium.new_context(viewport=SCREENS[0], locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(page_url(server, "app.py"))
        tab.wait_for_selector("[data-testid=stMetric]", timeout=90_000)
        wait_idle(tab)
        tab.get_by_text("查看明细", exact=True).click()
        wait_idle(tab)
        caption = tab.locator("[data-testid=stExpander] [data-testid=stCaptionContainer]").filter(has_text="口径").first
        caption.wait_for()
        assert caption.inner_text().startswith("新签约项目数：391 个")
        grid = tab.locator("[data-testid=stExpander] [data-testid=stDataFrame]").first
        grid.scroll_into_view_if_needed()
        tab.wait_for_timeout(500)
        tab.screenshot(path=str(ARTIFACTS / "kpi-detail-1280.png"))
        assert "计入 391 个" in tab.locator("[data-testid=stExpander]").first.inner_text()
    finally:
        context.close()


def test_a_ranking_row_opens_its_units_projects(server, chromium):
    context = chromium.new_context(viewport=SCREENS[1], locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(page_url(server, "pages/3_项目进度.py"))
        tab.wait_for_selector("[data-testid=stMetric]", timeout=90_000)
        wait_idle(tab)
        hint = tab.get_by_text("点选表中一个单位", exact=False)
        hint.scroll_into_view_if_needed()
        grid = tab.locator("[data-testid=stDataFrame]").filter(has_text="位次").first
        box = grid.bounding_box()
        tab.mouse.click(box["x"] + 14, box["y"] + 35 + 17)  # the first row's selection marker (under a 35 px header)
        wait_idle(tab)
        caption = tab.locator("[data-testid=stCaptionContainer]").filter(has_text="口径").filter(has_text=" · ").first
        caption.wait_for(timeout=60_000)
        caption.scroll_into_view_if_needed()
        tab.screenshot(path=str(ARTIFACTS / "kpi-ranking-row-1440.png"))
        assert caption.inner_text().startswith("新签约项目数：")  # the ranking's first indicator, for the unit picked
    finally:
        context.close()
