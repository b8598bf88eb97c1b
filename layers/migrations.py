"""Data steps of the numbered schema migrations (:mod:`store.migrations` runs them; tables and columns are added there).

Step 1 (stores made up to 2026-12-01): snapshots frozen by older releases lack the columns added later (name, park,
position …) — fill them from the projects, so a published month's map shows its projects again; months those releases
froze "on first use" become frozen months (their targets are taken as they stand now, the best that can be known).

Step 2 (2026-12-02): the 投资需求库 tables ``saved_requirements`` and ``requirement_acks`` (:mod:`layers.saved_requirements`).
Their structure is added by :func:`store.migrations.reconcile` before the step; there is no earlier data to carry
over. The step exists so that a store holding saved requirements is version 2, which a release without them refuses
to open instead of writing to it as if they were not there.
"""

from __future__ import annotations

import duckdb

from layers import months, project_history
from store import audit

USER = "系统升级"


def _fill_snapshot_columns(con: duckdb.DuckDBPyConnection) -> None:
    sets = ", ".join(f"{c} = coalesce(s.{c}, p.{c})" for c in project_history.ADDED_FIELDS if c not in ("lon", "lat"))
    con.execute(
        f"UPDATE project_snapshots s SET {sets}, "
        "lon = coalesce(s.lon, ST_X(ST_PointOnSurface(p.geom))), lat = coalesce(s.lat, ST_Y(ST_PointOnSurface(p.geom))) "
        "FROM projects p WHERE s.project_id = p.project_id"
    )


def _freeze_legacy_months(con: duckdb.DuckDBPyConnection) -> None:
    legacy = [m for m in project_history.snapshot_months(con) if not months.is_frozen(con, m)]
    if not legacy:
        return
    with audit.batch(con, user=USER, kind="migrate", label="旧版本已发布月份标记为冻结"):
        for month in legacy:
            months.freeze_stored(con, month, user=USER, note="旧版本首次使用时冻结；目标取升级时的数值")


def step_1(con: duckdb.DuckDBPyConnection) -> None:
    _fill_snapshot_columns(con)
    _freeze_legacy_months(con)


def step_2(con: duckdb.DuckDBPyConnection) -> None:
    """The 投资需求库 tables (created by ``reconcile``); nothing to fill."""
    for table in ("saved_requirements", "requirement_acks"):
        con.execute(f"SELECT count(*) FROM {table}").fetchone()  # present, or the upgrade stops here


STEPS = {1: step_1, 2: step_2}
