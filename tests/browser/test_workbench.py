"""地图工作台 in a real browser: layers drawn from local files only, click → card, draw → totals, measure,
table ↔ map, print export, a failing basemap, hostile names shown as text, and an unchanged rerun that
sends no layer data again."""

from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import shapely

import store
from geo import coords
from layers import projects
from tests.browser.browsing import ARTIFACTS, WORKBENCH_FRAME, XSS_NAMES, is_local, open_workbench, wait_idle

pytestmark = pytest.mark.browser

FRAME = WORKBENCH_FRAME


def url(base: str) -> str:
    return f"{base}/{quote('地图工作台')}"


def open_map(page, base: str):
    """The component's frame once it has drawn its layers and loaded its drawing tools (after the layers)."""
    frame = open_workbench(page, url(base))
    frame.wait_for_function("() => window.workbench.toolsReady()", timeout=30_000)
    assert frame.evaluate("() => window.workbench.hasTools()"), "Leaflet-Geoman did not load"
    return frame


def texts(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('[data-testid=stDataFrame]')].map(d => d.textContent)")


def wait_text(page, predicate, what: str, timeout_s: float = 30):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [t for t in texts(page) if predicate(t)]
        if found:
            return found[0]
        page.wait_for_timeout(250)
    pytest.fail(f"{what} never appeared; dataframes: {[t[:120] for t in texts(page)]}")


def expected_inside(db: Path, polygon) -> int:
    con = store.connect(db, read_only=True)
    try:
        frame = projects.load(con)
    finally:
        con.close()
    located = frame[frame.geometry.notna()]
    return int(sum(polygon.covers(g) for g in located.geometry))


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_all_layers_drawn_from_loopback_only(server, tab):
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("websocket", lambda ws: requests.append(ws.url))
    frame = open_map(tab, server)
    counts = frame.evaluate("() => window.workbench.counts()")
    assert counts["projects"] > 1000 and counts["factories"] == 148 and counts["assets"] == 30, counts
    assert counts["parks"] == 9 and counts["regions"] == 6, counts
    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"
    leaflet = [u for u in requests if urlparse(u).path.endswith("/leaflet/dist/leaflet.js")]
    assert leaflet and all(urlparse(u).path.startswith("/app/static/vendor/") for u in leaflet)
    labels = frame.evaluate("() => [...document.querySelectorAll('.wb-label')].map(e => e.textContent)")
    assert "咸安区" in labels and len(labels) == 6
    screenshot(tab, "workbench.png")


def test_click_shows_card_and_position(server, tab, demo_template):
    frame = open_map(tab, server)
    target = frame.evaluate("() => window.workbench.isolated('projects', 12)")
    assert target, "no isolated project point to click"
    box = tab.query_selector(FRAME).bounding_box()
    tab.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    clicked = frame.evaluate("() => window.workbench.state().click")
    assert clicked["layer"] == "projects", clicked
    card = wait_text(tab, lambda t: t.startswith("字段值名称"), "the detail card")
    state = frame.evaluate("() => window.workbench.state()")
    assert state["click"]["i"] == target["i"]
    names = demo_template.project_names
    assert any(card.startswith(f"字段值名称{n}") for n in names.values()), card[:80]
    tab.get_by_text("点击位置").first.wait_for()
    assert re.search(r"（WGS-84）：1\d\d\.\d{6}, \d\d\.\d{6}", tab.inner_text("body"))


def test_draw_polygon_with_the_mouse_totals_the_features_inside(server, tab, demo_template):
    frame = open_map(tab, server)
    box = tab.query_selector(FRAME).bounding_box()
    frame.click(".leaflet-pm-icon-polygon")
    corners = [(300, 250), (520, 240), (540, 460), (310, 470)]
    for x, y in corners:
        tab.mouse.click(box["x"] + x, box["y"] + y)
        tab.wait_for_timeout(150)
    tab.mouse.click(box["x"] + corners[0][0], box["y"] + corners[0][1])  # closing on the first vertex finishes
    frame.wait_for_function("() => window.workbench.state().shape !== null", timeout=10_000)
    shape = frame.evaluate("() => window.workbench.state().shape")
    assert shape["type"] == "polygon" and len(shape["coords"]) == 4
    expected = expected_inside(demo_template.path, shapely.Polygon(shape["coords"]))
    assert expected > 0
    summary = wait_text(tab, lambda t: t.startswith("图层指标合计") and f"招商项目数量（个）{expected}" in t, f"{expected} projects")
    assert "总投资（万元）" in summary
    tab.get_by_text("选择范围面积").first.wait_for()
    screenshot(tab, "workbench_polygon.png")


