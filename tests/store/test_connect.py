"""store.connect, the database path and store.transaction."""

from __future__ import annotations

import duckdb
import pytest

import store


def test_spatial_extension_is_loaded():
    con = store.connect(":memory:")
    assert con.execute("SELECT ST_AsText(ST_Point(114.25, 29.75))").fetchone()[0] == "POINT (114.25 29.75)"
    # a metric that needs GEOS, not just the parser: unit square area
    assert con.execute("SELECT ST_Area(ST_GeomFromText('POLYGON((0 0, 2 0, 2 3, 0 3, 0 0))'))").fetchone()[0] == 6.0


def test_default_path_is_in_the_checkout(monkeypatch):
    monkeypatch.delenv("PARKMAP_DB", raising=False)
    assert store.default_db_path() == store.ROOT / "data" / "parkmap.duckdb"


def test_env_var_chooses_the_database(monkeypatch, tmp_path):
    target = tmp_path / "nested" / "dir" / "x.duckdb"
    monkeypatch.setenv("PARKMAP_DB", str(target))
    assert store.default_db_path() == target
    con = store.connect()  # no path: $PARKMAP_DB, parent folders created
    con.execute("CREATE TABLE t AS SELECT 42 AS v")
    con.close()
    assert target.exists()
    again = duckdb.connect(str(target))
    assert again.execute("SELECT v FROM t").fetchone() == (42,)
    again.close()


def test_empty_env_var_falls_back_to_default(monkeypatch):
    monkeypatch.setenv("PARKMAP_DB", "")
    assert store.default_db_path() == store.ROOT / "data" / "parkmap.duckdb"


def test_explicit_path_wins_over_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PARKMAP_DB", str(tmp_path / "env.duckdb"))
    con = store.connect(tmp_path / "explicit.duckdb")
    con.close()
    assert (tmp_path / "explicit.duckdb").exists()
    assert not (tmp_path / "env.duckdb").exists()


def test_read_only_connection_refuses_writes(tmp_path):
    path = tmp_path / "ro.duckdb"
    con = store.connect(path)
    con.execute("CREATE TABLE t (v INTEGER)")
    con.close()
    ro = store.connect(path, read_only=True)
    assert ro.execute("SELECT ST_AsText(ST_Point(1, 2))").fetchone()[0] == "POINT (1 2)"
    with pytest.raises(duckdb.Error):
        ro.execute("INSERT INTO t VALUES (1)")
    ro.close()


def test_missing_extension_is_a_chinese_store_error(monkeypatch):
    monkeypatch.setattr(duckdb, "__version__", "0.0.0")
    with pytest.raises(store.StoreError, match="找不到与 duckdb 0.0.0 匹配的空间扩展"):
        store.spatial_extension_path()


def test_transaction_commits(con):
    con.execute("CREATE TABLE t (v INTEGER)")
    with store.transaction(con):
        con.execute("INSERT INTO t VALUES (1), (2)")
    assert con.execute("SELECT sum(v) FROM t").fetchone() == (3,)


def test_transaction_rolls_back_on_error(con):
    con.execute("CREATE TABLE t (v INTEGER)")
    con.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(ZeroDivisionError), store.transaction(con):
        con.execute("INSERT INTO t VALUES (10), (20)")
        con.execute("DELETE FROM t WHERE v = 1")
        _ = 1 / 0
    assert con.execute("SELECT list(v ORDER BY v) FROM t").fetchone() == ([1],)
    # the connection is usable again (no transaction left open)
    with store.transaction(con):
        con.execute("INSERT INTO t VALUES (5)")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_transaction_rolls_back_on_sql_error(con):
    con.execute("CREATE TABLE t (v INTEGER PRIMARY KEY)")
    with pytest.raises(duckdb.ConstraintException), store.transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
        con.execute("INSERT INTO t VALUES (1)")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
