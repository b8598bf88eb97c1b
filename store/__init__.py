"""The only place that opens a database connection and loads the spatial extension.

Everything above this package receives a connection from :func:`connect`. Today the backend is an
embedded DuckDB file; a shared PostgreSQL/PostGIS backend can be added behind :func:`connect` later
(the SQL in ``layers/`` sticks to ``ST_*`` functions that both engines provide, geometry crosses the
seam as WKB only, see :mod:`store.geometry`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "parkmap.duckdb"
ENV_VAR = "PARKMAP_DB"


class StoreError(RuntimeError):
    """A problem with the database itself (missing extension, locked file); message in Chinese."""


def default_db_path() -> Path:
    """The database file: ``$PARKMAP_DB`` if set, else ``data/parkmap.duckdb`` in the checkout."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DB)


def spatial_extension_path() -> Path:
    """Path of the signed spatial extension shipped by the pinned ``duckdb-extension-spatial`` wheel."""
    import duckdb_extension_spatial

    version = duckdb.__version__
    path = Path(duckdb_extension_spatial.__file__).parent / "extensions" / f"v{version}" / "spatial.duckdb_extension"
    if not path.exists():
        raise StoreError(
            f"找不到与 duckdb {version} 匹配的空间扩展：{path}。请按 requirements.txt 成对安装 duckdb 与 duckdb-extension-spatial。"
        )
    return path


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store (``":memory:"`` for a throw-away one) with the spatial extension loaded.

    Geometry is stored in EPSG:4326 with (lon, lat) axis order. SQL that reprojects must pass
    ``always_xy := true`` to ``ST_Transform``; metric work is normally done in GeoPandas instead.
    """
    target = str(default_db_path() if path is None else path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.IOException as exc:  # another process holds the write lock
        raise StoreError(f"无法打开数据库 {target}：{exc}") from exc
    # LOAD takes no bound parameter; the path comes from the installed wheel, not from users.
    con.execute(f"LOAD '{spatial_extension_path().as_posix()}'")
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing block: commit on success, roll back and re-raise on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
