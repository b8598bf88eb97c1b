"""``cli.py requirement list|add|close`` on a copy of the demo: the same layer, audit user and alerts as the page."""

from __future__ import annotations

import shutil

import pytest

import store
from layers import standard_factories
from tests.commands.test_admin_cli import run, run_json


@pytest.fixture
def db(demo_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_file, path)
    return path


def test_add_list_alert_close(db):
    code, out, err = run("requirement", "add", "--investor", "华中精密电子", "--county", "咸安区", "--min-area", 3000, "--max-area", 10000,
                         "--db", db)
    assert code == 0, err
    assert out.strip() == "已保存投资需求 XQ0001"
    (listed,) = run_json("requirement", "list", "--json", "--db", db)
    assert (listed["investor"], listed["county_adcode"], listed["new"]) == ("华中精密电子", "421202", [])
    assert listed["criteria"] == {"min_area_m2": 3000.0, "max_area_m2": 10000.0}
    con = store.connect(db)
    try:
        (fid, name) = con.execute("SELECT factory_id, name FROM standard_factories WHERE status = '已出租' AND county_adcode = '421202' "
                                  "AND floor_area_m2 BETWEEN 3000 AND 10000 ORDER BY factory_id LIMIT 1").fetchone()
        standard_factories.update(con, fid, {"status": "空置"}, user="园区")
    finally:
        con.close()
    (listed,) = run_json("requirement", "list", "--json", "--db", db)
    assert listed["new"] == [{"kind": "factory", "id": fid, "name": name, "why": "状态 已出租 → 空置"}]
    code, out, _ = run("requirement", "list", "--db", db)
    assert f"新增：{name}（状态 已出租 → 空置）" in out
    code, out, err = run("requirement", "close", "XQ0001", "--outcome", "已放弃", "--note", "客商转投外地", "--db", db)
    assert code == 0 and out.strip() == "XQ0001 已改为已放弃"
    assert run_json("requirement", "list", "--json", "--db", db) == []
    assert [r["status"] for r in run_json("requirement", "list", "--all", "--json", "--db", db)] == ["已放弃"]


def test_refusals_are_chinese_exit_2(db):
    code, _, err = run("requirement", "add", "--db", db)
    assert code == 2 and "--investor" in err
    code, _, err = run("requirement", "close", "XQ0404", "--db", db)
    assert code == 2 and "没有编号为 XQ0404 的投资需求" in err
    code, _, err = run("requirement", "add", "--investor", "甲", "--min-area", 5000, "--max-area", 100, "--db", db)
    assert code == 2 and "最小面积大于最大面积" in err
