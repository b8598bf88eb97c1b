"""Access scope on every page, in a real browser (issue 13): with local accounts, a 咸安区 user (县级填报) signed in sees
no project, factory, asset, park or reporting unit of another county, and a 咸宁高新区 park user (园区填报) sees only
that park's records — on every page, in every table, on the map (names it holds, hovering, cards, the workbench's
search) and in every exported file.

One server over a copy of the demo, both accounts made with the CLI before it starts (``PARKMAP_AUTH=local``). What
each user may see is computed here with plain SQL from the store, from the rule as ``layers/_scope.py`` states it (not
with that module): a county user sees the records whose ``county_adcode`` is theirs; the park user the park itself,
its factories, and the projects in it or reported by the park's own reporting unit (kind ``park``), and no state asset.
Every name outside is searched for in:

- each page's text (visible, and hidden tab panels), every data grid read through its own 「Download as CSV」 (the glide
  grid draws to a canvas), every expander opened but the ledger upload forms;
- the map component: the names its layers hold, the tooltips of features hovered, the card of a feature clicked; on
  地图工作台 a search for an outside name finds nothing (and one for an inside name finds it);
- the folium maps' features, and every download button pressed (月通报 Excel/HTML, exports, GeoJSON; not the import
  templates, which hold no data, nor the A3 print, an image whose only labels are the scope's county names);
- everything the server sent over the websocket (the map documents ungzipped), so hidden or unscrolled data counts too.

It must also find the inside names (all of them across the tables), so it can fail both ways. A forged identity header
sent straight to the app is ignored under ``PARKMAP_AUTH=local``: ``test_sign_in.py::test_a_forged_identity_header_is_ignored``.
Screenshots: ``test-artifacts/scope_<user>_NN_<page>.png``.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import shutil
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest

from tests.browser.browsing import ARTIFACTS, ROOT, WORKBENCH_FRAME, wait_idle
from tests.browser.conftest import serve
from tests.browser.test_first_month import FOLIUM_FRAME, PAGE_MS
from tests.browser.test_review import PASSWORD, Desk

pytestmark = pytest.mark.browser

XIANAN, GX = "421202", "P-GX"
#: account name → (role, CLI scope arguments)
ACCOUNTS = {"xianan": ("county", ["--county", "咸安区"]), "gaoxin": ("park", ["--park", GX])}
TABLES = {"projects": "projects", "factories": "standard_factories", "assets": "idle_assets", "parks": "parks",
          "units": "reporting_units"}
#: the rule of layers/_scope.py, restated: table → WHERE of the records in scope, per account (``?`` = the county/park)
IN_SCOPE = {
    "xianan": {table: ("county_adcode = ?", [XIANAN]) for table in TABLES.values()},
    "gaoxin": {
        "projects": ("park_id = ? OR unit_id IN (SELECT p.unit_id FROM parks p JOIN reporting_units u ON u.unit_id = p.unit_id "
                     "WHERE u.kind = 'park' AND p.park_id = ?)", [GX, GX]),
        "standard_factories": ("park_id = ?", [GX]),
        "idle_assets": ("FALSE", []),
        "parks": ("park_id = ?", [GX]),
        "reporting_units": ("unit_id IN (SELECT p.unit_id FROM parks p JOIN reporting_units u ON u.unit_id = p.unit_id "
                            "WHERE u.kind = 'park' AND p.park_id = ?)", [GX]),
    },
}
#: the county boundaries each account sees as context (their names are not records of another county)
CONTEXT_REGIONS = {"xianan": [XIANAN], "gaoxin": [XIANAN]}
TOOLBAR_CSV = "Download as CSV"
SKIPPED_DOWNLOADS = ("导入模板", "A3")


@dataclass
class Names:
    """What one account may see (``inside``) and the distinctive names it must never see (``outside``), per kind."""

    inside: dict[str, set[str]]
    outside: dict[str, set[str]]


def scope_names(db: Path, account: str) -> Names:
    """From the store, before the server opens it: names in and out of ``account``'s scope. An outside name that is
    part of an inside name or of a boundary shown (咸安区 for the park user) could appear rightly, and is left out."""
    import store

    con = store.connect(db, read_only=True)
    try:
        inside, rest = {}, {}
        for kind, table in TABLES.items():
            where, params = IN_SCOPE[account][table]
            inside[kind] = {n for (n,) in con.execute(f"SELECT name FROM {table} WHERE {where}", params).fetchall()}
            rest[kind] = {n for (n,) in con.execute(f"SELECT name FROM {table}").fetchall()} - inside[kind]
        context = [n for (n,) in con.execute(f"SELECT name FROM regions WHERE adcode IN ({', '.join('?' for _ in CONTEXT_REGIONS[account])})",
                                             CONTEXT_REGIONS[account]).fetchall()]
    finally:
        con.close()
    shown = [*context, *(n for names in inside.values() for n in names)]
    outside = {kind: {n for n in names if len(n) >= 3 and not any(n in s for s in shown)} for kind, names in rest.items()}
    return Names(inside, outside)


def cli(db: Path, *args: str, stdin: str | None = None) -> None:
    done = subprocess.run([sys.executable, "cli.py", *args, "--db", str(db)], cwd=ROOT, input=stdin, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def scoped(demo_template, tmp_path_factory):
    """The demo with a 咸安区 account and a 咸宁高新区 park account (made with the CLI), served with sign-in required."""
    folder = tmp_path_factory.mktemp("scope")
    db = folder / "scope.duckdb"
    shutil.copyfile(demo_template.path, db)
    for name, (role, extra) in ACCOUNTS.items():
        cli(db, "user", "add", name, "--role", role, *extra, "--password-stdin", stdin=PASSWORD + "\n")
    names = {name: scope_names(db, name) for name in ACCOUNTS}
    with serve(db, folder / "streamlit.log", {"PARKMAP_AUTH": "local"}) as base:
        yield base, names, folder
    log = (folder / "streamlit.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]


_ESCAPE = re.compile(r"\\+u([0-9a-fA-F]{4})")


def readable(raw: bytes | str) -> str:
    """Text of a payload with JSON ``\\uXXXX`` escapes (at any depth) undone and gzip members inside it opened."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    parts = [data.decode("utf-8", errors="ignore")]
    start = data.find(b"\x1f\x8b\x08")
    while start >= 0:
        with contextlib.suppress(zlib.error, EOFError):
            parts.append(zlib.decompressobj(wbits=31).decompress(data[start:]).decode("utf-8", errors="ignore"))
        start = data.find(b"\x1f\x8b\x08", start + 3)
    return _ESCAPE.sub(lambda m: chr(int(m[1], 16)), "\n".join(parts))