def test_circle_and_measure_through_the_api(server, tab, demo_template):
    frame = open_map(tab, server)
    lon, lat = 114.32, 29.85
    frame.evaluate(f"() => window.workbench.drawCircle({lon}, {lat}, 8000)")
    from analysis.selection import shape_geometry

    disc = shape_geometry({"type": "circle", "center": (lon, lat), "radius_m": 8000})
    expected = expected_inside(demo_template.path, disc)
    wait_text(tab, lambda t: f"招商项目数量（个）{expected}" in t, f"{expected} projects in the circle")
    frame.evaluate("() => window.workbench.measure([[114.0, 29.8], [114.3, 29.8], [114.3, 30.0]])")
    length = coords.haversine_m(114.0, 29.8, 114.3, 29.8) + coords.haversine_m(114.3, 29.8, 114.3, 30.0)
    tab.get_by_text(f"测量距离：{length / 1000:.2f} 公里").wait_for(timeout=30_000)


def test_search_and_table_selection_highlight_the_map(server, tab, demo_template):
    frame = open_map(tab, server)
    pid, name = sorted(demo_template.project_names.items())[5]
    tab.get_by_label("按名称查找要素").fill(name)
    tab.keyboard.press("Enter")
    frame.wait_for_function("() => (window.workbench.highlighted().projects || []).length === 1", timeout=30_000)
    wait_idle(tab)
    # Tick the first row of the table: that project is highlighted on the map.
    grid = tab.locator("[data-testid=stDataFrame]").last
    grid.scroll_into_view_if_needed()
    gbox = grid.bounding_box()
    tab.mouse.click(gbox["x"] + 14, gbox["y"] + 35 + 17)
    frame.wait_for_function("() => (window.workbench.highlighted().projects || []).length === 2", timeout=30_000)


def test_unchanged_rerun_sends_no_layer_data(server, tab):
    frames: list[int] = []
    tab.on("websocket", lambda ws: ws.on("framereceived", lambda p: frames.append(len(p))))
    frame = open_map(tab, server)
    # The browser reported the versions it holds; the run that followed sent none again.
    frame.wait_for_function("() => window.workbench.stats().renders >= 2", timeout=30_000)
    first = frame.evaluate("() => window.workbench.stats()")
    assert first["blobBytes"] > 10_000 and first["lastBlobBytes"] == 0, first
    wait_idle(tab)
    before = len(frames)
    tab.keyboard.press("r")  # Streamlit's rerun shortcut: same page, same data
    deadline = time.monotonic() + 20
    while len(frames) < before + 5 and time.monotonic() < deadline:  # the rerun's deltas arrive
        tab.wait_for_timeout(100)
    assert len(frames) >= before + 5, "pressing r did not rerun the page"
    wait_idle(tab)
    after = frame.evaluate("() => window.workbench.stats()")
    assert after["blobBytes"] == first["blobBytes"], after
    assert sum(frames[before:]) < first["blobBytes"], "the rerun sent as much as the layers themselves"


def test_print_export_produces_an_a3_png(server, tab):
    from PIL import Image

    from reports.map_print import a3_pixels

    open_map(tab, server)
    tab.get_by_text("打印导出（A3）").click()
    button = tab.get_by_role("button", name="下载 A3 PNG")
    button.wait_for(timeout=120_000)  # the sheet is rendered server-side before the button appears
    wait_idle(tab)
    with tab.expect_download(timeout=120_000) as info:
        button.click()
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "workbench_print.png"
    info.value.save_as(str(target))
    image = Image.open(io.BytesIO(target.read_bytes()))
    assert image.size == a3_pixels()


def test_unreachable_basemap_falls_back_to_no_basemap(server, tab):
    blocked: list[str] = []
    tab.route(re.compile(r"https?://(?!127\.0\.0\.1).*"), lambda route: (blocked.append(route.request.url), route.abort()))
    frame = open_map(tab, server)
    before = frame.evaluate("() => window.workbench.counts()")
    tab.get_by_label("底图").click()
    tab.get_by_role("option", name="高德 矢量（GCJ-02）").click()
    frame.wait_for_function("() => window.workbench.notice().includes('底图无法加载')", timeout=30_000)
    wait_idle(tab)
    assert blocked and all("autonavi.com" in u for u in blocked)
    assert frame.evaluate("() => window.workbench.counts()") == before
    screenshot(tab, "workbench_basemap_failed.png")


