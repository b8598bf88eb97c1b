"""store.tables: DDL, audited insert/upsert/update/delete, bound parameters, geometry round trip."""

from __future__ import annotations

import json
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

import store
from store import tables

THINGS = tables.TableSpec(
    table="things",
    key="thing_id",
    columns=(("thing_id", "VARCHAR"), ("name", "VARCHAR NOT NULL"), ("qty", "DOUBLE"), ("day", "DATE"), ("note", "VARCHAR")),
)
PLAIN = tables.TableSpec(table="plain", key="k", columns=(("k", "VARCHAR"), ("v", "INTEGER")), has_geometry=False)
EVIL = "'); DROP TABLE things; --"


@pytest.fixture
def db():
    con = store.connect(":memory:")
    tables.create(con, [THINGS, PLAIN])
    yield con
    con.close()


def audit(con, table="things"):
    """(user, action, record, changes as {field: [old, new]}) in the order written."""
    rows = con.execute(
        "SELECT user_name, action, record_id, CAST(changes AS VARCHAR) FROM audit_log WHERE table_name = ? ORDER BY audit_id", [table]
    ).fetchall()
    return [(u, a, r, json.loads(c) if c else {}) for u, a, r, c in rows]


def columns_of(con, table):
    return [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()]


# --- DDL ---------------------------------------------------------------------------------

def test_ddl_columns_key_and_stamps(db):
    assert columns_of(db, "things") == ["thing_id", "name", "qty", "day", "note", "geom",
                                        "created_at", "created_by", "updated_at", "updated_by", "row_version"]
    assert columns_of(db, "plain") == ["k", "v", "created_at", "created_by", "updated_at", "updated_by", "row_version"]
    assert columns_of(db, "audit_log") == ["audit_id", "logged_at", "user_name", "action", "table_name", "record_id", "details",
                                           "batch_id", "changes"]
    db.execute("INSERT INTO plain (k, v) VALUES ('a', 1)")
    with pytest.raises(Exception, match="(?i)primary key|constraint"):
        db.execute("INSERT INTO plain (k, v) VALUES ('a', 2)")


def test_create_is_idempotent(db):
    tables.insert(db, PLAIN, [{"k": "a", "v": 1}], user="u")
    tables.create(db, [THINGS, PLAIN])
    assert db.execute("SELECT count(*) FROM plain").fetchone() == (1,)


# --- insert / update / delete with audit -------------------------------------------------

def test_insert_writes_rows_stamps_and_audit(db):
    n = tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲", "qty": 1.5}, {"thing_id": "t2", "name": "乙"}], user="张三")
    assert n == 2
    rows = db.execute("SELECT thing_id, name, qty, created_by, updated_by, created_at IS NOT NULL FROM things ORDER BY 1").fetchall()
    assert rows == [("t1", "甲", 1.5, "张三", "张三", True), ("t2", "乙", None, "张三", "张三", True)]
    assert [(u, a, r) for u, a, r, _ in audit(db)] == [("张三", "insert", "t1"), ("张三", "insert", "t2")]


def test_update_changes_only_given_fields_and_is_audited(db):
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲", "qty": 1.0, "note": "原"}], user="张三")
    assert tables.update(db, THINGS, "t1", {"qty": 7.0, "day": date(2018, 6, 30)}, user="李四") is True
    row = db.execute("SELECT name, qty, day, note, created_by, updated_by, updated_at >= created_at FROM things").fetchone()
    assert row == ("甲", 7.0, date(2018, 6, 30), "原", "张三", "李四", True)
    user, action, record, changes = audit(db)[-1]
    assert (user, action, record) == ("李四", "update", "t1")
    assert changes == {"qty": [1.0, 7.0], "day": [None, "2018-06-30"]}  # old → new, only what changed
    assert db.execute("SELECT row_version FROM things").fetchone() == (2,)


def test_update_to_the_same_values_writes_nothing(db):
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲", "qty": 1.0}], user="张三")
    assert tables.update(db, THINGS, "t1", {"qty": 1.0}, user="李四") is True
    assert len(audit(db)) == 1
    assert db.execute("SELECT updated_by, row_version FROM things").fetchone() == ("张三", 1)