def file_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    data = path.read_bytes()
    return readable(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)


@dataclass
class Seen:
    """Everything one account was shown: (where, text) pairs, the websocket's apart."""

    shown: list[tuple[str, str]] = field(default_factory=list)
    wire: list[tuple[str, str]] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    tips: list[str] = field(default_factory=list)
    cards: list[str] = field(default_factory=list)

    def leaks(self, names: Names) -> dict[str, list[str]]:
        """outside name (kind) → where it was seen."""
        found: dict[str, list[str]] = {}
        for where, text in [*self.shown, *self.wire]:
            for kind, outside in names.outside.items():
                for name in outside:
                    if name in text:
                        found.setdefault(f"{name}（{kind}）", []).append(where)
        return found


class Visit(Desk):
    """One account's tab: signs in once, then opens each page by its sidebar link and reads everything on it."""

    def __init__(self, tab, base: str, who: str, folder: Path):
        super().__init__(tab, base, who)
        self.seen, self.folder, self.page, self.n = Seen(), folder, "", 0
        self.frames: list[bytes | str] = []
        self.read_upto = 0
        self.timings: list[str] = []
        tab.on("websocket", lambda ws: ws.on("framereceived", lambda p: self.frames.append(p)))
        tab.context.add_init_script("delete window.showSaveFilePicker;")  # the grid's CSV then downloads as a file

    def shown(self, what: str, text: str) -> None:
        self.seen.shown.append((f"{self.page} · {what}", text))

    def shot(self, name: str, at=None) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.n += 1
        with contextlib.suppress(Exception):
            self.tab.locator("h1").first.evaluate("e => e.scrollIntoView({block: 'start'})", timeout=5_000)
        self.tab.wait_for_timeout(400)
        self.tab.screenshot(path=str(ARTIFACTS / f"scope_{self.who}_{self.n:02d}_{name}.png"), full_page=True)

    def save(self, download, what: str) -> Path:
        target = self.folder / self.who / f"{len(self.seen.downloads):03d}_{download.suggested_filename}"
        target.parent.mkdir(parents=True, exist_ok=True)
        download.save_as(str(target))
        self.seen.downloads.append(f"{self.page} · {what} · {download.suggested_filename}")
        return target

    # --- reading a page ---
    def read(self, state: str = "") -> None:
        """Everything the page shows now: its text, every grid (as CSV), the folium maps, and what came over the wire."""
        page, tab = self.page, self.tab
        if state:
            self.page = f"{page}（{state}）"
        wait_idle(tab)
        tab.evaluate("() => document.querySelectorAll('[data-scope-read]').forEach(g => g.removeAttribute('data-scope-read'))")
        self.open_expanders()
        self.shown("页面文字", tab.evaluate("() => document.body.innerText + '\\n' + document.querySelector('[data-testid=stMain]').textContent"))
        self.read_grids()
        for i, element in enumerate(tab.query_selector_all(FOLIUM_FRAME)):
            frame = element.content_frame()
            with contextlib.suppress(Exception):
                self.shown(f"folium 地图 {i + 1}", frame.evaluate("""() => {
                    const layers = (window.map_div && window.map_div._layers) ? Object.values(window.map_div._layers) : [];
                    return layers.filter(l => l.feature).map(l => JSON.stringify(l.feature.properties) + ' ' +
                        (l.getTooltip && l.getTooltip() ? String(l.getTooltip().getContent()) : '')).join('\\n')
                        + '\\n' + document.body.innerText; }"""))
        self.wire()
        self.page = page

    def wire(self) -> None:
        frames, self.read_upto = self.frames[self.read_upto:], len(self.frames)
        if frames:
            self.seen.wire.append((f"{self.page} · websocket", "\n".join(readable(f) for f in frames)))

    def open_expanders(self) -> None:
        """Open every expander of the page but the ledger upload forms (import templates only)."""
        for summary in self.tab.query_selector_all("[data-testid=stMain] [data-testid=stExpander] details:not([open]) > summary"):
            if summary.is_visible() and not summary.inner_text().strip().startswith("导入"):
                with contextlib.suppress(Exception):
                    summary.click(timeout=5_000)
        self.tab.wait_for_timeout(200)

    def each_tab(self):
        """Show each tab of every tab bar in turn (a keyed tab bar, as on 闲置资产盘活, reruns the page: wait for that run,
        whose download buttons replace the old ones); yields the tab's label."""
        yield ""
        for button in self.tab.locator("[data-testid=stMain] [role=tablist] [role=tab]").all():
            if button.get_attribute("aria-selected") != "true":
                button.click(timeout=10_000)
                self.tab.wait_for_timeout(200)
                wait_idle(self.tab)
            yield button.inner_text().strip()

    def read_grids(self) -> None:
        """Every data grid of the page through its toolbar's CSV download (each once, tab by tab)."""
        tab = self.tab
        for label in self.each_tab():
            for grid in tab.query_selector_all("[data-testid=stMain] [data-testid=stDataFrame]:not([data-scope-read])"):
                if not grid.is_visible():
                    continue
                grid.evaluate("g => g.setAttribute('data-scope-read', '1')")
                grid.scroll_into_view_if_needed()
                grid.hover()
                head = (grid.text_content() or "")[:20]
                empty = grid.evaluate("""g => { const rows = [...g.querySelectorAll('[role=grid] tbody tr')];
                    return rows.length === 1 && [...rows[0].querySelectorAll('td')].every(c => c.textContent === ''); }""")
                if empty:  # an empty grid (one blank row under its header) has no CSV download
                    self.shown(f"表格 {label} {head}（空）".strip(), grid.text_content() or "")
                    continue
                button = grid.wait_for_selector(f"button[aria-label='{TOOLBAR_CSV}']", state="attached", timeout=10_000)
                with tab.expect_download(timeout=30_000) as info:
                    button.evaluate("b => b.click()")  # the toolbar of a grid in an expander sits under the grid's scroller
                self.shown(f"表格 {label} {head}".strip(), file_text(self.save(info.value, f"表格 CSV {head}")))

    def download_all(self) -> None:
        """Press every download button of the page (tab by tab) but the templates and the A3 print; read each file."""
        tab = self.tab
        pressed: set[str] = set()
        for label in self.each_tab():
            buttons = tab.locator("[data-testid=stMain] [data-testid=stDownloadButton] button")
            for i in range(buttons.count()):
                button = buttons.nth(i)
                text = button.inner_text().strip()
                if text in pressed or any(s in text for s in SKIPPED_DOWNLOADS) or not button.is_visible():
                    continue
                pressed.add(text)
                with tab.expect_download(timeout=120_000) as info:
                    button.click()
                path = self.save(info.value, text)
                self.shown(f"下载 {label} {text} {path.name}", file_text(path))
                wait_idle(tab)
        self.wire()

    # --- the map component ---
    def map_frame(self):
        self.tab.wait_for_selector(WORKBENCH_FRAME, timeout=PAGE_MS)
        frame = self.tab.query_selector(WORKBENCH_FRAME).content_frame()
        frame.wait_for_function("() => window.workbench && window.workbench.ready()", timeout=PAGE_MS)
        return frame

    def probe_map(self, names: Names) -> dict:
        """The names the map's layers hold (outside ones recorded as shown), the tooltips of a few features hovered,
        and the card of a project clicked. Returns the layers' feature counts."""
        tab, frame = self.tab, self.map_frame()
        counts = frame.evaluate("() => window.workbench.counts()")
        probe = """(names) => names.filter(n => ['regions', 'parks', 'factories', 'assets', 'projects']
                       .some(l => window.workbench.indexOf(l, n) >= 0))"""
        everything = sorted({n for group in (*names.inside.values(), *names.outside.values()) for n in group})
        held = frame.evaluate(probe, everything)
        self.shown("地图要素名称", "\n".join(held))
        assert set(held) & names.inside["projects"], f"{self.page}: the map holds no project of the scope ({counts})"
        box = tab.query_selector(WORKBENCH_FRAME).bounding_box()
        hovered, project_at = 0, None
        for layer in ("projects", "factories", "assets"):
            n, tips = counts.get(layer) or 0, 0
            for i in range(min(n, 24)):
                if tips == 4:
                    break
                p = frame.evaluate("([l, i]) => window.workbench.pointAt(l, i)", [layer, i])
                if not p or not (20 < p["x"] < box["width"] - 20 and 20 < p["y"] < box["height"] - 20):
                    continue
                tab.mouse.move(box["x"] + p["x"], box["y"] + p["y"])
                tab.wait_for_timeout(150)
                tip = frame.evaluate("() => window.workbench.tip()")
                if tip and tip["text"]:
                    self.seen.tips.append(tip["text"])
                    self.shown(f"地图提示 {layer}", tip["text"])
                    hovered, tips = hovered + 1, tips + 1
                    if layer == "projects" and project_at is None:
                        project_at = p
        assert hovered, f"{self.page}: no feature of the map showed a tooltip when hovered ({counts})"
        target = frame.evaluate("() => window.workbench.isolated('projects', 12)") or project_at
        assert target, f"{self.page}: no project of the map to click ({counts})"
        tab.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
        wait_idle(tab)
        tab.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
            .some(d => d.textContent.startsWith('字段值'))""", timeout=30_000)
        card = next(t for t in tab.evaluate("() => [...document.querySelectorAll('[data-testid=stDataFrame]')].map(d => d.textContent)")
                    if t.startswith("字段值"))
        self.seen.cards.append(card)
        self.shown("地图卡片", card)
        return counts

    def search(self, query: str) -> bool:
        """地图工作台's 按名称查找要素: whether anything was found (a 查找结果 list) or not (没有名称包含…)."""
        box = self.tab.get_by_label("按名称查找要素")
        box.fill(query)
        box.press("Enter")
        wait_idle(self.tab)
        if not query:
            return False
        found = self.tab.get_by_role("combobox", name="查找结果")
        none = self.tab.get_by_text(f"没有名称包含“{query}”的要素。")
        deadline = time.monotonic() + 30
        while not (found.count() or none.count()) and time.monotonic() < deadline:
            self.tab.wait_for_timeout(200)
        assert found.count() or none.count(), f"the search for {query} said nothing"
        if found.count():
            found.click()
            self.shown(f"查找“{query}”", "\n".join(self.tab.get_by_role("option").all_inner_texts()))
            self.tab.keyboard.press("Escape")
        return bool(found.count())


