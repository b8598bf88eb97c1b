"""Backups: a consistent copy of a store (committed writes still in the ``.wal`` included), restore, daily rotation.

Copying the ``.duckdb`` file by hand is not a backup: writes that DuckDB has committed to its write-ahead log but not
yet checkpointed are missing from it. :func:`backup` copies through the open connection instead
(``COPY FROM DATABASE`` reads one consistent snapshot), so it also works while the app is running.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb

from store import StoreError, database_key

BACKUP_GLOB = "*.duckdb"
DAILY = re.compile(r"^(?P<stem>.+)-(?P<day>\d{8})\.duckdb$")


def _quoted(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def backup(con: duckdb.DuckDBPyConnection, out: str | os.PathLike) -> Path:
    """Write a consistent copy of the store behind ``con`` to ``out`` (a new DuckDB file; an existing one is replaced
    only once the copy is complete). Returns the path."""
    out = Path(out)
    if out.resolve() == Path(database_key(con)):  # replacing the open file would lose every later write
        raise StoreError(f"备份文件不能是数据库本身：{out}，请另选备份位置")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    alias = f"__backup_{os.getpid()}_{datetime.now():%H%M%S%f}"
    (source,) = con.execute("SELECT current_database()").fetchone()
    try:
        con.execute(f"ATTACH {_quoted(partial)} AS {alias}")
        try:
            con.execute(f'COPY FROM DATABASE "{source}" TO {alias}')
        finally:
            con.execute(f"DETACH {alias}")
    except duckdb.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"备份失败：{_reason(exc)}") from exc
    os.replace(partial, out)
    return out


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "No space left" in text or "disk is full" in text.lower():
        return "磁盘空间不足"
    if "lock" in text.lower():
        return "文件正被其他程序使用"
    return "无法写入备份文件"


def check(path: str | os.PathLike) -> dict:
    """Open a backup read-only and say what it holds: ``{"schema_version", "tables", "rows"}``; StoreError if unusable."""
    from store import migrations

    path = Path(path)
    if not path.is_file():
        raise StoreError(f"找不到备份文件：{path}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"不是可用的数据库备份：{path.name}") from exc
    try:
        found = migrations.version(con)
        names = sorted(migrations._tables(con))
        rows = {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()
    if found is None:
        raise StoreError(f"备份文件是空的数据库：{path.name}")
    if found > migrations.SCHEMA_VERSION:
        raise StoreError(f"备份由较新版本的程序建立（结构版本 {found}），请先升级程序")
    return {"schema_version": found, "tables": names, "rows": rows}


def restore(source: str | os.PathLike, target: str | os.PathLike) -> dict:
    """Replace the store file ``target`` with the backup ``source``; the current ``target`` is first backed up beside
    it (``NAME.before-restore-….duckdb``). The app must not be running on ``target``. Returns what was done."""
    source, target = Path(source), Path(target)
    info = check(source)
    saved = None
    if target.exists():
        try:
            con = duckdb.connect(str(target))
        except duckdb.IOException as exc:
            raise StoreError(f"数据库 {target.name} 正被其他程序（如正在运行的应用）使用：请先停止应用再恢复") from exc
        try:
            saved = backup(con, target.with_name(f"{target.stem}.before-restore-{datetime.now():%Y%m%d-%H%M%S}.duckdb"))
        finally:
            con.close()
    partial = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, partial)
    Path(str(target) + ".wal").unlink(missing_ok=True)  # a WAL left beside the old file must never replay onto the new one
    os.replace(partial, target)
    return {"restored": str(target), "from": str(source), "previous_saved_as": str(saved) if saved else None, **info}


def daily(con: duckdb.DuckDBPyConnection, folder: str | os.PathLike, *, keep: int = 14, stem: str = "parkmap",
          today: date | None = None) -> Path | None:
    """Today's backup in ``folder`` (``parkmap-20241201.duckdb``) unless it exists; keeps the newest ``keep``.
    Returns the file written, or None when today's already existed."""
    folder = Path(folder)
    day = (today or date.today()).strftime("%Y%m%d")
    target = folder / f"{stem}-{day}.duckdb"
    written = None
    if not target.exists():
        written = backup(con, target)
    rotate(folder, keep=keep)
    return written


def rotate(folder: str | os.PathLike, *, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` daily backups in ``folder``; returns the deleted files."""
    found = sorted((p for p in Path(folder).glob(BACKUP_GLOB) if DAILY.match(p.name)), key=lambda p: DAILY.match(p.name)["day"])
    gone = found[:-keep] if keep > 0 else found
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def latest(folder: str | os.PathLike) -> Path | None:
    """The newest daily backup in ``folder``, if any."""
    found = sorted((p for p in Path(folder).glob(BACKUP_GLOB) if DAILY.match(p.name)), key=lambda p: DAILY.match(p.name)["day"])
    return found[-1] if found else None
