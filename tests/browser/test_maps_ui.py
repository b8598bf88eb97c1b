"""Maps readable and linked (issue 15 items 9 and 7), at 1280×720 and 1440×900: every map's legend folds and unfolds
(and stays folded over a rerun and a reload), a metric scale bar that is right at the map's latitude, a county pick
zooms the map to that county, a click on a project selects its row in the table and a row picked in the table rings
and centres its project, and a board card opens the asset's case. No request leaves 127.0.0.1.
Screenshots: test-artifacts/maps-*.png."""

from __future__ import annotations

import math
import re
import time

import pytest

import store
from layers import regions as region_layer
from tests.browser.browsing import ARTIFACTS, WORKBENCH_FRAME, is_local, open_workbench, page_url, wait_idle, watch
from ui.text import t

pytestmark = pytest.mark.browser

VIEWPORTS = {"1280x720": {"width": 1280, "height": 720}, "1440x900": {"width": 1440, "height": 900}}
FOLIUM_FRAME = 'iframe[src*="streamlit_folium.st_folium"]'
EQUATOR_M = 40_075_016.686  # Web Mercator: metres per 256 px tile at zoom 0, at the equator
COUNTY = ("421221", "嘉鱼县")


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def screen(chromium, request):
    context = chromium.new_context(viewport=VIEWPORTS[request.param], locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.viewport_name = request.param
    try:
        yield page
    finally:
        context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"maps-{name}-{page.viewport_name}.png"))


def wait_until(check, what: str, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"{what} (last: {value})")


def county_box(db) -> tuple[float, float, float, float]:
    con = store.connect(db, read_only=True)
    try:
        county = region_layer.load(con, county=(COUNTY[0],), level="county")
    finally:
        con.close()
    return tuple(float(v) for v in county.total_bounds)


def assert_scale_right(scale: dict) -> None:
    """The bar's text is metres or kilometres and its length agrees with Web Mercator at the map's latitude."""
    assert scale, "no scale bar"
    found = re.fullmatch(r"(\d+) (m|km)", scale["text"].strip())
    assert found, scale
    metres = int(found.group(1)) * (1000 if found.group(2) == "km" else 1)
    expected = EQUATOR_M * math.cos(math.radians(scale["lat"])) / (256 * 2 ** scale["zoom"])
    assert metres / scale["width"] == pytest.approx(expected, rel=0.03), scale


def scroll_to(page, selector: str):
    element = page.query_selector(selector)
    element.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    return element


def select_in(page, label: str, option: str) -> None:
    """Pick ``option`` in the select box or multiselect ``label`` (again if a rerun under way redrew the widget)."""
    box = page.get_by_role("combobox", name=label).first
    for _attempt in range(3):
        page.wait_for_timeout(1500)  # the map reports its first view (a rerun) shortly after it is drawn
        wait_idle(page)
        box.click()
        page.keyboard.type(option)  # the list is virtual: at 1280×720 a county low in it is not drawn until filtered
        page.get_by_role("option", name=option, exact=True).click()
        if page.get_by_role("listbox").count():  # a multiselect stays open (Escape would clear a select box)
            page.keyboard.press("Escape")
        wait_idle(page)
        widget = page.locator("[data-testid=stSelectbox], [data-testid=stMultiSelect]").filter(has=box)
        if option in widget.first.inner_text() or box.input_value() == option:
            return
    shot(page, "could-not-pick")
    pytest.fail(f"could not pick {option} in {label}")


# ---- the workbench component (项目地图, 地图工作台, 总览) ---------------------------------------------------------------


