"""``cli.py backup`` / ``cli.py restore``: a backup restored elsewhere answers exactly as the store did, restore saves
what it replaces, a backup holds committed writes still in the WAL, and unusable or newer backups are refused in Chinese."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import cli
import layers
import store
from layers import asset_cases, targets
from store import backup, migrations
from tests.commands.test_admin_cli import run, run_json

OUTPUTS = (("summary", "--from", "2018-01", "--to", "2018-06", "--json"), ("capacity", "--json"), ("assets", "--json"))


def answers(db: Path, only: tuple[str, ...] | None = None) -> dict:
    return {argv[0]: run_json(*argv, "--db", db) for argv in OUTPUTS if only is None or argv[0] in only}


def rows(db: Path, sql: str, params=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def first_open_asset(con) -> tuple[str, int]:
    return con.execute("SELECT asset_id, row_version FROM idle_assets WHERE stage = '摸底清查' ORDER BY asset_id LIMIT 1").fetchone()


@pytest.mark.slow  # builds the demo once per session (shared with other tests) and queries it
def test_backup_restored_elsewhere_answers_the_same(demo_copy, tmp_path):
    source = Path(demo_copy.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0])
    asset_id, version = first_open_asset(demo_copy)
    asset_cases.change_stage(demo_copy, asset_id, "制定方案", on=date(2018, 6, 30), user="测试", expected_version=version)
    targets.save(demo_copy, pd.DataFrame([{"year": 2018, "unit_id": "421202", "indicator": "signed_projects", "target_value": 77.0}]),
                 [], user="测试")
    before = answers(source)
    out = tmp_path / "backups" / "b.duckdb"
    made = run_json("backup", "--out", out, "--db", source)
    assert made["backup"] == str(out) and made["schema_version"] == migrations.SCHEMA_VERSION and made["bytes"] == out.stat().st_size
    assert made["rows"]["projects"] == 1216
    other = tmp_path / "other.duckdb"
    restored = run_json("restore", out, "--db", other)
    assert restored["restored"] == str(other) and restored["previous_saved_as"] is None  # nothing there to save
    assert answers(other) == before
    assert rows(other, "SELECT stage FROM idle_assets WHERE asset_id = ?", [asset_id]) == [("制定方案",)]
    assert rows(other, "SELECT target_value FROM targets WHERE target_id = '2018|421202|signed_projects'") == [(77.0,)]
    # the restored store keeps working: its audit sequence went along, so new audit rows do not collide
    con = store.connect(other)
    try:
        layers.create_all(con)
        asset_cases.change_stage(con, asset_id, "招商推介", on=date(2018, 6, 30), user="测试")
        ids = con.execute("SELECT count(*), count(DISTINCT audit_id) FROM audit_log").fetchone()
        assert ids[0] == ids[1]
    finally:
        con.close()


@pytest.mark.slow  # builds the demo once per session (shared with other tests) and queries it
def test_restore_over_an_existing_store_saves_it_first(demo_file, tmp_path):
    target = tmp_path / "live.duckdb"
    shutil.copyfile(demo_file, target)
    con = store.connect(target)
    asset_id, version = first_open_asset(con)
    out = tmp_path / "b.duckdb"
    backup.backup(con, out)  # before the change below
    asset_cases.change_stage(con, asset_id, "签约", on=date(2018, 6, 30), user="测试", expected_version=version)
    con.close()
    changed = answers(target, ("assets",))
    restored = run_json("restore", out, "--db", target)
    saved = Path(restored["previous_saved_as"])
    assert saved.parent == target.parent and saved.name.startswith("live.before-restore-") and saved.suffix == ".duckdb"
    assert rows(target, "SELECT stage FROM idle_assets WHERE asset_id = ?", [asset_id]) == [("摸底清查",)]
    assert rows(saved, "SELECT stage FROM idle_assets WHERE asset_id = ?", [asset_id]) == [("签约",)]  # what was replaced
    assert answers(saved, ("assets",)) == changed
    assert not Path(str(target) + ".wal").exists()


def test_a_backup_includes_a_committed_write_still_in_the_wal(tmp_path):
    path = tmp_path / "live.duckdb"
    con = store.connect(path)
    try:
        con.execute("SET checkpoint_threshold = '1GB'")  # keep the write in the WAL (no automatic checkpoint)
        layers.create_all(con)
        con.execute("CHECKPOINT")
        targets.insert(con, pd.DataFrame([{"target_id": "2024|U1|signed_projects", "year": 2024, "unit_id": "U1",
                                           "indicator": "signed_projects", "target_value": 12.0}]), user="测试")
        wal = Path(str(path) + ".wal")
        assert wal.exists() and wal.stat().st_size > 0  # committed, not checkpointed
        copied = tmp_path / "copied.duckdb"
        shutil.copyfile(path, copied)  # what copying the file by hand gives
        out = backup.backup(con, tmp_path / "b.duckdb")  # through the open connection, as the app does
    finally:
        con.close()
    assert rows(out, "SELECT target_value FROM targets") == [(12.0,)]
    assert rows(copied, "SELECT count(*) FROM targets") == [(0,)]  # the file alone lacks the write
    assert not Path(str(out) + ".wal").exists()


def test_cli_backup_of_the_running_store_includes_unflushed_writes(tmp_path):
    path = tmp_path / "live.duckdb"
    con = store.connect(path)
    try:
        con.execute("SET checkpoint_threshold = '1GB'")
        layers.create_all(con)
        con.execute("CHECKPOINT")
        targets.insert(con, pd.DataFrame([{"target_id": "2024|U1|signed_projects", "year": 2024, "unit_id": "U1",
                                           "indicator": "signed_projects", "target_value": 12.0}]), user="测试")
        assert Path(str(path) + ".wal").exists()
        made = run_json("backup", "--out", tmp_path / "b.duckdb", "--db", path)  # same process: the same open database
    finally:
        con.close()
    assert made["rows"]["targets"] == 1


def test_restore_refuses_a_file_that_is_not_a_store(tmp_path):
    target = tmp_path / "live.duckdb"
    con = store.connect(target)
    layers.create_all(con)
    con.close()
    before = target.read_bytes()
    fake = tmp_path / "fake.duckdb"
    fake.write_text("这不是数据库", encoding="utf-8")
    code, out, err = run("restore", fake, "--db", target)
    assert (code, out) == (2, "") and err.startswith("错误：不是可用的数据库备份：fake.duckdb")
    code, _, err = run("restore", tmp_path / "missing.duckdb", "--db", target)
    assert code == 2 and "找不到备份文件" in err
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    code, _, err = run("restore", empty, "--db", target)
    assert code == 2 and "备份文件是空的数据库" in err
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.duckdb", "fake.duckdb", "live.duckdb"]


def test_restore_refuses_a_store_newer_than_the_code(tmp_path):
    newer = tmp_path / "newer.duckdb"
    con = store.connect(newer)
    layers.create_all(con)
    con.execute("UPDATE store_meta SET value = ? WHERE key = 'schema_version'", [str(migrations.SCHEMA_VERSION + 1)])
    con.close()
    target = tmp_path / "live.duckdb"
    code, out, err = run("restore", newer, "--db", target)
    assert (code, out) == (2, "")
    assert f"备份由较新版本的程序建立（结构版本 {migrations.SCHEMA_VERSION + 1}），请先升级程序" in err
    assert not target.exists()


def test_restore_refuses_a_store_in_use_by_another_process(tmp_path):
    target = tmp_path / "live.duckdb"
    con = store.connect(target)
    layers.create_all(con)
    out = backup.backup(con, tmp_path / "b.duckdb")
    con.close()
    holding = "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"
    with subprocess.Popen([sys.executable, "-c", holding, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                          env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}) as holder:
        try:
            assert holder.stdout.readline().strip() == "ready"  # the other process holds the write lock
            before = target.read_bytes()
            code, _, err = run("restore", out, "--db", target)
            assert code == 2 and "正被其他程序（如正在运行的应用）使用：请先停止应用再恢复" in err
            assert target.read_bytes() == before
        finally:
            holder.stdin.close()  # it reads stdin to the end, then exits
            holder.wait(timeout=30)


@pytest.mark.parametrize("kind", ["backup", "restore"])
def test_help_is_chinese(kind, capsys):
    with pytest.raises(SystemExit):
        cli.main([kind, "-h"])
    assert "备份" in capsys.readouterr().out


def test_backup_onto_the_store_itself_is_refused(tmp_path):
    path = tmp_path / "live.duckdb"
    con = store.connect(path)
    layers.create_all(con)
    con.close()
    code, out, err = run("backup", "--out", path, "--db", path)
    assert (code, out) == (2, "") and "备份文件不能是数据库本身" in err
    con = store.connect(path)
    try:  # before: the open file was replaced by the copy, and every later write went to the deleted file
        targets.insert(con, pd.DataFrame([{"target_id": "2024|U1|signed_projects", "year": 2024, "unit_id": "U1",
                                           "indicator": "signed_projects", "target_value": 12.0}]), user="测试")
    finally:
        con.close()
    assert rows(path, "SELECT count(*) FROM targets") == [(1,)]
