"""Published months (冻结月份): freezing a month stores what its 月通报 is computed from, once and for good.

:func:`freeze` is an explicit act (a button for the city's administrators on 项目进度, ``cli.py freeze --month``).
It stores, in one transaction, the month's projects as they stood at its end, its comparison month (the month before,
as it stood then, unless that month is frozen itself), the year's targets, and a sequence number. Afterwards every
figure of that month is read from what was stored, so later edits — projects, stages, targets — never change it.
An unfrozen month is computed live from the same functions over the current data. Freezing twice is harmless: the
second call finds the month frozen and returns it unchanged. Reading never writes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from layers import dataset, project_history, projects, reporting_units, targets
from layers._scope import frame_mask, in_clause
from store import audit, tables, transaction

FROZEN = tables.TableSpec(
    table="frozen_months",
    key="month",
    columns=(
        ("month", "VARCHAR"),  # YYYY-MM
        ("seq", "INTEGER NOT NULL"),  # 1, 2, … in the order months were frozen
        ("data_as_of", "DATE"),  # the dataset's 数据截至 when it was frozen
        ("previous_stored", "BOOLEAN NOT NULL"),  # comparison base stored with it (the month before was not frozen)
        ("projects", "INTEGER"),
        ("note", "VARCHAR"),
        ("units", "VARCHAR"),  # JSON: the reporting units as they were (id, name, kind, county, order), for its tables
    ),
    has_geometry=False,
)
TARGET_SNAPSHOTS = tables.TableSpec(
    table="target_snapshots",
    key="snapshot_id",
    columns=(
        ("snapshot_id", "VARCHAR"),  # "{month}|{target_id}"
        ("month", "VARCHAR NOT NULL"),
        ("year", "INTEGER NOT NULL"),
        ("unit_id", "VARCHAR NOT NULL"),
        ("indicator", "VARCHAR NOT NULL"),
        ("target_value", "DOUBLE NOT NULL"),
    ),
    has_geometry=False,
    audit_rows=False,
)


class FreezeError(ValueError):
    """A month that cannot be frozen (malformed, or not over according to the data); Chinese message."""


@dataclass(frozen=True)
class Frozen:
    month: str
    seq: int
    already: bool  # True when the month was frozen before this call
    projects: int


def previous_month(month: str) -> str:
    return str(pd.Period(month, freq="M") - 1)


def frozen_months(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Frozen months with when and by whom, in freezing order."""
    frame = tables.load(con, FROZEN, order_by="seq")
    return pd.DataFrame(frame.drop(columns="geometry"))


def is_frozen(con: duckdb.DuckDBPyConnection, month: str) -> bool:
    return con.execute("SELECT count(*) FROM frozen_months WHERE month = ?", [month]).fetchone()[0] > 0


def _check(con, month: str) -> None:
    try:
        end = pd.Period(month, freq="M").end_time.date()
    except (ValueError, TypeError):
        raise FreezeError(f"月份格式应为 YYYY-MM：{month}") from None
    as_of = dataset.as_of(con)
    limit = as_of or date.today()
    if end > limit:
        what = f"数据截至 {as_of}" if as_of else f"今天是 {date.today()}"
        raise FreezeError(f"{month} 尚未结束（{what}），不能冻结：冻结的月份以月末数据为准")


def live_frame(con: duckdb.DuckDBPyConnection, month: str) -> pd.DataFrame:
    """The projects as they stood at the end of ``month``, reconstructed from the current data (never stored)."""
    return project_history.as_of(projects.load(con), project_history.load_events(con), month)


def freeze(con: duckdb.DuckDBPyConnection, month: str, *, user: str, note: str | None = None) -> Frozen:
    """Freeze ``month`` (see the module docstring); idempotent. Raises :class:`FreezeError`."""
    _check(con, month)
    with transaction(con):  # under the write lock: a month frozen meanwhile is returned without an empty 冻结 batch
        row = con.execute("SELECT seq, projects FROM frozen_months WHERE month = ?", [month]).fetchone()
        if row is not None:
            return Frozen(month, int(row[0]), True, int(row[1] or 0))
        with audit.batch(con, user=user, kind="freeze", label=f"冻结 {month}"):
            return freeze_stored(con, month, user=user, note=note)


def freeze_stored(con: duckdb.DuckDBPyConnection, month: str, *, user: str, note: str | None = None) -> Frozen:
    """:func:`freeze` without the month check, inside the caller's batch (the demo and migrations, whose months
    already have a snapshot, use it directly)."""
    row = con.execute("SELECT seq, projects FROM frozen_months WHERE month = ?", [month]).fetchone()
    if row is not None:  # frozen meanwhile (another session, a second click)
        return Frozen(month, int(row[0]), True, int(row[1] or 0))
    stored = month in project_history.snapshot_months(con)
    if stored:  # a snapshot written by the demo or an earlier release
        count = len(project_history.load_snapshot(con, month))
    else:
        count = project_history.write_snapshot(con, month, live_frame(con, month), user=user)
    keep_previous = not is_frozen(con, previous_month(month))
    if keep_previous:
        project_history.write_snapshot(con, month, live_frame(con, previous_month(month)), user=user, part="previous")
    _store_targets(con, month, user=user)
    (seq,) = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM frozen_months").fetchone()
    tables.insert(con, FROZEN, [{"month": month, "seq": int(seq), "data_as_of": dataset.as_of(con), "previous_stored": keep_previous,
                                 "projects": count, "note": note, "units": _units_json(con, month, fresh=not stored)}], user=user)
    return Frozen(month, int(seq), False, count)


