"""layers.saved_requirements: ids, audited writes under the user, scope (county, park, 全市), close/reopen, delete with
its acknowledgements, conflicts, and the schema step that brings the tables to an older store."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import layers
import store
from layers import _scope, parks
from layers import saved_requirements as sr
from layers.saved_requirements import RequirementError
from store import ConflictError, migrations

U = "招商局张三"
CRITERIA = {"min_area_m2": 2000.0, "max_area_m2": 8000.0}
STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"


@pytest.fixture
def two(con, toy):
    parks.insert(con, [{"park_id": "PA", "name": "甲园区", "county_adcode": toy.a}, {"park_id": "PB", "name": "乙园区", "county_adcode": toy.b}],
                 user=U)
    return toy


def audit_rows(con):
    return con.execute("SELECT a.action, a.table_name, a.record_id, a.user_name, b.kind FROM audit_log a JOIN batches b USING (batch_id) "
                       "WHERE a.table_name IN ('saved_requirements', 'requirement_acks') ORDER BY a.audit_id").fetchall()


def test_tables_are_registered_and_created(con):
    assert sr.SPEC in layers.SPECS and sr.ACKS in layers.SPECS
    names = {n for (n,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"saved_requirements", "requirement_acks"} <= names


def test_an_old_store_is_upgraded_to_version_2_with_the_tables(tmp_path):
    path = tmp_path / "old.duckdb"
    shutil.copyfile(STORES / "shangluo.duckdb", path)
    con = store.connect(path)
    try:
        assert migrations.SCHEMA_VERSION == 2
        done = layers.create_all(con)
        assert (done["from"], done["to"]) == (0, 2)
        assert sr.load(con).empty
        assert sr.add(con, investor="某客商", criteria=CRITERIA, user=U) == "XQ0001"
    finally:
        con.close()


def test_add_numbers_audits_under_the_user_and_keeps_the_criteria(con, two):
    first = sr.add(con, investor="  华中电子 ", criteria=CRITERIA, user=U, contact="王经理 139", county_adcode=two.a)
    second = sr.add(con, investor="某食品公司", criteria={"min_area_m2": 500.0}, user="李四", notes="要求冷库")
    assert (first, second) == ("XQ0001", "XQ0002")
    rows = sr.load(con).set_index("requirement_id")
    assert list(rows.index) == ["XQ0002", "XQ0001"]  # newest first
    assert rows.at["XQ0001", "investor"] == "华中电子" and rows.at["XQ0001", "criteria"] == CRITERIA
    assert rows.at["XQ0001", "status"] == sr.OPEN and rows.at["XQ0002", "county_adcode"] is None  # 全市
    assert rows.at["XQ0001", "baseline_audit_id"] > 0
    assert audit_rows(con) == [("insert", "saved_requirements", "XQ0001", U, "task"),
                               ("insert", "saved_requirements", "XQ0002", "李四", "task")]


def test_refusals_are_chinese(con, two):
    with pytest.raises(RequirementError, match="请填写投资方"):
        sr.add(con, investor=" ", criteria=CRITERIA, user=U)
    with pytest.raises(RequirementError, match="需求条件不能为空"):
        sr.add(con, investor="甲", criteria={}, user=U)
    rid = sr.add(con, investor="甲", criteria=CRITERIA, user=U)
    with pytest.raises(RequirementError, match="未知的状态"):
        sr.close(con, rid, "已完成", user=U)
    with pytest.raises(RequirementError, match="没有编号为 XQ0999"):
        sr.edit(con, "XQ0999", investor="乙", user=U)
    with pytest.raises(RequirementError, match="未知的匹配类别"):
        sr.acknowledge(con, rid, [("building", "F1")], user=U)


def test_county_scope_sees_and_writes_only_its_own(con, two):
    a = sr.add(con, investor="甲县客商", criteria=CRITERIA, user=U, counties=(two.a,))  # a county user's own county by default
    b = sr.add(con, investor="乙县客商", criteria=CRITERIA, user=U, county_adcode=two.b)
    city = sr.add(con, investor="全市客商", criteria=CRITERIA, user=U)
    assert sr.get(con, a)["county_adcode"] == two.a
    assert list(sr.load(con, county=(two.a,))["requirement_id"]) == [a]
    assert set(sr.load(con)["requirement_id"]) == {a, b, city}
    with pytest.raises(RequirementError, match="只能为本县"):
        sr.add(con, investor="越权", criteria=CRITERIA, user=U, county_adcode=two.b, counties=(two.a,))
    for write in (lambda: sr.edit(con, b, notes="改", user=U, counties=(two.a,)), lambda: sr.close(con, b, "已放弃", user=U, counties=(two.a,)),
                  lambda: sr.remove(con, b, user=U, counties=(two.a,)), lambda: sr.acknowledge(con, b, [("factory", "F1")], user=U, counties=(two.a,)),
                  lambda: sr.close(con, city, "已放弃", user=U, counties=(two.a,))):
        with pytest.raises(RequirementError, match="没有编号为"):
            write()
    assert sr.get(con, b)["status"] == sr.OPEN


def test_park_scope_is_its_parks_requirements(con, two):
    scope = _scope.make((two.a,), ("PA",))
    mine = sr.add(con, investor="园区客商", criteria=CRITERIA, user=U, counties=scope)
    sr.add(con, investor="县里客商", criteria=CRITERIA, user=U, county_adcode=two.a)
    row = sr.get(con, mine)
    assert (row["park_id"], row["county_adcode"]) == ("PA", two.a)
    assert list(sr.load(con, county=scope)["requirement_id"]) == [mine]
    assert set(sr.load(con, county=(two.a,))["requirement_id"]) == {mine, "XQ0002"}  # the county sees its parks' too
    with pytest.raises(RequirementError, match="只能为本园区"):
        sr.add(con, investor="越权", criteria=CRITERIA, user=U, park_id="PB", counties=scope)


def test_edit_close_reopen_and_conflict(con, two):
    rid = sr.add(con, investor="甲", criteria=CRITERIA, user=U, contact="王")
    before = sr.get(con, rid)
    assert sr.edit(con, rid, contact="", notes="看过两处", user=U) == {"contact": None, "notes": "看过两处"}
    assert sr.get(con, rid)["baseline_audit_id"] == before["baseline_audit_id"]  # same criteria: same baseline
    changes = sr.edit(con, rid, criteria={**CRITERIA, "min_clear_height_m": 8.0}, user=U)
    assert changes["criteria"] and changes["baseline_audit_id"] > before["baseline_audit_id"]
    version = int(sr.get(con, rid)["row_version"])
    sr.close(con, rid, "已签约", user=U, on=date(2018, 6, 20), note="签约入驻 3 号厂房", expected_version=version)
    row = sr.get(con, rid)
    assert (row["status"], row["closed_on"].date(), row["close_note"]) == ("已签约", date(2018, 6, 20), "签约入驻 3 号厂房")
    assert sr.load(con, status=[sr.OPEN]).empty
    with pytest.raises(ConflictError):
        sr.edit(con, rid, notes="过期的表单", user="李四", expected_version=version)
    sr.close(con, rid, sr.OPEN, user=U)
    row = sr.get(con, rid)
    assert row["status"] == sr.OPEN and row["close_note"] is None and pd.isna(row["closed_on"])


def test_acknowledge_upserts_and_remove_takes_the_acks_along(con, two):
    rid = sr.add(con, investor="甲", criteria=CRITERIA, user=U)
    other = sr.add(con, investor="乙", criteria=CRITERIA, user=U)
    assert sr.acknowledge(con, rid, [("factory", "F1"), ("asset", "A1"), ("factory", "F1")], user=U) == 2
    first = sr.acks(con, [rid]).set_index("item_id")["audit_id"]
    sr.acknowledge(con, other, [("factory", "F1")], user=U)
    sr.acknowledge(con, rid, [("factory", "F1")], user=U)  # read again later: the newer position
    again = sr.acks(con, [rid]).set_index("item_id")["audit_id"]
    assert again["F1"] > first["F1"] and again["A1"] == first["A1"]
    sr.remove(con, rid, user=U)
    assert list(sr.load(con)["requirement_id"]) == [other]
    assert list(sr.acks(con)["requirement_id"]) == [other]
    deleted = [r for r in audit_rows(con) if r[0] == "delete"]
    assert {(r[1], r[2]) for r in deleted} == {("saved_requirements", rid), ("requirement_acks", f"{rid}|factory|F1"),
                                               ("requirement_acks", f"{rid}|asset|A1")}
    assert len({b for (b,) in con.execute("SELECT DISTINCT batch_id FROM audit_log WHERE action = 'delete'").fetchall()}) == 1


def test_scope_rule_reaches_the_audit_trail(con, two):
    rid = sr.add(con, investor="甲", criteria=CRITERIA, user=U, county_adcode=two.a)
    assert _scope.record_in_scope(con, "saved_requirements", rid, (two.a,))
    assert not _scope.record_in_scope(con, "saved_requirements", rid, (two.b,))
    sr.acknowledge(con, rid, [("factory", "F1")], user=U)
    assert _scope.record_in_scope(con, "requirement_acks", f"{rid}|factory|F1", (two.a,))
    assert not _scope.record_in_scope(con, "requirement_acks", f"{rid}|factory|F1", _scope.make((two.a,), ("PA",)))
