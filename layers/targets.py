"""Annual targets per reporting unit and indicator (目标任务), e.g. 2018 · 咸安区 · signed_investment_yi = 150."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from layers._scope import in_clause
from store import ConflictError, tables, transaction

#: indicator id → (Chinese label, unit of measure)
INDICATORS = {
    "signed_projects": ("新签约项目数", "个"),
    "signed_investment_yi": ("签约金额", "亿元"),
    "projects_1yi": ("亿元以上项目数", "个"),
    "projects_10yi": ("10亿元以上项目数", "个"),
    "funds_in_place_yi": ("到位资金", "亿元"),
    "started_projects": ("开工项目数", "个"),
}
SPEC = tables.TableSpec(
    table="targets",
    key="target_id",
    columns=(
        ("target_id", "VARCHAR"),  # "{year}|{unit_id}|{indicator}"
        ("year", "INTEGER NOT NULL"),
        ("unit_id", "VARCHAR NOT NULL"),
        ("indicator", "VARCHAR NOT NULL"),
        ("target_value", "DOUBLE NOT NULL"),
    ),
    has_geometry=False,
)
insert, update, delete = tables.writers(SPEC)


def target_id(year: int, unit_id: str, indicator: str) -> str:
    """The key of one target row."""
    return f"{year}|{unit_id}|{indicator}"


def load(con: duckdb.DuckDBPyConnection, *, year: int | None = None, units: Sequence[str] | None = None) -> pd.DataFrame:
    """Targets as a long frame (year, unit_id, indicator, target_value)."""
    where, params = in_clause("unit_id", units)
    if year is not None:
        where.append("year = ?")
        params.append(int(year))
    frame = tables.load(con, SPEC, where, params)
    return pd.DataFrame(frame.drop(columns="geometry"))


def save(con: duckdb.DuckDBPyConnection, writes: pd.DataFrame, deletes: Sequence[str], *, user: str,
         expected: pd.DataFrame | None = None) -> int:
    """Write changed targets (upsert, audited) and delete emptied ones, atomically; returns rows touched.

    ``expected`` is the year's targets as the editing form loaded them: when any cell being written or cleared has
    been changed by someone else since, nothing is written and :class:`store.ConflictError` says so.
    """
    with transaction(con):
        if expected is not None:
            _check_unchanged(con, writes, deletes, expected)
        if len(writes):
            rows = writes.assign(target_id=[target_id(y, u, i) for y, u, i in zip(writes["year"], writes["unit_id"], writes["indicator"])])
            insert(con, rows, user=user, upsert=True)
        for key in deletes:
            delete(con, key, user=user)
    return len(writes) + len(deletes)


def _check_unchanged(con, writes: pd.DataFrame, deletes: Sequence[str], expected: pd.DataFrame) -> None:
    keys = [target_id(y, u, i) for y, u, i in zip(writes["year"], writes["unit_id"], writes["indicator"])] + list(deletes)
    if not keys:
        return
    loaded = dict(zip(expected["target_id"], expected["target_value"].astype(float), strict=True)) if len(expected) else {}
    where, params = in_clause("target_id", keys)
    now = dict(con.execute(f"SELECT target_id, target_value FROM targets WHERE {where[0]}", params).fetchall())
    stale = [k for k in keys if loaded.get(k) != now.get(k)]
    if stale:
        names = "、".join(f"{k.split('|')[1]} {INDICATORS.get(k.split('|')[2], (k,))[0]}" for k in stale[:5])
        raise ConflictError(f"{names} 的目标已被他人修改")