def test_update_missing_row_returns_false_without_audit(db):
    assert tables.update(db, THINGS, "nope", {"qty": 1.0}, user="u") is False
    assert audit(db) == []


def test_update_geometry_and_set_to_null(db):
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲"}], user="u")
    assert tables.update(db, THINGS, "t1", {"geometry": Point(114.5, 29.5)}, user="u")
    assert db.execute("SELECT ST_AsText(geom) FROM things").fetchone() == ("POINT (114.5 29.5)",)
    # geometry changes are logged as WKB hex, so an undo can restore them exactly
    old, new = audit(db)[-1][3]["geom"]
    assert old is None and shapely.from_wkb(bytes.fromhex(new.removeprefix("WKB:"))).equals(Point(114.5, 29.5))
    assert tables.update(db, THINGS, "t1", {"geometry": None}, user="u")
    assert db.execute("SELECT geom IS NULL FROM things").fetchone() == (True,)


def test_update_with_nat_stores_null(db):
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲", "day": date(2018, 1, 1)}], user="u")
    tables.update(db, THINGS, "t1", {"day": pd.NaT}, user="u")
    assert db.execute("SELECT day FROM things").fetchone() == (None,)


def test_delete_is_audited(db):
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲"}, {"thing_id": "t2", "name": "乙"}], user="u")
    assert tables.delete(db, THINGS, "t1", user="王五") is True
    assert tables.delete(db, THINGS, "t1", user="王五") is False
    assert db.execute("SELECT list(thing_id) FROM things").fetchone() == (["t2"],)
    assert [(u, a, r) for u, a, r, _ in audit(db)][-1] == ("王五", "delete", "t1")
    assert len(audit(db)) == 3  # 2 inserts + 1 delete, the failed delete is not logged


def test_upsert_updates_instead_of_duplicating(db):
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "旧", "qty": 1.0, "note": "保留"}], user="张三")
    n = tables.insert(db, THINGS, [{"thing_id": "t1", "name": "新", "qty": 2.0}, {"thing_id": "t2", "name": "乙"}],
                      user="李四", upsert=True)
    assert n == 2
    rows = db.execute("SELECT thing_id, name, qty, note, created_by, updated_by FROM things ORDER BY 1").fetchall()
    # note was not in the incoming frame, so it keeps its value; created_by keeps the first writer
    assert rows == [("t1", "新", 2.0, "保留", "张三", "李四"), ("t2", "乙", None, None, "李四", "李四")]
    assert [(u, a, r) for u, a, r, _ in audit(db)] == [("张三", "insert", "t1"), ("李四", "insert", "t2"), ("李四", "update", "t1")]
    assert audit(db)[-1][3] == {"name": ["旧", "新"], "qty": [1.0, 2.0]}


def test_plain_insert_of_existing_key_fails_and_keeps_row(db):
    tables.insert(db, PLAIN, [{"k": "a", "v": 1}], user="u")
    with pytest.raises(ValueError, match="已有"):
        tables.insert(db, PLAIN, [{"k": "a", "v": 2}], user="u")
    assert db.execute("SELECT v FROM plain").fetchall() == [(1,)]


def test_insert_empty_is_noop(db):
    assert tables.insert(db, PLAIN, pd.DataFrame({"k": [], "v": []}), user="u") == 0
    assert audit(db, "plain") == []


def test_writers_bind_the_spec(db):
    insert, update, delete = tables.writers(PLAIN)
    assert insert(db, [{"k": "a", "v": 1}], user="u") == 1
    assert update(db, "a", {"v": 5}, user="u")
    assert db.execute("SELECT v FROM plain").fetchone() == (5,)
    assert delete(db, "a", user="u")
    assert db.execute("SELECT count(*) FROM plain").fetchone() == (0,)
    assert "plain" in insert.__doc__


# --- bad input --------------------------------------------------------------------------

