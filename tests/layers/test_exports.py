"""layers.exports.to_geojson: JSON-safe properties, null geometry, lon/lat order, WGS-84 output."""

from __future__ import annotations

import json
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from layers import projects, regions
from layers.exports import to_geojson


def dumps_strict(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)  # fails on NaN/inf and on non-JSON types


def test_feature_collection_shape_and_lon_lat_order():
    frame = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(114.32, 29.84)], crs="EPSG:4326")
    fc = to_geojson(frame)
    assert fc["type"] == "FeatureCollection"
    (feature,) = fc["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Point"
    assert list(feature["geometry"]["coordinates"]) == [114.32, 29.84]  # lon first
    assert feature["properties"] == {"name": "甲"}
    assert json.loads(dumps_strict(fc))["features"][0]["geometry"]["coordinates"] == [114.32, 29.84]


def test_dates_become_iso_strings_and_missing_values_null():
    frame = gpd.GeoDataFrame(
        {
            "d": [date(2018, 6, 30), None, date(2017, 1, 5)],
            "ts": [pd.Timestamp("2018-06-30"), pd.NaT, pd.Timestamp("2018-01-02 08:30:00")],
            "dt": [datetime(2018, 3, 1, 0, 0), datetime(2018, 3, 1, 9, 15, 7), None],
            "x": [1.5, np.nan, 3.0],
            "n": np.array([1, 2, 3], dtype=np.int64),
            "flag": np.array([True, False, True]),
            "s": ["a", None, "c"],
        },
        geometry=[Point(114, 29), Point(114.1, 29.1), Point(114.2, 29.2)],
        crs="EPSG:4326",
    )
    props = [f["properties"] for f in json.loads(dumps_strict(to_geojson(frame)))["features"]]
    assert [p["d"] for p in props] == ["2018-06-30", None, "2017-01-05"]
    assert [p["ts"] for p in props] == ["2018-06-30", None, "2018-01-02 08:30:00"]
    assert [p["dt"] for p in props] == ["2018-03-01", "2018-03-01 09:15:07", None]
    assert [p["x"] for p in props] == [1.5, None, 3.0]
    assert [p["n"] for p in props] == [1, 2, 3]
    assert [p["flag"] for p in props] == [True, False, True]
    assert [p["s"] for p in props] == ["a", None, "c"]


def test_values_are_plain_python_types():
    frame = gpd.GeoDataFrame({"n": np.array([7], dtype=np.int32), "f": np.array([2.5], dtype=np.float32)},
                             geometry=[Point(0, 0)], crs="EPSG:4326")
    props = to_geojson(frame)["features"][0]["properties"]
    assert type(props["n"]) is int and props["n"] == 7
    assert type(props["f"]) is float and props["f"] == 2.5


def test_null_geometry_is_kept_as_null_feature():
    frame = gpd.GeoDataFrame({"name": ["有位置", "待定"]}, geometry=[Point(114, 29), None], crs="EPSG:4326")
    fc = json.loads(dumps_strict(to_geojson(frame)))
    assert len(fc["features"]) == 2
    assert fc["features"][1]["geometry"] is None
    assert fc["features"][1]["properties"] == {"name": "待定"}


def test_other_crs_is_converted_to_wgs84():
    frame = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(114.3, 29.8)], crs="EPSG:4326").to_crs(3857)
    assert frame.geometry.iloc[0].x > 1e6  # really in metres before export
    lon, lat = to_geojson(frame)["features"][0]["geometry"]["coordinates"]
    assert lon == pytest.approx(114.3, abs=1e-9) and lat == pytest.approx(29.8, abs=1e-9)


def test_empty_frame():
    frame = gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
    assert to_geojson(frame) == {"type": "FeatureCollection", "features": []}