def pages() -> list[str]:
    """Sidebar labels in order: 总览, then pages/N_标题.py by N (the label of 13_大屏.py is 大屏展示)."""
    from ui.page import PAGES

    return [label for _script, label in PAGES]


def visit_every_page(v: Visit, names: Names) -> None:
    for page in pages():
        t0 = time.monotonic()
        v.go(page)
        v.page = page
        v.wire()  # what the page's first run sent
        if page in ("总览", "项目地图", "地图工作台"):
            v.probe_map(names)
        if page == "地图工作台":
            for kind in ("projects", "parks", "factories", "assets"):  # one name of each kind outside the scope
                v.search(sorted(names.outside[kind])[0])  # a name found is listed (查找结果) and counted as a leak below
            inside = sorted(names.inside["projects"])[0]
            assert v.search(inside), f"地图工作台 did not find {inside}, a project of the scope"
            v.search("")  # the page and its messages no longer quote the outside names searched for
            v.read_upto = len(v.frames)
        if page == "图层数据":
            for label in ("行政区", "园区", "标准化厂房", "闲置国有资产", "招商项目"):
                v.choose("图层", label)
                v.read(label)
                v.page = f"图层数据（{label}）"
                v.download_all()
                v.page = page
        else:
            v.read()
            v.download_all()
        v.shot(page)
        if page == "厂房匹配":
            v.tab.get_by_text("出租情况", exact=True).first.click()
            wait_idle(v.tab)
            v.read("出租情况")
            v.shot(f"{page}_出租情况")
        if page == "项目选址":
            v.tab.get_by_text("假设该项目落地", exact=False).first.click()
            wait_idle(v.tab)
            v.read("假设落地")
        v.healthy(page)
        v.timings.append(f"{page} {time.monotonic() - t0:.0f} s")


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_every_page_and_export_stays_in_scope(scoped, tab, account):
    base, all_names, folder = scoped
    names = all_names[account]
    assert names.inside["projects"] and all(names.outside[k] for k in ("projects", "factories", "parks", "units"))
    started = time.monotonic()
    v = Visit(tab, base, account, folder)
    try:
        v.first_sign_in(account)
        role = {"county": "县级填报", "park": "园区填报"}[ACCOUNTS[account][0]]
        assert f"{account}（{role}）" in tab.locator("[data-testid=stSidebar]").inner_text()
        visit_every_page(v, names)
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):
            tab.screenshot(path=str(ARTIFACTS / f"scope_{account}_FAILED.png"), full_page=True)
        raise
    seen = v.seen
    print(f"\n{account}: {time.monotonic() - started:.0f} s; {len(seen.shown)} texts, {len(seen.downloads)} files, "
          f"{len(seen.tips)} tooltips, {len(seen.cards)} cards, {sum(len(t) for _, t in seen.wire)} characters over the wire; {', '.join(v.timings)}")
    assert not v.errors, v.errors
    leaks = seen.leaks(names)
    assert not leaks, f"{len(leaks)} names outside {account}'s scope were shown:\n" + "\n".join(
        f"{name}: {sorted(set(where))[:6]}" for name, where in sorted(leaks.items())[:30])
    everything = "\n".join(text for _, text in seen.shown)
    for kind in ("projects", "factories", "assets", "parks", "units"):
        missing = sorted(n for n in names.inside[kind] if n not in everything)
        assert not missing, f"{account}: {len(missing)} {kind} of the scope were never shown: {missing[:10]}"
    overview_wire = "\n".join(text for where, text in seen.wire if where.startswith("总览 "))
    assert any(n in overview_wire for n in names.inside["factories"]), "the map documents sent to 总览 were not read (gzip)"
    tips = "\n".join(seen.tips)
    assert any(n in tips for n in names.inside["projects"] | names.inside["factories"]), seen.tips[:5]
    assert len(seen.cards) == 3 and all(any(n in card for n in names.inside["projects"]) for card in seen.cards), seen.cards
    expected_files = ["月通报_", "厂房推荐清单", "推送台账", "map_selection", "操作记录", "projects.geojson"]
    if names.inside["assets"]:  # a park user's 闲置资产盘活 shows no asset (and no export): state assets are not a park's
        expected_files.append("闲置资产盘活_")
    for expected in expected_files:
        assert any(expected in d for d in seen.downloads), (expected, seen.downloads)
