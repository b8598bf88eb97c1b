"""Generic, audited row operations shared by every table in ``layers/``.

A layer declares a :class:`TableSpec`; this module turns it into DDL, loads rows into a GeoDataFrame and writes
rows with bound parameters only (frames are registered with DuckDB and written with ``INSERT … SELECT`` /
``UPDATE … FROM``; identifiers come from the spec, never from users). Every write stamps the row (who, when,
``row_version`` + 1) and appends one audit row per record with the old and new value of each changed field
(:mod:`store.audit`).

:func:`write` is the one merge path: it reads the stored rows inside the caller's transaction, compares field by
field and writes only what changed. Its ``mode`` decides what a missing value means:

- ``"merge"`` (ledger imports): a blank keeps the stored value, :data:`CLEAR` clears it;
- ``"replace"``: the incoming row's columns are written as given (None clears);
- ``"insert"``: every key must be new.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from store import ConflictError, audit, geometry

SECRET = "（已修改）"
STAMP_COLUMNS = ("created_at", "created_by", "updated_at", "updated_by", "row_version")
STAMP_DDL = ("created_at TIMESTAMP", "created_by VARCHAR", "updated_at TIMESTAMP", "updated_by VARCHAR", "row_version INTEGER DEFAULT 1")


class _Clear:
    """The explicit "clear this field" marker of a ledger cell (``（清空）``): unlike a blank, it erases."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "CLEAR"

    def __bool__(self) -> bool:
        return False


CLEAR = _Clear()


@dataclass(frozen=True)
class TableSpec:
    """One editable table: name, key column, attribute columns ``(name, SQL type)``, geometry flag."""

    table: str
    key: str
    columns: tuple[tuple[str, str], ...]
    has_geometry: bool = True
    extra_ddl: str = ""
    #: False for derived copies (snapshots of a frozen month): one audit row per write instead of one per record.
    audit_rows: bool = True
    #: Columns whose values never reach the audit log (a password hash): their changes are logged as 「（已修改）」.
    secret: tuple[str, ...] = ()

    def logged(self, changes: Mapping[str, tuple]) -> dict:
        """``changes`` as the audit log keeps them (secret values replaced)."""
        if not self.secret:
            return changes
        return {c: ((SECRET if o is not None else None), (SECRET if n is not None else None)) if c in self.secret else (o, n)
                for c, (o, n) in changes.items()}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def sql_type(self, name: str) -> str:
        return dict(self.columns)[name].split()[0]

    def ddl(self) -> str:
        cols = [f"{n} {t}{' PRIMARY KEY' if n == self.key else ''}" for n, t in self.columns]
        if self.has_geometry:
            cols.append("geom GEOMETRY")
        cols += list(STAMP_DDL)
        body = ",\n    ".join(cols)
        return f"CREATE TABLE IF NOT EXISTS {self.table} (\n    {body}\n);\n{self.extra_ddl}"


@dataclass
class WriteResult:
    """What :func:`write` did: keys inserted / updated / left unchanged, and per updated key ``{field: (old, new)}``."""

    inserted: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    changes: dict = field(default_factory=dict)
    inserted_rows: pd.DataFrame | None = None  # the values written for ``inserted``, in the same order

    @property
    def touched(self) -> int:
        return len(self.inserted) + len(self.updated)


def create(con: duckdb.DuckDBPyConnection, specs: Iterable[TableSpec]) -> None:
    """Create the audit tables and every table of ``specs`` if missing."""
    con.execute(audit.AUDIT_DDL)
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


# --- values -------------------------------------------------------------------------------------------------------


