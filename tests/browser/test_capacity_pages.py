"""园区承载力 and 项目选址 in a real browser: both render offline, the park choropleth is drawn and follows the
resource picker, the siting map colours feasible parks, and the push list downloads as Excel."""

from __future__ import annotations

import io
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser.browsing import ARTIFACTS, is_local, wait_idle, watch

pytestmark = pytest.mark.browser

MAP_IFRAME = 'iframe[src*="streamlit_folium.st_folium"]'
PARK_FEATURES_JS = """() => (window.map_div && window.map_div._layers)
    ? Object.values(window.map_div._layers).filter(l => l.feature && l.feature.properties.layer === 'parks')
        .map(l => ({id: l.feature.properties.id, color: l.feature.properties.color, tip: l.feature.properties.tip,
                    fill: l.options.fillColor}))
    : []"""
SHARE_COLOURS = {"#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027", "#bdbdbd"}








def park_features(tab, *, until=lambda parks: len(parks) >= 9, timeout_s: float = 30) -> list[dict]:
    """The park polygons drawn by Leaflet in the map iframe, once ``until`` holds for them."""
    from playwright.sync_api import Error

    deadline, parks = time.monotonic() + timeout_s, []
    while time.monotonic() < deadline:
        element = tab.query_selector(MAP_IFRAME)
        frame = element.content_frame() if element else None
        try:
            parks = frame.evaluate(PARK_FEATURES_JS) if frame else []
        except Error:  # the frame is (re)loading
            parks = []
        if parks and until(parks):
            return parks
        time.sleep(0.25)
    pytest.fail(f"the park map was not drawn as expected within {timeout_s} s: {parks}")


def open_page(tab, server: str, name: str) -> None:
    tab.goto(f"{server}/{quote(name)}")
    tab.locator("h1").filter(has_text=name).first.wait_for(timeout=60_000)
    wait_idle(tab)


def test_capacity_page_choropleth(server, tab):
    requests = watch(tab)
    open_page(tab, server, "园区承载力")
    parks = park_features(tab)
    assert len(parks) == 9
    dots = tab.query_selector(MAP_IFRAME).content_frame().evaluate(
        "() => Object.values(window.map_div._layers).filter(l => l.feature && l.feature.properties.layer === 'park_points').length")
    assert dots == 9
    assert {p["fill"] for p in parks} <= SHARE_COLOURS
    assert {p["fill"] for p in parks} == {p["color"] for p in parks}
    by_id = {p["id"]: p for p in parks}
    assert by_id["P-CB"]["tip"].startswith("赤壁经济开发区<br>用地：剩余 2,787 / 2,903 亩")
    assert by_id["P-JYP"]["fill"] == "#d73027"  # land over-committed
    assert tab.get_by_text("项资源已超载").count() >= 1

    tab.get_by_text("用电（kVA）", exact=True).first.click()
    parks = park_features(tab, until=lambda ps: any("用电：" in p["tip"] for p in ps))
    assert {p["id"]: p for p in parks}["P-CB"]["tip"].startswith("赤壁经济开发区<br>用电：剩余 362,720 / 854,000 kVA")
    wait_idle(tab)

    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.wait_for_timeout(400)
    tab.screenshot(path=str(ARTIFACTS / "capacity.png"), full_page=True)


def test_siting_page_ranks_maps_and_exports(server, tab):
    requests = watch(tab)
    open_page(tab, server, "项目选址")
    assert tab.get_by_text("7 个园区可承接，首选：赤壁经济开发区").count() == 1
    parks = park_features(tab)
    fills = {p["id"]: p["fill"] for p in parks}
    assert fills["P-CB"] == "#1a9850" and set(fills.values()) == {"#1a9850", "#969696"}
    assert {p["id"]: p for p in parks}["P-CB"]["tip"].startswith("赤壁经济开发区<br>第 1 名")

    tab.get_by_text("假设该项目落地：各园区剩余承载力（不保存）").click()
    tab.get_by_text("每行表示把该项目放进这个园区后的剩余").first.wait_for()
    wait_idle(tab)
    ARTIFACTS.mkdir(exist_ok=True)
    tab.wait_for_timeout(400)
    tab.screenshot(path=str(ARTIFACTS / "siting.png"), full_page=True)

    import openpyxl

    with tab.expect_download() as download:
        tab.get_by_text("导出推送台账（Excel）").click()
    content = Path(download.value.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert str(sheet["A1"].value).startswith("重点项目推送台账")
    assert [c.value for c in sheet[4]][:3] == ["序号", "项目名称", "推送园区"]  # the same column order as on screen
    assert sheet.max_row > 5

    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"
