"""Concurrent writes on one DuckDB file the way the app makes them: one ``store.connect(path)`` connection shared by
every session, one ``con.cursor()`` per thread (``ui.data.cursor()``), started together with a barrier.

Imports racing on one record, a stale preview, stage changes and target saves from forms drawn at the same version,
tasks added at once, ten freezes of one month, and undo (of a batch, and refused after a later change)."""

from __future__ import annotations

import csv
import io
import shutil
import threading
from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

import layers
import store
from imports.projects import import_projects
from layers import asset_cases, idle_assets, months, projects, regions, targets
from layers.vocab import ASSET_STAGES
from store import audit, undo

USER = "测试"
SHANGZHOU = "611002"
ROUNDS = 4


def ledger(rows, *, header=("项目名称", "县区", "到位资金（万元）", "包抓领导"), title="商州区招商项目台账（截至2024年6月30日）") -> bytes:
    """A small CSV project ledger (a blank cell keeps the stored value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([[title], list(header), *[["" if v is None else v for v in row] for row in rows]])
    return out.getvalue().encode("utf-8")


BASE = ledger([["光伏支架项目", "商州区", 12000, 1000, "张三", "已签约", "2024-03-15"],
               ["核桃深加工项目", "商州区", 8000, 500, "李四", "已签约", "2024-04-20"]],
              header=("项目名称", "县区", "合同投资（万元）", "到位资金（万元）", "包抓领导", "项目进度", "签约时间"))


@pytest.fixture(scope="module")
def base_file(tmp_path_factory):
    """商洛市 regions and two imported projects, closed (copied per test)."""
    path = tmp_path_factory.mktemp("concurrency") / "base.duckdb"
    con = store.connect(path)
    layers.create_all(con)
    regions.import_region(con, "商洛市", user=USER)
    report = import_projects(con, BASE, filename="base.csv", user=USER)
    assert report.imported == 2 and not report.rejected
    con.close()
    return path


@pytest.fixture
def shared(base_file, tmp_path):
    """The app's shape: one connection to a file store, shared by the threads (each takes a cursor)."""
    path = tmp_path / "shared.duckdb"
    shutil.copyfile(base_file, path)
    con = store.connect(path)
    yield con
    con.close()


