"""The served app in a real browser: the map draws from local files only, clicks reach the detail card,
and every page opens by its URL on a cold server."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from tests.browser.browsing import ARTIFACTS, LOOPBACK, is_local, wait_idle
from ui import page as page_module

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[src*="streamlit_folium.st_folium"]'
LEAFLET_JS = "/app/static/vendor/node_modules/leaflet/dist/leaflet.js"
FEATURE_COUNT_JS = """() => (window.map_div && window.map_div._layers)
    ? Object.values(window.map_div._layers).filter(l => l.feature).length : -1"""


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




def wait_for_map(page, *, min_features: int = 1000, timeout_s: float = 30):
    """The map iframe's frame once Leaflet has drawn more than ``min_features`` features."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout_s
    count = None
    while time.monotonic() < deadline:
        # page.frames may not list the component iframe yet; the element's content frame is reliable.
        element = page.query_selector(MAP_IFRAME)
        frame = element.content_frame() if element else None
        if frame is not None:
            try:
                count = frame.evaluate(FEATURE_COUNT_JS)
            except Error:  # the frame is (re)loading
                count = None
            if count is not None and count > min_features:
                return frame
        time.sleep(0.25)
    pytest.fail(
        f"the map did not draw more than {min_features} features within {timeout_s} s (last count: {count})\n"
        + diagnose(page, "map")
    )




def dataframe_texts(page) -> list[str]:
    """textContent of every st.dataframe (the grid draws on a canvas; its accessible table holds the text)."""
    return page.evaluate("() => [...document.querySelectorAll('[data-testid=stDataFrame]')].map(d => d.textContent)")


def page_url(base: str, script: str) -> str:
    """Classic pages/ discovery: pages/1_图层数据.py is served at /图层数据; the entry point at /."""
    if script == "app.py":
        return base + "/"
    name = re.sub(r"^\d+_", "", Path(script).stem)
    return f"{base}/{quote(name)}"


def test_overview_loads_everything_from_loopback(server, tab):
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("websocket", lambda ws: requests.append(ws.url))

    tab.goto(server + "/")
    frame = wait_for_map(tab)
    wait_idle(tab)
    assert tab.locator("h1").filter(has_text="总览").count() == 1

    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"
    leaflet = [u for u in requests if urlparse(u).path == LEAFLET_JS]
    assert leaflet, "leaflet.js was not requested from /app/static/"
    assert all(urlparse(u).path.startswith("/app/static/") for u in requests if urlparse(u).path.endswith("leaflet.js"))
    assert frame.evaluate("() => typeof L === 'object' && typeof L.version === 'string'")
    assert frame.evaluate(
        "() => [...document.scripts].some(s => new URL(s.src || 'about:blank').pathname.startsWith('/app/static/'))"
    )

    # County boundaries and all four point/polygon layers are on the map.
    layers = frame.evaluate("""() => { const n = {}; for (const l of Object.values(window.map_div._layers))
        if (l.feature) n[l.feature.properties.layer] = (n[l.feature.properties.layer] || 0) + 1; return n; }""")
    assert {"regions", "parks", "factories", "assets", "projects"} <= set(layers), layers
    assert layers["projects"] > 1000 and layers["regions"] >= 6, layers

    ARTIFACTS.mkdir(exist_ok=True)
    tab.wait_for_timeout(300)  # let the canvas paint the last frame
    tab.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)


def _isolated_project_marker(frame) -> dict:
    """A drawn project marker well inside the map, on top at its pixel, with no other point within 12 px."""
    return frame.evaluate("""() => {
        const map = window.map_div;
        const box = map.getContainer().getBoundingClientRect();
        const pts = Object.values(map._layers).filter(l => l.feature && l.getLatLng);
        const px = pts.map(l => map.latLngToContainerPoint(l.getLatLng()));
        for (let i = 0; i < pts.length; i++) {
            const l = pts[i], p = px[i];
            if (l.feature.properties.layer !== 'projects') continue;
            if (p.x < 80 || p.y < 80 || p.x > box.width - 240 || p.y > box.height - 60) continue;  // clear of the controls
            if (px.some((q, j) => j !== i && Math.hypot(q.x - p.x, q.y - p.y) < 12)) continue;
            const x = box.left + p.x, y = box.top + p.y;
            const hit = document.elementFromPoint(x, y);
            if (!hit || hit.tagName !== 'CANVAS') continue;  // not under a label, tooltip or control
            return {id: l.feature.properties.id, x, y};
        }
        return null;
    }""")


def test_clicking_a_project_shows_its_card(server, tab, demo_template):
    tab.goto(server + "/")
    frame = wait_for_map(tab)
    wait_idle(tab)
    assert not any("字段" in t for t in dataframe_texts(tab))

    marker = _isolated_project_marker(frame)
    assert marker, "no isolated project marker to click"
    name = demo_template.project_names[marker["id"]]
    # A real mouse click at the marker's pixel: the canvas renderer's own hit test picks the feature.
    iframe_box = tab.query_selector(MAP_IFRAME).bounding_box()
    tab.mouse.click(iframe_box["x"] + marker["x"], iframe_box["y"] + marker["y"])

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        cards = [t for t in dataframe_texts(tab) if t.startswith("字段值")]
        if cards and name in cards[0]:
            break
        tab.wait_for_timeout(250)
    else:
        pytest.fail(f"the detail card never showed {marker['id']} {name!r}; dataframes: {dataframe_texts(tab)}")
    assert cards[0].startswith(f"字段值名称{name}"), cards[0][:200]
    assert tab.get_by_text("招商项目", exact=True).count() >= 1


def test_firing_a_feature_click_shows_its_card(server, tab, demo_template):
    tab.goto(server + "/")
    frame = wait_for_map(tab)
    wait_idle(tab)
    props = frame.evaluate("""() => {
        const l = Object.values(window.map_div._layers).find(l => l.feature && l.feature.properties.layer === 'projects' && l.getLatLng);
        l.fire('click', {latlng: l.getLatLng()}, true);  // propagate, as the canvas renderer does
        return l.feature.properties; }""")
    name = demo_template.project_names[props["id"]]
    tab.wait_for_function(
        """name => [...document.querySelectorAll('[data-testid=stDataFrame]')]
            .some(d => d.textContent.startsWith('字段值名称' + name))""",
        arg=name,
        timeout=30_000,
    )


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
    try:
        tab.locator("h1").filter(has_text=wanted).first.wait_for(timeout=60_000)
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
    tab.goto(server + "/")
    frame = wait_for_map(tab)
    refs_js = """() => [...document.querySelectorAll('script[src], link[href], img[src], iframe[src]')]
        .map(e => e.src || e.href)"""
    for where, refs in (("map frame", frame.evaluate(refs_js)), ("page", tab.evaluate(refs_js))):
        assert refs, where
        remote = [u for u in refs if urlparse(u).scheme in {"http", "https"} and urlparse(u).hostname not in LOOPBACK]
        assert not remote, f"{where} references remote files: {remote}"
    inline = frame.evaluate("() => [...document.scripts].filter(s => !s.src).map(s => s.textContent).join('\\n')")
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)[\w.-]+\.(?:js|css)\b", inline), (
        "an inline script loads remote code"
    )
