"""厂房匹配 in a real browser against the demo: renders offline, candidate map drawn, exports download and open."""

from __future__ import annotations

import time
from urllib.parse import quote

import openpyxl
import pytest

from tests.browser.browsing import APP_IDLE, ARTIFACTS, is_local, wait_idle

pytestmark = pytest.mark.browser

MAP_IFRAMES = 'iframe[src*="streamlit_folium.st_folium"]'
LAYER_COUNTS_JS = """() => { if (!(window.map_div && window.map_div._layers)) return null; const n = {};
    for (const l of Object.values(window.map_div._layers)) if (l.feature) {
        const key = l.feature.properties.layer + ':' + (l.feature.properties.color || '');
        n[key] = (n[key] || 0) + 1; }
    return n; }"""




def factories_drawn(counts: dict) -> int:
    return sum(v for k, v in counts.items() if k.startswith("factories:"))


def map_layers(page, index: int, *, until=factories_drawn, timeout_s: float = 45) -> dict:
    """Feature counts by ``layer:color`` in the ``index``-th folium map once ``until(counts)`` holds (default: it has
    drawn factories). Waiting on the content matters after a rerun: the old map stays on screen until replaced."""
    deadline, counts = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        frames = page.query_selector_all(MAP_IFRAMES)
        frame = frames[index].content_frame() if len(frames) > index else None
        if frame is not None:
            try:
                counts = frame.evaluate(LAYER_COUNTS_JS)
            except Exception:  # the frame is (re)loading
                counts = None
            if counts and until(counts):
                return counts
        time.sleep(0.25)
    pytest.fail(f"map {index} did not draw what was expected within {timeout_s} s (last: {counts})")


def test_factory_page_offline_map_and_exports(server, tab, tmp_path):
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("websocket", lambda ws: requests.append(ws.url))
    tab.goto(f"{server}/{quote('厂房匹配')}")
    tab.locator("h1").filter(has_text="厂房匹配").first.wait_for(timeout=60_000)
    counts = map_layers(tab, 0)
    tab.wait_for_selector(APP_IDLE, state="attached", timeout=60_000)

    # Candidates (green) and near misses (orange) over county boundaries and parks, as many as the page lists.
    summary = tab.get_by_text("共 148 处厂房").inner_text()
    feasible = int(summary.split("符合 ")[1].split(" 处")[0])
    near = int(summary.split("接近 ")[1].split(" 处")[0])
    assert feasible > 0 and near > 0
    assert counts.get("factories:#27ae60") == min(feasible, 50) and counts.get("factories:#e67e22") == min(near, 50)
    assert counts.get("regions:", 0) >= 6 and counts.get("parks:", 0) == 9

    # Excel shortlist: downloads, opens, same number of rows as the page says, text never a formula.
    with tab.expect_download() as download:
        tab.get_by_role("button", name="导出推荐清单（Excel）").click()
    xlsx = tmp_path / "list.xlsx"
    download.value.save_as(xlsx)
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["推荐厂房", "接近的厂房"]
    ws = wb["推荐厂房"]
    assert [c.value for c in ws[4]][:4] == ["排名", "厂房", "得分", "理由"]  # the same column order as on screen
    assert ws.max_row - 4 == min(feasible, 50) and ws["A5"].value == 1
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)

    # One-page brief of the top candidate: escaped HTML with specs, an inline SVG location map and the contact unit.
    with tab.expect_download() as download:
        tab.get_by_role("button", name="下载一页推介单（HTML，可直接打印为 A4）").click()
    brief = tmp_path / "brief.html"
    download.value.save_as(brief)
    html = brief.read_text(encoding="utf-8")
    assert ws["B5"].value in html and "<svg" in html and "联系单位" in html and "size: A4" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html

    ARTIFACTS.mkdir(exist_ok=True)
    tab.locator(MAP_IFRAMES).first.scroll_into_view_if_needed()
    tab.wait_for_timeout(500)  # let the canvas paint
    tab.screenshot(path=str(ARTIFACTS / "factory_match.png"))

    # The occupancy view draws the vacancy map fitted to the city: every factory, coloured by status.
    tab.get_by_text("出租情况", exact=True).click()
    tab.get_by_text("分园区", exact=True).wait_for(timeout=60_000)
    vacancy = map_layers(tab, 0, until=lambda counts: factories_drawn(counts) == 148)  # every factory, not the candidates
    assert vacancy.get("factories:#e74c3c", 0) > 0  # 空置 in red

    zoom = tab.query_selector(MAP_IFRAMES).content_frame().evaluate("() => window.map_div.getZoom()")
    assert zoom >= 8, f"the vacancy map is not fitted to the city (zoom {zoom})"
    tab.locator(MAP_IFRAMES).first.scroll_into_view_if_needed()
    tab.wait_for_timeout(500)
    tab.screenshot(path=str(ARTIFACTS / "factory_occupancy.png"))

    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"


def test_a_factory_ledger_uploaded_on_the_page_is_imported(cold_server, tab, demo_template, tmp_path):
    """While the app runs the command line cannot open the database: staff import on the page."""
    import store
    from layers import parks, standard_factories

    con = store.connect(demo_template.path, read_only=True)
    try:
        park = parks.load(con)["name"].iloc[0]
        before = len(standard_factories.load(con))
    finally:
        con.close()
    ledger = tmp_path / "厂房台账.csv"
    ledger.write_bytes(f"厂房名称,所在园区,建筑面积,状态\n页面导入1#,{park},2600,空置\n页面导入2#,{park},很大,空置\n".encode("gb18030"))
    tab.goto(f"{cold_server}/{quote('厂房匹配')}")
    tab.locator("h1").filter(has_text="厂房匹配").first.wait_for(timeout=60_000)
    wait_idle(tab)
    tab.get_by_text("导入标准化厂房台账", exact=False).first.click()
    button = tab.get_by_role("button", name="下载标准化厂房台账导入模板（含填写说明）")
    button.wait_for(timeout=30_000)
    wait_idle(tab)
    with tab.expect_download(timeout=60_000) as info:  # the template that the ledger should follow
        button.click()
    template = tmp_path / "template.xlsx"
    info.value.save_as(str(template))
    assert openpyxl.load_workbook(template).sheetnames == ["标准化厂房台账", "填写说明"]
    tab.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(ledger))
    tab.get_by_role("button", name="预览", exact=True).click()
    tab.get_by_text("将新增 1 条，更新 0 条", exact=False).first.wait_for(timeout=60_000)
    # The rejected row, its column and why (the grid's accessible table holds the text), before anything is written.
    tab.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
        .some(d => d.textContent.startsWith('行号列原因') && d.textContent.includes('3建筑面积'))""", timeout=30_000)
    wait_idle(tab)
    tab.get_by_role("button", name="确认导入", exact=True).click()
    tab.get_by_text("已导入：新增 1 条，更新 0 条", exact=False).first.wait_for(timeout=60_000)
    # The occupancy view counts the new factory (the caches were cleared by the import).
    tab.get_by_text("出租情况", exact=True).first.click()
    metric = tab.locator("[data-testid=stMetric]").filter(has_text="厂房（处）").first
    metric.wait_for(timeout=60_000)
    deadline = time.monotonic() + 30
    while str(before + 1) not in metric.inner_text() and time.monotonic() < deadline:
        tab.wait_for_timeout(250)
    assert str(before + 1) in metric.inner_text(), metric.inner_text()
