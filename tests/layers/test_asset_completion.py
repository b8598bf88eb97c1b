"""layers.asset_cases: moving an asset into 盘活完成 records what was achieved — 实现价值, 对接企业, the contract (a number
or a scan) — and the 佐证材料 ``config/evidence.toml`` asks for."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pytest

from layers import asset_cases, attachments, evidence, idle_assets
from layers.asset_cases import CaseError

U = "测试员"
PDF = b"%PDF-1.4\n%%EOF\n"
ON = date(2018, 6, 30)


@pytest.fixture
def asset(con, toy):
    idle_assets.insert(con, gpd.GeoDataFrame([
        {"asset_id": "A1", "name": "老粮站", "county_adcode": toy.a, "asset_type": "闲置厂房", "stage": "签约", "mode": "出租",
         "book_value_wan": 1000.0, "realised_value_wan": 0.0, "geometry": toy.point_a},
        {"asset_id": "A2", "name": "旧办公楼", "county_adcode": toy.a, "asset_type": "闲置楼宇", "stage": "签约", "mode": "调剂使用",
         "counterpart": "县教育局", "contract_no": "调字〔2018〕3号", "realised_value_wan": 0.0, "geometry": toy.point_a},
    ], geometry="geometry", crs=toy.crs), user=U)
    return "A1"


def stored(con, asset_id="A1"):
    return con.execute("SELECT stage, counterpart, realised_value_wan, contract_no FROM idle_assets WHERE asset_id = ?",
                       [asset_id]).fetchone()


def test_completion_names_everything_missing(con, asset):
    with pytest.raises(CaseError) as refused:
        asset_cases.change_stage(con, asset, "盘活完成", on=ON, user=U)
    assert str(refused.value) == "变更为“盘活完成”须填写实现价值（万元）、对接企业、合同编号（或上传合同扫描件）"
    assert stored(con)[0] == "签约" and asset_cases.load_events(con).empty


def test_completion_needs_evidence_when_configured(con, asset):
    with pytest.raises(CaseError, match="变更为“盘活完成”须上传佐证材料（合同扫描件、交付或运营照片等）"):
        asset_cases.change_stage(con, asset, "盘活完成", on=ON, user=U, counterpart="华鑫电子", realised_value_wan=800.0,
                                 contract_no="HX-2018-01")
    photo = attachments.add(con, "idle_assets", asset, "盘活完成", PDF, "交付照片.pdf", user=U)
    asset_cases.change_stage(con, asset, "盘活完成", on=ON, user=U, counterpart="华鑫电子", realised_value_wan=800.0,
                             contract_no="HX-2018-01", attachment_ids=[photo])
    assert stored(con) == ("盘活完成", "华鑫电子", 800.0, "HX-2018-01")


def test_a_contract_scan_stands_for_the_number_and_for_the_evidence(con, asset):
    scan = attachments.add(con, "idle_assets", asset, "盘活合同", PDF, "租赁合同.pdf", user=U)
    asset_cases.change_stage(con, asset, "盘活完成", on=ON, user=U, counterpart="华鑫电子", realised_value_wan=800.0,
                             attachment_ids=[scan])
    assert stored(con) == ("盘活完成", "华鑫电子", 800.0, None)


def test_values_already_on_the_asset_count_and_zero_only_for_a_transfer(con, asset, monkeypatch):
    monkeypatch.setattr(evidence, "load_rules", lambda path=None: evidence.Rules(asset_completed=False))
    asset_cases.change_stage(con, "A2", "盘活完成", on=ON, user=U)  # 调剂使用: no money changes hands
    assert stored(con, "A2")[0] == "盘活完成"
    with pytest.raises(CaseError, match="须填写实现价值（万元）、对接企业"):  # the stored 0.0 is no value for a lease
        asset_cases.change_stage(con, asset, "盘活完成", on=ON, user=U, contract_no="HX-1")
    with pytest.raises(CaseError, match="实现价值不能为负数"):
        asset_cases.change_stage(con, asset, "盘活完成", on=ON, user=U, contract_no="HX-1", counterpart="甲", realised_value_wan=-5.0)


def test_the_rule_applies_when_moving_in_only(con, asset, monkeypatch):
    """An asset imported as 盘活完成 without a counterpart can still get a 复核 note (the import is its record)."""
    con.execute("UPDATE idle_assets SET stage = '盘活完成' WHERE asset_id = 'A1'")
    asset_cases.change_stage(con, asset, "盘活完成", on=ON, user=U, note="复核")
    asset_cases.change_stage(con, asset, "签约", on=ON, user=U)  # and going back needs nothing either
    assert stored(con)[0] == "签约"


def test_files_of_another_asset_do_not_count(con, asset):
    other = attachments.add(con, "idle_assets", "A2", "盘活合同", PDF, "别的合同.pdf", user=U)
    with pytest.raises(CaseError, match=f"佐证材料 {other} 不属于闲置资产 A1"):
        asset_cases.change_stage(con, asset, "盘活完成", on=ON, user=U, counterpart="甲", realised_value_wan=5.0,
                                 contract_no="X", attachment_ids=[other])
