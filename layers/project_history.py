"""Project stage history (every stage change with date and evidence) and monthly snapshots.

A snapshot freezes, for one month (``YYYY-MM``), each project's stage, dates and money as they were
reported at month end, so a published 月通报 can be reproduced after later edits.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from layers._scope import in_clause, scope_clause
from store import tables

EVENTS = tables.TableSpec(
    table="project_stage_history",
    key="event_id",
    columns=(
        ("event_id", "VARCHAR"),
        ("project_id", "VARCHAR NOT NULL"),
        ("stage", "VARCHAR NOT NULL"),
        ("changed_on", "DATE NOT NULL"),
        ("evidence", "VARCHAR"),
        ("note", "VARCHAR"),
    ),
    has_geometry=False,
)
SNAPSHOT_FIELDS = (
    ("project_id", "VARCHAR NOT NULL"),
    ("unit_id", "VARCHAR"),
    ("county_adcode", "VARCHAR"),
    ("category", "VARCHAR"),
    ("sign_type", "VARCHAR"),
    ("stage", "VARCHAR"),
    ("investment_wan", "DOUBLE"),
    ("funds_in_place_wan", "DOUBLE"),
    ("signed_on", "DATE"),
    ("registered_on", "DATE"),
    ("started_on", "DATE"),
    ("produced_on", "DATE"),
)
SNAPSHOTS = tables.TableSpec(
    table="project_snapshots",
    key="snapshot_id",
    columns=(("snapshot_id", "VARCHAR"), ("month", "VARCHAR NOT NULL")) + SNAPSHOT_FIELDS,
    has_geometry=False,
)
insert_events, update_event, delete_event = tables.writers(EVENTS)
_insert_snapshots, _, _ = tables.writers(SNAPSHOTS)


def load_events(con: duckdb.DuckDBPyConnection, *, project_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Stage changes, oldest first per project."""
    where, params = in_clause("project_id", project_ids)
    frame = tables.load(con, EVENTS, where, params, order_by="project_id, changed_on, event_id")
    return pd.DataFrame(frame.drop(columns="geometry"))


def write_snapshot(con: duckdb.DuckDBPyConnection, month: str, projects: pd.DataFrame, *, user: str) -> int:
    """Freeze ``projects`` (rows as of the end of ``month``) as that month's snapshot, replacing an older one."""
    fields = [name for name, _ in SNAPSHOT_FIELDS]
    frame = pd.DataFrame(projects[fields]).copy()
    frame.insert(0, "month", month)
    frame.insert(0, "snapshot_id", month + "|" + frame["project_id"].astype(str))
    con.execute("DELETE FROM project_snapshots WHERE month = ?", [month])
    return _insert_snapshots(con, frame, user=user)


def load_snapshot(con: duckdb.DuckDBPyConnection, month: str, *, county: str | Sequence[str] | None = None) -> pd.DataFrame:
    """The projects as frozen at the end of ``month`` (empty if that month was never snapshotted)."""
    where, params = scope_clause("county_adcode", county)
    frame = tables.load(con, SNAPSHOTS, ["month = ?", *where], [month, *params])
    return pd.DataFrame(frame.drop(columns=["geometry", "snapshot_id", *tables.STAMP_COLUMNS]))


def snapshot_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months that have a snapshot, oldest first."""
    return [m for (m,) in con.execute("SELECT DISTINCT month FROM project_snapshots ORDER BY month").fetchall()]
