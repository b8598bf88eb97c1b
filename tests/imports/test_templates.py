"""Every ledger template imports cleanly through its own importer: the example row lands, nothing is rejected."""

from __future__ import annotations

import io

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from imports import templates
from imports.assets import import_assets
from imports.factories import import_factories
from imports.parks import import_park_capacity
from imports.projects import import_projects
from layers import idle_assets, parks, projects, reporting_units, standard_factories

SHANGZHOU = "611002"
PARK = "商洛高新技术产业开发区"


@pytest.fixture
def con(shangluo_con):
    """商洛市 with 商州区 as a reporting unit and the park the templates' examples name."""
    reporting_units.insert(shangluo_con, pd.DataFrame([{"unit_id": SHANGZHOU, "name": "商州区", "short_name": "商州", "kind": "county",
                                                        "county_adcode": SHANGZHOU, "city_adcode": "611000", "sort_order": 1}]), user="测试")
    parks.insert(shangluo_con, gpd.GeoDataFrame({"park_id": ["P-SL"], "name": [PARK], "county_adcode": [SHANGZHOU]},
                                                geometry=[shapely.box(109.93, 33.86, 109.96, 33.89)], crs="EPSG:4326"), user="测试")
    return shangluo_con


@pytest.mark.parametrize(("kind", "importer"), [("projects", import_projects), ("factories", import_factories),
                                               ("assets", import_assets), ("park_capacity", import_park_capacity)])
def test_each_template_imports_its_example_row(con, kind, importer):
    raw = templates.template_bytes(kind)
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    schema = templates.KINDS[kind][0]
    assert wb.sheetnames == [schema.kind, "填写说明"]
    headers = [c.value for c in wb[schema.kind][3]]
    assert all(f.label in "".join(headers) for f in schema.fields if f.required), headers
    report = importer(con, raw, filename=f"{kind}.xlsx")
    # The capacity example updates the stored park and adds that year's 亩均 figures (counted on their own line).
    expected = (0, 1) if kind == "park_capacity" else (1, 0)
    assert report.rejected == [] and (report.imported, report.updated) == expected, report.summary_zh()
    if kind == "park_capacity":
        assert report.extra == {"园区年度指标": [1, 0]} and "园区年度指标新增 1 条" in report.summary_zh()


def test_the_examples_land_where_they_say(con):
    import_factories(con, templates.template_bytes("factories"), filename="f.xlsx")
    factory = standard_factories.load(con).iloc[0]
    assert factory["park_id"] == "P-SL" and factory["floor_area_m2"] == 5000 and factory["status"] == "空置"
    assert parks.load(con).geometry.iloc[0].buffer(0.01).contains(factory.geometry)  # GCJ-02 example → WGS-84 in the park
    import_assets(con, templates.template_bytes("assets"), filename="a.xlsx")
    asset = idle_assets.load(con).iloc[0]
    assert asset["county_adcode"] == SHANGZHOU and asset["stage"] == "招商推介" and asset["book_value_wan"] == 480
    import_park_capacity(con, templates.template_bytes("park_capacity"), filename="c.xlsx")
    park = parks.load(con).iloc[0]
    assert park["available_land_mu"] == 1200 and park["power_used_kva"] == 126000
    import_projects(con, templates.template_bytes("projects"), filename="p.xlsx")
    assert projects.load(con)["name"].tolist() == ["核桃深加工项目"]
