"""Uploads on the pages run the command line's importers on a copy of the demo and clear the caches."""

from __future__ import annotations

import json

import shapely

from ui import data, identity, mapkit, uploads


def park_name() -> str:
    return str(data.load_layer("parks", None)["name"].iloc[0])


def test_factory_ledger_upload_imports_and_reaches_the_map(demo_copy_env):
    before = next(m for m in mapkit.map_layers(None) if m.name == "factories").main.count
    raw = f"厂房名称,所在园区,建筑面积,状态,层数,经度（GPS）,纬度（GPS）\n网页导入测试1#,{park_name()},3200,空置,1,114.32,29.85\n".encode("gb18030")
    preview, error = uploads.run("factories", raw, "厂房台账.csv", dry_run=True)
    assert error is None and preview["dry_run"] and preview["imported"] == 1, preview
    assert preview["summary"].startswith("将新增 1 条，更新 0 条"), preview["summary"]
    assert not (data.load_layer("factories", None)["name"] == "网页导入测试1#").any()  # a preview writes nothing
    result, error = uploads.run("factories", raw, "厂房台账.csv", expect=preview["fingerprint"])
    assert error is None and result["imported"] == 1 and result["batch_id"], result
    factories = data.load_layer("factories", None)
    row = factories[factories["name"] == "网页导入测试1#"].iloc[0]
    assert row["floor_area_m2"] == 3200 and row["created_by"] == identity.user()
    assert next(m for m in mapkit.map_layers(None) if m.name == "factories").main.count == before + 1  # caches cleared


def test_a_bad_file_writes_nothing_and_says_why_in_chinese(demo_copy_env):
    before = len(data.load_layer("assets", None))
    result, error = uploads.run("assets", b"a,b\n1,2\n", "x.csv")
    assert result is None and "没有找到表头" in error and "资产名称" in error
    assert len(data.load_layer("assets", None)) == before


def test_rejected_rows_come_back_with_row_and_reason(demo_copy_env):
    raw = "厂房名称,所在园区,建筑面积\n好厂房,{p},2000\n坏厂房,{p},很大\n".format(p=park_name()).encode("utf-8")
    result, error = uploads.run("factories", raw, "f.csv")
    assert error is None and result["imported"] == 1
    (rejected,) = result["rejected"]
    assert rejected["row"] == 3 and rejected["column"] == "建筑面积" and rejected["reason"]


def test_park_boundary_upload_replaces_the_outline(demo_copy_env):
    name = park_name()
    square = shapely.box(114.30, 29.80, 114.31, 29.81)
    raw = json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:4326"}},
                      "features": [{"type": "Feature", "properties": {"园区名称": name},
                                    "geometry": shapely.geometry.mapping(square)}]}, ensure_ascii=False).encode("utf-8")
    result, error = uploads.run("park_polygons", raw, "parks.geojson", crs="wgs84")
    assert error is None, error
    parks = data.load_layer("parks", None)
    assert parks.loc[parks["name"] == name].geometry.iloc[0].equals_exact(square, 1e-7)
