"""The only place that opens a database connection and loads the spatial extension.

Everything above this package receives a connection from :func:`connect`. Today the backend is an
embedded DuckDB file; a shared PostgreSQL/PostGIS backend can be added behind :func:`connect` later
(the SQL in ``layers/`` sticks to ``ST_*`` functions that both engines provide, geometry crosses the
seam as WKB only, see :mod:`store.geometry`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "parkmap.duckdb"
ENV_VAR = "PARKMAP_DB"


class StoreError(RuntimeError):
    """A problem with the database itself (missing extension, locked file); message in Chinese."""


class DiskFullError(StoreError):
    """A write failed because the disk is full (or a file size limit was hit); nothing of it was written."""

    MESSAGE = "服务器磁盘空间已满，本次写入未完成，已有数据未受影响：请联系系统管理员清理磁盘后重试"

    def __init__(self):
        super().__init__(self.MESSAGE)


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (a DuckDB or OS error) says the disk is full."""
    text = str(exc)
    return "No space left" in text or "File too large" in text or "disk is full" in text.lower() or \
        (isinstance(exc, OSError) and exc.errno in (28, 27, 122))


class ConflictError(StoreError):
    """A write that would overwrite someone else's newer change (a stale form, two edits racing on one record)."""

    MESSAGE = "该记录已被他人修改，请刷新后重试"

    def __init__(self, detail: str | None = None):
        super().__init__(self.MESSAGE + (f"（{detail}）" if detail else ""))


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


def usable(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con`` still answers (DuckDB invalidates a database after a write fails on a full disk)."""
    try:
        con.execute("SELECT 1").fetchone()
    except duckdb.Error:
        return False
    return True


_LOCKS: dict[str, threading.RLock] = {}
_LOCKS_GUARD = threading.Lock()
_OPEN = threading.local()  # ids of the connections with a transaction opened by this thread


def database_key(con: duckdb.DuckDBPyConnection) -> str:
    """What identifies the database behind ``con`` (its file path; "memory" for in-memory stores)."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return str(Path(row[0]).resolve()) if row and row[0] else "memory"


def write_lock(con: duckdb.DuckDBPyConnection) -> threading.RLock:
    """The process-wide lock that serialises writes to one database.

    DuckDB lets one process open a file for writing, and the app serves every session from that process, so
    holding this lock while a write transaction reads, checks and writes makes concurrent writes (two imports, two
    stage changes, two freezes) run one after the other: the second sees the first's result, and an optimistic
    check (a row's ``row_version``) turns a stale form into :class:`ConflictError` instead of a lost update.
    """
    key = database_key(con)
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.RLock())


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing block under the database's write lock: commit on success, roll back and re-raise on any error.

    Nested use on the same connection joins the outer transaction. A write-write conflict reported by DuckDB (two
    processes' sessions racing outside this lock) is raised as :class:`ConflictError`.
    """
    opened = getattr(_OPEN, "ids", None)
    if opened is None:
        opened = _OPEN.ids = set()
    if id(con) in opened:
        yield con
        return
    with write_lock(con):
        con.execute("BEGIN TRANSACTION")
        opened.add(id(con))
        try:
            yield con
        except BaseException as exc:
            opened.discard(id(con))
            con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error) and disk_full(exc):
                raise DiskFullError() from exc
            raise
        opened.discard(id(con))
        try:
            con.execute("COMMIT")
        except duckdb.Error as exc:
            if disk_full(exc):
                raise DiskFullError() from exc
            if isinstance(exc, duckdb.TransactionException) and "onflict" in str(exc):
                raise ConflictError() from exc
            raise
