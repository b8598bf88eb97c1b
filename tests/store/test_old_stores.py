"""Stores made by an earlier release open intact with this code.

The fixture stores in ``tests/fixtures/stores/`` were built by the release before schema versions (commit 04b27cc) with
``tests/fixtures/build_stores.py``, which also recorded that release's command-line output beside each store
(``NAME.expected.json``). Opened here (a copy), a store is backed up, upgraded to :data:`store.migrations.SCHEMA_VERSION`
once, answers ``summary``/``capacity``/``assets`` exactly as the old release did, and the months the old release
froze "on first use" are frozen months whose 月通报 figures are those of the old workbook.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

import layers
import store
from layers import months, project_history, reporting_units
from store import backup, migrations
from tests.commands.test_admin_cli import run, run_json

STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in STORES.glob("*.expected.json"))
#: the demo (1,216 projects, 18 months frozen by the upgrade) takes several seconds per command
PARAMS = [pytest.param(n, marks=pytest.mark.slow) if n == "demo" else n for n in NAMES]


def expected(name: str) -> dict:
    return json.loads((STORES / f"{name}.expected.json").read_text(encoding="utf-8"))


def fresh_copy(name: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.duckdb"
    shutil.copyfile(STORES / f"{name}.duckdb", path)
    return path


def raw(path: Path, sql: str, params=(), *, read_only: bool = False):
    """A plain DuckDB connection (no migration), closed afterwards."""
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fixture_stores_exist_and_are_small():
    assert NAMES == ["demo", "shangluo"]
    for name in NAMES:
        assert (STORES / f"{name}.duckdb").stat().st_size < 5 * 1024 * 1024
        assert expected(name)["commit"].startswith("04b27cc")


@pytest.mark.parametrize("name", PARAMS)
def test_fixture_is_an_unversioned_store(name, tmp_path):
    path = fresh_copy(name, tmp_path)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert migrations.version(con) == 0  # no store_meta: made before versions were kept
        assert "frozen_months" not in migrations._tables(con)
    finally:
        con.close()


@pytest.fixture(scope="module", params=PARAMS)
def opened(request, tmp_path_factory):
    """A copy of a fixture store opened once by this code's CLI (the first command upgrades it)."""
    name = request.param
    path = fresh_copy(name, tmp_path_factory.mktemp(f"old-{name}"))
    argv = expected(name)["outputs"]["summary"]["argv"]
    code, out, err = run(*argv, "--db", path)
    assert code == 0, err
    return name, path, json.loads(out), err


def test_first_open_upgrades_after_a_backup(opened):
    name, path, _, err = opened
    assert "数据库结构已从版本 0 升级到" in err
    (saved,) = (path.parent / "backups").glob("*.duckdb")
    assert saved.name.startswith(f"{name}-v0-")
    info = backup.check(saved)  # the backup is the store as the old release left it
    assert info["schema_version"] == 0
    assert {t: n for t, n in info["rows"].items() if t in expected(name)["rows"]} == expected(name)["rows"]
    con = store.connect(path)
    try:
        assert migrations.version(con) == migrations.SCHEMA_VERSION
        migrated = con.execute("SELECT count(*) FROM batches WHERE kind = 'migrate'").fetchone()[0]
        assert migrated == 1
    finally:
        con.close()


def test_summary_capacity_assets_answer_as_the_old_release_did(opened, tmp_path, monkeypatch):
    from analysis import capacity

    name, path, summary, _ = opened
    old = expected(name)["outputs"]
    # the old release counted 开工 projects' land in the reserve: the rule config/capacity.toml now calls "reserve"
    rule = tmp_path / "capacity.toml"
    rule.write_text('[land]\nstarted_projects = "reserve"\n', encoding="utf-8")
    monkeypatch.setattr(capacity, "CONFIG", rule)
    recorded = old["summary"]["json"]
    # every key the old release printed, with its value (indicators registered since are added, never changed)
    assert {k: summary[k] for k in recorded if k != "by_unit"} == {k: v for k, v in recorded.items() if k != "by_unit"}
    assert [{k: u[k] for k in was} for u, was in zip(summary["by_unit"], recorded["by_unit"], strict=True)] == recorded["by_unit"]
    for key, recorded in old.items():
        if key == "summary":
            continue
        assert run_json(*recorded["argv"], "--db", path) == recorded["json"], key


