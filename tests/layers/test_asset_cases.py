"""layers.asset_cases: stage history and meeting tasks, and the one-transaction stage change."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pytest

import layers
from layers import asset_cases, idle_assets
from layers.asset_cases import CaseError

U = "测试员"


@pytest.fixture
def asset(con, toy):
    idle_assets.insert(con, gpd.GeoDataFrame([{
        "asset_id": "A1", "name": "老粮站", "county_adcode": toy.a, "asset_type": "闲置厂房", "stage": "摸底清查", "mode": "出租",
        "book_value_wan": 1000.0, "planned_date": date(2018, 12, 31), "geometry": toy.point_a,
    }], geometry="geometry", crs=toy.crs), user=U)
    return "A1"


def stored(con, asset_id="A1"):
    return con.execute("SELECT stage, mode, counterpart, realised_value_wan, updated_by FROM idle_assets WHERE asset_id = ?",
                       [asset_id]).fetchone()


def test_tables_are_registered(con):
    assert asset_cases.EVENTS in layers.SPECS and asset_cases.TASKS in layers.SPECS
    names = {n for (n,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"asset_stage_history", "asset_tasks"} <= names


def test_change_stage_updates_asset_and_appends_history(con, asset):
    first = asset_cases.change_stage(con, asset, "制定方案", on=date(2018, 1, 10), user=U, note="一处一策方案通过")
    second = asset_cases.change_stage(con, asset, "招商推介", on=date(2018, 3, 1), user="李四", mode="出售/产权转让")
    assert stored(con)[:2] == ("招商推介", "出售/产权转让")
    assert stored(con)[4] == "李四"
    events = asset_cases.load_events(con)
    assert list(events["seq"]) == [1, 2]
    assert list(events["event_id"]) == ["A1#001", "A1#002"]
    assert list(events["from_stage"]) == ["摸底清查", "制定方案"]
    assert list(events["stage"]) == ["制定方案", "招商推介"]
    assert list(events["author"]) == [U, "李四"]
    assert list(events["mode"]) == ["出租", "出售/产权转让"]  # the asset's mode when none is given
    assert events["note"].iloc[0] == "一处一策方案通过"
    assert first["changed_on"] == date(2018, 1, 10) and second["seq"] == 2
    audit = con.execute("SELECT table_name, user_name FROM audit_log WHERE user_name = '李四' ORDER BY audit_id").fetchall()
    assert audit == [("idle_assets", "李四"), ("asset_stage_history", "李四")]


def test_change_stage_writes_result_fields_and_allows_going_back(con, asset):
    asset_cases.change_stage(con, asset, "签约", on=date(2018, 2, 1), user=U, counterpart="华鑫电子", realised_value_wan=800.0)
    assert stored(con)[:4] == ("签约", "出租", "华鑫电子", 800.0)
    asset_cases.change_stage(con, asset, "招商推介", on=date(2018, 2, 1), user=U, note="对方退出")  # same day is fine
    events = asset_cases.load_events(con)
    assert list(events["stage"]) == ["签约", "招商推介"]
    assert stored(con)[0] == "招商推介"


@pytest.mark.parametrize(("stage", "kwargs", "message"), [
    ("已盘活", {}, "未知的盘活阶段"),
    ("签约", {"mode": "送人"}, "未知的盘活方式"),
])
def test_change_stage_refuses_unknown_words(con, asset, stage, kwargs, message):
    with pytest.raises(CaseError, match=message):
        asset_cases.change_stage(con, asset, stage, on=date(2018, 1, 1), user=U, **kwargs)
    assert stored(con)[0] == "摸底清查"
    assert asset_cases.load_events(con).empty


def test_change_stage_refuses_unknown_asset_and_dates_out_of_order(con, asset):
    with pytest.raises(CaseError, match="没有编号为 A9"):
        asset_cases.change_stage(con, "A9", "签约", on=date(2018, 1, 1), user=U)
    asset_cases.change_stage(con, asset, "制定方案", on=date(2018, 5, 1), user=U)
    with pytest.raises(CaseError, match="早于"):
        asset_cases.change_stage(con, asset, "招商推介", on=date(2018, 4, 30), user=U)
    assert stored(con)[0] == "制定方案"
    assert len(asset_cases.load_events(con)) == 1


def test_change_stage_is_one_transaction(con, asset, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(asset_cases, "insert_events", broken)
    with pytest.raises(RuntimeError):
        asset_cases.change_stage(con, asset, "签约", on=date(2018, 1, 1), user=U)
    assert stored(con)[0] == "摸底清查"  # the asset update was rolled back with the failed history insert


def test_history_reads_in_date_then_sequence_order(con, asset):
    rows = asset_cases.event_rows(asset, [("摸底清查", date(2017, 5, 1), None, None), ("制定方案", date(2017, 9, 1), "出租", None)],
                                  author=U)
    asset_cases.insert_events(con, list(reversed(rows)), user=U)
    events = asset_cases.load_events(con, asset_ids=[asset])
    assert list(events["stage"]) == ["摸底清查", "制定方案"]
    assert list(events["from_stage"].fillna("")) == ["", "摸底清查"]
    assert asset_cases.load_events(con, asset_ids=["other"]).empty


def test_tasks(con, asset):
    t1 = asset_cases.add_task(con, asset, " 完成资产评估 ", user=U, due_on=date(2018, 6, 30), responsible="国资委（张三）",
                              meeting="推进会", meeting_on=date(2018, 3, 15))
    t2 = asset_cases.add_task(con, asset, "公开招租", user=U, due_on=date(2018, 4, 30))
    t3 = asset_cases.add_task(con, asset, "研究划转", user=U)
    assert (t1, t2, t3) == ("A1-T001", "A1-T002", "A1-T003")
    tasks = asset_cases.load_tasks(con)
    assert list(tasks["task_id"]) == ["A1-T002", "A1-T001", "A1-T003"]  # by due date, undated last
    assert tasks.set_index("task_id").at["A1-T001", "text"] == "完成资产评估"
    assert not tasks["done"].any()
    assert asset_cases.set_task_done(con, t2, done=True, on=date(2018, 4, 28), user=U)
    assert list(asset_cases.load_tasks(con, open_only=True)["task_id"]) == ["A1-T001", "A1-T003"]
    done = asset_cases.load_tasks(con).set_index("task_id").loc["A1-T002"]
    assert bool(done["done"]) and done["done_on"].date() == date(2018, 4, 28)
    assert asset_cases.set_task_done(con, t2, done=False, on=None, user=U)
    assert len(asset_cases.load_tasks(con, open_only=True)) == 3
    assert not asset_cases.set_task_done(con, "nope", done=True, on=None, user=U)


def test_task_ids_skip_deleted_numbers_and_refuse_bad_input(con, asset):
    asset_cases.add_task(con, asset, "甲", user=U)
    asset_cases.add_task(con, asset, "乙", user=U)
    asset_cases.delete_task(con, "A1-T001", user=U)
    assert asset_cases.add_task(con, asset, "丙", user=U) == "A1-T003"
    with pytest.raises(CaseError, match="不能为空"):
        asset_cases.add_task(con, asset, "  ", user=U)
    with pytest.raises(CaseError, match="没有编号"):
        asset_cases.add_task(con, "A9", "丁", user=U)


def test_a_county_scoped_user_cannot_change_another_countys_asset(demo_copy):
    from layers import asset_cases, idle_assets

    assets = idle_assets.load(demo_copy)
    asset = assets.iloc[0]
    other = next(c for c in assets["county_adcode"].unique() if c != asset["county_adcode"])
    with pytest.raises(asset_cases.CaseError, match="没有编号为"):
        asset_cases.change_stage(demo_copy, asset["asset_id"], "制定方案", on=date(2018, 6, 30), user="乙县", counties=(other,))
    with pytest.raises(asset_cases.CaseError, match="没有编号为"):
        asset_cases.add_task(demo_copy, asset["asset_id"], "核查", user="乙县", counties=(other,))
    assert idle_assets.load(demo_copy).set_index("asset_id").at[asset["asset_id"], "stage"] == asset["stage"]
    asset_cases.change_stage(demo_copy, asset["asset_id"], "制定方案", on=date(2018, 6, 30), user="甲县", counties=(asset["county_adcode"],))
