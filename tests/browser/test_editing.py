"""编辑记录 on 图层数据 in a real browser, on the 商洛市 fixture store (not the demo): a 位置待定 project is placed by a
click on the form's small map, another by typed GCJ-02 coordinates; a point in the wrong county is refused in Chinese.
Screenshots in test-artifacts/editing_*.png."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import shapely
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo import coords
from tests.browser.browsing import ARTIFACTS, page_url, wait_idle
from tests.browser.conftest import serve

pytestmark = pytest.mark.browser
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stores" / "shangluo.duckdb"
PENDING = ("IMP-08f9b6c20611", "中药材加工项目")  # 商南县, 位置待定
TOURISM = ("IMP-64deaa50815e", "文旅综合体项目")  # 山阳县, 位置待定
IN_SHANYANG = (109.88, 33.53)  # WGS-84
IN_SHANGNAN = (110.88, 33.53)
FOLIUM = "iframe[title*='folium']"


@pytest.fixture
def shangluo_server(chromium_path, tmp_path) -> Iterator[tuple[str, Path]]:
    import layers
    import store

    db = tmp_path / "shangluo.duckdb"
    shutil.copyfile(FIXTURE, db)
    con = store.connect(db)
    layers.create_all(con)
    con.close()
    with serve(db, tmp_path / "streamlit.log") as base:
        yield base, db


def shown_point(tab):
    """The position the form shows for the open record (WGS-84, read back from the store after the save), or None."""
    text = tab.get_by_text("当前位置：").first.inner_text()
    found = re.search(r"经度 ([\d.]+)，纬度 ([\d.]+)", text)
    return None if found is None else shapely.Point(float(found.group(1)), float(found.group(2)))


def open_record(tab, base: str, name: str):
    tab.goto(page_url(base, "pages/1_图层数据.py"))
    wait_idle(tab)
    tab.locator("[data-testid=stExpander] summary").filter(has_text="编辑记录").click()
    picker = tab.get_by_role("combobox", name="选择要编辑的记录")
    picker.scroll_into_view_if_needed()
    tab.evaluate("() => window.scrollBy(0, 300)")  # room below the box for its list
    for _ in range(3):  # a rerun the page's components ask for as they first draw can close the list just opened
        wait_idle(tab)
        picker.click()
        try:
            tab.wait_for_selector("[role=option]", timeout=5_000)  # the list is open before typing into it
            break
        except PlaywrightTimeout:
            tab.keyboard.press("Escape")
    tab.keyboard.type(name)  # the list is virtualised: filter it first
    # filtered to it (by CSS: the virtualised list is not always in the accessibility tree get_by_role reads)
    tab.wait_for_function("n => { const o = [...document.querySelectorAll('[role=option]')];"
                          " return o.length === 1 && o[0].textContent.trim() === n; }", arg=name)
    tab.keyboard.press("Enter")  # the one option left is the focused one; a click can land while the list redraws
    wait_idle(tab)
    tab.wait_for_selector(FOLIUM, timeout=90_000)
    frame = tab.query_selector(FOLIUM).content_frame()
    frame.wait_for_function("() => window.map && window.map.getSize().x > 0", timeout=60_000)
    tab.get_by_text("位置待定（可在下方地图上点选").wait_for(timeout=30_000)
    return frame


def save(tab, text: str) -> None:
    tab.get_by_role("button", name="保存").click()
    tab.locator("[data-testid=stAlert]").filter(has_text=text).first.wait_for(timeout=60_000)
    wait_idle(tab)
    assert not tab.locator("[data-testid=stException]").count()


def test_a_pending_project_is_placed_by_a_click_on_the_map(shangluo_server, tab):
    base, _ = shangluo_server
    frame = open_record(tab, base, PENDING[1])
    frame.evaluate("([lat, lon]) => window.map.setView([lat, lon], 12, {animate: false})", [IN_SHANGNAN[1], IN_SHANGNAN[0]])
    tab.wait_for_timeout(300)
    at = frame.evaluate("""([lat, lon]) => { const p = window.map.latLngToContainerPoint([lat, lon]);
        const r = window.map.getContainer().getBoundingClientRect(); return {x: r.left + p.x, y: r.top + p.y}; }""",
                        [IN_SHANGNAN[1], IN_SHANGNAN[0]])
    box = tab.query_selector(FOLIUM).bounding_box()
    tab.mouse.click(box["x"] + at["x"], box["y"] + at["y"])
    lon_box = tab.get_by_role("textbox", name="经度（GCJ-02（高德/腾讯））")
    tab.wait_for_function("(el) => el.value !== ''", arg=lon_box.element_handle(), timeout=60_000)
    wait_idle(tab)
    lon = float(lon_box.input_value())
    lat = float(tab.get_by_role("textbox", name="纬度（GCJ-02（高德/腾讯））").input_value())
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "editing_clicked.png"), full_page=True)
    save(tab, "已保存")
    tab.get_by_text("当前位置：经度").wait_for(timeout=30_000)
    placed = shown_point(tab)
    wgs = coords.convert(lon, lat, "gcj02", "wgs84")
    assert placed is not None and placed.distance(shapely.Point(float(wgs[0]), float(wgs[1]))) < 2e-6  # what the click typed
    assert placed.distance(shapely.Point(*IN_SHANGNAN)) < 0.002  # where the click was (within a few pixels at zoom 12)
    tab.screenshot(path=str(ARTIFACTS / "editing_placed.png"), full_page=True)


def test_a_pending_project_is_placed_by_typed_gcj02_coordinates(shangluo_server, tab):
    base, _ = shangluo_server
    open_record(tab, base, TOURISM[1])
    lon_box = tab.get_by_role("textbox", name="经度（GCJ-02（高德/腾讯））")
    lat_box = tab.get_by_role("textbox", name="纬度（GCJ-02（高德/腾讯））")
    wrong = coords.convert(*IN_SHANGNAN, "wgs84", "gcj02")  # in 商南县, not the project's 山阳县
    lon_box.fill(f"{float(wrong[0]):.6f}")
    lat_box.fill(f"{float(wrong[1]):.6f}")
    save(tab, "位置不在山阳县境内")
    assert shown_point(tab) is None  # still 位置待定
    assert lon_box.input_value() == f"{float(wrong[0]):.6f}"  # the form keeps what was typed
    tab.screenshot(path=str(ARTIFACTS / "editing_refused.png"), full_page=True)
    gcj = coords.convert(*IN_SHANYANG, "wgs84", "gcj02")
    lon_box.fill(f"{float(gcj[0]):.6f}")
    lat_box.fill(f"{float(gcj[1]):.6f}")
    save(tab, "已保存")
    tab.get_by_text("当前位置：经度").wait_for(timeout=30_000)
    placed = shown_point(tab)
    assert placed is not None and placed.distance(shapely.Point(*IN_SHANYANG)) < 2e-6  # typed GCJ-02, stored WGS-84
    tab.screenshot(path=str(ARTIFACTS / "editing_typed.png"), full_page=True)
