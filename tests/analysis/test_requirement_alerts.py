"""analysis.requirement_alerts: a saved requirement's fits, and the "became available since" rule — new records, a
status changed to 空置, a lease end moved before move-in, specs corrected, an asset back on offer — against the record as
it stood; acknowledgement, closing, changed criteria and the scope of the requirement."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis import requirement_alerts as ra
from analysis.matching import Requirement
from layers import idle_assets, parks, standard_factories
from layers import saved_requirements as sr

U = "招商局张三"
REQ = Requirement(min_area_m2=2000, max_area_m2=8000, move_in=dt.date(2018, 9, 30))


def factory(fid, county, status, area=5000.0, lease_end=None, park="PA"):
    return {"factory_id": fid, "name": f"{fid}号厂房", "park_id": park, "county_adcode": county, "floor_area_m2": area,
            "status": status, "lease_end": lease_end, "clear_height_m": 9.0}


@pytest.fixture
def town(con, toy):
    parks.insert(con, [{"park_id": "PA", "name": "甲园区", "county_adcode": toy.a, "positioning": "电子信息"},
                       {"park_id": "PB", "name": "乙园区", "county_adcode": toy.b}], user=U)
    standard_factories.insert(con, [
        factory("F1", toy.a, "空置"),  # available before the requirement is saved: never new
        factory("F2", toy.a, "已出租", lease_end=dt.date(2019, 12, 31)),
        factory("F3", toy.a, "已出租", lease_end=dt.date(2019, 6, 30)),
        factory("F4", toy.a, "空置", area=1500.0),
        factory("F7", toy.a, "意向洽谈"),
    ], user=U)
    idle_assets.insert(con, [{"asset_id": "A1", "name": "原纺织厂车间", "county_adcode": toy.a, "asset_type": "闲置厂房",
                              "floor_area_m2": 4000.0, "vacancy_share": 1.0, "stage": "签约"}], user=U)
    return toy


def new_items(con, **kw) -> dict[str, str]:
    found = ra.alerts(con, **kw)
    return dict(zip(found["item_id"], found["why"], strict=True))


def test_criteria_round_trip():
    req = Requirement(min_area_m2=1000, whole_building=True, preferred_counties=("990101",), move_in=dt.date(2018, 9, 30),
                      min_floor_load_t_m2=2.0)
    stored = ra.criteria_of(req)
    assert stored == {"min_area_m2": 1000, "whole_building": True, "preferred_counties": ["990101"], "move_in": "2018-09-30",
                      "min_floor_load_t_m2": 2.0}
    assert ra.requirement_of(stored) == req
    assert ra.requirement_of({**stored, "unknown": 1}) == req
    assert ra.describe(req, {"990101": "甲县"}) == "面积 ≥ 1,000 ㎡；承重 ≥ 19.6 kN/㎡；整栋；优先 甲县；入驻 2018-09-30"


def test_what_fits_at_saving_is_not_new(con, town):
    rid = sr.add(con, investor="华中电子", criteria=ra.criteria_of(REQ), user=U, county_adcode=town.a)
    every = ra.alerts(con, all_matches=True)
    assert set(every["item_id"]) == {"F1"}  # F2/F3 leased past move-in, F4 too small, F7 negotiating, A1 signed
    assert not every["new"].any() and list(every["requirement_id"]) == [rid]
    assert ra.alerts(con).empty and ra.counts(ra.alerts(con)) == (0, 0)


def test_every_way_of_becoming_available_alerts_with_what_changed(con, town):
    rid = sr.add(con, investor="华中电子", criteria=ra.criteria_of(REQ), user=U, county_adcode=town.a)
    standard_factories.update(con, "F2", {"status": "空置", "lease_end": None}, user=U)  # the tenant left
    standard_factories.update(con, "F3", {"lease_end": dt.date(2018, 7, 31)}, user=U)  # lease ends before move-in
    standard_factories.update(con, "F4", {"floor_area_m2": 2500.0}, user=U)  # area corrected
    standard_factories.insert(con, [factory("F5", town.a, "空置")], user=U)  # a new record
    standard_factories.insert(con, [factory("F6", town.b, "空置", park="PB")], user=U)  # another county
    standard_factories.update(con, "F1", {"rent_yuan_m2_month": 12.0}, user=U)  # already available: still not new
    standard_factories.update(con, "F7", {"clear_height_m": 10.0}, user=U)  # changed, still not available
    idle_assets.update(con, "A1", {"stage": "招商推介"}, user=U)  # the deal fell through: on offer again
    found = new_items(con)
    assert found == {"F2": "状态 已出租 → 空置；租约到期 2019-12-31 → 未填", "F3": "租约到期 2019-06-30 → 2018-07-31",
                     "F4": "面积 1,500 → 2,500", "F5": "新登记", "A1": "盘活阶段 签约 → 招商推介"}
    frame = ra.alerts(con)
    assert set(frame["requirement_id"]) == {rid} and frame["changed_at"].notna().all()
    assert set(frame.loc[frame["item_id"] == "A1", "kind_label"]) == {"闲置国有资产"}
    assert ra.counts(frame) == (1, 5)
    everything = ra.alerts(con, all_matches=True)
    assert set(everything["item_id"]) == {"F1", "F2", "F3", "F4", "F5", "A1"} and list(everything["new"][:5]) == [True] * 5


def test_acknowledged_match_alerts_again_only_after_it_stopped_fitting(con, town):
    rid = sr.add(con, investor="华中电子", criteria=ra.criteria_of(REQ), user=U, county_adcode=town.a)
    standard_factories.update(con, "F2", {"status": "空置"}, user=U)
    standard_factories.insert(con, [factory("F5", town.a, "空置")], user=U)
    sr.acknowledge(con, rid, [("factory", "F2")], user=U)
    assert set(new_items(con)) == {"F5"}
    standard_factories.update(con, "F2", {"rent_yuan_m2_month": 15.0}, user=U)  # still fits: still read
    assert set(new_items(con)) == {"F5"}
    standard_factories.update(con, "F2", {"status": "已出租", "lease_end": dt.date(2020, 1, 1)}, user=U)
    standard_factories.update(con, "F2", {"status": "空置"}, user=U)  # leased out and free again
    assert set(new_items(con)) == {"F2", "F5"}


def test_closed_requirements_raise_nothing_and_new_criteria_move_the_baseline(con, town):
    rid = sr.add(con, investor="华中电子", criteria=ra.criteria_of(REQ), user=U, county_adcode=town.a)
    standard_factories.insert(con, [factory("F5", town.a, "空置")], user=U)
    assert set(new_items(con)) == {"F5"}
    sr.edit(con, rid, criteria=ra.criteria_of(Requirement(min_area_m2=1000, move_in=REQ.move_in)), user=U)
    assert new_items(con) == {}  # what fits the new criteria now is the new starting point
    standard_factories.update(con, "F4", {"rent_yuan_m2_month": 9.0}, user=U)
    assert new_items(con) == {}  # F4 fitted at the new baseline already (1,500 ≥ 1,000) and still does
    standard_factories.update(con, "F4", {"floor_area_m2": 900.0}, user=U)
    standard_factories.update(con, "F4", {"floor_area_m2": 1200.0}, user=U)
    assert new_items(con) == {"F4": "面积 900 → 1,200"}  # it stopped fitting and fits again: the latest gap explains it
    standard_factories.insert(con, [factory("F8", town.a, "空置")], user=U)
    assert set(new_items(con)) == {"F4", "F8"}
    sr.close(con, rid, "已放弃", user=U)
    assert new_items(con) == {}


def test_scope_of_the_requirement_and_of_the_viewer(con, town):
    county_a = sr.add(con, investor="甲县客商", criteria=ra.criteria_of(REQ), user=U, county_adcode=town.a)
    city = sr.add(con, investor="全市客商", criteria=ra.criteria_of(REQ), user=U)
    park_b = sr.add(con, investor="乙园区客商", criteria=ra.criteria_of(REQ), user=U, park_id="PB")
    standard_factories.insert(con, [factory("F6", town.b, "空置", park="PB")], user=U)
    idle_assets.update(con, "A1", {"stage": "招商推介"}, user=U)
    found = ra.alerts(con)
    pairs = set(zip(found["requirement_id"], found["item_id"], strict=True))
    # the county's requirement sees its county, the city's everything, the park's only its park (no state assets)
    assert pairs == {(county_a, "A1"), (city, "A1"), (city, "F6"), (park_b, "F6")}
    assert set(ra.alerts(con, county=(town.b,))["requirement_id"]) == {park_b}  # the viewer's scope: requirements in it
    assert set(ra.alerts(con, county=(town.a,))["requirement_id"]) == {county_a}
    assert ra.alerts(con, county=()).empty
    assert set(ra.alerts(con, requirement_ids=[city])["item_id"]) == {"A1", "F6"}