@pytest.mark.parametrize("script", ["pages/2_项目地图.py", "pages/8_地图工作台.py", "app.py"])
def test_mapkit_legend_folds_and_the_scale_bar_is_metric(server, screen, script):
    requests = watch(screen)
    frame = open_workbench(screen, page_url(server, script))
    scroll_to(screen, WORKBENCH_FRAME)
    body = frame.locator(".wb-panel-body")
    assert body.is_visible() and "招商项目" in body.inner_text()
    assert_scale_right(frame.evaluate("() => window.workbench.scale()"))
    line = frame.locator(".leaflet-control-scale-line")
    assert line.is_visible() and frame.locator(".leaflet-control-scale-line").count() == 1  # metric only

    frame.click(".wb-panel-toggle")
    assert body.is_hidden() and frame.evaluate("() => window.workbench.legendCollapsed()")
    assert frame.locator(".wb-panel-toggle").get_attribute("aria-expanded") == "false"
    shot(screen, f"legend-folded-{script.split('/')[-1][:-3]}")
    screen.keyboard.press("r")  # a rerun: the same map, still folded
    wait_idle(screen)
    assert frame.locator(".wb-panel-body").is_hidden()
    frame = open_workbench(screen, screen.url)  # a reload: the choice is kept for this tab
    assert frame.locator(".wb-panel-body").is_hidden() and frame.evaluate("() => window.workbench.legendCollapsed()")
    frame.click(".wb-panel-toggle")
    assert frame.locator(".wb-panel-body").is_visible()
    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"


def test_project_map_county_pick_zooms_to_the_county(server, screen, demo_template):
    requests = watch(screen)
    frame = open_workbench(screen, page_url(server, "pages/2_项目地图.py"))
    w0, s0, e0, n0 = frame.evaluate("() => window.workbench.view()")["bounds"]
    select_in(screen, t("county_pick"), COUNTY[1])
    w, s, e, n = county_box(demo_template.path)
    view = wait_until(lambda: (v := frame.evaluate("() => window.workbench.view()")["bounds"]) != [w0, s0, e0, n0] and v,
                      "the map never moved after the county pick")
    vw, vs, ve, vn = view
    assert vw <= w + 0.01 and vs <= s + 0.01 and ve >= e - 0.01 and vn >= n - 0.01, (view, (w, s, e, n))  # the county fits
    assert (ve - vw) < 0.8 * (e0 - w0), (view, (w0, s0, e0, n0))  # and the map zoomed in on it
    assert w <= (vw + ve) / 2 <= e and s <= (vs + vn) / 2 <= n
    scroll_to(screen, WORKBENCH_FRAME)
    shot(screen, "county-zoom-project-map")
    assert not [u for u in requests if not is_local(u)]


def test_workbench_county_pick_zooms_to_the_county(server, screen, demo_template):
    frame = open_workbench(screen, page_url(server, "pages/8_地图工作台.py"))
    w0, _s0, e0, _n0 = frame.evaluate("() => window.workbench.view()")["bounds"]
    select_in(screen, t("map_zoom_county"), COUNTY[1])
    w, s, e, n = county_box(demo_template.path)
    view = wait_until(lambda: (v := frame.evaluate("() => window.workbench.view()")["bounds"])[0] != w0 and v, "no zoom")
    vw, vs, ve, vn = view
    assert vw <= w + 0.01 and vs <= s + 0.01 and ve >= e - 0.01 and vn >= n - 0.01 and (ve - vw) < 0.8 * (e0 - w0), view
    shot(screen, "county-zoom-workbench")


def _table_rows(page, key: str) -> list[dict]:
    """The rows the dataframe keyed ``key`` shows (its accessible table): first cell, row text, whether selected."""
    return page.evaluate("""([k]) => {
        const grid = document.querySelector('.st-key-' + k + ' [data-testid=stDataFrame]');
        if (!grid) return [];
        return [...grid.querySelectorAll('tr[aria-rowindex]')].filter(r => r.querySelector('td')).map(r => ({
            text: r.querySelector('td').textContent, row: r.textContent, selected: r.getAttribute('aria-selected') === 'true'}));
    }""", [key])


