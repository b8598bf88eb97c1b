"""The served app in a real browser: the overview's map (the workbench component) draws from local files only,
clicks reach the detail card, and every page opens by its URL on a cold server."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.browsing import ARTIFACTS, LOOPBACK, WORKBENCH_FRAME, is_local, open_workbench, page_url, wait_idle, watch
from ui import page as page_module

pytestmark = pytest.mark.browser

LEAFLET_JS = "/app/static/vendor/node_modules/leaflet/dist/leaflet.js"


def diagnose(page, name: str) -> str:
    """What the page shows (Streamlit exceptions, start of the text) plus a screenshot in test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"failure-{name}.png"
    try:
        page.screenshot(path=str(shot), full_page=True)
        errors = page.evaluate("() => [...document.querySelectorAll('[data-testid=stException]')].map(e => e.innerText)")
        body = page.inner_text("body")[:600]
    except Exception as exc:  # the page itself is gone
        return f"(no diagnosis: {exc})"
    return f"url={page.url}\nexceptions={errors}\nbody={body!r}\nscreenshot={shot}"




def dataframe_texts(page) -> list[str]:
    """textContent of every st.dataframe (the grid draws on a canvas; its accessible table holds the text)."""
    return page.evaluate("() => [...document.querySelectorAll('[data-testid=stDataFrame]')].map(d => d.textContent)")


def test_overview_loads_everything_from_loopback(server, tab):
    requests = watch(tab)
    frame = open_workbench(tab, server + "/")
    assert tab.locator("h1").filter(has_text="总览").count() == 1

    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"
    leaflet = [u for u in requests if urlparse(u).path == LEAFLET_JS]
    assert leaflet, "leaflet.js was not requested from /app/static/"
    assert frame.evaluate("() => typeof L === 'object' && typeof L.version === 'string'")

    # County boundaries and all four point/polygon layers are on the map, the county names as labels.
    counts = frame.evaluate("() => window.workbench.counts()")
    assert counts["projects"] > 1000 and counts["factories"] == 148 and counts["assets"] == 30, counts
    assert counts["parks"] == 9 and counts["regions"] == 6, counts
    labels = frame.evaluate("() => [...document.querySelectorAll('.wb-label')].map(e => e.textContent)")
    assert "咸安区" in labels, labels
    # The overview shows the map without the drawing tools (those live on 地图工作台) but with the layer panel.
    assert frame.evaluate("() => document.querySelectorAll('.leaflet-pm-toolbar').length") == 0
    assert frame.evaluate("() => document.querySelectorAll('.wb-panel input[type=checkbox]').length") == 5

    ARTIFACTS.mkdir(exist_ok=True)
    tab.wait_for_timeout(300)  # let the canvas paint the last frame
    tab.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)


def test_clicking_a_project_shows_its_card(server, tab, demo_template):
    frame = open_workbench(tab, server + "/")
    assert not any("字段" in t for t in dataframe_texts(tab))
    target = frame.evaluate("() => window.workbench.isolated('projects', 12)")
    assert target, "no isolated project point to click"
    # A real mouse click at the point's pixel: the component's own hit test picks the feature.
    box = tab.query_selector(WORKBENCH_FRAME).bounding_box()
    tab.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
    clicked = frame.evaluate("() => window.workbench.state().click")
    assert clicked["layer"] == "projects" and clicked["i"] == target["i"], clicked

    names = demo_template.project_names
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        cards = [t for t in dataframe_texts(tab) if t.startswith("字段值名称")]
        if cards:
            break
        tab.wait_for_timeout(250)
    else:
        pytest.fail(f"the detail card never showed; dataframes: {dataframe_texts(tab)}")
    assert any(cards[0].startswith(f"字段值名称{n}") for n in names.values()), cards[0][:200]
    assert tab.get_by_text("招商项目", exact=True).count() >= 1


