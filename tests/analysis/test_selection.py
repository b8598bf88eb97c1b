"""Features inside drawn shapes, their totals, search, and the Excel/GeoJSON exports."""

from __future__ import annotations

import io
import math

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point, box

from analysis import selection
from layers.xlsx import HEADER_ROW


@pytest.fixture
def frames(toy):
    proj = gpd.GeoDataFrame({"project_id": ["P1", "P2", "P3"], "name": ["=1+1", "乙项目", "丙项目"], "stage": ["签约", "开工", "签约"],
                             "investment_wan": [100.0, 250.0, 999.0], "funds_in_place_wan": [10.0, 20.0, 0.0],
                             "land_mu": [1.0, 2.0, 3.0], "power_kva": [0.0, 0.0, 0.0]},
                            geometry=[Point(114.01, 29.01), Point(114.03, 29.03), Point(114.15, 29.05)], crs=toy.crs)
    fac = gpd.GeoDataFrame({"factory_id": ["F1", "F2"], "name": ["一号厂房", "二号厂房"], "status": ["空置", "已出租"],
                            "floor_area_m2": [1000.0, 500.0]},
                           geometry=[box(114.02, 29.02, 114.021, 29.021), Point(114.5, 29.5)], crs=toy.crs)
    parks = gpd.GeoDataFrame({"park_id": ["K1"], "name": ["甲园区"], "planned_area_mu": [300.0], "available_land_mu": [40.0]},
                             geometry=[toy.park_a], crs=toy.crs)
    return {"projects": proj, "factories": fac, "parks": parks}


def test_polygon_selection_and_totals(frames):
    shape = selection.shape_geometry({"type": "polygon", "coords": [(114.0, 29.0), (114.05, 29.0), (114.05, 29.05), (114.0, 29.05)]})
    chosen = selection.features_within(frames, shape)
    assert list(chosen["projects"]["project_id"]) == ["P1", "P2"]
    assert list(chosen["factories"]["factory_id"]) == ["F1"] and len(chosen["parks"]) == 1
    t = selection.totals(chosen).set_index(["图层", "指标"])["合计"]
    assert t[("招商项目", "数量（个）")] == 2 and t[("招商项目", "总投资（万元）")] == 350.0
    assert t[("标准化厂房", "其中空置面积（㎡）")] == 1000.0 and t[("园区", "可供地（亩）")] == 40.0


def test_circle_has_its_true_radius(frames):
    disc = selection.shape_geometry({"type": "circle", "center": (114.0, 29.0), "radius_m": 2000})
    assert selection.area_m2(disc) == pytest.approx(math.pi * 2000 ** 2, rel=0.005)
    chosen = selection.features_within(frames, disc)
    assert list(chosen["projects"]["project_id"]) == ["P1"]  # 1.5 km away; P2 is 4.5 km
    with pytest.raises(ValueError):
        selection.shape_geometry({"type": "circle", "center": (114.0, 29.0), "radius_m": 0})
    with pytest.raises(ValueError):
        selection.shape_geometry({"type": "polygon", "coords": [(114, 29), (115, 29)]})


def test_search_by_name_or_id(frames):
    found = selection.search(frames, "项目")
    assert list(found["id"]) == ["P3", "P2"]  # equal length: by name (丙 < 乙 in code points)
    assert selection.search(frames, "k1")["name"].tolist() == ["甲园区"]
    assert selection.search(frames, "  ").empty


def test_exports(frames):
    chosen = selection.features_within(frames, box(114.0, 29.0, 114.2, 29.1))
    geo = selection.to_geojson(chosen)
    assert {f["properties"]["layer"] for f in geo["features"]} == {"projects", "factories", "parks"}
    data = selection.to_excel(chosen, selection.totals(chosen), title="测试", shape={"type": "polygon"})
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["汇总", "招商项目", "标准化厂房", "园区"]
    header = [c.value for c in wb["招商项目"][HEADER_ROW]]  # the one writer's layout: title rows, then the header
    cell = wb["招商项目"].cell(HEADER_ROW + 1, header.index("name") + 1)
    assert cell.value == "=1+1" and cell.data_type == "s"  # text from data never becomes a formula
    assert header[0] == "project_id" and header[-2:] == ["经度（WGS-84）", "纬度（WGS-84）"]
    assert wb["汇总"]["A2"].value == "选择范围：多边形（0 个顶点，WGS-84）"
    labelled = load_workbook(io.BytesIO(selection.to_excel(chosen, selection.totals(chosen), title="测试",
                                                           labels={"projects": {"project_id": "编号", "name": "项目名称"}})))
    assert [c.value for c in labelled["招商项目"][HEADER_ROW]][:2] == ["编号", "项目名称"]


def test_excel_writes_missing_values_of_nullable_columns_as_blanks(frames):
    """Regression (issue 15): factories carry nullable columns whose missing values are ``pd.NA``; the workbench's
    导出 Excel failed whenever a factory was in the selection."""
    chosen = selection.features_within(frames, box(114.0, 29.0, 114.2, 29.1))
    factories = chosen["factories"].copy()
    factories["floors"] = pd.array([None] * len(factories), dtype="Int64")
    factories["tenant"] = pd.array([None] * len(factories), dtype="string")
    chosen["factories"] = factories
    wb = load_workbook(io.BytesIO(selection.to_excel(chosen, selection.totals(chosen), title="测试")))
    sheet = wb["标准化厂房"]
    header = [c.value for c in sheet[HEADER_ROW]]
    row = HEADER_ROW + 1
    assert sheet.cell(row, header.index("floors") + 1).value is None and sheet.cell(row, header.index("tenant") + 1).value is None
