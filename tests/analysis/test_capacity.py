"""analysis.capacity on two hand-built parks with known answers, and the counting rule on the demo."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import capacity as cap

PARK_COLUMNS = ["park_id", "name", "county_adcode", "positioning", "planned_area_mu", "built_area_mu", "available_land_mu",
                "power_total_kva", "power_used_kva", "water_total_t_d", "water_used_t_d", "gas_total_m3_d", "gas_used_m3_d",
                "energy_quota_tce", "energy_used_tce"]


def parks_frame() -> pd.DataFrame:
    return pd.DataFrame([
        ["A", "甲园区", "990101", "电子信息、新材料", 3000.0, 2000.0, 500.0, 10_000.0, 6_000.0, 1_000.0, 400.0, 800.0, 100.0,
         5_000.0, 2_000.0],
        ["B", "乙园区", "990102", "食品加工", 1000.0, 800.0, 100.0, 2_000.0, 1_500.0, None, None, None, None, 1_000.0, 900.0],
    ], columns=PARK_COLUMNS)


def project(pid, park, stage, land=0.0, power=0.0, water=0.0, energy=0.0):
    return {"project_id": pid, "name": f"项目{pid}", "park_id": park, "stage": stage, "land_mu": land, "power_kva": power,
            "water_t_d": water, "energy_tce": energy, "investment_wan": 1000.0, "industry_chain": "电子信息"}


def projects_frame() -> pd.DataFrame:
    return pd.DataFrame([
        project("1", "A", "签约", land=100, power=1000, water=100, energy=500),
        project("2", "A", "注册", land=50, power=500),
        project("3", "A", "开工", land=30, power=200, water=50),
        project("4", "A", "投产", land=999, power=999, water=999, energy=999),  # in the park's used figures already
        project("5", "A", "在谈", land=200, power=3000),
        project("6", "A", "线索", land=1000),
        project("7", "A", "停滞", land=1000),
        project("8", "B", "签约", land=150, power=100),  # more land than B has
        project("9", None, "签约", land=10_000),  # no park: reserves nothing anywhere
    ])


@pytest.fixture
def tidy() -> pd.DataFrame:
    return cap.capacity(parks_frame(), projects_frame(), started_land="granted")


def cell(tidy, park, resource, column):
    return tidy[(tidy["park_id"] == park) & (tidy["resource"] == resource)][column].iloc[0]


def test_one_row_per_park_and_resource(tidy):
    assert len(tidy) == 2 * len(cap.RESOURCES)
    assert list(tidy.columns) == list(cap.TIDY_COLUMNS)
    assert set(tidy["resource"]) == {"land", "power", "water", "gas", "energy"}


def test_land_supply_is_available_land_and_signed_registered_reserve(tidy):
    """The default rule: a 开工 project's land was granted before construction, so it is already out of 可供地."""
    assert cell(tidy, "A", "land", "supply") == 500
    assert cell(tidy, "A", "land", "occupied") == 0
    assert (cell(tidy, "A", "land", "reserved_signed"), cell(tidy, "A", "land", "reserved_registered"),
            cell(tidy, "A", "land", "reserved_started")) == (100, 50, 0)
    assert cell(tidy, "A", "land", "granted_started") == 30  # shown, not subtracted again
    assert cell(tidy, "A", "land", "reserved") == 150
    assert cell(tidy, "A", "land", "remaining") == 350
    assert cell(tidy, "A", "land", "if_negotiating_lands") == 200
    assert cell(tidy, "A", "land", "remaining_if_negotiating") == 150
    assert cell(tidy, "A", "land", "over_committed") == 0
    assert cell(tidy, "A", "land", "remaining_share") == pytest.approx(350 / 500)
    assert cell(tidy, "A", "power", "reserved_started") == 200  # the rule is about land only
    assert cell(tidy, "A", "power", "granted_started") == 0


def test_reserve_rule_counts_started_projects_land():
    tidy = cap.capacity(parks_frame(), projects_frame(), started_land="reserve")
    assert (cell(tidy, "A", "land", "reserved_signed"), cell(tidy, "A", "land", "reserved_registered"),
            cell(tidy, "A", "land", "reserved_started")) == (100, 50, 30)
    assert cell(tidy, "A", "land", "granted_started") == 0
    assert cell(tidy, "A", "land", "reserved") == 180
    assert cell(tidy, "A", "land", "remaining") == 320
    assert cell(tidy, "A", "land", "remaining_if_negotiating") == 120
    assert cell(tidy, "A", "power", "remaining") == 2300  # other resources do not depend on the rule


