"""Facts about the loaded dataset (key → value): whether it is demo data, its region and its data date."""

from __future__ import annotations

from datetime import date

import duckdb

from store import tables

SPEC = tables.TableSpec(
    table="dataset_info",
    key="key",
    columns=(("key", "VARCHAR"), ("value", "VARCHAR")),
    has_geometry=False,
)


def set_info(con: duckdb.DuckDBPyConnection, *, user: str, **values: str) -> None:
    """Record facts such as ``demo="true"``, ``as_of="2018-06-30"``, ``region="421200"``."""
    rows = [{"key": k, "value": str(v)} for k, v in values.items()]
    tables.insert(con, SPEC, rows, user=user, upsert=True)


def get_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """All recorded facts (empty for a new store)."""
    return dict(con.execute("SELECT key, value FROM dataset_info ORDER BY key").fetchall())


def as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    """The dataset's 数据截至 date (the newest ledger date imported, the demo's 2018-06-30), None when never set."""
    row = con.execute("SELECT value FROM dataset_info WHERE key = 'as_of'").fetchone()
    try:
        return date.fromisoformat(row[0]) if row and row[0] else None
    except ValueError:
        return None


def advance_as_of(con: duckdb.DuckDBPyConnection, day: date, *, user: str) -> date:
    """Move 数据截至 forward to ``day`` (never backwards: an older ledger does not make the data older). Returns it."""
    current = as_of(con)
    if current is None or day > current:
        set_info(con, user=user, as_of=day.isoformat())
        return day
    return current