def race(con, *calls, timeout=60):
    """Run each ``call(cursor)`` in its own thread with its own cursor, all released at once by a barrier.
    Returns one ``("ok", value)`` or ``("error", exception)`` per call, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def work(i, call):
        cursor = con.cursor()
        try:
            barrier.wait(timeout)
            results[i] = ("ok", call(cursor))
        except BaseException as exc:  # noqa: BLE001 - reported to the test, not swallowed
            results[i] = ("error", exc)
        finally:
            cursor.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a racing write did not finish (deadlock?)"
    return results


def values(results):
    errors = [r for kind, r in results if kind == "error"]
    if errors:
        raise errors[0]
    return [r for _, r in results]


def project(con, name="光伏支架项目") -> dict:
    return projects.load(con).set_index("name").loc[name].to_dict()


def changes_of(con, batch_id: str, table: str = "projects") -> dict:
    frame = audit.load(con, batch_id=batch_id, table=table)
    return {r["record_id"]: r["changes"] for r in frame.to_dict("records")}


# --- imports ------------------------------------------------------------------------------------------------------


def test_two_imports_racing_on_one_record_lose_nothing(shared):
    pid = project(shared)["project_id"]
    for i in range(ROUNDS):
        before = project(shared)
        funds, leader = 2000.0 + i, f"王{i}"
        money = ledger([["光伏支架项目", "商州区", funds, None]])  # 包抓领导 left blank: keeps the stored one
        people = ledger([["光伏支架项目", "商州区", None, leader]])  # 到位资金 left blank
        first, second = values(race(shared,
                                    lambda cur, money=money: import_projects(cur, money, filename="funds.csv", user="甲"),
                                    lambda cur, people=people: import_projects(cur, people, filename="leader.csv", user="乙")))
        after = project(shared)
        assert (after["funds_in_place_wan"], after["leader"]) == (funds, leader)  # both changes kept
        assert after["row_version"] == before["row_version"] + 2
        assert (first.updated, second.updated) == (1, 1) and not first.rejected and not second.rejected
        assert first.batch_id != second.batch_id
        assert changes_of(shared, first.batch_id) == {pid: {"funds_in_place_wan": [before["funds_in_place_wan"], funds]}}
        assert changes_of(shared, second.batch_id) == {pid: {"leader": [before["leader"], leader]}}
        kinds = dict(shared.execute("SELECT batch_id, kind FROM batches WHERE batch_id IN (?, ?)",
                                    [first.batch_id, second.batch_id]).fetchall())
        assert kinds == {first.batch_id: "import", second.batch_id: "import"}


def test_many_imports_racing_on_one_record_each_see_the_one_before(shared):
    """Six ledgers each setting 到位资金: every one is applied in turn, each audited from the value the previous left."""
    amounts = [3000.0 + 10 * i for i in range(6)]
    reports = values(race(shared, *[
        (lambda cur, a=a: import_projects(cur, ledger([["光伏支架项目", "商州区", a, None]]), filename=f"{a}.csv", user=USER))
        for a in amounts]))
    assert all(r.updated == 1 for r in reports)
    steps = [changes_of(shared, r.batch_id)[project(shared)["project_id"]]["funds_in_place_wan"] for r in reports]
    chain = {old: new for old, new in steps}
    value, seen = 1000.0, []  # the base ledger's amount: follow old → new through all six batches
    while value in chain:
        value = chain.pop(value)
        seen.append(value)
    assert sorted(seen) == amounts and not chain
    assert project(shared)["funds_in_place_wan"] == seen[-1]


def test_commit_with_a_stale_preview_is_refused(shared):
    mine = ledger([["光伏支架项目", "商州区", 4000, None]])
    preview_cursor, other_cursor = shared.cursor(), shared.cursor()
    preview = import_projects(preview_cursor, mine, filename="mine.csv", user="甲", dry_run=True)
    assert preview.dry_run and preview.updated == 1 and preview.fingerprint
    assert project(shared)["funds_in_place_wan"] == 1000.0  # a preview writes nothing
    other = import_projects(other_cursor, ledger([["光伏支架项目", "商州区", 4500, None]]), filename="other.csv", user="乙")
    assert other.updated == 1
    batches_before = shared.execute("SELECT count(*) FROM batches").fetchone()[0]
    with pytest.raises(store.ConflictError, match="该记录已被他人修改，请刷新后重试"):
        import_projects(preview_cursor, mine, filename="mine.csv", user="甲", expect=preview.fingerprint)
    assert project(shared)["funds_in_place_wan"] == 4500.0  # the other import's value stands
    assert shared.execute("SELECT count(*) FROM batches").fetchone()[0] == batches_before  # the refused commit left no batch
    again = import_projects(preview_cursor, mine, filename="mine.csv", user="甲", dry_run=True)
    done = import_projects(preview_cursor, mine, filename="mine.csv", user="甲", expect=again.fingerprint)
    assert done.updated == 1 and project(shared)["funds_in_place_wan"] == 4000.0
    assert changes_of(shared, done.batch_id) == {project(shared)["project_id"]: {"funds_in_place_wan": [4500.0, 4000.0]}}
    preview_cursor.close()
    other_cursor.close()


def test_preview_still_matches_when_the_other_import_changed_another_field(shared):
    """The fingerprint is what the commit would write: another field changed meanwhile does not stale it, and both stay."""
    mine = ledger([["光伏支架项目", "商州区", 4000, None]])
    preview = import_projects(shared.cursor(), mine, filename="mine.csv", user="甲", dry_run=True)
    import_projects(shared.cursor(), ledger([["光伏支架项目", "商州区", None, "赵六"]]), filename="other.csv", user="乙")
    done = import_projects(shared.cursor(), mine, filename="mine.csv", user="甲", expect=preview.fingerprint)
    assert done.fingerprint == preview.fingerprint
    assert (project(shared)["funds_in_place_wan"], project(shared)["leader"]) == (4000.0, "赵六")


# --- stage changes, tasks, targets --------------------------------------------------------------------------------


@pytest.fixture
def asset(shared):
    idle_assets.insert(shared, gpd.GeoDataFrame([{
        "asset_id": "A1", "name": "老粮站", "county_adcode": SHANGZHOU, "asset_type": "闲置厂房", "stage": "摸底清查",
        "mode": "出租", "book_value_wan": 1000.0, "geometry": Point(109.94, 33.87)}], geometry="geometry", crs="EPSG:4326"),
        user=USER)
    return "A1"


def asset_version(con, asset_id="A1") -> int:
    return con.execute("SELECT row_version FROM idle_assets WHERE asset_id = ?", [asset_id]).fetchone()[0]


def test_two_stage_changes_from_one_form_version_one_wins(shared, asset):
    for round_no in range(ROUNDS):
        version = asset_version(shared)
        (current,) = shared.execute("SELECT stage FROM idle_assets WHERE asset_id = ?", [asset]).fetchone()
        a, b = [s for s in ASSET_STAGES if s != current][round_no % 3:][:2]  # both differ from the stage the form shows
        events = len(asset_cases.load_events(shared, asset_ids=[asset]))
        on = date(2024, 1, 1 + round_no)
        results = race(shared, *[
            (lambda cur, stage=stage, who=who, on=on, version=version:
             asset_cases.change_stage(cur, asset, stage, on=on, user=who, expected_version=version))
            for stage, who in ((a, "甲"), (b, "乙"))])
        ok = [r for kind, r in results if kind == "ok"]
        failed = [r for kind, r in results if kind == "error"]
        assert len(ok) == 1 and len(failed) == 1, results
        assert isinstance(failed[0], store.ConflictError) and str(failed[0]) == "该记录已被他人修改，请刷新后重试"
        winner = ok[0]
        stage, updated_by, row_version = shared.execute(
            "SELECT stage, updated_by, row_version FROM idle_assets WHERE asset_id = ?", [asset]).fetchone()
        assert stage == winner["stage"] and updated_by == winner["author"] and row_version == version + 1
        history = asset_cases.load_events(shared, asset_ids=[asset])
        assert len(history) == events + 1  # exactly one new event, the winner's
        assert history.iloc[-1]["stage"] == winner["stage"] and history.iloc[-1]["seq"] == events + 1
    stage_batches = shared.execute("SELECT count(*) FROM batches WHERE kind = 'stage'").fetchone()[0]
    assert stage_batches == ROUNDS  # the losers' batches were rolled back


def test_stage_changes_without_a_form_version_both_apply_in_turn(shared, asset):
    results = values(race(shared,
                          lambda cur: asset_cases.change_stage(cur, asset, "制定方案", on=date(2024, 2, 1), user="甲"),
                          lambda cur: asset_cases.change_stage(cur, asset, "招商推介", on=date(2024, 2, 1), user="乙")))
    history = asset_cases.load_events(shared, asset_ids=[asset])
    assert sorted(history["seq"]) == [1, 2] and len(set(history["event_id"])) == 2
    first, second = sorted(results, key=lambda r: r["seq"])
    assert second["from_stage"] == first["stage"]  # the second saw the first's result
    assert asset_version(shared) == 3


def test_a_change_to_the_current_stage_still_stales_other_forms(shared, asset):
    version = asset_version(shared)
    asset_cases.change_stage(shared, asset, "摸底清查", on=date(2024, 3, 1), user="甲", note="复核", expected_version=version)
    with pytest.raises(store.ConflictError):
        asset_cases.change_stage(shared, asset, "制定方案", on=date(2024, 3, 1), user="乙", expected_version=version)


def test_tasks_added_at_once_get_distinct_ids(shared, asset):
    ids = values(race(shared, *[(lambda cur, i=i: asset_cases.add_task(cur, asset, f"任务{i}", user=f"用户{i}")) for i in range(2)]))
    assert len(set(ids)) == 2
    more = values(race(shared, *[(lambda cur, i=i: asset_cases.add_task(cur, asset, f"会议{i}", user=USER)) for i in range(6)]))
    tasks = asset_cases.load_tasks(shared, asset_ids=[asset])
    assert sorted(tasks["task_id"]) == sorted(ids + more) and len(tasks) == 8
    assert sorted(tasks["task_id"]) == [f"A1-T{n:03d}" for n in range(1, 9)]


def test_two_target_saves_on_one_cell_one_wins(shared):
    cell = {"year": 2024, "unit_id": "U1", "indicator": "signed_projects"}
    targets.insert(shared, pd.DataFrame([{**cell, "target_id": targets.target_id(2024, "U1", "signed_projects"),
                                          "target_value": 30.0}]), user=USER)
    for round_no in range(ROUNDS):
        loaded = targets.load(shared, year=2024)  # both forms drawn from the same state
        mine, theirs = 40.0 + round_no, 50.0 + round_no
        results = race(shared, *[
            (lambda cur, value=value, who=who, loaded=loaded:
             (value, targets.save(cur, pd.DataFrame([{**cell, "target_value": value}]), [], user=who, expected=loaded)))
            for value, who in ((mine, "甲"), (theirs, "乙"))])
        ok = [r for kind, r in results if kind == "ok"]
        failed = [r for kind, r in results if kind == "error"]
        assert len(ok) == 1 and len(failed) == 1, results
        assert isinstance(failed[0], store.ConflictError) and str(failed[0]).startswith(store.ConflictError.MESSAGE)
        winner_value = ok[0][0]
        assert targets.load(shared, year=2024)["target_value"].tolist() == [winner_value]


# --- freezing -----------------------------------------------------------------------------------------------------


def test_ten_freezes_of_one_month_store_it_once(shared):
    assert not months.is_frozen(shared, "2024-05")
    done = values(race(shared, *[(lambda cur, i=i: months.freeze(cur, "2024-05", user=f"管理员{i}")) for i in range(10)]))
    assert sorted(d.already for d in done) == [False] + [True] * 9
    assert {d.seq for d in done} == {1} and {d.projects for d in done} == {2}
    assert shared.execute("SELECT count(*) FROM frozen_months").fetchone()[0] == 1
    parts = dict(shared.execute("SELECT part, count(*) FROM project_snapshots WHERE month = '2024-05' GROUP BY part").fetchall())
    assert parts == {"month": 2, "previous": 2}  # each written once
    first = next(d for d in done if not d.already)
    assert first.month == "2024-05" and months.is_frozen(shared, "2024-05")
    # one 冻结 batch, by the one who froze it (the nine others found it frozen and wrote nothing, not even a batch)
    freezes = shared.execute("SELECT user_name FROM batches WHERE kind = 'freeze'").fetchall()
    assert freezes == [(months.frozen_months(shared)["created_by"].iloc[0],)]


# --- undo ---------------------------------------------------------------------------------------------------------


def rows_without_stamps(con) -> dict:
    """Every product table's rows (stamps left out), geometry as WKB, sorted: what an undo must give back."""
    out = {}
    for spec in layers.SPECS:
        cols = [n for n in spec.names] + (["ST_AsWKB(geom) AS geom"] if spec.has_geometry else [])
        rows = con.execute(f"SELECT {', '.join(cols)} FROM {spec.table} ORDER BY {spec.key}").fetchall()
        out[spec.table] = [tuple(bytes(v) if isinstance(v, (bytes, bytearray, memoryview)) else v for v in r) for r in rows]
    return out