def test_data_is_intact(opened):
    name, path, _, _ = opened
    con = store.connect(path)
    try:
        counts = layers.row_counts(con)
    finally:
        con.close()
    old = expected(name)["rows"]
    assert {t: counts[t] for t in old if t in counts and t != "project_snapshots"} == {
        t: n for t, n in old.items() if t in counts and t != "project_snapshots"}
    # snapshots: the old ones all kept; the upgrade adds only comparison bases ('previous') of frozen months
    con = store.connect(path)
    try:
        own = con.execute("SELECT count(*) FROM project_snapshots WHERE coalesce(part, 'month') = 'month'").fetchone()[0]
    finally:
        con.close()
    assert own == old["project_snapshots"]


def test_every_old_row_is_kept_unchanged(opened):
    """Each row of every table the old release wrote (audit log included) is still there with the same values in the
    columns it had; only new columns, new tables and new rows (audit, frozen months, comparison bases) are added."""
    name, path, _, _ = opened
    (saved,) = (path.parent / "backups").glob("*.duckdb")
    con = store.connect(path)
    try:
        con.execute(f"ATTACH '{saved.as_posix()}' AS before_upgrade (READ_ONLY)")
        for table in expected(name)["rows"]:
            columns = [c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_catalog = "
                                                 "'before_upgrade' AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]
            values = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
            lost = con.execute(f"SELECT count(*) FROM (SELECT {values} FROM before_upgrade.{table} "
                               f"EXCEPT ALL SELECT {values} FROM main.{table})").fetchone()[0]
            assert lost == 0, f"{table}: {lost} rows changed or missing"
        con.execute("DETACH before_upgrade")
    finally:
        con.close()


def test_months_frozen_on_first_use_are_frozen_months_with_the_old_figures(opened):
    name, path, _, _ = opened
    old = expected(name)
    con = store.connect(path)
    try:
        assert [m for m in old["snapshot_months"] if not months.is_frozen(con, m)] == []
        frozen = months.frozen_months(con)
        assert sorted(frozen["month"]) == old["snapshot_months"]
        assert list(frozen.sort_values("seq")["month"]) == old["snapshot_months"]  # frozen oldest first
    finally:
        con.close()
    month = old["report"]["month"]
    figures = run_json("report", "--month", month, "--json", "--db", path)
    assert figures["frozen"] is True
    kpis = old["report"]["kpis"]
    names = list(kpis["total"])
    got = {u["unit"]: {"unit": u["unit"], **{k: u[k] for k in names}} for u in figures["by_unit"]}
    assert [got.get(u["unit"]) for u in kpis["by_unit"]] == kpis["by_unit"]
    assert {k: figures[k] for k in names} == kpis["total"]
    assert figures["supervision"] == kpis["supervision"]
    # a unit whose first ledger came after the month was published is listed with zeros (known bug, see
    # tests/layers/test_frozen_month_units.py); nothing else is added
    added = set(got) - {u["unit"] for u in kpis["by_unit"]}
    assert all(v in (0, None) for u in added for k, v in got[u].items() if k != "unit")


def workbook_cells(path: Path) -> dict:
    from importlib import util

    spec = util.spec_from_file_location("build_stores", STORES.parent / "build_stores.py")
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.workbook_cells(path)


@pytest.fixture(scope="module")
def workbooks(opened, tmp_path_factory):
    """(this code's workbook of the old release's frozen month, the old workbook, units added after it was published)."""
    name, path, _, _ = opened
    old = expected(name)["report"]
    out = tmp_path_factory.mktemp("workbook") / "report.xlsx"
    code, _, err = run("report", "--month", old["month"], "--out", out, "--db", path)
    assert code == 0, err
    units = {u["unit"] for u in old["kpis"]["by_unit"]}
    con = store.connect(path)
    try:
        added = set(reporting_units.load(con)["name"]) - units
    finally:
        con.close()
    return name, workbook_cells(out), old["workbook"], added


def test_the_frozen_months_workbook_is_the_old_one(workbooks):
    """Even with a unit that a later ledger added (shangluo: 商南县 after May was published): not in May's tables."""
    _, new, old, _ = workbooks
    assert new == old


def test_snapshot_rows_have_names_and_positions(opened):
    name, path, _, _ = opened
    con = store.connect(path)
    try:
        missing = con.execute("SELECT count(*) FROM project_snapshots s JOIN projects p USING (project_id) "
                              "WHERE s.name IS NULL OR (p.geom IS NOT NULL AND (s.lon IS NULL OR s.lat IS NULL))").fetchone()[0]
        located = con.execute("SELECT count(*) FROM project_snapshots WHERE lon IS NOT NULL").fetchone()[0]
    finally:
        con.close()
    assert missing == 0 and located > 0


def test_reopening_does_not_migrate_again(opened):
    name, path, _, _ = opened
    backups = sorted((path.parent / "backups").glob("*.duckdb"))
    code, _, err = run(*expected(name)["outputs"]["capacity"]["argv"], "--db", path)
    assert code == 0 and "升级" not in err
    con = store.connect(path)
    try:
        assert layers.create_all(con) == {"from": migrations.SCHEMA_VERSION, "to": migrations.SCHEMA_VERSION, "backup": None}
        assert con.execute("SELECT count(*) FROM batches WHERE kind = 'migrate'").fetchone()[0] == 1
        assert len(months.frozen_months(con)) == len(expected(name)["snapshot_months"])
    finally:
        con.close()
    assert sorted((path.parent / "backups").glob("*.duckdb")) == backups


def test_snapshots_older_than_their_columns_are_filled_from_the_projects(tmp_path):
    """Releases before 0c2830e stored snapshots without name, park, leader or position: the upgrade adds the columns
    and fills them from the projects, so the published month's lists and map show its projects again."""
    path = fresh_copy("shangluo", tmp_path)
    for column in project_history.ADDED_FIELDS:
        raw(path, f"ALTER TABLE project_snapshots DROP COLUMN {column}")
    truth = raw(STORES / "shangluo.duckdb", "SELECT snapshot_id, name, park_name, leader, lon, lat FROM project_snapshots ORDER BY 1",
                read_only=True)
    con = store.connect(path)
    try:
        done = layers.create_all(con)
        assert (done["from"], done["to"]) == (0, migrations.SCHEMA_VERSION)
        filled = con.execute("SELECT snapshot_id, name, park_name, leader, lon, lat FROM project_snapshots "
                             "WHERE coalesce(part, 'month') = 'month' ORDER BY 1").fetchall()
    finally:
        con.close()
    names = {row[0]: row[1] for row in truth}
    assert {row[0]: row[1] for row in filled} == names
    positions = {row[0]: row[4:] for row in truth}
    for row in filled:
        if positions[row[0]] != (None, None):
            assert row[4:] == pytest.approx(positions[row[0]], abs=1e-9)
    # the 2024-05 ledger's leaders (the June ledger changed one afterwards: filled from the project as it is now)
    assert {r[3] for r in filled} >= {"张三", "李四", "王五"}


def test_a_store_newer_than_this_code_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "newer.duckdb"
    con = store.connect(path)
    layers.create_all(con)
    con.execute("INSERT INTO dataset_info (key, value) VALUES ('label', '新版本的数据')")
    con.execute("UPDATE store_meta SET value = ? WHERE key = 'schema_version'", [str(migrations.SCHEMA_VERSION + 1)])
    con.close()
    before = digest(path)
    code, out, err = run("summary", "--json", "--db", path)
    assert code == 2 and out == ""
    assert "较新版本的程序" in err and f"结构版本 {migrations.SCHEMA_VERSION + 1}" in err
    con = store.connect(path)
    try:
        with pytest.raises(store.StoreError, match="请升级程序后再打开"):
            layers.create_all(con)
    finally:
        con.close()
    assert digest(path) == before
    assert not (path.parent / "backups").exists()  # nothing was backed up or upgraded