def test_project_map_click_selects_the_row_and_a_row_rings_its_project(server, screen):
    requests = watch(screen)
    frame = open_workbench(screen, page_url(server, "pages/2_项目地图.py"))
    table = "pm-table"
    wait_until(lambda: _table_rows(screen, table), "no project list under the map")
    # map → table: click a project (centred and zoomed in, so the click hits it alone)
    scroll_to(screen, WORKBENCH_FRAME)
    i = 40
    name = frame.evaluate("([i]) => window.workbench.nameOf('projects', i)", [i])
    frame.evaluate("([i]) => window.workbench.center('projects', i, 17)", [i])
    screen.wait_for_timeout(400)
    p = frame.evaluate("([i]) => window.workbench.pointAt('projects', i)", [i])
    box = screen.query_selector(WORKBENCH_FRAME).bounding_box()
    screen.mouse.click(box["x"] + p["x"], box["y"] + p["y"])
    wait_idle(screen)
    rows = wait_until(lambda: (r := _table_rows(screen, table)) and r[0]["text"] == name and r[0]["selected"] and r,
                      f"the clicked project {name} is not the first, selected row")
    assert sum(r["selected"] for r in rows) == 1
    assert frame.evaluate("() => window.workbench.highlighted()") == {"projects": [i]}
    assert screen.get_by_text(t("pm_card")).count() == 1  # its card beside the map
    grid = screen.locator(f".st-key-{table} [data-testid=stDataFrame]")
    grid.scroll_into_view_if_needed()
    shot(screen, "click-selects-row")

    # table → map: pick the fourth row; its project is ringed and the map centred on it
    frame.evaluate("() => window.workbench.setView(114.3, 29.8, 9)")
    pick = _table_rows(screen, table)[3]["text"]
    gbox = grid.bounding_box()
    screen.mouse.click(gbox["x"] + 14, gbox["y"] + 35 * 4 + 17)  # the row's selection box (header, then 35 px rows)
    wait_idle(screen)
    j = frame.evaluate("([n]) => window.workbench.indexOf('projects', n)", [pick])
    wait_until(lambda: frame.evaluate("() => window.workbench.highlighted()") == {"projects": [j]}, f"{pick} not ringed")
    rows = wait_until(lambda: (r := _table_rows(screen, table)) and r[3]["selected"] and r, f"row of {pick} not selected")
    assert rows[3]["text"] == pick and rows[0]["text"] == name and sum(r["selected"] for r in rows) == 1  # order kept
    view = wait_until(lambda: (v := frame.evaluate("() => window.workbench.view()")) and v["zoom"] >= 14 and v, "no pan")
    target = frame.evaluate("([j]) => window.workbench.pointAt('projects', j)", [j])
    size = frame.evaluate("() => [document.getElementById('map').clientWidth, document.getElementById('map').clientHeight]")
    assert abs(target["x"] - size[0] / 2) < 5 and abs(target["y"] - size[1] / 2) < 5, (target, size, view)
    scroll_to(screen, WORKBENCH_FRAME)
    shot(screen, "row-rings-project")
    assert not [u for u in requests if not is_local(u)]


def test_workbench_click_lists_the_clicked_layer_and_selects_its_row(server, screen):
    frame = open_workbench(screen, page_url(server, "pages/8_地图工作台.py"))
    scroll_to(screen, WORKBENCH_FRAME)
    i = 7
    name = frame.evaluate("([i]) => window.workbench.nameOf('factories', i)", [i])
    frame.evaluate("([i]) => window.workbench.center('factories', i, 18)", [i])
    screen.wait_for_timeout(1200)  # the view is reported and the table follows it
    wait_idle(screen)
    p = frame.evaluate("([i]) => window.workbench.pointAt('factories', i)", [i])
    box = screen.query_selector(WORKBENCH_FRAME).bounding_box()
    screen.mouse.click(box["x"] + p["x"], box["y"] + p["y"])
    wait_idle(screen)
    assert screen.get_by_role("combobox", name=t("wb_table_layer")).input_value() == "标准化厂房"
    table = "workbench_table"
    wait_until(lambda: (r := _table_rows(screen, table)) and r[0]["selected"] and name in r[0]["row"] and r,
               f"the clicked factory {name} is not the first, selected row")
    assert frame.evaluate("() => window.workbench.highlighted()").get("factories") == [i]
    screen.locator(f".st-key-{table} [data-testid=stDataFrame]").scroll_into_view_if_needed()
    shot(screen, "workbench-click-selects-row")


# ---- folium maps (闲置资产盘活, 园区承载力) and the asset board ---------------------------------------------------


def folium_frame(page):
    element = wait_until(lambda: page.query_selector(FOLIUM_FRAME), "no folium map")
    frame = element.content_frame()
    frame.wait_for_selector(".pm-legend", timeout=60_000)
    return frame