UPDATE = ledger(
    [["光伏支架项目", "商州区", 2500, "王五", "已开工", "2024-06-01", "109.95,33.88"],  # changed, stage moves, gets a position
     ["核桃深加工项目", "商州区", None, None, "已签约", None, None],  # unchanged (blanks keep, same stage)
     ["电子玻璃项目", "商州区", 800, "赵六", "已签约", None, None]],  # new
    header=("项目名称", "县区", "到位资金（万元）", "包抓领导", "项目进度", "开工时间", "经纬度（GPS）"),
    title="商州区招商项目台账（截至2024年7月31日）")


def test_undo_returns_every_record_to_its_earlier_values(shared):
    before = rows_without_stamps(shared)
    as_of_before = shared.execute("SELECT value FROM dataset_info WHERE key = 'as_of'").fetchone()
    report = import_projects(shared.cursor(), UPDATE, filename="update.csv", user="甲")
    assert (report.imported, report.updated, report.unchanged) == (1, 1, 1) and report.events >= 2, report.to_dict()
    assert not report.rejected
    after = rows_without_stamps(shared)
    assert after != before
    assert project(shared)["geometry"] is not None and project(shared)["stage"] == "开工"
    made = undo.undo(shared.cursor(), report.batch_id, layers.SPEC_BY_TABLE, user="管理员")
    assert rows_without_stamps(shared) == before
    assert shared.execute("SELECT value FROM dataset_info WHERE key = 'as_of'").fetchone() == as_of_before
    status = shared.execute("SELECT status, undone_by FROM batches WHERE batch_id = ?", [report.batch_id]).fetchone()
    assert status == ("undone", made.batch_id)
    undone = audit.load(shared, batch_id=made.batch_id)
    assert set(undone["table_name"]) >= {"projects", "project_stage_history"}
    with pytest.raises(audit.UndoError, match="已经撤销过"):
        undo.undo(shared, report.batch_id, layers.SPEC_BY_TABLE, user="管理员")


