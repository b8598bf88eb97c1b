"""Fixtures for the importers: a store holding 商洛市's real regions (loaded once, copied per test)."""

from __future__ import annotations

import shutil

import pytest

import layers
import store
from layers import regions


@pytest.fixture(scope="session")
def shangluo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("shangluo") / "base.duckdb"
    con = store.connect(path)
    layers.create_all(con)
    regions.import_region(con, "商洛市", user="测试")
    con.close()
    return path


@pytest.fixture
def shangluo_con(shangluo_file, tmp_path):
    """A writable copy of the 商洛市 store."""
    path = tmp_path / "db.duckdb"
    shutil.copyfile(shangluo_file, path)
    connection = store.connect(path)
    yield connection
    connection.close()


@pytest.fixture
def fail_writes_to(monkeypatch):
    """``fail_writes_to("project_stage_history")``: every insert into that table raises (a full disk mid-import)."""
    from store import tables

    def arm(table: str):
        real = tables._insert_rows

        def broken(con, spec, rows, user):
            if spec.table == table:
                raise RuntimeError("磁盘已满")
            return real(con, spec, rows, user)

        monkeypatch.setattr(tables, "_insert_rows", broken)

    return arm
