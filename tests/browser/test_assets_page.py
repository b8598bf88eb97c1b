"""闲置资产盘活 in a real browser: the stage map draws from local files only, the board and overdue list show the demo's
cases, a map click opens the case, and a stage change made in the form lands in the history."""

from __future__ import annotations

import time
from urllib.parse import quote, urlparse

import pytest

from tests.browser.browsing import ARTIFACTS, is_local, wait_idle

pytestmark = pytest.mark.browser

PAGE = "/" + quote("闲置资产盘活")
MAP_IFRAME = 'iframe[src*="streamlit_folium.st_folium"]'
LAYER_COUNTS_JS = """() => { if (!(window.map_div && window.map_div._layers)) return null; const n = {};
    for (const l of Object.values(window.map_div._layers)) if (l.feature) n[l.feature.properties.layer] = (n[l.feature.properties.layer] || 0) + 1;
    return n; }"""






def wait_for_asset_map(page, timeout_s: float = 40):
    """The map frame once Leaflet has drawn the 30 demo assets."""
    from playwright.sync_api import Error

    deadline, counts = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        element = page.query_selector(MAP_IFRAME)
        frame = element.content_frame() if element else None
        if frame is not None:
            try:
                counts = frame.evaluate(LAYER_COUNTS_JS)
            except Error:
                counts = None
            if counts and counts.get("assets", 0) >= 30:
                return frame, counts
        time.sleep(0.25)
    pytest.fail(f"the asset map did not draw 30 assets within {timeout_s} s (last counts: {counts})")


def open_tab(page, label: str) -> None:
    page.get_by_role("tab", name=label).click()


def test_asset_page_offline_map_board_and_overdue(server, tab):
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("websocket", lambda ws: requests.append(ws.url))
    tab.goto(server + PAGE)
    frame, counts = wait_for_asset_map(tab)
    wait_idle(tab)
    assert tab.locator("h1").filter(has_text="闲置资产盘活").count() == 1
    assert counts["assets"] == 30 and counts.get("regions", 0) >= 6, counts
    colours = frame.evaluate("""() => [...new Set(Object.values(window.map_div._layers)
        .filter(l => l.feature && l.feature.properties.layer === 'assets').map(l => l.options.fillColor))]""")
    assert len(colours) == 6, colours  # one colour per stage
    groups = frame.evaluate("() => [...document.querySelectorAll('.leaflet-control-layers-overlays label')].map(l => l.textContent.trim())")
    assert "盘活完成（4）" in groups and "摸底清查（5）" in groups, groups
    metrics = tab.inner_text("[data-testid='stHorizontalBlock']:has([data-testid='stMetric'])")
    assert "30" in metrics and "30.84" in metrics

    ARTIFACTS.mkdir(exist_ok=True)
    tab.wait_for_timeout(300)
    tab.screenshot(path=str(ARTIFACTS / "assets_map.png"), full_page=True)

    open_tab(tab, "推进看板")
    tab.get_by_text("温泉文化城", exact=True).first.wait_for()
    assert tab.get_by_text("逾期 110 天").count() >= 1  # 赤壁经开区标准厂房三期, planned 2018-03-12
    tab.screenshot(path=str(ARTIFACTS / "assets_board.png"), full_page=True)

    open_tab(tab, "逾期督办")
    tab.get_by_text("截至 2018-06-30，逾期 6 处", exact=False).first.wait_for()

    open_tab(tab, "进展图表")
    charts = tab.locator("[data-testid='stTabPanel'] [data-testid='stVegaLiteChart']")  # vega-lite ships with Streamlit
    charts.nth(3).wait_for()
    assert charts.count() == 4
    tab.wait_for_timeout(500)
    tab.screenshot(path=str(ARTIFACTS / "assets_charts.png"), full_page=True)

    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"
    assert any(urlparse(u).path.endswith("/leaflet/dist/leaflet.js") for u in requests)


def test_map_click_opens_the_case_and_a_stage_change_is_recorded(cold_server, tab):
    tab.goto(cold_server + PAGE)
    frame, _ = wait_for_asset_map(tab)
    wait_idle(tab)
    name = frame.evaluate("""() => {
        const l = Object.values(window.map_div._layers).find(l => l.feature && l.feature.properties.id === 'A-006');
        l.fire('click', {latlng: l.getLatLng()}, true);
        return l.feature.properties.tip.split('<br>')[0]; }""")
    assert name == "横沟桥镇储备地块"
    tab.get_by_text("已在“一处一策”中打开所点资产。").wait_for(timeout=30_000)
    wait_idle(tab)
    open_tab(tab, "一处一策")
    case = tab.get_by_role("tabpanel", name="一处一策")
    assert case.get_by_role("combobox", name="资产").input_value() == "横沟桥镇储备地块（A-006）"

    form = case.locator("[data-testid='stForm']").first
    assert form.get_by_role("combobox", name="盘活阶段").input_value() == "摸底清查"
    form.get_by_role("combobox", name="盘活阶段").click()
    tab.get_by_role("option", name="制定方案", exact=True).click()
    form.get_by_label("说明").fill("方案经县国资委审议通过")
    form.get_by_role("button", name="保存").click()
    tab.get_by_text("已保存。").wait_for(timeout=30_000)
    wait_idle(tab)
    # the case's history table (drawn from the store after the save) shows the page user and the note
    tab.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')].map(d => d.textContent)
        .some(t => t.includes('本机用户') && t.includes('方案经县国资委审议通过') && t.includes('摸底清查制定方案'))""", timeout=30_000)
    tab.screenshot(path=str(ARTIFACTS / "assets_case.png"), full_page=True)