def test_parks_too_small_to_see_get_a_marker_that_opens_their_card(server, tab):
    frame = open_workbench(tab, server + "/")
    frame.evaluate("() => window.workbench.setView(114.3, 29.8, 7)")  # the whole city in a few hundred pixels
    frame.wait_for_function("() => window.workbench.anchors('parks').length === 9", timeout=10_000)
    frame.evaluate("() => window.workbench.setView(114.3, 29.8, 16)")  # street level: the outlines are visible
    frame.wait_for_function("() => window.workbench.anchors('parks').length === 0", timeout=10_000)
    frame.evaluate("() => window.workbench.setView(114.3, 29.8, 7)")
    frame.wait_for_function("() => window.workbench.anchors('parks').length === 9", timeout=10_000)
    wait_idle(tab)
    # The markers lie on top of the projects clustered in the parks: a click on one picks the park.
    marker = frame.evaluate("() => window.workbench.anchors('parks')[0]")
    box = tab.query_selector(WORKBENCH_FRAME).bounding_box()
    tab.mouse.click(box["x"] + marker["x"], box["y"] + marker["y"])
    assert frame.evaluate("() => window.workbench.state().click.layer") == "parks"
    tab.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
        .some(d => d.textContent.startsWith('字段值名称') && d.textContent.includes('主导产业'))""", timeout=30_000)
    assert tab.get_by_text("园区", exact=True).count() >= 1


def test_hiding_a_layer_in_the_panel_keeps_the_others(server, tab):
    frame = open_workbench(tab, server + "/")
    frame.click(".wb-panel input[data-layer=projects]")
    frame.wait_for_function("() => window.workbench.counts().projects === 0", timeout=10_000)
    counts = frame.evaluate("() => window.workbench.counts()")
    assert counts["factories"] == 148 and counts["assets"] == 30, counts
    assert "projects" not in frame.evaluate("() => window.workbench.state().visible")


@pytest.mark.parametrize(("script", "label"), page_module.PAGES, ids=[label for _s, label in page_module.PAGES])
def test_deep_link_on_cold_server(cold_server, tab, script, label):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    url = page_url(cold_server, script)
    first: list[str] = []
    tab.on("request", lambda r: first.append(r.url))
    tab.goto(url)
    assert first and first[0] == url, f"the page URL must be the first request, got {first[:1]}"
    # The overview's h1 is "园区承载力与项目地图 · 总览"; every other page's h1 is exactly its label.
    wanted = re.compile(re.escape(label)) if script == "app.py" else re.compile(rf"^\s*{re.escape(label)}\s*$")
    # 大屏展示 has no heading of its own on the wall screen: its panel header (.sc-head) shows it is that page
    shown = tab.locator(".sc-head") if script.endswith("_大屏.py") else tab.locator("h1").filter(has_text=wanted)
    try:
        shown.first.wait_for(timeout=60_000)
        wait_idle(tab)
    except PlaywrightTimeout:
        pytest.fail(f"{url}: no h1 {label!r} within 60 s\n" + diagnose(tab, f"deep-link-{Path(script).stem}"))
    assert not tab.locator("[data-testid=stException]").count(), diagnose(tab, f"deep-link-{Path(script).stem}")
    if script != "app.py":
        assert tab.locator("h1").filter(has_text="总览").count() == 0, "fell back to the overview"
    body = tab.inner_text("body")
    assert "Page not found" not in body
    assert urlparse(tab.url).path == urlparse(url).path


def test_map_frame_references_no_cdn(server, tab):
    frame = open_workbench(tab, server + "/")
    refs_js = """() => [...document.querySelectorAll('script[src], link[href], img[src], iframe[src]')]
        .map(e => e.src || e.href)"""
    for where, refs in (("map frame", frame.evaluate(refs_js)), ("page", tab.evaluate(refs_js))):
        assert refs, where
        remote = [u for u in refs if urlparse(u).scheme in {"http", "https"} and urlparse(u).hostname not in LOOPBACK]
        assert not remote, f"{where} references remote files: {remote}"
    # The component page runs no inline script at all (its CSP forbids it).
    assert frame.evaluate("() => [...document.scripts].filter(s => !s.src).length") == 0
    csp = frame.evaluate("() => document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    assert "script-src 'self'" in csp


def test_server_warms_its_caches_before_the_first_visitor(cold_server, tab, tmp_path):
    log = tmp_path / "streamlit.log"  # cold_server's log (same tmp_path)
    deadline = time.monotonic() + 60
    while "缓存预热完成" not in log.read_text(encoding="utf-8", errors="replace") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "缓存预热完成" in log.read_text(encoding="utf-8", errors="replace"), log.read_text()[-2000:]
    frame = open_workbench(tab, cold_server + "/")
    assert frame.evaluate("() => window.workbench.counts()")["projects"] > 1000
    assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")
