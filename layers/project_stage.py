"""Project changes made on screen: a stage change (with its date and evidence) and a new 到位资金 figure.

Ledger imports change stages in bulk (:mod:`imports.projects`); these are the one-project writes of the 项目地图 card.
Each is one audited batch that reads the project under the write lock: another county's project is refused as if it
did not exist, a form drawn before someone else's change is refused with :class:`store.ConflictError`, and a change
that needs 佐证材料 (``config/evidence.toml``, :mod:`layers.evidence`) is refused without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import pandas as pd

from layers import attachments, evidence, projects
from layers._scope import record_in_scope
from layers.project_history import MILESTONE_DATES, insert_events
from layers.vocab import PROJECT_MAIN_STAGES, PROJECT_STAGES
from store import ConflictError, audit

#: stage → the project's date column it sets
DATE_OF = dict(MILESTONE_DATES)


class StageError(ValueError):
    """A project change that cannot be made (unknown project or stage, dates out of order, no evidence); Chinese."""


def current(con: duckdb.DuckDBPyConnection, project_id: str, *, counties: Sequence[str] | None = None) -> dict | None:
    """The project's stage, dates, money and ``row_version`` (what a form is drawn from), or None when there is no
    such project within ``counties`` (the scope value of :mod:`layers._scope`: counties, or a park user's parks)."""
    if counties is not None and not record_in_scope(con, "projects", project_id, counties):  # another county's or park's
        return None
    row = con.execute("SELECT project_id, name, county_adcode, stage, signed_on, registered_on, started_on, produced_on, "
                      "investment_wan, funds_in_place_wan, coalesce(row_version, 1) AS row_version FROM projects WHERE project_id = ?",
                      [project_id]).df()
    if row.empty:
        return None
    found = row.iloc[0].to_dict()
    for column in DATE_OF.values():
        found[column] = None if pd.isna(found[column]) else pd.Timestamp(found[column]).date()
    return found


def _locked(con, project_id: str, counties, expected_version: int | None) -> dict:
    found = current(con, project_id, counties=counties)
    if found is None:
        raise StageError(f"没有编号为 {project_id} 的项目")
    if expected_version is not None and found["row_version"] != expected_version:
        raise ConflictError()
    return found


def _bump(con, project_id: str, version: int, user: str) -> None:
    """A change that left every field as it was (a stage recorded again) still makes forms drawn before it stale."""
    con.execute("UPDATE projects SET row_version = ? + 1, updated_at = current_timestamp, updated_by = ? "
                "WHERE project_id = ? AND coalesce(row_version, 1) = ?", [version, user, project_id, version])


def _event_id(con, project_id: str, stage: str, on: date) -> str:
    """``P1#开工`` (the id an import gives a dated milestone), else ``P1#开工#2018-06-30``, ``…#2``, … — the first free."""
    candidates = [f"{project_id}#{stage}", f"{project_id}#{stage}#{on.isoformat()}"]
    n = 2
    while True:
        for candidate in candidates:
            if not con.execute("SELECT count(*) FROM project_stage_history WHERE event_id = ?", [candidate]).fetchone()[0]:
                return candidate
        candidates = [f"{project_id}#{stage}#{on.isoformat()}#{n}"]
        n += 1


def _dates(found: dict, stage: str, on: date) -> dict:
    """The date columns a move to ``stage`` on ``on`` writes; refuses a date before an earlier milestone's."""
    if stage not in PROJECT_MAIN_STAGES:  # the side exits (停滞, 终止) keep every date
        return {}
    rank = PROJECT_MAIN_STAGES.index(stage)
    changes = {}
    if column := DATE_OF.get(stage):
        for earlier in PROJECT_MAIN_STAGES[:rank]:
            day = found.get(DATE_OF.get(earlier, ""))
            if day is not None and on < day:
                raise StageError(f"{stage}日期 {on} 早于{earlier}日期 {day}")
        changes[column] = on
    for later in PROJECT_MAIN_STAGES[rank + 1:]:  # moved back (a wrong 开工 corrected): later milestones did not happen
        if (later_column := DATE_OF.get(later)) and found.get(later_column) is not None:
            changes[later_column] = None
    return changes


def change_stage(con: duckdb.DuckDBPyConnection, project_id: str, stage: str, *, on: date, user: str,
                 expected_version: int | None = None, counties: Sequence[str] | None = None,
                 attachment_ids: Sequence[str] = (), note: str | None = None) -> dict:
    """Move a project to ``stage`` on ``on``: its stage and the stage's date (签约, 注册, 开工, 投产) on the project row,
    and a ``project_stage_history`` row, in one audited batch under ``user``. Returns the history row.

    Moving back along the lifecycle clears the later milestones' dates (they did not happen); 停滞 and 终止 keep
    every date. A date before the project's last recorded change, or before an earlier milestone, is refused.
    开工 and 投产 need 佐证材料 when configured: an attachment for that stage, uploaded with this change
    (``attachment_ids``, which must belong to the project) or before.
    """
    if stage not in PROJECT_STAGES:
        raise StageError(f"未知的项目阶段“{stage}”，可选：{'、'.join(PROJECT_STAGES)}")
    on = pd.Timestamp(on).date()
    with audit.batch(con, user=user, kind="stage", label=f"项目阶段变更 {project_id} → {stage}"):
        found = _locked(con, project_id, counties, expected_version)
        given = attachments.belonging(con, attachment_ids, "projects", project_id)
        (last_day,) = con.execute("SELECT max(changed_on) FROM project_stage_history WHERE project_id = ?", [project_id]).fetchone()
        if last_day is not None and on < pd.Timestamp(last_day).date():
            raise StageError(f"变更日期 {on} 早于该项目上一次记录的日期 {pd.Timestamp(last_day).date()}")
        changes = {"stage": stage, **_dates(found, stage, on)}
        if reason := evidence.missing(con, "projects", project_id, stage):
            raise StageError(reason)
        shown = given or (attachments.held(con, "projects", project_id, [stage]) if stage in DATE_OF else [])
        projects.update(con, project_id, changes, user=user, expected_version=found["row_version"])
        _bump(con, project_id, found["row_version"], user)
        row = {"event_id": _event_id(con, project_id, stage, on), "project_id": project_id, "stage": stage, "changed_on": on,
               "evidence": "、".join(shown) or None, "note": (note or "").strip() or None}
        insert_events(con, [row], user=user)
    return row


def change_funds(con: duckdb.DuckDBPyConnection, project_id: str, funds_in_place_wan: float, *, user: str,
                 expected_version: int | None = None, counties: Sequence[str] | None = None,
                 attachment_ids: Sequence[str] = ()) -> bool:
    """Set the project's 到位资金 (万元) in one audited batch; needs 佐证材料 when configured. Returns whether it changed."""
    try:
        value = float(funds_in_place_wan)
    except (TypeError, ValueError):
        raise StageError(f"到位资金应为数字（万元）：“{funds_in_place_wan}”") from None
    if value != value or value < 0:
        raise StageError("到位资金不能为负数或空白")
    def same(found: dict) -> bool:
        old = found["funds_in_place_wan"]
        return old is not None and not pd.isna(old) and abs(float(old) - value) < 1e-9

    if (before := current(con, project_id, counties=counties)) is not None and same(before) and not attachment_ids:
        return False  # nothing to write, not even an empty batch
    with audit.batch(con, user=user, kind="edit", label=f"到位资金 {project_id} → {value:g} 万元"):
        found = _locked(con, project_id, counties, expected_version)
        attachments.belonging(con, attachment_ids, "projects", project_id)
        if same(found):
            return False
        if reason := evidence.missing(con, "projects", project_id, "到位资金"):
            raise StageError(reason)
        projects.update(con, project_id, {"funds_in_place_wan": value}, user=user, expected_version=found["row_version"])
    return True
