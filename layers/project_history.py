"""Project stage history (every stage change with date and evidence) and monthly snapshots.

A snapshot holds, for one month (``YYYY-MM``), each project's stage, dates and money as they stood at month end.
Snapshots are written only when a month is frozen (:mod:`layers.months`), so a published 月通报 can be reproduced
after later edits; :func:`as_of` reconstructs any month from the current projects and their stage history (what an
unfrozen month shows). Reading never writes.
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
    # Added for 月通报 lists and maps (older stores get them through ``extra_ddl``).
    ("name", "VARCHAR"),
    ("park_name", "VARCHAR"),
    ("industry_chain", "VARCHAR"),
    ("planned_start", "DATE"),
    ("leader", "VARCHAR"),
    ("responsible_unit", "VARCHAR"),
    ("lon", "DOUBLE"),  # WGS-84 position (representative point), NULL when location pending
    ("lat", "DOUBLE"),
)
#: Columns added after the first release (older snapshots lack them; ``layers/migrations.py`` fills them in).
ADDED_FIELDS = tuple(n for n, _ in SNAPSHOT_FIELDS[12:])
#: ``part`` of a snapshot row: the month itself, or the month before it as it stood when the month was frozen (the
#: comparison base of the 月通报's rank changes, kept when that month was not frozen itself).
PARTS = ("month", "previous")
SNAPSHOTS = tables.TableSpec(
    table="project_snapshots",
    key="snapshot_id",
    columns=(("snapshot_id", "VARCHAR"), ("month", "VARCHAR NOT NULL")) + SNAPSHOT_FIELDS + (("part", "VARCHAR"),),
    has_geometry=False,
    audit_rows=False,
)
MILESTONE_DATES = (("投产", "produced_on"), ("开工", "started_on"), ("注册", "registered_on"), ("签约", "signed_on"))
insert_events, update_event, delete_event = tables.writers(EVENTS)
_insert_snapshots, _, _ = tables.writers(SNAPSHOTS)


def load_events(con: duckdb.DuckDBPyConnection, *, project_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Stage changes, oldest first per project."""
    where, params = in_clause("project_id", project_ids)
    frame = tables.load(con, EVENTS, where, params, order_by="project_id, changed_on, event_id")
    return pd.DataFrame(frame.drop(columns="geometry"))


def snapshot_id(month: str, project_id: str, part: str = "month") -> str:
    """``2018-05|P1`` for the month itself, ``2018-05|previous|P1`` for its comparison base."""
    return f"{month}|{project_id}" if part == "month" else f"{month}|{part}|{project_id}"


def write_snapshot(con: duckdb.DuckDBPyConnection, month: str, projects: pd.DataFrame, *, user: str, part: str = "month") -> int:
    """Store ``projects`` (rows as of the end of ``month``) as that month's snapshot ``part``, replacing an older one.
    Use :func:`layers.months.freeze` to publish a month; this is its building block."""
    assert part in PARTS, part
    frame = write_ready(projects)
    if frame["project_id"].isna().any():  # check before the old snapshot is removed
        raise ValueError(f"{month} 快照中有项目缺少 project_id")
    frame.insert(0, "month", month)
    frame.insert(0, "snapshot_id", [snapshot_id(month, p, part) for p in frame["project_id"].astype(str)])
    frame["part"] = part
    con.execute("DELETE FROM project_snapshots WHERE month = ? AND coalesce(part, 'month') = ?", [month, part])
    return _insert_snapshots(con, frame, user=user)


def load_snapshot(con: duckdb.DuckDBPyConnection, month: str, *, county: str | Sequence[str] | None = None,
                  part: str = "month") -> pd.DataFrame:
    """The projects as stored for ``month`` (``part``), empty if there is no such snapshot."""
    where, params = scope_clause("county_adcode", county, table=SNAPSHOTS.table)
    frame = tables.load(con, SNAPSHOTS, ["month = ?", "coalesce(part, 'month') = ?", *where], [month, part, *params])
    return pd.DataFrame(frame.drop(columns=["geometry", "snapshot_id", "part", *tables.STAMP_COLUMNS]))


def snapshot_months(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Months that have a snapshot of their own, oldest first."""
    return [m for (m,) in con.execute(
        "SELECT DISTINCT month FROM project_snapshots WHERE coalesce(part, 'month') = 'month' ORDER BY month").fetchall()]


def as_of(projects: pd.DataFrame, events: pd.DataFrame, month: str) -> pd.DataFrame:
    """The projects as they stood at the end of ``month``: milestone dates after it blanked, the stage from the
    last stage change up to then (else the furthest dated milestone); projects with no trace by then are left out
    unless they have no dates at all (a pipeline entry: kept as it is now)."""
    end = pd.Period(month, freq="M").end_time.date()
    rows = pd.DataFrame(projects).copy()
    dated = {}
    for _stage, column in MILESTONE_DATES:
        when = pd.to_datetime(rows[column])
        dated[column] = when.notna()
        rows[column] = when.dt.date.where(when.notna() & (when.dt.normalize() <= pd.Timestamp(end)), None)
    seen = events[pd.to_datetime(events["changed_on"]).dt.date <= end] if len(events) else events
    last = (seen.sort_values(["project_id", "changed_on", "event_id"]).groupby("project_id").tail(1).set_index("project_id")["stage"]
            if len(seen) else pd.Series(dtype=object))
    furthest = pd.Series(None, index=rows.index, dtype=object)  # the first milestone of MILESTONE_DATES that is dated
    for stage_name, column in reversed(MILESTONE_DATES):
        furthest = furthest.where(rows[column].isna(), stage_name)
    undated = ~pd.concat(dated, axis=1).any(axis=1)
    stage = rows["project_id"].map(last).where(lambda x: x.notna(), furthest)
    stage = stage.where(stage.notna(), rows["stage"].where(undated))
    rows["stage"] = stage
    return rows[stage.notna()].reset_index(drop=True)


def write_ready(projects: pd.DataFrame) -> pd.DataFrame:
    """A project frame reduced to the snapshot columns (what :func:`load_snapshot` would return, without ``month``)."""
    frame = pd.DataFrame(projects).copy()
    if "geometry" in frame.columns and not {"lon", "lat"} <= set(frame.columns):
        points = [None if g is None or g.is_empty else g.representative_point() for g in frame["geometry"]]
        frame["lon"] = [None if p is None else p.x for p in points]
        frame["lat"] = [None if p is None else p.y for p in points]
    return frame.reindex(columns=[n for n, _ in SNAPSHOT_FIELDS])
