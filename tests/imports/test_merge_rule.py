"""The one merge rule, for every ledger kind: re-importing with blank cells keeps every stored value, a missing column
keeps it too, and only 「（清空）」 clears a field (regression: factories and assets used to lose tenant, phone,
responsible unit and planned date on re-import)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from imports.assets import import_assets
from imports.factories import import_factories
from imports.parks import import_park_capacity
from imports.projects import import_projects
from layers import idle_assets, parks, projects, standard_factories

PARK = "商洛高新技术产业开发区"
KINDS = {
    # kind: (importer, loader, key column of the name, header, full row, the columns left blank on re-import)
    "factories": (import_factories, standard_factories.load,
                  ["厂房名称", "所在园区", "建筑面积（㎡）", "状态", "承租企业", "租约到期", "联系单位", "联系电话"],
                  ["1#厂房", PARK, 5000, "已出租", "华鑫电子", "2025-06-30", "高新区招商局", "0914-2300001"],
                  {"tenant": "华鑫电子", "lease_end": dt.date(2025, 6, 30), "contact_unit": "高新区招商局", "contact_phone": "0914-2300001"}),
    "assets": (import_assets, idle_assets.load,
               ["资产名称", "县（市、区）", "资产类型", "建筑面积（㎡）", "盘活阶段", "责任单位", "责任领导", "计划完成时间", "对接企业"],
               ["原粮站仓库", "商州区", "闲置厂房", 6000, "招商推介", "区国资局", "张三", "2024-12-31", "秦岭物流"],
               {"responsible_unit": "区国资局", "responsible_leader": "张三", "planned_date": dt.date(2024, 12, 31), "counterpart": "秦岭物流",
                "stage": "招商推介"}),
    "projects": (import_projects, projects.load,
                 ["项目名称", "县（市、区）", "合同投资（万元）", "到位资金（万元）", "项目进度", "签约时间", "包抓领导", "责任单位"],
                 ["核桃深加工项目", "商州区", 12000, 3000, "已开工", "2024-03-15", "李四", "区招商局"],
                 {"funds_in_place_wan": 3000.0, "leader": "李四", "responsible_unit": "区招商局", "stage": "开工",
                  "signed_on": dt.date(2024, 3, 15)}),
}


@pytest.fixture
def con(shangluo_con):
    parks.insert(shangluo_con, gpd.GeoDataFrame({"park_id": ["P-SL"], "name": [PARK], "county_adcode": ["611002"],
                                                 "available_land_mu": [800.0], "power_used_kva": [4000.0]},
                                                geometry=[shapely.box(109.93, 33.86, 109.96, 33.89)], crs="EPSG:4326"), user="测试")
    return shangluo_con


def csv(header, row) -> bytes:
    cells = ["" if v is None else str(v) for v in row]
    return ("台账（截至2024年6月30日）\n" + ",".join(header) + "\n" + ",".join(cells) + "\n").encode("utf-8")


def stored(loader, con) -> dict:
    frame = pd.DataFrame(loader(con))
    assert len(frame) == 1
    row = frame.iloc[0].to_dict()
    return {k: (pd.Timestamp(v).date() if isinstance(v, pd.Timestamp) else v) for k, v in row.items()}


@pytest.mark.parametrize("kind", list(KINDS))
def test_blank_cells_keep_and_only_the_clear_marker_clears(con, kind):
    importer, loader, header, row, kept = KINDS[kind]
    assert importer(con, csv(header, row), filename="一月.csv").imported == 1
    before = stored(loader, con)
    assert {k: before[k] for k in kept} == kept
    blanks = [v if h in header[:2] or h in ("建筑面积（㎡）", "资产类型") else None for h, v in zip(header, row, strict=True)]
    again = importer(con, csv(header, blanks), filename="二月.csv")
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 1), again.summary_zh()
    assert {k: stored(loader, con)[k] for k in kept} == kept  # every stored value kept
    width = 2 if kind == "projects" else 3  # name, place (and the required 建筑面积 / type)
    narrow = importer(con, csv(header[:width], row[:width]), filename="三月.csv")  # the other columns missing altogether
    assert narrow.unchanged == 1 and {k: stored(loader, con)[k] for k in kept} == kept
    field = next(h for h in header if h in ("联系电话", "对接企业", "责任单位"))
    cleared = [("（清空）" if h == field else v) for h, v in zip(header, blanks, strict=True)]
    done = importer(con, csv(header, cleared), filename="四月.csv")
    assert done.updated == 1
    column = {"联系电话": "contact_phone", "对接企业": "counterpart", "责任单位": "responsible_unit"}[field]
    after = stored(loader, con)
    assert after[column] is None or pd.isna(after[column])
    assert {k: after[k] for k in kept if k != column} == {k: v for k, v in kept.items() if k != column}


def test_park_capacity_blank_keeps_and_clear_clears(con):
    header = ["园区名称", "可供地（亩）", "已用电力（kVA）"]
    assert import_park_capacity(con, csv(header, [PARK, None, None]), filename="a.csv").unchanged == 1
    park = parks.load(con).iloc[0]
    assert (park["available_land_mu"], park["power_used_kva"]) == (800.0, 4000.0)
    assert import_park_capacity(con, csv(header, [PARK, 900, "（清空）"]), filename="b.csv").updated == 1
    park = parks.load(con).iloc[0]
    assert park["available_land_mu"] == 900.0 and pd.isna(park["power_used_kva"])


def test_a_county_user_cannot_write_another_countys_records(con):
    from imports import kinds, pipeline

    header = ["项目名称", "县（市、区）", "合同投资（万元）", "项目进度", "签约时间"]
    raw = ("台账（截至2024年6月30日）\n" + ",".join(header) + "\n核桃深加工项目,商州区,12000,已签约,2024-03-15\n"
           "钒矿项目,山阳县,8000,已签约,2024-04-01\n").encode("utf-8")
    report = pipeline.run(con, kinds.get("projects"), raw, user="山阳县招商局", filename="a.csv",
                          options=pipeline.Options(counties=("611024",)))
    assert report.imported == 1 and [(r.row, r.reason) for r in report.rejected] == [(3, "不在本账号可填报的范围内（商州区）")]
    stored = projects.load(con)
    assert list(stored["name"]) == ["钒矿项目"]
    assert con.execute("SELECT count(*) FROM project_stage_history WHERE project_id NOT IN (SELECT project_id FROM projects)").fetchone() == (0,)
    assert con.execute("SELECT list(unit_id) FROM reporting_units").fetchone() == (["611024"],)  # no unit made for 商州区