def test_unknown_column_is_a_key_error(db):
    with pytest.raises(KeyError, match="colour"):
        tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲", "colour": "red"}], user="u")
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲"}], user="u")
    with pytest.raises(KeyError, match="colour"):
        tables.update(db, THINGS, "t1", {"colour": "red"}, user="u")
    with pytest.raises(KeyError):
        tables.update(db, THINGS, "t1", {"thing_id": "t9"}, user="u")  # the key cannot be changed
    assert db.execute("SELECT thing_id FROM things").fetchall() == [("t1",)]


def test_missing_key_is_a_value_error(db):
    with pytest.raises(ValueError, match="thing_id"):
        tables.insert(db, THINGS, [{"name": "甲"}], user="u")
    with pytest.raises(ValueError, match="thing_id"):
        tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲"}, {"thing_id": None, "name": "乙"}], user="u")
    assert db.execute("SELECT count(*) FROM things").fetchone() == (0,)


def test_values_are_bound_not_spliced(db):
    tables.insert(db, THINGS, [{"thing_id": EVIL, "name": EVIL, "note": "a'b\"c;--"}], user=EVIL)
    tables.update(db, THINGS, EVIL, {"note": EVIL}, user=EVIL)
    assert db.execute("SELECT thing_id, name, note, created_by FROM things").fetchall() == [(EVIL, EVIL, EVIL, EVIL)]
    got = tables.load(db, THINGS, ["name = ?"], [EVIL])
    assert got["thing_id"].tolist() == [EVIL]
    assert tables.delete(db, THINGS, EVIL, user=EVIL)
    assert db.execute("SELECT count(*) FROM things").fetchone() == (0,)  # the table survived
    assert {r[2] for r in audit(db)} == {EVIL}


def test_missing_strings_become_null_not_nan_text(db):
    frame = pd.DataFrame({"thing_id": ["t1", "t2"], "name": ["甲", "乙"], "note": [np.nan, "x"], "qty": [np.nan, 2.0]})
    tables.insert(db, THINGS, frame, user="u")
    assert db.execute("SELECT thing_id, note, qty FROM things ORDER BY 1").fetchall() == [("t1", None, None), ("t2", "x", 2.0)]


# --- load -------------------------------------------------------------------------------

def test_load_filters_orders_and_has_crs(db):
    tables.insert(db, THINGS, [{"thing_id": k, "name": n, "qty": q} for k, n, q in (("b", "乙", 2.0), ("c", "丙", 3.0), ("a", "甲", 1.0))], user="u")
    got = tables.load(db, THINGS, ["qty >= ?", "qty <= ?"], [1.5, 3.0])
    assert isinstance(got, gpd.GeoDataFrame)
    assert got.crs == "EPSG:4326"
    assert got["thing_id"].tolist() == ["b", "c"]
    assert tables.load(db, THINGS, order_by="qty DESC")["thing_id"].tolist() == ["c", "b", "a"]
    assert {"created_at", "created_by", "updated_at", "updated_by"} <= set(got.columns)


def test_load_table_without_geometry(db):
    tables.insert(db, PLAIN, [{"k": "a", "v": 1}], user="u")
    got = tables.load(db, PLAIN)
    assert got.crs == "EPSG:4326"
    assert got.geometry.isna().all()
    assert got["v"].tolist() == [1]


# --- geometry round trip ------------------------------------------------------------------

SHELL = [(114.123456789012, 29.987654321098), (114.2, 29.9), (114.25, 30.05), (114.123456789012, 29.987654321098)]
HOLE = [(114.18, 29.95), (114.2, 29.96), (114.19, 29.97), (114.18, 29.95)]


@pytest.mark.parametrize("geom", [
    Point(114.3210987654321, 29.8765432101234),
    Polygon(SHELL, [HOLE]),
    MultiPolygon([Polygon(SHELL), Polygon([(115, 30), (115.1, 30), (115.1, 30.1), (115, 30)])]),
], ids=["point", "polygon-with-hole", "multipolygon"])
def test_geometry_round_trip_is_exact(db, geom):
    frame = gpd.GeoDataFrame({"thing_id": ["g"], "name": ["几何"]}, geometry=[geom], crs="EPSG:4326")
    tables.insert(db, THINGS, frame, user="u")
    back = tables.load(db, THINGS).geometry.iloc[0]
    assert back.geom_type == geom.geom_type
    assert shapely.get_coordinates(back).tolist() == shapely.get_coordinates(geom).tolist()
    assert shapely.to_wkb(back) == shapely.to_wkb(geom)


