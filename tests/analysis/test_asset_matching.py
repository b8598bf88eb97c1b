"""analysis.asset_matching: idle assets ↔ pipeline projects, and idle buildings through the factory engine."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from analysis import asset_matching as am
from analysis import matching
from analysis.matching import Requirement

CRS = "EPSG:4326"


def assets_frame(*rows) -> gpd.GeoDataFrame:
    """(asset_id, type, stage, county, land 亩, floor ㎡, vacancy share)."""
    return gpd.GeoDataFrame(
        [{"asset_id": a, "name": f"资产{a}", "asset_type": t, "stage": s, "county_adcode": c, "land_mu": land, "floor_area_m2": floor,
          "vacancy_share": v, "owner_unit": "城投", "responsible_unit": "城投", "book_value_wan": 1000.0, "geometry": Point(114.0, 29.0)}
         for a, t, s, c, land, floor, v in rows], geometry="geometry", crs=CRS)


def projects_frame(*rows) -> gpd.GeoDataFrame:
    """(project_id, stage, county, category, chain, land 亩, park_id, sited)."""
    return gpd.GeoDataFrame(
        [{"project_id": p, "name": f"项目{p}", "stage": s, "county_adcode": c, "category": cat, "industry_chain": chain, "land_mu": land,
          "investment_wan": 10000.0, "park_id": park, "park_name": "某园区" if park else None,
          "geometry": Point(114.0, 29.0) if sited else None} for p, s, c, cat, chain, land, park, sited in rows],
        geometry="geometry", crs=CRS)


@pytest.fixture
def pool():
    return assets_frame(
        ("F1", "闲置厂房", "招商推介", "甲", 50.0, 20000.0, 1.0),
        ("B1", "闲置楼宇", "制定方案", "甲", 10.0, 8000.0, 0.5),
        ("L1", "闲置土地", "摸底清查", "甲", 100.0, 0.0, 1.0),
        ("S1", "闲置厂房", "签约", "甲", 80.0, 30000.0, 1.0),  # committed: never offered
    )


@pytest.fixture
def pipeline():
    return projects_frame(
        ("P1", "在谈", "甲", "工业", "电子信息", 45.0, None, False),  # fits F1 closely, no site yet
        ("P2", "签约", "甲", "工业", "新材料", 54.0, None, False),  # 54 ≤ 50 × 1.1: fits F1 within tolerance
        ("P3", "注册", "甲", "工业", "新材料", 60.0, None, False),  # too big for F1, fits L1
        ("P4", "在谈", "甲", "非工业", "康养", 0.0, None, False),  # no land need: buildings only
        ("P5", "在谈", "甲", "非工业", "现代农业", 8.0, None, False),  # farm: land only
        ("P6", "开工", "甲", "工业", "新材料", 40.0, None, False),  # already building: not pipeline
        ("P7", "在谈", "乙", "工业", "新材料", 40.0, None, False),  # other county
        ("P8", "签约", "甲", "工业", "电子信息", 20.0, "PK", True),  # sited in a park: fits, lower score
    )


def pairs(result) -> set[tuple[str, str]]:
    return set(zip(result["asset_id"], result["project_id"], strict=True))


def test_projects_for_assets_conditions(pool, pipeline):
    result = am.projects_for_assets(pool, pipeline, limit_per_asset=None)
    assert pairs(result) == {("F1", "P1"), ("F1", "P2"), ("F1", "P8"), ("B1", "P4"), ("L1", "P1"), ("L1", "P2"), ("L1", "P3"),
                             ("L1", "P5"), ("L1", "P8")}  # P4 needs no land: a building, not L1; P5 (farm): L1 only
    assert "S1" not in set(result["asset_id"])
    assert not {"P6", "P7"} & set(result["project_id"])


def test_projects_for_assets_ranking_and_reasons(pool, pipeline):
    result = am.projects_for_assets(pool, pipeline, limit_per_asset=None)
    f1 = result[result["asset_id"] == "F1"]
    assert list(f1["project_id"]) == ["P2", "P1", "P8"]  # 54/50 capped at 1 > 45/50; P8 is small and already sited
    assert f1["score"].iloc[0] == 100.0
    assert f1.set_index("project_id").at["P1", "score"] == pytest.approx(100 * (0.5 * (45 / 50) ** 0.5 + 0.3 + 0.2), abs=0.1)
    reasons = f1.set_index("project_id")["reasons"]
    assert "用地需求 45.0 亩 ≤ 资产占地 50.0 亩" in reasons["P1"]
    assert any("满足 93%" in r for r in reasons["P2"])
    assert "项目尚未选址" in reasons["P1"]
    assert any("已初选某园区" in r for r in reasons["P8"])
    b1 = result[result["asset_id"] == "B1"].iloc[0]
    assert any("无新增用地需求" in r for r in b1["reasons"])
    assert len(am.projects_for_assets(pool, pipeline, limit_per_asset=1).query("asset_id == 'L1'")) == 1


def test_projects_for_assets_empty_inputs(pool, pipeline):
    assert am.projects_for_assets(pool.iloc[:0], pipeline).empty
    assert am.projects_for_assets(pool, pipeline.iloc[:0]).empty
    assert list(am.projects_for_assets(pool[pool["asset_id"] == "S1"], pipeline).columns)[:2] == ["asset_id", "asset_name"]


def test_as_spaces_maps_assets_to_the_engine_columns(pool):
    spaces = am.as_spaces(pool, pd.DataFrame({"adcode": ["甲"], "name": ["甲县"]})).set_index("factory_id")
    assert set(spaces.index) == {"F1", "B1", "S1"}  # land is not a building
    assert spaces.at["B1", "floor_area_m2"] == 4000.0  # vacant part only
    assert spaces.at["F1", "status"] == matching.VACANT and spaces.at["S1", "status"] == matching.LEASED
    assert spaces.at["F1", "county_name"] == "甲县"
    assert spaces["floor"].isna().all()


def test_offer_assets_uses_the_factory_engine_and_flags_unrecorded_specs(pool):
    req = Requirement(min_area_m2=3000, max_area_m2=25000, min_clear_height_m=8, max_rent_yuan_m2_month=15, counties=("甲",))
    result = am.offer_assets(pool, req)
    assert list(result.feasible["factory_id"]) == ["F1", "B1"]  # 20,000 ㎡ is closer to the 14,000 ㎡ middle than 4,000 ㎡
    assert result.feasible_total == 2  # S1 is committed; 层高/租金 unknown does not exclude
    reasons = result.feasible.iloc[0]["reasons"]
    assert any(r.startswith("✓ 面积") for r in reasons)
    assert any("层高（要求 ≥ 8 m）资产台账未登记" in r for r in reasons)
    assert any("租金" in r and "评估" in r for r in reasons)
    too_big = am.offer_assets(pool, Requirement(min_area_m2=21000))
    assert too_big.feasible_total == 0
    assert list(too_big.near_misses["factory_id"]) == ["F1"]  # 20,000 ㎡ is within 15 % of 21,000 ㎡
    elsewhere = am.offer_assets(pool, Requirement(min_area_m2=1000, counties=("乙",)))
    assert elsewhere.feasible_total == 0
