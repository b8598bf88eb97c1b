"""Matching engine on a hand-built frame with known answers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analysis.matching import Requirement, Weights, evaluate, match, with_places

MOVE_IN = dt.date(2018, 10, 1)
COLUMNS = ["factory_id", "status", "lease_end", "floor_area_m2", "clear_height_m", "floor_load_kn_m2", "power_kva", "crane_t",
           "rent_yuan_m2_month", "county_adcode", "park_id", "floor"]
ROWS = [
    ("F1", "空置", None, 5000, 9.0, 30.0, 800, 10, 12.0, "A", "P-A", None),
    ("F2", "空置", None, 4000, 8.0, 29.4, 630, 0, 10.0, "A", "P-A", None),  # load exactly 3 t/㎡
    ("F3", "已出租", dt.date(2018, 9, 30), 6000, 10.0, 40.0, 1000, 5, 14.0, "B", "P-B", None),  # lease ends before move-in
    ("F4", "已出租", dt.date(2018, 11, 15), 6000, 10.0, 40.0, 1000, 5, 14.0, "B", "P-B", None),  # 46 days late: near miss
    ("F5", "空置", None, 5000, 7.5, 30.0, 800, 0, 12.0, "A", "P-A", None),  # 层高 6.25 % short: near miss
    ("F6", "空置", None, 5000, 6.0, 30.0, 800, 0, 12.0, "A", "P-A", None),  # 25 % short: not near
    ("F7", "空置", None, 5000, 7.5, 30.0, 800, 0, 16.0, "B", "P-B", None),  # two failures: not near
    ("F8", "意向洽谈", None, 5000, 9.0, 30.0, 800, 0, 12.0, "A", "P-A", None),  # not available
    ("F9", "空置", None, 5000, 9.0, 30.0, 800, 0, 13.0, "B", "P-B", 2),  # a floor unit
    ("F10", "空置", None, 5000, 9.0, 14.7, 800, 0, 12.0, "A", "P-A", None),  # 1.5 t/㎡: 50 % short
    ("F11", "已出租", dt.date(2018, 9, 1), 5000, None, 30.0, 800, 0, 12.0, "A", "P-A", None),  # 层高 not reported
]
REQ = Requirement(min_area_m2=3000, max_area_m2=8000, min_clear_height_m=8, min_floor_load_t_m2=3, min_power_kva=600,
                  max_rent_yuan_m2_month=15, move_in=MOVE_IN)


@pytest.fixture
def frame() -> pd.DataFrame:
    f = pd.DataFrame(ROWS, columns=COLUMNS)
    f["name"] = f["factory_id"] + "厂房"
    f["park_name"] = f["park_id"].map({"P-A": "甲园", "P-B": "乙园"})
    f["lease_end"] = pd.to_datetime(f["lease_end"])
    return f


def ids(result_frame: pd.DataFrame) -> list[str]:
    return list(result_frame["factory_id"])


def test_exact_feasible_set_and_near_misses(frame):
    result = match(frame, REQ)
    assert set(ids(result.feasible)) == {"F1", "F2", "F3", "F9"}
    assert result.feasible["feasible"].all() and not result.feasible["near_miss"].any()
    assert set(ids(result.near_misses)) == {"F4", "F5"}
    assert not result.near_misses["feasible"].any() and result.near_misses["near_miss"].all()
    assert (result.considered, result.feasible_total, result.near_miss_total) == (11, 4, 2)
    near = result.near_misses.set_index("factory_id")
    assert near.loc["F5", "fails"] == ["层高 7.5 m < 8.0 m，差 0.5 m"]
    assert [c["criterion"] for c in near.loc["F5", "checks"] if not c["passed"]] == ["clear_height"]
    assert near.loc["F4", "fails"] == ["已出租，租约 2018-11-15 到期，晚于入驻日 2018-10-01（46 天）"]
    assert list(result.near_misses["factory_id"]) == ["F5", "F4"]  # 6.25 % short before 46/90 of the grace period


def test_reasons_state_value_limit_and_margin(frame):
    f1 = match(frame, REQ).feasible.set_index("factory_id").loc["F1"]
    assert "✓ 层高 9.0 m ≥ 8.0 m，富余 1.0 m" in f1["reasons"]
    assert "✓ 承重 30.0 kN/㎡ ≥ 29.4 kN/㎡，富余 0.6 kN/㎡" in f1["reasons"]
    assert "✓ 面积 5,000 ㎡，在 3,000–8,000 ㎡ 范围内" in f1["reasons"]
    assert "✓ 租金 12.0 元/㎡·月 ≤ 15.0 元，低 3.0 元" in f1["reasons"]
    assert "✓ 空置，可随时入驻" in f1["reasons"] and f1["fails"] == []
    f3 = match(frame, REQ).feasible.set_index("factory_id").loc["F3"]
    assert "✓ 租约 2018-09-30 到期，早于入驻日 2018-10-01" in f3["reasons"]


def test_tonnes_and_kilonewtons_are_equivalent(frame):
    in_t = match(frame, REQ)
    in_kn = match(frame, Requirement(**{**REQ.__dict__, "min_floor_load_t_m2": None, "min_floor_load_kn_m2": 29.4}))
    assert ids(in_t.feasible) == ids(in_kn.feasible) and "F2" in ids(in_t.feasible)
    assert list(in_t.feasible["score"]) == list(in_kn.feasible["score"])
    assert REQ.floor_load_kn_m2 == 29.4
    with pytest.raises(ValueError):
        Requirement(min_floor_load_t_m2=3, min_floor_load_kn_m2=29.4)


def test_availability_needs_vacancy_or_a_lease_ending_before_move_in(frame):
    no_date = match(frame, Requirement())
    assert set(ids(no_date.feasible)) == {"F1", "F2", "F5", "F6", "F7", "F9", "F10"}  # 空置 only
    late = match(frame, Requirement(move_in=dt.date(2018, 9, 30)))  # lease ending on the move-in day is not free
    assert "F3" not in ids(late.feasible) and "F11" in ids(late.feasible)
    later = match(frame, Requirement(move_in=dt.date(2018, 11, 16)))
    assert {"F3", "F4", "F11"} <= set(ids(later.feasible)) and "F8" not in ids(later.feasible)


def test_tolerance_is_configurable(frame):
    assert "F5" not in ids(match(frame, REQ, tolerance=0.05).near_misses)
    assert "F6" in ids(match(frame, REQ, tolerance=0.30).near_misses)
    assert "F4" not in ids(match(frame, REQ, lease_grace_days=30).near_misses)


def test_missing_value_fails_and_is_not_a_near_miss(frame):
    result = match(frame, REQ)
    assert "F11" not in ids(result.feasible) and "F11" not in ids(result.near_misses)
    checks = evaluate(frame, REQ)
    assert not checks["clear_height"].ok[10] and not checks["clear_height"].narrow[10]


def test_ranking_follows_the_weights(frame):
    rent_only = Weights(**{k: 0.0 for k in Weights().__dict__} | {"rent": 1.0})
    result = match(frame, Requirement(max_rent_yuan_m2_month=15), rent_only)
    rents = list(result.feasible["rent_yuan_m2_month"])
    assert rents == sorted(rents) and ids(result.feasible)[0] == "F2"
    area_only = Weights(**{k: 0.0 for k in Weights().__dict__} | {"area": 1.0})
    ranked = match(frame, Requirement(min_area_m2=3500, max_area_m2=4500), area_only)
    assert ids(ranked.feasible) == ["F2"]
    ranked = match(frame, Requirement(min_area_m2=3000, max_area_m2=7000, move_in=MOVE_IN), area_only)
    assert ids(ranked.feasible)[-1] == "F3"  # 6,000 ㎡ is farthest from the 5,000 ㎡ middle
    assert ranked.feasible["score"].is_monotonic_decreasing
    assert list(ranked.feasible["rank"]) == list(range(1, len(ranked.feasible) + 1))


def test_default_ranking_on_the_requirement(frame):
    result = match(frame, REQ).feasible
    assert ids(result) == ["F3", "F1", "F9", "F2"]
    # F1 by hand, default weights (area 3, 层高 2, 承重 2, 配电 2, rent 3, ready 1; total 13):
    # area 1 − 500/5500; 层高 (9−8)/8/0.5; 承重 (30−29.4)/29.4/0.5; 配电 (800−600)/600/0.5; rent (15−12)/15/0.3; vacant 1.
    f1 = (3 * (1 - 500 / 5500) + 2 * 0.25 + 2 * (0.6 / 29.4 / 0.5) + 2 * (200 / 600 / 0.5) + 3 * (3 / 15 / 0.3) + 1) / 13 * 100
    assert result.set_index("factory_id").loc["F1", "score"] == pytest.approx(round(f1, 1))


def test_place_whole_building_and_preferences(frame):
    assert "F9" not in ids(match(frame, Requirement(whole_building=True)).feasible)
    only_a = match(frame, Requirement(counties=("A",), move_in=MOVE_IN))
    assert set(only_a.feasible["county_adcode"]) == {"A"}
    without_pa = match(frame, Requirement(excluded_parks=("甲园",), move_in=MOVE_IN))
    assert set(ids(without_pa.feasible)) == {"F3", "F7", "F9"}
    assert set(ids(match(frame, Requirement(excluded_counties=("B",))).feasible)) == {"F1", "F2", "F5", "F6", "F10"}
    plain = match(frame, Requirement()).feasible.set_index("factory_id")["score"]
    preferred = match(frame, Requirement(preferred_counties=("B",))).feasible.set_index("factory_id")["score"]
    assert preferred["F9"] > preferred["F1"] and plain["F9"] < plain["F1"]


def test_industry_matches_park_positioning(frame):
    parks = pd.DataFrame({"park_id": ["P-A", "P-B"], "positioning": ["电子信息、先进制造", "汽车及零部件、新材料"]})
    counties = pd.DataFrame({"adcode": ["A", "B"], "name": ["甲县", "乙县"]})
    f = with_places(frame, parks, counties)
    assert list(f["county_name"].iloc[:3]) == ["甲县", "甲县", "乙县"]
    result = match(f, Requirement(industry="汽车"), Weights(**{k: 0.0 for k in Weights().__dict__} | {"industry": 1.0}))
    top = result.feasible.iloc[0]
    assert top["park_id"] == "P-B" and top["score"] == 100.0
    assert "✓ 园区主导产业（汽车及零部件、新材料）含“汽车”" in top["reasons"]
    assert result.feasible.set_index("factory_id").loc["F1", "score"] == 0.0


def test_limit_and_records(frame):
    result = match(frame, REQ, limit=2)
    assert len(result.feasible) == 2 and result.feasible_total == 4
    records = result.records()
    assert [r["feasible"] for r in records] == [True, True, False, False]
    assert all(isinstance(r["reasons"], list) and r["reasons"] for r in records)


def test_empty_frame_and_validation(frame):
    result = match(frame.iloc[:0], REQ)
    assert result.feasible.empty and result.near_misses.empty
    with pytest.raises(ValueError):
        Requirement(min_area_m2=5000, max_area_m2=1000)
    with pytest.raises(ValueError):
        Requirement(min_power_kva=-1)
    assert Requirement(counties=["A"]).counties == ("A",)
    assert np.isclose(Requirement(min_floor_load_t_m2=1.5).floor_load_kn_m2, 14.7)