UNIT_COLUMNS = ("unit_id", "name", "short_name", "kind", "county_adcode", "city_adcode", "sort_order")


def _units_json(con, month: str, *, fresh: bool) -> str:
    """The reporting units a frozen month's tables list: all of them when the month is frozen now; for a snapshot an
    older release or the demo wrote, those its projects or targets name (units added since did not exist then)."""
    units = reporting_units.load(con)
    if not fresh:
        named = set(project_history.load_snapshot(con, month)["unit_id"].dropna()) | \
            {u for (u,) in con.execute("SELECT DISTINCT unit_id FROM target_snapshots WHERE month = ?", [month]).fetchall()}
        units = units[units["unit_id"].isin(named)]
    rows = [{c: (None if pd.isna(r[c]) else (int(r[c]) if c == "sort_order" else str(r[c]))) for c in UNIT_COLUMNS}
            for r in units.to_dict("records")]
    return json.dumps(rows, ensure_ascii=False)


def month_units(con: duckdb.DuckDBPyConnection, month: str, *, county: str | Sequence[str] | None = None) -> pd.DataFrame:
    """The reporting units a month's report lists, in display order: as they were when it was frozen, else as they are."""
    row = con.execute("SELECT units FROM frozen_months WHERE month = ?", [month]).fetchone()
    if row is None or not row[0]:
        return reporting_units.load(con, county=county)
    frame = pd.DataFrame(json.loads(row[0]), columns=list(UNIT_COLUMNS))
    frame = frame[frame_mask(con, frame, county, table=reporting_units.SPEC.table)]  # the scope rule of the live units
    return frame.sort_values(["sort_order", "unit_id"], na_position="last").reset_index(drop=True)


def _store_targets(con, month: str, *, user: str) -> None:
    wanted = targets.load(con, year=int(month[:4]))
    con.execute("DELETE FROM target_snapshots WHERE month = ?", [month])
    if len(wanted):
        rows = wanted.assign(month=month, snapshot_id=[f"{month}|{t}" for t in wanted["target_id"]])
        tables.insert(con, TARGET_SNAPSHOTS, rows[[n for n in TARGET_SNAPSHOTS.names]], user=user)


def month_frame(con: duckdb.DuckDBPyConnection, month: str, *, county: str | Sequence[str] | None = None) -> tuple[pd.DataFrame, bool]:
    """``(projects at the end of month, frozen)``: what was stored when the month was frozen, else live."""
    if is_frozen(con, month):
        return project_history.load_snapshot(con, month, county=county), True
    live = live_frame(con, month)
    frame = project_history.write_ready(_scoped(con, live, county))  # scoped while the park is known (snapshots keep none)
    frame.insert(1, "month", month)
    return frame, False


def comparison_frame(con: duckdb.DuckDBPyConnection, month: str, *, county: str | Sequence[str] | None = None) -> pd.DataFrame:
    """The month before ``month`` as ``month``'s report compares with it (its rank changes): for a frozen month what
    was stored with it (or the month before's own frozen snapshot), otherwise that month as it stands."""
    before = previous_month(month)
    row = con.execute("SELECT previous_stored FROM frozen_months WHERE month = ?", [month]).fetchone()
    if row is not None and row[0]:
        return project_history.load_snapshot(con, month, county=county, part="previous")
    return month_frame(con, before, county=county)[0]


def trend_months(con: duckdb.DuckDBPyConnection, month: str, limit: int = 12) -> list[str]:
    """Frozen months up to ``month`` that its trend chart shows: for a frozen month those frozen no later than it
    (so freezing an earlier month afterwards does not change it), otherwise every frozen month before it."""
    row = con.execute("SELECT seq FROM frozen_months WHERE month = ?", [month]).fetchone()
    sql = "SELECT month FROM frozen_months WHERE month < ?" + (" AND seq <= ?" if row else "") + " ORDER BY month"
    found = [m for (m,) in con.execute(sql, [month, *([row[0]] if row else [])]).fetchall()]
    return found[-(limit - 1):] if limit > 1 else []


def month_targets(con: duckdb.DuckDBPyConnection, month: str, *, units: Sequence[str] | None = None) -> pd.DataFrame:
    """The targets a month's figures are measured against: those stored when it was frozen, else the live ones."""
    if not is_frozen(con, month):
        return targets.load(con, year=int(month[:4]), units=units)
    where, params = in_clause("unit_id", units)
    frame = tables.load(con, TARGET_SNAPSHOTS, ["month = ?", *where], [month, *params], order_by="snapshot_id")
    frame = pd.DataFrame(frame.drop(columns="geometry"))
    frame["target_id"] = [targets.target_id(y, u, i) for y, u, i in zip(frame["year"], frame["unit_id"], frame["indicator"], strict=True)]
    return frame[["target_id", "year", "unit_id", "indicator", "target_value"]]


def _scoped(con, frame: pd.DataFrame, county) -> pd.DataFrame:
    """Projects of ``frame`` within the scope (:mod:`layers._scope`: counties, or a park user's parks)."""
    return frame[frame_mask(con, frame, county, table=projects.SPEC.table)].reset_index(drop=True)
