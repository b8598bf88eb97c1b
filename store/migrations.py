"""Schema versions: every store records the version of its structure; older stores are upgraded when opened.

A store made by any earlier release opens with its data intact: :func:`prepare` (called by the app and every CLI
command when they open a store) backs the file up, then runs each numbered step from the store's version to
:data:`SCHEMA_VERSION`, each in its own transaction. Before every step, and at every open, missing tables and
columns are added (:func:`reconcile`), so adding a column to a layer's spec never breaks an older store; a step
only has to fill in data (``layers/migrations.py`` holds them). A store newer than this code is refused.

Version 0 is a store made before versions were recorded (the releases up to 2026-12-01).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path

import duckdb

from store import StoreError, audit, database_key, tables, transaction

SCHEMA_VERSION = 2
META_DDL = "CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"
log = logging.getLogger("parkmap.store")


def _tables(con) -> set[str]:
    return {n for (n,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = 'main'").fetchall()}


def version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The store's schema version: None for a brand-new (empty) store, 0 for one made before versions were kept."""
    names = _tables(con)
    if "store_meta" in names:
        row = con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()
        if row is not None:
            return int(row[0])
    return 0 if names - {"store_meta"} else None


def _set_version(con, value: int) -> None:
    con.execute(META_DDL)
    con.execute("INSERT INTO store_meta VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [str(value)])


def reconcile(con: duckdb.DuckDBPyConnection, specs: Iterable[tables.TableSpec]) -> list[str]:
    """Create missing tables and add missing columns (without constraints); returns what was added."""
    added = []
    present = _tables(con)
    con.execute(audit.AUDIT_DDL)
    for spec in specs:
        if spec.table not in present:
            con.execute(spec.ddl())
            added.append(spec.table)
            continue
        have = {n for (n,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() AND table_name = ?",
            [spec.table]).fetchall()}
        wanted = [(n, t.split()[0]) for n, t in spec.columns]
        wanted += [("geom", "GEOMETRY")] if spec.has_geometry else []
        wanted += [(d.split()[0], " ".join(d.split()[1:])) for d in tables.STAMP_DDL]
        for name, sqltype in wanted:
            if name not in have:
                con.execute(f"ALTER TABLE {spec.table} ADD COLUMN {name} {sqltype}")
                added.append(f"{spec.table}.{name}")
    have = {n for (n,) in con.execute("SELECT column_name FROM information_schema.columns "
                                      "WHERE table_catalog = current_database() AND table_name = 'audit_log'").fetchall()}
    for name, sqltype in (("batch_id", "VARCHAR"), ("changes", "JSON")):
        if name not in have:
            con.execute(f"ALTER TABLE audit_log ADD COLUMN {name} {sqltype}")
            added.append(f"audit_log.{name}")
    return added


def backup_before(con: duckdb.DuckDBPyConnection, from_version: int) -> Path | None:
    """Copy a file store next to itself (``backups/NAME-v0-20241201-093000.duckdb``) before upgrading it."""
    from store import backup

    key = database_key(con)
    if key == "memory":
        return None
    path = Path(key)
    target = path.parent / "backups" / f"{path.stem}-v{from_version}-{datetime.now():%Y%m%d-%H%M%S}.duckdb"
    return backup.backup(con, target)


def prepare(con: duckdb.DuckDBPyConnection, specs: Iterable[tables.TableSpec],
            steps: Mapping[int, Callable[[duckdb.DuckDBPyConnection], None]]) -> dict:
    """Bring the store to :data:`SCHEMA_VERSION` (see the module docstring). Returns ``{"from": v, "to": v, "backup": path}``."""
    specs = list(specs)
    found = version(con)
    if found is not None and found > SCHEMA_VERSION:
        raise StoreError(f"该数据库由较新版本的程序建立（结构版本 {found}），本程序只支持到版本 {SCHEMA_VERSION}：请升级程序后再打开，"
                         "不要用旧版本程序写入它")
    if found is None:
        with transaction(con):
            tables.create(con, specs)
            _set_version(con, SCHEMA_VERSION)
        return {"from": None, "to": SCHEMA_VERSION, "backup": None}
    saved = None
    if found < SCHEMA_VERSION:
        saved = backup_before(con, found)
        log.info("数据库结构从版本 %s 升级到 %s（升级前备份：%s）", found, SCHEMA_VERSION, saved)  # callers say it
        for number in range(found + 1, SCHEMA_VERSION + 1):
            with transaction(con):
                reconcile(con, specs)
                if number in steps:
                    steps[number](con)
                _set_version(con, number)
    added = reconcile(con, specs)
    if added:
        log.info("补齐数据表/字段：%s", "、".join(added))
    return {"from": found, "to": SCHEMA_VERSION, "backup": str(saved) if saved else None}