def test_undo_after_a_later_change_is_refused_and_writes_nothing(shared):
    report = import_projects(shared.cursor(), UPDATE, filename="update.csv", user="甲")
    later = import_projects(shared.cursor(), ledger([["光伏支架项目", "商州区", 2600, None]]), filename="later.csv", user="乙")
    assert later.updated == 1
    pid = project(shared)["project_id"]
    state = rows_without_stamps(shared)
    log = shared.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    batches = shared.execute("SELECT batch_id, status FROM batches ORDER BY batch_id").fetchall()
    with pytest.raises(audit.UndoError) as refused:
        undo.undo(shared.cursor(), report.batch_id, layers.SPEC_BY_TABLE, user="管理员")
    message = str(refused.value)
    assert pid in message and "又被修改" in message and "电子玻璃" not in message
    assert rows_without_stamps(shared) == state
    assert shared.execute("SELECT count(*) FROM audit_log").fetchone()[0] == log
    assert shared.execute("SELECT batch_id, status FROM batches ORDER BY batch_id").fetchall() == batches
    # the later batch itself can be undone: then the first one can too
    undo.undo(shared, later.batch_id, layers.SPEC_BY_TABLE, user="管理员")
    undo.undo(shared, report.batch_id, layers.SPEC_BY_TABLE, user="管理员")
    assert project(shared)["funds_in_place_wan"] == 1000.0 and project(shared)["leader"] == "张三"


