"""大屏展示 on the meeting-room screen sizes (1920×1080, 1280×720): the panels come in turn by themselves, each fits
the screen with no text cut off, nothing on it is a widget, Streamlit's chrome is hidden, and no request leaves the
machine. Screenshots: test-artifacts/screen-<panel>-<width>.png."""

from __future__ import annotations

import base64
import shutil

import pytest

from analysis import indicators
from tests.browser.browsing import APP_IDLE, ARTIFACTS, is_local, page_url, watch
from tests.browser.conftest import serve
from tests.browser.test_review import PASSWORD, Desk
from tests.browser.test_scope import ACCOUNTS, cli, scope_names

pytestmark = pytest.mark.browser

SIZES = [{"width": 1920, "height": 1080}, {"width": 1280, "height": 720}]
PANELS = ("kpi", "ranking", "map", "lights")

#: visible things a user could operate (Streamlit's own controls included), and the interactive grid/map elements
SELECTORS = ("button, input, select, textarea, a[href], iframe, canvas, [role=button], [role=slider], [role=combobox], "
             "[role=checkbox], [role=tab], [data-testid=stDataFrame], [data-testid=stSidebar], [data-testid=stHeader], "
             "[data-testid=stToolbar]")
#: shown: drawn, larger than a pixel and on the screen (Streamlit's "skip to content" link stays off-screen until focused)
WIDGETS = (f"() => [...document.querySelectorAll('{SELECTORS}')].filter(e => {{ const r = e.getBoundingClientRect(); "
           "return e.checkVisibility() && r.width > 1 && r.height > 1 && r.right > 0 && r.bottom > 0 && r.left < innerWidth "
           "&& r.top < innerHeight; }).map(e => e.outerHTML.slice(0, 80))")

#: text that does not show whole: outside the window, clipped in its box, or spilling out of its table block or card
CUT = """() => {
  const out = [], W = innerWidth, H = innerHeight;
  const main = document.querySelector('[data-testid=stMain]');
  for (const e of main.querySelectorAll('*')) {
    if (!e.checkVisibility()) continue;
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.right > W + 1 || r.bottom > H + 1 || r.left < -1) out.push(`outside: ${e.className} ${(e.innerText || '').slice(0, 30)}`);
    if (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
      if (getComputedStyle(e).overflow !== 'visible') out.push(`clipped: ${e.className} ${(e.innerText || '').slice(0, 30)}`);
  }
  for (const b of main.querySelectorAll('.sc-block, .sc-card, .sc-legend, .sc-head')) {
    const br = b.getBoundingClientRect();
    for (const c of b.querySelectorAll('*')) {
      const r = c.getBoundingClientRect();
      if (r.width && (r.right > br.right + 1 || r.left < br.left - 1 || r.bottom > br.bottom + 1))
        out.push(`spills from ${b.className}: ${(c.innerText || '').slice(0, 30)}`);
    }
  }
  return out;
}"""


@pytest.fixture(params=SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def screen(chromium, request):
    context = chromium.new_context(viewport=request.param, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        yield page, request.param
    finally:
        context.close()


def test_the_panels_rotate_and_each_fits_the_screen(server, screen):
    tab, size = screen
    requests = watch(tab)
    tab.goto(page_url(server, "pages/13_大屏.py") + "?rotate=10")
    ARTIFACTS.mkdir(exist_ok=True)
    for name in PANELS:  # never clicked or scrolled: each panel comes by itself, 10 s after the one before
        tab.wait_for_selector(f".sc-head[data-panel={name}]", timeout=90_000)
        tab.wait_for_selector(APP_IDLE, state="attached")
        tab.wait_for_timeout(300)  # images (the map) decoded and laid out
        tab.screenshot(path=str(ARTIFACTS / f"screen-{name}-{size['width']}.png"))
        shown = tab.evaluate("() => document.querySelector('[data-testid=stMain]').innerText")
        assert "大屏展示" in shown and "数据截至" in shown and "Running" not in shown, shown[:200]
        widgets, cut = tab.evaluate(WIDGETS), tab.evaluate(CUT)
        still = tab.evaluate("() => [...document.querySelectorAll('.sc-head')].map(h => h.dataset.panel)")
        assert still == [name], f"the checks of {name} overlapped the next turn: {still}"  # a slow machine, not a fault
        assert widgets == [], name
        assert cut == [], name
        if name == "map":
            drawn = tab.evaluate("() => { const i = document.querySelector('.sc-svg img'); return [i.complete, i.naturalWidth, "
                                 "i.getBoundingClientRect().height]; }")
            assert drawn[0] and drawn[1] > 0 and drawn[2] > size["height"] / 2, drawn
        if name == "kpi":
            assert tab.locator(".sc-card").count() == len(indicators.cards()) and "391" in shown and "同比" in shown
    assert requests and [u for u in requests if not is_local(u)] == []


@pytest.fixture(scope="module")
def county_server(demo_template, tmp_path_factory):
    """The demo served with sign-in (PARKMAP_AUTH=local) and test_scope's 咸安区 account, and the names in and out of its
    scope (read from the store before the server opens it)."""
    folder = tmp_path_factory.mktemp("screen_scope")
    db = folder / "scope.duckdb"
    shutil.copyfile(demo_template.path, db)
    role, extra = ACCOUNTS["xianan"]
    cli(db, "user", "add", "xianan", "--role", role, *extra, "--password-stdin", stdin=PASSWORD + "\n")
    names = scope_names(db, "xianan")
    with serve(db, folder / "streamlit.log", {"PARKMAP_AUTH": "local"}) as base:
        yield base, names


def test_a_county_users_screen_shows_only_the_county(county_server, tab):
    """Signed in as the 咸安区 account, every panel — its text and the map image decoded — names 咸安区's units and
    projects and nothing of another county's."""
    base, own = county_server
    desk = Desk(tab, base, "xianan")
    desk.first_sign_in("xianan")
    desk.go("大屏展示")
    shown = []
    for name in PANELS:  # default rotation: 15 s a panel
        tab.wait_for_selector(f".sc-head[data-panel={name}]", timeout=90_000)
        tab.wait_for_selector(APP_IDLE, state="attached")
        shown.append(tab.evaluate("() => document.querySelector('[data-testid=stMain]').innerText"))
        if name == "map":
            src = tab.evaluate("() => document.querySelector('.sc-svg img').src")
            shown.append(base64.b64decode(src.split("base64,", 1)[1]).decode())
    everything = "\n".join(shown)
    assert "咸安区" in everything and any(p in everything for p in own.inside["projects"])  # the red projects named
    leaks = sorted(n for kind in ("projects", "parks", "units") for n in own.outside[kind] if n in everything)
    assert leaks == []
