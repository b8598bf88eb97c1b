"""Facts about the loaded dataset (key → value): whether it is demo data, its region and its data date."""

from __future__ import annotations

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
