"""问题/困难 of investment projects: what blocks a project, who must solve it, by when, and whether it is solved.

One row per problem, id ``{project_id}-Q{n:03d}``; ``county_adcode`` is copied from the project when it is recorded,
so the county scope filters problems like every other layer (a park user's scope: the problems of their projects). ``status`` is 未解决 → 推进中 → 已解决 (and back, when a
problem comes back). ``resolved_at`` is when a resolution was *recorded* (``resolved_on`` the day it happened): a
frozen month's 督办 list counts only what had been recorded before the month was frozen (:mod:`analysis.supervision`).
Escalation by age (蓝/黄/红) is computed, never stored: :func:`analysis.supervision.escalate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import pandas as pd

from layers._scope import in_clause, record_in_scope, records_sql, scope_clause, split
from store import ConflictError, audit, tables

KINDS = ("问题", "困难")
STATUSES = ("未解决", "推进中", "已解决")
OPEN = ("未解决", "推进中")
SPEC = tables.TableSpec(
    table="project_issues",
    key="issue_id",
    columns=(
        ("issue_id", "VARCHAR"),  # "{project_id}-Q{n:03d}"
        ("project_id", "VARCHAR NOT NULL"),
        ("county_adcode", "VARCHAR"),  # the project's, when the problem was recorded
        ("text", "VARCHAR NOT NULL"),
        ("kind", "VARCHAR NOT NULL"),  # 问题 / 困难
        ("owner", "VARCHAR"),  # 责任人 / 责任单位 who must solve it
        ("raised_on", "DATE NOT NULL"),
        ("due_on", "DATE"),  # 办结时限
        ("status", "VARCHAR NOT NULL"),  # 未解决 / 推进中 / 已解决
        ("resolved_on", "DATE"),
        ("resolved_at", "TIMESTAMP"),  # when the resolution was recorded
        ("note", "VARCHAR"),
    ),
    has_geometry=False,
)
insert, update, delete = tables.writers(SPEC)


class IssueError(ValueError):
    """A problem that cannot be recorded or changed (unknown project, empty text, dates out of order); Chinese message."""


def load(con: duckdb.DuckDBPyConnection, *, county: str | Sequence[str] | None = None, project_ids: Sequence[str] | None = None,
         open_only: bool = False) -> pd.DataFrame:
    """Problems (a plain DataFrame: no geometry) by project, then date raised; ``open_only``: not 已解决.

    ``county`` is the scope value (:mod:`layers._scope`): a county scope filters on the copied ``county_adcode``; a park
    user sees the problems of the projects in their scope (the projects' park rule)."""
    if split(county)[1] is None:
        where, params = scope_clause("county_adcode", county)
    else:
        sql, params = records_sql("projects", county)
        where = [f"project_id IN ({sql})"]
    w, p = in_clause("project_id", project_ids)
    where, params = where + w, params + p
    if open_only:
        where.append("status <> '已解决'")
    frame = tables.load(con, SPEC, where, params, order_by="project_id, raised_on, issue_id")
    return pd.DataFrame(frame.drop(columns="geometry"))


def _day(value, what: str) -> date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise IssueError(f"{what}不是日期：{value}") from None


def _project_county(con, project_id: str, counties: Sequence[str] | None) -> str | None:
    found = con.execute("SELECT county_adcode FROM projects WHERE project_id = ?", [project_id]).fetchone()
    if found is None or not record_in_scope(con, "projects", project_id, counties):  # outside the scope: as if absent
        raise IssueError(f"没有编号为 {project_id} 的项目")
    return found[0]


def add(con: duckdb.DuckDBPyConnection, project_id: str, text: str, *, user: str, raised_on: date, kind: str = "问题",
        owner: str | None = None, due_on: date | None = None, note: str | None = None,
        counties: Sequence[str] | None = None) -> str:
    """Record a problem of a project (of ``counties`` when given), status 未解决; returns its ``issue_id``."""
    if not text or not str(text).strip():
        raise IssueError("问题/困难的内容不能为空")
    if kind not in KINDS:
        raise IssueError(f"未知的类别“{kind}”，可选：{'、'.join(KINDS)}")
    raised_on, due_on = _day(raised_on, "提出日期"), _day(due_on, "办结时限")
    if raised_on is None:
        raise IssueError("请填写提出日期")
    if due_on is not None and due_on < raised_on:
        raise IssueError(f"办结时限 {due_on} 早于提出日期 {raised_on}")
    county = _project_county(con, project_id, counties)
    with audit.batch(con, user=user, kind="task", label=f"问题/困难 {project_id}"):  # under the write lock: ids cannot collide
        (n,) = con.execute("SELECT count(*) FROM project_issues WHERE project_id = ?", [project_id]).fetchone()
        issue_id = f"{project_id}-Q{n + 1:03d}"
        while con.execute("SELECT count(*) FROM project_issues WHERE issue_id = ?", [issue_id]).fetchone()[0]:
            n += 1  # a problem was deleted: skip ids still in use
            issue_id = f"{project_id}-Q{n + 1:03d}"
        insert(con, [{"issue_id": issue_id, "project_id": project_id, "county_adcode": county, "text": str(text).strip(),
                      "kind": kind, "owner": (owner or "").strip() or None, "raised_on": raised_on, "due_on": due_on,
                      "status": "未解决", "note": (note or "").strip() or None}], user=user)
    return issue_id


def update_status(con: duckdb.DuckDBPyConnection, issue_id: str, status: str, *, user: str, on: date | None = None,
                  note: str | None = None, expected_version: int | None = None, counties: Sequence[str] | None = None) -> dict:
    """Change a problem's status; 已解决 needs the day it was solved (``on``, not before it was raised). Re-opening clears
    the resolution. ``note`` (when given) replaces the note. With ``expected_version`` (the row's ``row_version`` when the
    form was drawn) a change by someone else since is refused with :class:`store.ConflictError`. Returns the changes."""
    if status not in STATUSES:
        raise IssueError(f"未知的状态“{status}”，可选：{'、'.join(STATUSES)}")
    on = _day(on, "解决日期")
    with audit.batch(con, user=user, kind="task", label=f"问题/困难 {issue_id} → {status}"):
        found = con.execute("SELECT project_id, raised_on, coalesce(row_version, 1), status FROM project_issues WHERE issue_id = ?",
                            [issue_id]).fetchone()
        if found is None or not record_in_scope(con, "projects", found[0], counties):  # the project's scope
            raise IssueError(f"没有编号为 {issue_id} 的问题/困难")
        _project, raised_on, version, before = found
        if expected_version is not None and version != expected_version:
            raise ConflictError()
        changes: dict = {"status": status}
        if status == "已解决":
            if on is None:
                raise IssueError("标记为已解决时请填写解决日期")
            if on < raised_on:
                raise IssueError(f"解决日期 {on} 早于提出日期 {raised_on}")
            changes["resolved_on"] = on
            if before != "已解决":  # (a corrected date of a solved problem keeps when the resolution was first recorded)
                (changes["resolved_at"],) = con.execute("SELECT CAST(current_timestamp AS TIMESTAMP)").fetchone()  # as row stamps
        else:
            changes |= {"resolved_on": None, "resolved_at": None}
        if note is not None and note.strip():
            changes["note"] = note.strip()
        update(con, issue_id, changes, user=user, expected_version=version)
    return changes