def test_regions_export_has_name_and_adcode(con, county_frame, toy):
    regions.insert(con, county_frame, user="u")
    fc = json.loads(dumps_strict(to_geojson(regions.load(con))))
    props = {f["properties"]["adcode"]: f["properties"] for f in fc["features"]}
    assert set(props) == {toy.city, toy.a, toy.b}
    assert props[toy.a]["name"] == "甲县" and props[toy.a]["parent_adcode"] == toy.city
    assert props[toy.city]["parent_adcode"] is None
    assert isinstance(props[toy.a]["created_at"], str)
    poly = next(f for f in fc["features"] if f["properties"]["adcode"] == toy.b)["geometry"]
    assert poly["type"] == "Polygon"
    assert poly["coordinates"] == [[[114.2, 29.0], [114.2, 29.1], [114.1, 29.1], [114.1, 29.0], [114.2, 29.0]]]


def test_projects_export_from_store(con, toy):
    frame = gpd.GeoDataFrame(
        [{"project_id": "P1", "name": "甲", "stage": "签约", "signed_on": date(2018, 6, 30), "investment_wan": 12_000.0, "geometry": toy.point_a},
         {"project_id": "P2", "name": "乙", "stage": "在谈", "signed_on": None, "investment_wan": None, "geometry": None}],
        geometry="geometry", crs="EPSG:4326")
    projects.insert(con, frame, user="u")
    fc = json.loads(dumps_strict(to_geojson(projects.load(con))))
    by_id = {f["properties"]["project_id"]: f for f in fc["features"]}
    assert by_id["P1"]["properties"]["signed_on"] == "2018-06-30"
    assert by_id["P1"]["geometry"]["coordinates"] == [114.03, 29.03]
    assert by_id["P2"]["geometry"] is None
    assert by_id["P2"]["properties"]["signed_on"] is None and by_id["P2"]["properties"]["investment_wan"] is None
    assert by_id["P2"]["properties"]["fortune500"] is None


# --- what a page shows: Excel, Shapefile ------------------------------------------------------------------------------

def shown_projects() -> gpd.GeoDataFrame:
    from layers.exports import shown

    table = pd.DataFrame({"项目名称": ["=1+1 甲项目", "乙项目", "丙项目（位置待定）"], "总投资（万元）": [12000.0, None, 500.0],
                          "签约日期": [pd.Timestamp("2018-03-01"), pd.NaT, pd.Timestamp("2018-05-02")],
                          "投资方": pd.array(["某某集团有限公司", pd.NA, "长" * 200], dtype="string"),
                          "项目数（个）": pd.array([1, 2, None], dtype="Int64")}, index=[7, 3, 9])
    return shown(table, gpd.GeoSeries([Point(114.32, 29.84), Point(114.1, 29.7), None], index=[7, 3, 9], crs="EPSG:4326"))


def test_shown_pairs_the_table_with_its_geometry_in_wgs84():
    from layers.exports import shown

    metric = gpd.GeoSeries([Point(114.32, 29.84)], crs="EPSG:4326").to_crs("EPSG:3857")
    frame = shown(pd.DataFrame({"名称": ["甲"]}), metric)
    assert frame.crs.equals("EPSG:4326") and round(frame.geometry.iloc[0].x, 6) == 114.32
    with pytest.raises(ValueError, match="行数"):
        shown(pd.DataFrame({"名称": ["甲", "乙"]}), metric)


def test_excel_keeps_a_pending_project_with_blank_coordinates_and_says_so():
    import io as _io

    import openpyxl

    from layers import xlsx
    from layers.exports import LAT, LON, to_excel

    data = to_excel({"招商项目": shown_projects()}, title="招商项目清单", subtitle="数据截至 2018-06-30")
    ws = openpyxl.load_workbook(_io.BytesIO(data))["招商项目"]
    header = [c.value for c in ws[xlsx.HEADER_ROW]]
    assert header == ["项目名称", "总投资（万元）", "签约日期", "投资方", "项目数（个）", LON, LAT]
    rows = list(ws.iter_rows(min_row=xlsx.HEADER_ROW + 1, values_only=True))
    assert len(rows) == 3 and rows[0][:3] == ("=1+1 甲项目", 12000, datetime(2018, 3, 1)) and rows[0][5:] == (114.32, 29.84)
    assert rows[2][0] == "丙项目（位置待定）" and rows[2][5:] == (None, None)
    assert "1 条位置待定" in ws["A3"].value
    assert ws.cell(xlsx.HEADER_ROW + 1, 1).data_type == "s" and ws.cell(xlsx.HEADER_ROW + 1, 6).number_format == "0.000000"


