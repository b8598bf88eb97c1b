"""store.undo refuses what it cannot take back record by record: a frozen month (its snapshot is logged as a whole)."""

from __future__ import annotations

import contextlib
import csv
import io
import shutil

import pytest

import cli
import layers
import store
from imports.projects import import_projects
from layers import months, regions
from store import audit, undo

USER = "测试"


def ledger(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([["台账（截至2024年6月30日）"], ["项目名称", "县区", "合同投资（万元）", "项目进度", "签约时间"],
                                                    *rows])
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    path = tmp_path_factory.mktemp("undo") / "s.duckdb"
    con = store.connect(path)
    layers.create_all(con)
    regions.import_region(con, "商洛市", user=USER)
    import_projects(con, ledger([["光伏支架项目", "商州区", 12000, "已签约", "2024-03-15"]]), filename="a.csv", user=USER)
    months.freeze(con, "2024-05", user=USER)
    con.close()
    return path


@pytest.fixture
def db(base, tmp_path):
    path = tmp_path / "s.duckdb"
    shutil.copyfile(base, path)
    return path


def freeze_batch(con) -> str:
    return con.execute("SELECT batch_id FROM batches WHERE kind = 'freeze'").fetchone()[0]


def test_a_frozen_month_cannot_be_undone(db):
    con = store.connect(db)
    try:
        batch = freeze_batch(con)
        snapshots = con.execute("SELECT count(*) FROM project_snapshots").fetchone()[0]
        with pytest.raises(audit.UndoError, match="快照数据不能逐条撤销"):
            undo.undo(con, batch, layers.SPEC_BY_TABLE, user=USER)
        assert months.is_frozen(con, "2024-05")  # before: the month was unfrozen and its snapshot left behind
        assert con.execute("SELECT count(*) FROM project_snapshots").fetchone()[0] == snapshots
        assert con.execute("SELECT count(*) FROM batches WHERE kind = 'undo'").fetchone()[0] == 0
    finally:
        con.close()


def test_cli_undo_of_a_freeze_is_refused_in_chinese(db):
    con = store.connect(db)
    batch = freeze_batch(con)
    con.close()
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = cli.main(["undo", batch, "--db", str(db)])
    assert code == 2 and "冻结月份" in err.getvalue() and "不能撤销" in err.getvalue()


def test_freezing_a_frozen_month_again_writes_nothing(db):
    con = store.connect(db)
    try:
        before = con.execute("SELECT count(*) FROM batches").fetchone()[0]
        again = months.freeze(con, "2024-05", user="另一人")
        assert again.already and again.seq == 1
        assert con.execute("SELECT count(*) FROM batches").fetchone()[0] == before
    finally:
        con.close()
