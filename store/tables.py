"""Generic, audited row operations shared by every table in ``layers/``.

A layer declares a :class:`TableSpec`; this module turns it into DDL, loads rows into a
GeoDataFrame and writes rows with bound parameters only (frames are registered with DuckDB and
inserted with ``INSERT … SELECT``; identifiers come from the spec, never from users). Every write
records who and when on the row and appends to ``audit_log``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd

from store import geometry

AUDIT_DDL = """
CREATE SEQUENCE IF NOT EXISTS audit_log_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    record_id VARCHAR,
    details JSON
);
"""
STAMP_COLUMNS = ("created_at", "created_by", "updated_at", "updated_by")


@dataclass(frozen=True)
class TableSpec:
    """One editable table: name, key column, attribute columns ``(name, SQL type)``, geometry flag."""

    table: str
    key: str
    columns: tuple[tuple[str, str], ...]
    has_geometry: bool = True
    extra_ddl: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def ddl(self) -> str:
        cols = [f"{n} {t}{' PRIMARY KEY' if n == self.key else ''}" for n, t in self.columns]
        if self.has_geometry:
            cols.append("geom GEOMETRY")
        cols += ["created_at TIMESTAMP", "created_by VARCHAR", "updated_at TIMESTAMP", "updated_by VARCHAR"]
        body = ",\n    ".join(cols)
        return f"CREATE TABLE IF NOT EXISTS {self.table} (\n    {body}\n);\n{self.extra_ddl}"


def create(con: duckdb.DuckDBPyConnection, specs: Iterable[TableSpec]) -> None:
    """Create the audit log and every table of ``specs`` if missing."""
    con.execute(AUDIT_DDL)
    for spec in specs:
        con.execute(spec.ddl())


def load(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    where: Sequence[str] = (),
    params: Sequence[Any] = (),
    order_by: str | None = None,
) -> gpd.GeoDataFrame:
    """Rows of ``spec`` matching every ``where`` fragment (``?`` placeholders bound to ``params``).

    Returns a GeoDataFrame in EPSG:4326 (an empty geometry column for tables without geometry).
    """
    cols = ", ".join(spec.names + STAMP_COLUMNS)
    if spec.has_geometry:
        cols += ", " + geometry.select_sql("geom")
    sql = f"SELECT {cols} FROM {spec.table}"
    if where:
        sql += " WHERE " + " AND ".join(f"({w})" for w in where)
    sql += f" ORDER BY {order_by or spec.key}"
    df = con.execute(sql, list(params)).df()
    return geometry.frame_from_wkb(df)


def _incoming(spec: TableSpec, records) -> tuple[pd.DataFrame, list[str]]:
    """Normalise records (frame or dicts) into a frame holding spec columns plus WKB."""
    if isinstance(records, pd.DataFrame):
        frame = records.copy()
    else:
        frame = pd.DataFrame(list(records))
    unknown = set(frame.columns) - set(spec.names) - {"geometry", "geom"}
    if unknown:
        raise KeyError(f"{spec.table} 没有这些字段：{sorted(unknown)}")
    if spec.key not in frame or frame[spec.key].isna().any():
        raise ValueError(f"{spec.table} 的每一行都必须有 {spec.key}")
    present = [n for n in spec.names if n in frame.columns]
    out = pd.DataFrame({n: frame[n] for n in present})
    for name, sqltype in spec.columns:
        if name in out and sqltype.startswith("VARCHAR"):
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    if spec.has_geometry:
        if isinstance(frame, gpd.GeoDataFrame):
            if frame.crs is not None and not frame.crs.equals(geometry.STORAGE_CRS):
                frame = frame.to_crs(geometry.STORAGE_CRS)
            geoms = frame.geometry
        else:
            column = "geometry" if "geometry" in frame else "geom"
            geoms = frame[column] if column in frame else pd.Series([None] * len(frame))
        out[geometry.WKB_COLUMN] = geometry.to_wkb(list(geoms))
        present.append("geom")
    return out.reset_index(drop=True), present


def _audit(con, user: str, action: str, table: str, record_ids: Sequence[Any], details: Mapping | None = None) -> None:
    rows = pd.DataFrame(
        {
            "record_id": [str(r) for r in record_ids],
            "details": [json.dumps(details or {}, ensure_ascii=False, default=str)] * len(record_ids),
        }
    )
    con.register("__audit_rows", rows)
    try:
        con.execute(
            "INSERT INTO audit_log (user_name, action, table_name, record_id, details) "
            "SELECT ?, ?, ?, record_id, details::JSON FROM __audit_rows",
            [user, action, table],
        )
    finally:
        con.unregister("__audit_rows")


def insert(con: duckdb.DuckDBPyConnection, spec: TableSpec, records, *, user: str, upsert: bool = False) -> int:
    """Insert rows (a frame or dicts); with ``upsert`` an existing key is updated instead. Returns row count."""
    frame, present = _incoming(spec, records)
    if frame.empty:
        return 0
    select = [geometry.insert_sql() if n == "geom" else n for n in present]
    conflict = ""
    if upsert:
        sets = [f"{n} = excluded.{n}" for n in present if n != spec.key]
        sets += ["updated_at = excluded.updated_at", "updated_by = excluded.updated_by"]
        conflict = f" ON CONFLICT ({spec.key}) DO UPDATE SET " + ", ".join(sets)
    sql = (
        f"INSERT INTO {spec.table} ({', '.join(present + list(STAMP_COLUMNS))}) "
        f"SELECT {', '.join(select)}, current_timestamp, ?, current_timestamp, ? FROM __incoming{conflict}"
    )
    con.register("__incoming", frame)
    try:
        con.execute(sql, [user, user])
    finally:
        con.unregister("__incoming")
    _audit(con, user, "upsert" if upsert else "insert", spec.table, frame[spec.key].tolist())
    return len(frame)


def update(con: duckdb.DuckDBPyConnection, spec: TableSpec, key: Any, changes: Mapping[str, Any], *, user: str) -> bool:
    """Change some attributes (and/or ``geometry``, a shapely object) of one row. Returns whether it existed."""
    unknown = set(changes) - set(spec.names) - {"geometry"}
    if unknown or spec.key in changes:
        raise KeyError(f"{spec.table} 不能修改这些字段：{sorted(unknown | ({spec.key} & set(changes)))}")
    sets, params = [], []
    for name, value in changes.items():
        if name == "geometry":
            sets.append("geom = ST_GeomFromWKB(?)")
            params.append(geometry.to_wkb([value])[0])
        else:
            sets.append(f"{name} = ?")
            params.append(None if value is pd.NaT else value)
    sets += ["updated_at = current_timestamp", "updated_by = ?"]
    params += [user, key]
    found = con.execute(f"UPDATE {spec.table} SET {', '.join(sets)} WHERE {spec.key} = ? RETURNING {spec.key}", params).fetchall()
    if found:
        _audit(con, user, "update", spec.table, [key], {k: v for k, v in changes.items() if k != "geometry"})
    return bool(found)


def delete(con: duckdb.DuckDBPyConnection, spec: TableSpec, key: Any, *, user: str) -> bool:
    """Delete one row by key. Returns whether it existed."""
    found = con.execute(f"DELETE FROM {spec.table} WHERE {spec.key} = ? RETURNING {spec.key}", [key]).fetchall()
    if found:
        _audit(con, user, "delete", spec.table, [key])
    return bool(found)


def writers(spec: TableSpec):
    """``(insert, update, delete)`` bound to ``spec``: the write API every layer module exposes."""

    def insert_rows(con, records, *, user: str, upsert: bool = False) -> int:
        return insert(con, spec, records, user=user, upsert=upsert)

    def update_row(con, key, changes: Mapping[str, Any], *, user: str) -> bool:
        return update(con, spec, key, changes, user=user)

    def delete_row(con, key, *, user: str) -> bool:
        return delete(con, spec, key, user=user)

    for fn, verb in ((insert_rows, "Insert rows into"), (update_row, "Update one row of"), (delete_row, "Delete one row of")):
        fn.__doc__ = f"{verb} ``{spec.table}`` (bound parameters, audited)."
    return insert_rows, update_row, delete_row