def test_rule_comes_from_config(tmp_path, monkeypatch):
    assert cap.started_land_rule(tmp_path / "absent.toml") == cap.DEFAULT_STARTED_LAND == "granted"
    assert cap.started_land_rule() == "granted"  # the shipped config/capacity.toml keeps the default
    path = tmp_path / "capacity.toml"
    path.write_text('[land]\nstarted_projects = "reserve"\n', encoding="utf-8")
    assert cap.started_land_rule(path) == "reserve"
    monkeypatch.setattr(cap, "CONFIG", path)
    assert cell(cap.capacity(parks_frame(), projects_frame()), "A", "land", "remaining") == 320
    path.write_text('[land]\nstarted_projects = "twice"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="无法识别"):
        cap.started_land_rule(path)
    with pytest.raises(ValueError, match="口径"):
        cap.capacity(parks_frame(), projects_frame(), started_land="twice")


def test_power_subtracts_used_and_reserve(tidy):
    # 10,000 − 6,000 used − (1,000 + 500 + 200) reserved = 2,300; 在谈 3,000 would over-commit
    assert cell(tidy, "A", "power", "occupied") == 6000
    assert cell(tidy, "A", "power", "remaining") == 2300
    assert cell(tidy, "A", "power", "remaining_if_negotiating") == 0
    assert cell(tidy, "A", "water", "remaining") == 1000 - 400 - 150
    assert cell(tidy, "A", "energy", "remaining") == 5000 - 2000 - 500


def test_over_commitment_is_flagged_never_negative(tidy):
    assert cell(tidy, "B", "land", "remaining") == 0
    assert cell(tidy, "B", "land", "over_committed") == 50
    assert (tidy["remaining"].dropna() >= 0).all()
    flagged = cap.over_committed(tidy)
    assert list(zip(flagged["park_id"], flagged["resource"], strict=True)) == [("B", "land")]


def test_unreported_supply_is_unknown_not_zero(tidy):
    assert not cell(tidy, "B", "water", "known")
    assert math.isnan(cell(tidy, "B", "water", "remaining"))
    assert cell(tidy, "A", "gas", "remaining") == 700  # projects carry no gas need


def test_extra_reserve_is_added_in_memory_only(tidy):
    more = cap.capacity(parks_frame(), projects_frame(), extra={"A": {"land": 20.0, "power": 2400.0}})
    assert cell(more, "A", "land", "remaining") == 330
    assert cell(more, "A", "power", "remaining") == 0
    assert cell(more, "A", "power", "over_committed") == 100
    assert cell(more, "B", "land", "over_committed") == 50  # other parks unchanged


def test_wide_has_units_in_column_names(tidy):
    wide = cap.wide(tidy, parks_frame())
    a = wide.set_index("park_id").loc["A"]
    assert a["land_supply_mu"] == 500 and a["land_remaining_mu"] == 350 and a["planned_area_mu"] == 3000
    assert a["power_reserved_kva"] == 1700 and a["water_remaining_t_d"] == 450 and a["energy_if_negotiating_tce"] == 0
    assert wide.set_index("park_id").loc["B", "land_over_committed_mu"] == 50


def test_park_pipeline_lists_negotiating_to_started(tidy):
    table = cap.park_pipeline(projects_frame(), "A")
    assert list(table["stage"]) == ["在谈", "签约", "注册", "开工", "停滞"]
    assert list(table["reserves"]) == [False, True, True, True, False]


def test_demo_counting_rule(demo_con):
    """On the demo, reserve = plain SQL sum of 签约/注册/开工 needs per park; remaining = supply − used − reserve."""
    parks, projects = cap.load_inputs(demo_con)
    tidy = cap.capacity(parks, projects)
    rows = demo_con.execute("""
        SELECT k.park_id, k.power_total_kva - k.power_used_kva - coalesce(sum(p.power_kva), 0)
        FROM parks k LEFT JOIN projects p ON p.park_id = k.park_id AND p.stage IN ('签约', '注册', '开工')
        GROUP BY k.park_id, k.power_total_kva, k.power_used_kva""").fetchall()
    power = tidy[tidy["resource"] == "power"].set_index("park_id")
    for park_id, balance in rows:
        assert power.at[park_id, "remaining"] - power.at[park_id, "over_committed"] == pytest.approx(balance)


def test_demo_started_land_rule_changes_land_by_the_started_projects(demo_con):
    """Switching the rule moves each park's land balance by exactly its 开工 projects' land (plain SQL)."""
    parks, projects = cap.load_inputs(demo_con)
    granted = cap.capacity(parks, projects, started_land="granted")
    counted = cap.capacity(parks, projects, started_land="reserve")
    started = dict(demo_con.execute("SELECT park_id, sum(land_mu) FROM projects WHERE stage = '开工' AND park_id IS NOT NULL "
                                    "GROUP BY park_id").fetchall())
    land_g = granted[granted["resource"] == "land"].set_index("park_id")
    land_r = counted[counted["resource"] == "land"].set_index("park_id")
    assert sum(started.values()) > 1000  # the demo has started projects on park land
    for park_id in land_g.index:
        moved = (land_g.at[park_id, "remaining"] - land_g.at[park_id, "over_committed"]) - (
            land_r.at[park_id, "remaining"] - land_r.at[park_id, "over_committed"])
        assert moved == pytest.approx(started.get(park_id, 0.0))
        assert land_g.at[park_id, "granted_started"] == pytest.approx(started.get(park_id, 0.0))
    others = granted["resource"] != "land"
    pd.testing.assert_frame_equal(granted[others].drop(columns="granted_started"), counted[others].drop(columns="granted_started"))