def test_two_undos_racing_on_one_batch_one_wins(shared):
    report = import_projects(shared.cursor(), UPDATE, filename="update.csv", user="甲")
    before_log = shared.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    results = race(shared, *[(lambda cur: undo.undo(cur, report.batch_id, layers.SPEC_BY_TABLE, user="管理员")) for _ in range(2)])
    ok = [r for kind, r in results if kind == "ok"]
    failed = [r for kind, r in results if kind == "error"]
    assert len(ok) == 1 and len(failed) == 1 and isinstance(failed[0], audit.UndoError), results
    assert "已经撤销过" in str(failed[0])
    assert shared.execute("SELECT count(*) FROM batches WHERE kind = 'undo'").fetchone()[0] == 1
    assert shared.execute("SELECT count(*) FROM audit_log").fetchone()[0] > before_log
    assert project(shared)["funds_in_place_wan"] == 1000.0



def test_two_undos_racing_on_an_insert_only_batch_one_wins(shared):
    """A batch that only added records: the second undo must see the first (not delete nothing and mark it undone again)."""
    for i in range(ROUNDS):
        report = import_projects(shared.cursor(), ledger([[f"新项目{i}", "商州区", 100, None, "已签约", "2024-06-01"]],
                                                         header=("项目名称", "县区", "到位资金（万元）", "包抓领导", "项目进度", "签约时间")),
                                 filename=f"new{i}.csv", user="甲")
        assert report.imported == 1 and report.updated == 0
        batch = report.batch_id
        results = race(shared, *[(lambda cur, batch=batch: undo.undo(cur, batch, layers.SPEC_BY_TABLE, user="管理员")) for _ in range(2)])
        ok = [r for kind, r in results if kind == "ok"]
        failed = [r for kind, r in results if kind == "error"]
        assert len(ok) == 1 and len(failed) == 1, results
        assert isinstance(failed[0], audit.UndoError) and "已经撤销过" in str(failed[0])
        (undone_by,) = shared.execute("SELECT undone_by FROM batches WHERE batch_id = ?", [report.batch_id]).fetchone()
        assert undone_by == ok[0].batch_id
        assert f"新项目{i}" not in set(projects.load(shared)["name"])


def test_reimport_with_a_blank_stage_cell_keeps_the_stored_stage(shared):
    report = import_projects(shared.cursor(), ledger([["核桃深加工项目", "商州区", 900, None, None], ["光伏支架项目", "商州区", None, None, "已签约"]],
                                                     header=("项目名称", "县区", "到位资金（万元）", "包抓领导", "项目进度")),
                             filename="blank-stage.csv", user="甲")
    assert report.updated == 1 and report.events == 0
    assert project(shared, "核桃深加工项目")["stage"] == "签约"
