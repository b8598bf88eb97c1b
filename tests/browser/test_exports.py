"""Export what is on screen, in a real browser against the demo: 项目地图's filtered list downloads as Excel (all rows,
位置待定 kept and said so), GeoJSON (every row) and a Shapefile zip that geopandas reads (the pending left out)."""

from __future__ import annotations

import json
import re
import zipfile
from urllib.parse import quote

import geopandas as gpd
import openpyxl
import pytest

from layers.xlsx import HEADER_ROW
from tests.browser.browsing import APP_IDLE, ARTIFACTS, wait_idle
from ui.text import t

pytestmark = pytest.mark.browser


def download(tab, label: str, target):
    """Press the button once and save what it downloads (a rerun that lands between drawing the page and the press
    must not lose the file: ui/downloads.py)."""
    with tab.expect_download(timeout=120_000) as info:
        tab.get_by_role("button", name=label).first.click()
    info.value.save_as(str(target))
    wait_idle(tab)
    return target


def test_project_map_exports_the_filtered_list_in_three_formats(server, tab, tmp_path):
    tab.goto(f"{server}/{quote('项目地图')}")
    tab.locator("h1").filter(has_text="项目地图").first.wait_for(timeout=60_000)
    tab.wait_for_selector(APP_IDLE, state="attached", timeout=60_000)
    wait_idle(tab)
    caption = tab.get_by_text(re.compile(r"导出当前列表，共 \d+ 条")).first
    caption.scroll_into_view_if_needed()
    match = re.search(r"共 (\d+) 条(?:；其中 (\d+) 条位置待定)?", caption.inner_text())
    rows, pending = int(match[1]), int(match[2] or 0)
    assert rows > 0

    book = openpyxl.load_workbook(download(tab, t("out_excel"), tmp_path / "p.xlsx"))
    ws = book.worksheets[0]
    assert ws["A1"].value.startswith("招商项目清单") and ws["A2"].value.startswith("数据截至 2018-06-30")
    header = [c.value for c in ws[HEADER_ROW]]
    assert "项目名称" in header and "project_id" not in header and header[-2:] == ["经度（WGS-84）", "纬度（WGS-84）"]
    assert ws.max_row - HEADER_ROW == rows
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    if pending:
        assert f"其中 {pending} 条位置待定" in ws["A3"].value

    collection = json.loads(download(tab, t("out_geojson"), tmp_path / "p.geojson").read_text(encoding="utf-8"))
    assert len(collection["features"]) == rows
    assert sum(f["geometry"] is None for f in collection["features"]) == pending

    shp = download(tab, t("out_shapefile"), tmp_path / "p.zip")
    names = zipfile.ZipFile(shp).namelist()
    assert {"招商项目.shp", "招商项目.dbf", "招商项目.cpg", "字段说明.csv", "说明.txt"} <= set(names)
    back = gpd.read_file(shp)
    assert len(back) == rows - pending and back.crs.equals("EPSG:4326") and "name" in back.columns
    assert all(len(c) <= 10 for c in back.columns)
    ARTIFACTS.mkdir(exist_ok=True)
    caption.scroll_into_view_if_needed()
    tab.screenshot(path=str(ARTIFACTS / "project_map_exports.png"))


FORMATS = {"excel": (t("out_excel"), ".xlsx"), "geojson": (t("out_geojson"), ".geojson"), "shapefile": (t("out_shapefile"), ".zip")}


@pytest.mark.parametrize(("page", "formats"), [("图层数据", ("excel", "shapefile")), ("厂房匹配", ("geojson", "shapefile")),
                                               ("闲置资产盘活", tuple(FORMATS)), ("地图工作台", tuple(FORMATS))])
def test_every_export_button_of_a_list_page_gives_a_file_that_opens(server, tab, tmp_path, page, formats):
    """Each button the page has (waited for: the map pages rerun once the map reports its view) gives a file."""
    import pyogrio

    tab.goto(f"{server}/{quote(page)}")
    tab.locator("h1").filter(has_text=page).first.wait_for(timeout=60_000)
    tab.wait_for_selector(APP_IDLE, state="attached", timeout=60_000)
    wait_idle(tab)
    buttons = tab.locator("[data-testid=stDownloadButton] button")
    for kind in formats:
        label, suffix = FORMATS[kind]
        button = buttons.filter(has_text=re.compile(f"^{re.escape(label)}$")).first
        button.wait_for(timeout=120_000)
        button.scroll_into_view_if_needed()
        with tab.expect_download(timeout=120_000) as info:
            button.click()
        path = tmp_path / f"{kind}{suffix}"
        info.value.save_as(str(path))
        wait_idle(tab)
        if suffix == ".xlsx":
            assert openpyxl.load_workbook(path).worksheets[0]["A1"].value
        elif suffix == ".geojson":
            assert json.loads(path.read_text(encoding="utf-8"))["features"]
        else:
            assert len(pyogrio.list_layers(path)) and "字段说明.csv" in zipfile.ZipFile(path).namelist()