def test_shapefile_zip_reads_back_with_its_field_names_and_leaves_out_pending(tmp_path):
    import zipfile

    from layers.exports import to_shapefile

    frame = shown_projects()
    keys = {"项目名称": "name", "总投资（万元）": "investment_wan", "签约日期": "signed_on"}
    path = tmp_path / "projects.zip"
    path.write_bytes(to_shapefile({"招商项目": frame}, title="招商项目清单", keys=keys))
    names = zipfile.ZipFile(path).namelist()
    assert {n for n in names if n.startswith("招商项目.")} == {f"招商项目.{s}" for s in ("shp", "shx", "dbf", "prj", "cpg")}
    assert zipfile.ZipFile(path).read("招商项目.cpg").decode().strip() == "UTF-8"
    back = gpd.read_file(path)
    assert back.crs.equals("EPSG:4326") and len(back) == 2  # the pending project cannot be in a shapefile
    assert list(back.columns) == ["name", "investment", "signed_on", "F04", "F05", "geometry"]
    assert all(len(c) <= 10 for c in back.columns)
    assert back["name"].tolist() == ["=1+1 甲项目", "乙项目"] and back["F04"].iloc[0] == "某某集团有限公司"
    assert back["signed_on"].iloc[0] == "2018-03-01" and back["investment"].iloc[0] == 12000.0
    assert pd.isna(back["investment"].iloc[1]) and back.geometry.iloc[0].equals(Point(114.32, 29.84))
    fields = zipfile.ZipFile(path).read("字段说明.csv").decode("utf-8-sig").splitlines()
    assert fields[0] == "图层,字段名,中文名称" and "招商项目,investment,总投资（万元）" in fields and "招商项目,F04,投资方" in fields
    readme = zipfile.ZipFile(path).read("说明.txt").decode()
    assert "招商项目：3 条记录，其中 1 条位置待定" in readme and "Excel 中保留" in readme


def test_shapefile_splits_mixed_geometry_and_cuts_long_text_on_a_character(tmp_path):
    import pyogrio

    from layers.exports import DBF_TEXT_BYTES, shown, to_shapefile

    square = Point(114.0, 29.0).buffer(0.01)
    frame = shown(pd.DataFrame({"名称": ["点厂房", "面厂房"], "备注": ["长" * 200, "短"]}), [Point(114.0, 29.0), square])
    path = tmp_path / "f.zip"
    path.write_bytes(to_shapefile({"标准化厂房": frame}, title="厂房"))
    layers = sorted(name for name, _ in pyogrio.list_layers(path))
    assert layers == ["标准化厂房_点", "标准化厂房_面"]
    point = gpd.read_file(path, layer="标准化厂房_点")
    assert point["F01"].tolist() == ["点厂房"] and point["F02"].iloc[0] == "长" * (DBF_TEXT_BYTES // 3)
    assert gpd.read_file(path, layer="标准化厂房_面").geom_type.tolist() == ["Polygon"]


def test_field_names_are_short_ascii_and_distinct():
    from layers.exports import field_names

    names = field_names(["名称", "funds_in_place_wan", "funds_in_place_rate", "2018年", "a-b"], {"名称": "name"})
    assert names == {"名称": "name", "funds_in_place_wan": "funds_in_p", "funds_in_place_rate": "funds_in_2", "2018年": "F04",
                     "a-b": "a_b"}


def test_repeated_labels_are_made_distinct():
    from layers.exports import shown

    frame = shown(pd.DataFrame([["甲", "乙"]], columns=["县", "县"]), [Point(114, 29)])
    assert list(frame.columns) == ["县", "县（2）", "geometry"]
