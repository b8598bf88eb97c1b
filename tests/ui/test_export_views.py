"""ui.export_views: a layer's list as shown (Chinese headers, counties by name, dates kept) exported to Excel, GeoJSON
and a Shapefile zip that read back; the filters in words; a page's export buttons in an AppTest."""

from __future__ import annotations

import io
import json
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
from shapely.geometry import Point

from layers import exports, xlsx
from tests.ui.test_pages import PAGES_DIR, app_test
from ui import data
from ui import export_views as ev
from ui.text import t


def test_a_layer_list_has_the_shown_headers_and_dates_as_dates(demo_env):
    frame = data.load_layer("projects", None)
    listed = ev.layer_list(frame, "projects", None)
    assert len(listed) == len(frame) and listed.crs.equals("EPSG:4326")
    assert {"编号", "县（市、区）"} <= set(listed.columns) and "project_id" not in listed.columns and "row_version" not in listed.columns
    dates = [c for c in listed.columns if pd.api.types.is_datetime64_any_dtype(listed[c])]
    assert dates, "the signing date stays a date for the workbook"
    assert not listed["县（市、区）"].dropna().str.fullmatch(r"\d{6}").any()  # counties by name
    book = openpyxl.load_workbook(io.BytesIO(exports.to_excel({"招商项目": listed}, title="招商项目清单")))
    ws = book["招商项目"]
    header = [c.value for c in ws[xlsx.HEADER_ROW]]
    date_col = header.index(dates[0]) + 1
    cell = next(ws.cell(r, date_col) for r in range(xlsx.HEADER_ROW + 1, ws.max_row + 1) if ws.cell(r, date_col).value is not None)
    assert cell.number_format == "yyyy-mm-dd"
    pending = exports.pending(listed)
    assert ws.max_row == xlsx.HEADER_ROW + len(frame) and (pending == 0 or f"{pending} 条位置待定" in ws["A3"].value)


def test_the_shapefile_of_a_layer_list_reads_back_without_the_pending(demo_env, tmp_path):
    listed = ev.layer_list(data.load_layer("projects", None), "projects", None)
    path = tmp_path / "p.zip"
    path.write_bytes(exports.to_shapefile({"招商项目": listed}, title="招商项目", keys=ev.inverse(ev.layer_labels("projects"))))
    back = gpd.read_file(path)
    assert len(back) == len(listed) - exports.pending(listed) and {"project_id", "name"} <= set(back.columns)
    assert set(back["name"]) <= set(listed["项目名称"])
    assert "中文名称" in zipfile.ZipFile(path).read("字段说明.csv").decode("utf-8-sig")


def test_geojson_of_several_lists_names_each_feature_s_list():
    one = exports.shown(pd.DataFrame({"名称": ["甲"]}), [Point(114, 29)])
    two = exports.shown(pd.DataFrame({"名称": ["乙"]}), [None])
    fc = json.loads(ev.geojson_bytes({"推荐厂房": one, "接近的厂房": two}))
    assert [f["properties"] for f in fc["features"]] == [{"图层": "推荐厂房", "名称": "甲"}, {"图层": "接近的厂房", "名称": "乙"}]
    assert fc["features"][1]["geometry"] is None
    assert json.loads(ev.geojson_bytes({"x": one}))["features"][0]["properties"] == {"名称": "甲"}


def test_subtitle_states_the_data_date_and_the_filters():
    assert ev.subtitle({"单位": ["咸安区", "嘉鱼县"], "阶段": [], "规模": None}, as_of="2018-06-30") == (
        f"数据截至 2018-06-30；单位：咸安区、嘉鱼县；阶段：{t('all')}；规模：{t('all')}")


def test_the_project_map_offers_the_filtered_list_in_three_formats(demo_env):
    at = app_test(PAGES_DIR / "2_项目地图.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert {t("out_excel"), t("out_geojson"), t("out_shapefile")} <= set(labels)
    assert any(c.value.startswith(t("out_caption", n="")[:6]) for c in at.caption)


def test_a_page_s_own_columns_keep_their_own_labels_and_no_label_repeats(demo_env):
    """Regression: 项目地图's frame adds ``unit`` (the reporting unit's name), which the ledger labels 县（市、区） like the
    county column; the workbook then failed on two columns of one name."""
    frame = data.load_layer("projects", None).copy()
    frame["unit"], frame["light"] = "咸宁高新区", "绿灯"
    listed = ev.layer_list(frame, "projects", None)
    assert listed.columns.is_unique and {"填报单位", "红黄灯", "县（市、区）"} <= set(listed.columns)
    assert openpyxl.load_workbook(io.BytesIO(exports.to_excel({"招商项目": listed}, title="清单"))).worksheets[0].max_row > 5
    factories = data.load_layer("factories", None).assign(county_name="咸安区")
    assert ev.layer_list(factories, "factories", None).columns.is_unique