def blank(value) -> bool:
    """Missing in any of pandas' spellings (None, NaN, NaT, pd.NA) — but not :data:`CLEAR`."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float):
        return value != value
    if isinstance(value, np.floating):
        return bool(np.isnan(value))
    return False


def canonical(value, sqltype: str) -> Any:
    """A value as it is stored in a column of ``sqltype``, for comparison (None for missing)."""
    if value is CLEAR or blank(value):
        return None
    if sqltype == "GEOMETRY":
        if isinstance(value, (bytes, bytearray, memoryview)):
            value = shapely.from_wkb(bytes(value))
        return None if value is None or value.is_empty else value
    if sqltype == "DATE":
        return pd.Timestamp(value).date()
    if sqltype == "TIMESTAMP":
        return pd.Timestamp(value).to_pydatetime()
    if hasattr(value, "item"):
        value = value.item()
    if sqltype in ("DOUBLE", "INTEGER", "BIGINT"):
        return float(value) if sqltype == "DOUBLE" else int(value)
    if sqltype == "BOOLEAN":
        return bool(value)
    return str(value) if sqltype == "VARCHAR" else value


def same(old, new) -> bool:
    """Whether two canonical values are equal (floats to 1e-9 relative, geometries exactly)."""
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, float) or isinstance(new, float):
        try:
            return math.isclose(float(old), float(new), rel_tol=1e-9, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    if hasattr(old, "geom_type"):
        return hasattr(new, "geom_type") and old.geom_type == new.geom_type and bool(shapely.equals_exact(old, new, tolerance=1e-10))
    return old == new


# --- writes -------------------------------------------------------------------------------------------------------


def _incoming(spec: TableSpec, records) -> tuple[pd.DataFrame, list[str]]:
    """Records (frame or dicts) as a frame of spec columns (plus ``geom`` as shapely objects); present columns."""
    frame = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    frame = frame.drop(columns=[c for c in STAMP_COLUMNS if c in frame.columns])  # a loaded frame written back
    unknown = set(frame.columns) - set(spec.names) - {"geometry", "geom"}
    if unknown:
        raise KeyError(f"{spec.table} 没有这些字段：{sorted(unknown)}")
    if spec.key not in frame or frame[spec.key].map(blank).any():
        raise ValueError(f"{spec.table} 的每一行都必须有 {spec.key}")
    present = [n for n in spec.names if n in frame.columns]
    out = pd.DataFrame({n: frame[n].astype(object) for n in present})
    if spec.has_geometry and ("geometry" in frame.columns or "geom" in frame.columns):
        if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
            if frame.crs is not None and not frame.crs.equals(geometry.STORAGE_CRS):
                frame = frame.to_crs(geometry.STORAGE_CRS)
            geoms = list(frame.geometry)
        else:
            geoms = list(frame["geometry"] if "geometry" in frame.columns else frame["geom"])
        out["geom"] = pd.Series(geoms, index=out.index, dtype=object)
        present.append("geom")
    if out[spec.key].duplicated().any():
        raise ValueError(f"{spec.table} 中有重复的 {spec.key}：{sorted(set(out.loc[out[spec.key].duplicated(), spec.key]))[:5]}")
    return out.reset_index(drop=True), present


def _stored(con, spec: TableSpec, keys: Sequence) -> dict:
    """Stored rows for ``keys`` as {key: {column: canonical value, "row_version": n}} (read in the caller's transaction)."""
    if not len(keys):
        return {}
    cols = [*spec.names, "row_version"] + (["geom"] if spec.has_geometry else [])
    select = ", ".join(f"t.{c}" if c != "geom" else f"{geometry.select_sql('t.geom')}" for c in cols)
    con.register("__keys", pd.DataFrame({"k": [str(k) if spec.sql_type(spec.key) == "VARCHAR" else k for k in keys]}))
    try:
        df = con.execute(f"SELECT {select} FROM {spec.table} t JOIN __keys ON t.{spec.key} = __keys.k").df()
    finally:
        con.unregister("__keys")
    types = {**{n: spec.sql_type(n) for n in spec.names}, geometry.WKB_COLUMN: "GEOMETRY", "row_version": "INTEGER"}
    names = ["geom" if k == geometry.WKB_COLUMN else k for k in df.columns]
    columns = [canonical_column(df[k], types[k]).tolist() for k in df.columns]
    out = {}
    for values in zip(*columns, strict=True):
        row = dict(zip(names, values, strict=True))
        out[row[spec.key]] = row
    return out


def canonical_column(values: pd.Series, sqltype: str) -> pd.Series:
    """:func:`canonical` for a whole column at once (object dtype, None for missing): the missing found in one
    vectorised pass, only the present values converted (an import's many empty columns cost nothing)."""
    index = values.index
    raw = values.to_numpy(dtype=object)
    out = np.full(len(raw), None, dtype=object)
    keep = ~(pd.isna(raw) | np.fromiter((v is CLEAR for v in raw), dtype=bool, count=len(raw)))
    present = raw[keep]
    if not len(present):
        return pd.Series(out, index=index, dtype=object)
    if sqltype == "GEOMETRY":
        shapes = [shapely.from_wkb(bytes(g)) if isinstance(g, (bytes, bytearray, memoryview)) else g for g in present]
        converted = [None if g is None or g.is_empty else g for g in shapes]
    elif sqltype == "DATE":
        converted = [v if type(v) is date else pd.Timestamp(v).date() for v in present]
    elif sqltype == "TIMESTAMP":
        converted = [pd.Timestamp(v).to_pydatetime() for v in present]
    elif sqltype == "DOUBLE":
        converted = [v if type(v) is float else float(v.item() if hasattr(v, "item") else v) for v in present]
    elif sqltype in ("INTEGER", "BIGINT"):
        converted = [v if type(v) is int else int(v.item() if hasattr(v, "item") else v) for v in present]
    elif sqltype == "BOOLEAN":
        converted = [bool(v.item() if hasattr(v, "item") else v) for v in present]
    elif sqltype == "VARCHAR":
        converted = [v if type(v) is str else str(v.item() if hasattr(v, "item") else v) for v in present]
    else:
        converted = [v.item() if hasattr(v, "item") else v for v in present]
    out[keep] = np.fromiter(converted, dtype=object, count=len(converted))
    return pd.Series(out, index=index, dtype=object)


def plan(con, spec: TableSpec, records, *, mode: str = "merge") -> tuple[pd.DataFrame, pd.DataFrame, WriteResult]:
    """What :func:`write` would do: (rows to insert, full rows to update, result with keys and field changes).

    Nothing is written; call inside a transaction so that what is read is what :func:`write` then changes.
    """
    assert mode in ("merge", "replace", "insert"), mode
    frame, present = _incoming(spec, records)
    types = {**{n: spec.sql_type(n) for n in spec.names}, "geom": "GEOMETRY"}
    stored = _stored(con, spec, list(frame[spec.key]))
    result = WriteResult()
    keys = canonical_column(frame[spec.key], types[spec.key])
    new = ~keys.isin(list(stored))
    inserts = pd.DataFrame({c: canonical_column(frame.loc[new, c], types[c]) for c in present})
    result.inserted = list(keys[new])
    updates = []
    existing = frame[~new]
    incoming = {c: canonical_column(existing[c], types[c]).tolist() for c in present}
    blank_cells = {c: pd.isna(existing[c].to_numpy(dtype=object)).tolist() for c in present}  # not the clear marker
    stored_columns = (*spec.names, *(("geom",) if spec.has_geometry else ()))
    for i, key in enumerate(keys[~new].tolist()):
        old = stored[key]
        if mode == "insert":
            raise ValueError(f"{spec.table} 已有 {spec.key} = {key}")
        merged = {c: old.get(c) for c in stored_columns}
        diff = {}
        for c in present:
            if mode == "merge" and blank_cells[c][i]:
                continue  # a blank cell keeps the stored value
            new = incoming[c][i]
            if not same(old.get(c), new):
                diff[c] = (old.get(c), new)
                merged[c] = new
        if diff:
            result.updated.append(key)
            result.changes[key] = diff
            updates.append({**merged, "row_version": old["row_version"]})
        else:
            result.unchanged.append(key)
    return inserts.reset_index(drop=True), pd.DataFrame(updates), result


def _sql_frame(spec: TableSpec, rows: pd.DataFrame) -> pd.DataFrame:
    """A frame DuckDB can bind: geometry as WKB, every other column as Python objects of the column's type."""
    out = pd.DataFrame(index=rows.index)
    for c in rows.columns:
        if c == "geom":
            out[geometry.WKB_COLUMN] = geometry.to_wkb(list(rows[c]))
        else:
            out[c] = rows[c].astype(object).where(rows[c].notna(), None)
    return out


def _cast(spec: TableSpec, column: str, source: str) -> str:
    if column == "geom":
        return geometry.insert_sql(f"{source}.{geometry.WKB_COLUMN}")
    return f"CAST({source}.{column} AS {spec.sql_type(column)})"


def write(con, spec: TableSpec, records, *, user: str, mode: str = "merge") -> WriteResult:
    """Merge ``records`` into ``spec``'s table (see the module docstring for ``mode``); audited; returns what changed.

    Call inside :func:`store.transaction` (or :func:`store.audit.batch`) when it is part of a larger change.
    """
    from store import transaction

    with transaction(con):
        inserts, updates, result = plan(con, spec, records, mode=mode)
        result.inserted_rows = inserts
        if len(inserts):
            _insert_rows(con, spec, inserts, user)
        if len(updates):
            _update_rows(con, spec, updates, user)
        if spec.audit_rows:
            names = [c for c in inserts.columns if c != spec.key]
            values = zip(*(inserts[c].tolist() for c in names), strict=True) if names else ([] for _ in result.inserted)
            entries = [{"action": "insert", "table": spec.table, "record": k,
                        "changes": spec.logged({c: (None, v) for c, v in zip(names, row, strict=True) if v is not None})}
                       for k, row in zip(result.inserted, values, strict=True)]
            entries += [{"action": "update", "table": spec.table, "record": k, "changes": spec.logged(result.changes[k])}
                        for k in result.updated]
        else:
            entries = [{"action": action, "table": spec.table, "record": None, "details": {"rows": len(keys), "first": str(keys[0])}}
                       for action, keys in (("insert", result.inserted), ("update", result.updated)) if keys]
        audit.record(con, entries, user=user)
    return result


def _insert_rows(con, spec: TableSpec, rows: pd.DataFrame, user: str) -> None:
    columns = list(rows.columns)
    select = ", ".join(_cast(spec, c, "__rows") for c in columns)
    con.register("__rows", _sql_frame(spec, rows))
    try:
        con.execute(
            f"INSERT INTO {spec.table} ({', '.join(columns)}, created_at, created_by, updated_at, updated_by, row_version) "
            f"SELECT {select}, current_timestamp, ?, current_timestamp, ?, 1 FROM __rows",
            [user, user],
        )
    finally:
        con.unregister("__rows")


def _update_rows(con, spec: TableSpec, rows: pd.DataFrame, user: str) -> None:
    """Write full merged rows; a row whose ``row_version`` moved since it was read is a conflict."""
    columns = [c for c in rows.columns if c not in (spec.key, "row_version")]
    sets = ", ".join(f"{c} = {_cast(spec, c, '__rows')}" for c in columns)
    con.register("__rows", _sql_frame(spec, rows))
    try:
        done = con.execute(
            f"UPDATE {spec.table} t SET {sets}, updated_at = current_timestamp, updated_by = ?, "
            f"row_version = coalesce(t.row_version, 1) + 1 FROM __rows "
            f"WHERE t.{spec.key} = __rows.{spec.key} AND coalesce(t.row_version, 1) = __rows.row_version",
            [user],
        ).fetchone()
    finally:
        con.unregister("__rows")
    if done is not None and done[0] != len(rows):
        raise ConflictError()


def insert(con: duckdb.DuckDBPyConnection, spec: TableSpec, records, *, user: str, upsert: bool = False) -> int:
    """Insert rows (a frame or dicts); with ``upsert`` an existing key has its given columns replaced. Returns rows written."""
    result = write(con, spec, records, user=user, mode="replace" if upsert else "insert")
    return result.touched + len(result.unchanged)


def _current_row(con, spec: TableSpec, key: Any, expected_version: int | None) -> dict | None:
    """The stored row ``key`` (None if absent), read in the caller's transaction; :class:`store.ConflictError` when it
    is no longer at ``expected_version`` (someone changed it since the form was drawn)."""
    stored = _stored(con, spec, [key])
    if not stored:
        return None
    (old,) = stored.values()
    if expected_version is not None and old["row_version"] != expected_version:
        raise ConflictError()
    return old


def update(con: duckdb.DuckDBPyConnection, spec: TableSpec, key: Any, changes: Mapping[str, Any], *, user: str,
           expected_version: int | None = None) -> bool:
    """Change some attributes (and/or ``geometry``, a shapely object) of one row. Returns whether it existed.

    With ``expected_version`` (the ``row_version`` the form was filled from) a row changed by someone else since is
    refused with :class:`store.ConflictError`.
    """
    from store import transaction

    unknown = set(changes) - set(spec.names) - {"geometry"}
    if unknown or spec.key in changes:
        raise KeyError(f"{spec.table} 不能修改这些字段：{sorted(unknown | ({spec.key} & set(changes)))}")
    with transaction(con):
        if _current_row(con, spec, key, expected_version) is None:
            return False
        row = {spec.key: key, **{("geom" if k == "geometry" else k): (CLEAR if blank(v) else v) for k, v in changes.items()}}
        write(con, spec, [row], user=user, mode="merge")
    return True


def delete(con: duckdb.DuckDBPyConnection, spec: TableSpec, key: Any, *, user: str, expected_version: int | None = None) -> bool:
    """Delete one row by key (its last values go to the audit log, so an undo can bring it back). Returns whether it existed."""
    from store import transaction

    with transaction(con):
        old = _current_row(con, spec, key, expected_version)
        if old is None:
            return False
        con.execute(f"DELETE FROM {spec.table} WHERE {spec.key} = ?", [key])
        audit.record(con, [{"action": "delete", "table": spec.table, "record": key,
                            "changes": spec.logged({c: (v, None) for c, v in old.items() if c not in (spec.key, "row_version") and v is not None})}],
                     user=user)
    return True


def writers(spec: TableSpec):
    """``(insert, update, delete)`` bound to ``spec``: the write API every layer module exposes."""

    def insert_rows(con, records, *, user: str, upsert: bool = False) -> int:
        return insert(con, spec, records, user=user, upsert=upsert)

    def update_row(con, key, changes: Mapping[str, Any], *, user: str, expected_version: int | None = None) -> bool:
        return update(con, spec, key, changes, user=user, expected_version=expected_version)

    def delete_row(con, key, *, user: str, expected_version: int | None = None) -> bool:
        return delete(con, spec, key, user=user, expected_version=expected_version)

    for fn, verb in ((insert_rows, "Insert rows into"), (update_row, "Update one row of"), (delete_row, "Delete one row of")):
        fn.__doc__ = f"{verb} ``{spec.table}`` (bound parameters, audited with old and new values)."
    return insert_rows, update_row, delete_row


def restore_value(value, sqltype: str):
    """An audit log value (:func:`store.audit.jsonable`) back as a value for a column of ``sqltype``."""
    if value is None:
        return None
    if isinstance(value, str) and value.startswith("WKB:"):
        return shapely.from_wkb(bytes.fromhex(value[4:]))
    if sqltype == "DATE":
        return date.fromisoformat(value[:10])
    if sqltype == "TIMESTAMP":
        return datetime.fromisoformat(value)
    return value