def test_null_and_empty_geometry_kept_as_null(db):
    frame = gpd.GeoDataFrame({"thing_id": ["a", "b", "c"], "name": ["有", "无", "空"]},
                             geometry=[Point(114, 29), None, Polygon()], crs="EPSG:4326")
    tables.insert(db, THINGS, frame, user="u")
    assert db.execute("SELECT thing_id, geom IS NULL FROM things ORDER BY 1").fetchall() == [("a", False), ("b", True), ("c", True)]
    back = tables.load(db, THINGS)
    assert back.geometry.iloc[0].equals(Point(114, 29))
    assert back.geometry.iloc[1] is None and back.geometry.iloc[2] is None


def test_dict_records_with_geom_key(db):
    tables.insert(db, THINGS, [{"thing_id": "a", "name": "甲", "geom": Point(114.1, 29.2)}], user="u")
    assert db.execute("SELECT ST_X(geom), ST_Y(geom) FROM things").fetchone() == (114.1, 29.2)


def test_dict_records_with_geometry_key(db):
    tables.insert(db, THINGS, [{"thing_id": "a", "name": "甲", "geometry": Point(114.1, 29.2)}], user="u")
    assert db.execute("SELECT ST_AsText(geom) FROM things").fetchone() == ("POINT (114.1 29.2)",)


def test_frame_in_other_crs_is_not_stored_as_degrees(db):
    frame = gpd.GeoDataFrame({"thing_id": ["m"], "name": ["米"]}, geometry=[Point(114.3, 29.8)], crs="EPSG:4326").to_crs(3857)
    try:
        tables.insert(db, THINGS, frame, user="u")
    except ValueError:
        return  # refusing is acceptable
    x, y = db.execute("SELECT ST_X(geom), ST_Y(geom) FROM things").fetchone()
    assert x == pytest.approx(114.3) and y == pytest.approx(29.8)


# --- merge rule, optimistic checks ----------------------------------------------------------

def test_merge_keeps_stored_values_for_blanks_and_clears_on_the_marker(db):
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲", "qty": 1.0, "note": "保留", "day": date(2024, 1, 1)}], user="u")
    result = tables.write(db, THINGS, pd.DataFrame({"thing_id": ["t1"], "name": ["甲"], "qty": [np.nan], "note": [None],
                                                    "day": [tables.CLEAR]}), user="v", mode="merge")
    assert (result.updated, result.inserted) == (["t1"], [])
    assert db.execute("SELECT qty, note, day FROM things").fetchone() == (1.0, "保留", None)
    assert result.changes["t1"] == {"day": (date(2024, 1, 1), None)}


def test_merge_reports_unchanged_rows(db):
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲", "qty": 1.0}], user="u")
    result = tables.write(db, THINGS, [{"thing_id": "t1", "name": "甲", "qty": 1.0}, {"thing_id": "t2", "name": "乙"}], user="v")
    assert (result.inserted, result.updated, result.unchanged) == (["t2"], [], ["t1"])


def test_stale_version_is_a_conflict_and_changes_nothing(db):
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲", "qty": 1.0}], user="u")
    assert tables.update(db, THINGS, "t1", {"qty": 2.0}, user="甲", expected_version=1)
    with pytest.raises(store.ConflictError, match="该记录已被他人修改，请刷新后重试"):
        tables.update(db, THINGS, "t1", {"qty": 3.0}, user="乙", expected_version=1)
    with pytest.raises(store.ConflictError):
        tables.delete(db, THINGS, "t1", user="乙", expected_version=1)
    assert db.execute("SELECT qty, row_version FROM things").fetchone() == (2.0, 2)


def test_delete_logs_the_last_values(db):
    tables.insert(db, THINGS, [{"thing_id": "t1", "name": "甲", "qty": 4.0}], user="u")
    tables.delete(db, THINGS, "t1", user="u")
    assert audit(db)[-1][3] == {"name": ["甲", None], "qty": [4.0, None]}