def test_hostile_names_are_inert_text(hostile_server, tab):
    base = hostile_server.base
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    frame = open_map(tab, base)
    labels = frame.evaluate("() => [...document.querySelectorAll('.wb-label')].map(e => e.textContent)")
    assert XSS_NAMES[0] in labels
    assert frame.evaluate("() => document.querySelectorAll('img[src=x], .wb-label img, .wb-tip img').length") == 0
    for name in XSS_NAMES:
        tab.get_by_label("按名称查找要素").fill(name)
        tab.keyboard.press("Enter")
        wait_idle(tab)
        frame.wait_for_function("() => Object.values(window.workbench.highlighted()).some(v => v.length)", timeout=30_000)
    # Hover each hostile project on the map: the tooltip shows its name as text, with no element inside.
    box = tab.query_selector(FRAME).bounding_box()
    hovered = 0
    for name in XSS_NAMES:
        i = frame.evaluate("([n]) => window.workbench.indexOf('projects', n)", [name])
        assert i >= 0, name
        frame.evaluate("([i]) => window.workbench.center('projects', i, 15)", [i])
        p = frame.evaluate("([i]) => window.workbench.pointAt('projects', i)", [i])
        tab.mouse.move(box["x"] + p["x"], box["y"] + p["y"])
        tab.wait_for_timeout(300)
        tip = frame.evaluate("() => window.workbench.tip()")
        if tip and name in tip["text"]:
            hovered += 1
            assert tip["elements"] == 0
    assert hovered >= 2, "the hostile names never showed in a tooltip"
    # Click the last hostile project: its card shows the name as text.
    tab.mouse.click(box["x"] + p["x"], box["y"] + p["y"])
    wait_text(tab, lambda t: t.startswith("字段值名称" + XSS_NAMES[-1]), "the hostile project's card")
    assert dialogs == [], f"a name ran script: {dialogs}"
    screenshot(tab, "workbench_hostile.png")


@pytest.fixture(scope="module")
def small_budget_server(demo_template, tmp_path_factory):
    """A server that may send at most 1,000 features of a layer one by one: the demo's 1,216 projects go as cells."""
    from tests.browser.conftest import serve

    folder = tmp_path_factory.mktemp("budget")
    db = folder / "budget.duckdb"
    shutil.copyfile(demo_template.path, db)
    with serve(db, folder / "streamlit.log", {"PARKMAP_POINT_BUDGET": "1000"}) as base:
        yield base


def test_zooming_in_on_an_aggregated_layer_brings_its_own_features(small_budget_server, tab, demo_template):
    frame = open_map(tab, small_budget_server)
    assert frame.evaluate("() => window.workbench.modes()")["projects"] == "cells"
    con = store.connect(demo_template.path, read_only=True)
    try:
        located = projects.load(con).dropna(subset=["geometry"])
    finally:
        con.close()
    p = located.geometry.iloc[len(located) // 2]
    frame.evaluate(f"() => window.workbench.setView({p.x}, {p.y}, 14)")
    # The view is reported after the map settles; the next run sends the projects around it.
    frame.wait_for_function("() => { const d = window.workbench.detail('projects'); return d && d.shown; }", timeout=30_000)
    wait_idle(tab)
    detail = frame.evaluate("() => window.workbench.detail('projects')")
    w, s, e, n = detail["box"]
    inside = located[located.geometry.x.between(w, e) & located.geometry.y.between(s, n)]
    assert detail["n"] == len(inside) > 0
    assert frame.evaluate("() => window.workbench.modes()")["projects"] == "points"

    # Closer still (a new view, a new document): click the project in the middle of the map.
    frame.evaluate(f"() => window.workbench.setView({p.x}, {p.y}, 17)")
    frame.wait_for_function("""([x, y]) => { const d = window.workbench.detail('projects');
        return d && d.shown && d.box[0] <= x && x <= d.box[2] && d.box[1] <= y && y <= d.box[3] && d.box[2] - d.box[0] < 0.05; }""",
                            arg=[p.x, p.y], timeout=30_000)
    wait_idle(tab)
    box = tab.query_selector(FRAME).bounding_box()
    size = frame.evaluate("() => [document.getElementById('map').clientWidth, document.getElementById('map').clientHeight]")
    tab.mouse.click(box["x"] + size[0] / 2, box["y"] + size[1] / 2)
    name = located["name"].iloc[len(located) // 2]
    wait_text(tab, lambda t: t.startswith(f"字段值名称{name}"), f"the card of {name}, drawn from the view's features")
    screenshot(tab, "workbench_view_detail.png")

    # Zoomed out again, the layer is cells.
    frame.evaluate("() => window.workbench.setView(114.3, 29.8, 8)")
    frame.wait_for_function("() => window.workbench.modes().projects === 'cells'", timeout=10_000)
