"""Every page with a map, served with hostile names in the data (``hostile_server``): the names show as text
in tooltips, labels, cards and tables, and nothing they contain ever runs.

folium maps (st_folium): every feature's tooltip is opened the way a hover opens it (a ``mouseover`` that
propagates to the layer the tooltip is bound to), and the tooltip's DOM is inspected. Component maps
(ui/mapkit): county labels and point names are checked in the frame (the workbench's own test hovers them).
"""

from __future__ import annotations

import pytest

from tests.browser.browsing import ARTIFACTS, WORKBENCH_FRAME, XSS_NAMES, page_url, wait_idle

pytestmark = pytest.mark.browser

FOLIUM_FRAME = 'iframe[src*="streamlit_folium.st_folium"]'
ACTIVE = "img, script, iframe, svg, object, embed"

#: (page script, what to click first so the page shows its map of all features, the hostile layers it draws)
MAP_PAGES = (
    ("app.py", None, ("regions", "projects")),
    ("pages/2_项目地图.py", None, ("projects",)),
    ("pages/4_厂房匹配.py", "出租情况", ("factories",)),
    ("pages/5_园区承载力.py", None, ("parks",)),
    ("pages/6_项目选址.py", None, ("parks",)),
    ("pages/7_闲置资产盘活.py", None, ("assets",)),
    ("pages/8_地图工作台.py", None, ("regions", "projects")),
)

HOVER_ALL_JS = """(selector) => {
    const map = window.map_div, shown = [], active = [];
    for (const layer of Object.values(map._layers)) {
        if (!layer.feature) continue;
        const at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
        layer.fire('mouseover', {latlng: at}, true);
        for (const tip of document.querySelectorAll('.leaflet-tooltip')) {
            if (tip.textContent.includes('alert(')) shown.push(tip.textContent);
            if (tip.querySelector(selector)) active.push(tip.innerHTML);
        }
        layer.fire('mouseout', {latlng: at}, true);
    }
    const labels = [...document.querySelectorAll('.leaflet-marker-icon')].map(e => e.textContent).filter(t => t.includes('alert('));
    return {shown, active, labels, injected: document.querySelectorAll('img[src="x"]').length};
}"""


def _folium_findings(tab) -> list[dict]:
    out = []
    for element in tab.query_selector_all(FOLIUM_FRAME):
        frame = element.content_frame()
        frame.wait_for_function("() => window.map_div && window.map_div._layers && Object.keys(window.map_div._layers).length > 0",
                                timeout=60_000)
        out.append(frame.evaluate(HOVER_ALL_JS, ACTIVE))
    return out


def _component_findings(tab) -> list[dict]:
    out = []
    for element in tab.query_selector_all(WORKBENCH_FRAME):
        frame = element.content_frame()
        frame.wait_for_function("() => window.workbench && window.workbench.ready()", timeout=60_000)
        out.append(frame.evaluate("""(names) => ({
            labels: [...document.querySelectorAll('.wb-label')].map(e => e.textContent).filter(t => t.includes('alert(')),
            points: names.filter(n => window.workbench.indexOf('projects', n) >= 0),
            active: [...document.querySelectorAll('.wb-label, .wb-tip, .wb-panel')].filter(e => e.querySelector('img, script')).length,
            injected: document.querySelectorAll('img[src="x"]').length})""", list(XSS_NAMES)))
    return out


@pytest.mark.parametrize(("script", "click", "layers"), MAP_PAGES, ids=[s for s, _c, _l in MAP_PAGES])
def test_hostile_names_show_as_text_and_run_nothing(hostile_server, tab, script, click, layers):
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.goto(page_url(hostile_server.base, script))
    tab.locator("h1").first.wait_for(timeout=60_000)
    wait_idle(tab)
    if click:
        tab.get_by_text(click, exact=True).first.click()
        wait_idle(tab)
    assert not tab.locator("[data-testid=stException]").count(), tab.inner_text("body")[:400]
    tab.wait_for_selector(f"{FOLIUM_FRAME}, {WORKBENCH_FRAME}", timeout=60_000)

    folium_maps, component_maps = _folium_findings(tab), _component_findings(tab)
    assert folium_maps or component_maps, "the page shows no map"
    for found in folium_maps:
        assert found["active"] == [], f"a tooltip holds live elements: {found['active'][:2]}"
        assert found["injected"] == 0
        texts = found["shown"] + found["labels"]
        assert texts, "no hostile name reached a tooltip or label: the test would prove nothing"
        assert all(any(name in text for name in XSS_NAMES) for text in texts), texts[:3]
    for found in component_maps:
        assert found["active"] == 0 and found["injected"] == 0, found
        if "regions" in layers:
            assert XSS_NAMES[0] in found["labels"], found
        if "projects" in layers:
            assert len(found["points"]) == 3, found
    # The page around the map (cards, boards, tables, pickers) shows no injected element either.
    assert tab.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
    tab.wait_for_timeout(500)  # an <img onerror> would have fired by now
    assert dialogs == [], f"a name ran script: {dialogs}"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"hostile-{script.replace('/', '_')}.png"), full_page=True)