@pytest.mark.parametrize("script", ["pages/7_闲置资产盘活.py", "pages/5_园区承载力.py", "pages/4_厂房匹配.py", "pages/6_项目选址.py"])
def test_folium_map_legend_folds_and_the_scale_bar_is_metric(server, screen, script):
    requests = watch(screen)
    screen.goto(page_url(server, script))
    frame = folium_frame(screen)
    wait_idle(screen)
    scroll_to(screen, FOLIUM_FRAME)
    legend = frame.locator(".pm-legend")
    assert frame.locator(".pm-legend-item").count() >= 2 and frame.locator(".pm-legend-body").is_visible()
    lines = frame.locator(".leaflet-control-scale-line")
    assert lines.count() == 1 and re.fullmatch(r"\d+ (m|km)", lines.inner_text().strip()), lines.all_inner_texts()
    assert frame.locator(".leaflet-control-attribution").count() == 0  # no English credit: there are no tiles
    scale = frame.evaluate("""() => { const m = window.map_div, line = document.querySelector('.leaflet-control-scale-line');
        return {text: line.textContent, width: line.getBoundingClientRect().width, lat: m.getCenter().lat, zoom: m.getZoom()}; }""")
    assert_scale_right(scale)
    legend.locator(".pm-legend-toggle").click()
    assert frame.locator(".pm-legend-body").is_hidden()
    shot(screen, f"folium-legend-folded-{script.split('/')[-1][:-3]}")
    screen.reload()
    frame = folium_frame(screen)
    wait_idle(screen)
    assert frame.locator(".pm-legend-body").is_hidden()  # kept for this tab
    frame.locator(".pm-legend-toggle").click()
    assert frame.locator(".pm-legend-body").is_visible()
    assert not [u for u in requests if not is_local(u)]


def test_asset_map_county_pick_zooms_to_the_county(server, screen, demo_template):
    screen.goto(page_url(server, "pages/7_闲置资产盘活.py"))
    frame = folium_frame(screen)
    wait_idle(screen)
    before = frame.evaluate("() => window.map_div.getBounds().toBBoxString()")
    select_in(screen, t("county_pick"), COUNTY[1])
    w, s, e, n = county_box(demo_template.path)

    def zoomed():
        element = screen.query_selector(FOLIUM_FRAME)
        inner = element.content_frame() if element else None
        try:
            box = inner.evaluate("() => window.map_div && window.map_div.getBounds().toBBoxString()") if inner else None
        except Exception:  # the frame is being replaced by the redrawn map
            return None
        return box if box and box != before else None

    vw, vs, ve, vn = (float(v) for v in wait_until(zoomed, "the asset map did not move").split(","))
    bw, _bs, be, _bn = (float(v) for v in before.split(","))
    assert vw <= w + 0.01 and vs <= s + 0.01 and ve >= e - 0.01 and vn >= n - 0.01 and (ve - vw) < 0.8 * (be - bw)
    shot(screen, "county-zoom-assets")


def test_board_card_opens_the_assets_case(server, screen):
    requests = watch(screen)
    screen.goto(page_url(server, "pages/7_闲置资产盘活.py"))
    folium_frame(screen)
    wait_idle(screen)
    screen.get_by_role("tab", name=t("assets_tab_board")).click()
    wait_idle(screen)
    card = screen.locator("[class*='st-key-asset-card-']").filter(has_text="横沟桥镇储备地块").first
    card.scroll_into_view_if_needed()
    shot(screen, "board")
    card.click()  # anywhere on the card: the whole card is the button
    wait_idle(screen)
    case_tab = screen.get_by_role("tab", name=t("assets_tab_case"))
    wait_until(lambda: case_tab.get_attribute("aria-selected") == "true", "the case tab did not open")
    panel = screen.get_by_role("tabpanel", name=t("assets_tab_case"))
    assert panel.get_by_role("combobox", name=t("assets_pick")).input_value() == "横沟桥镇储备地块（A-006）"
    panel.get_by_text(t("assets_history")).first.wait_for()
    shot(screen, "board-opens-case")
    assert not [u for u in requests if not is_local(u)]
