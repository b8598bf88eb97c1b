"""投资方需求库: investors' space requirements saved on 厂房匹配, and which of their matches a clerk has read.

One row per requirement in ``saved_requirements`` (id ``XQ0001`` …): the investor, a contact, notes, the criteria (the
JSON of :class:`analysis.matching.Requirement`, written and read by :mod:`analysis.requirement_alerts` — this module
does not interpret them), its status 跟进中 → 已签约 / 已放弃 (and back), and the **baseline**: the audit position
(``audit_log.audit_id``) when it was saved or its criteria last changed. ``requirement_acks`` holds one row per match
a clerk has acknowledged (确认已读): requirement, item kind (``factory`` / ``asset``), item id and the audit position
then. "New since" always means "since that audit position" — positions never go back and never tie, unlike clocks.

Scope (:mod:`layers._scope`): a requirement belongs to a county (``county_adcode``; None = 全市, seen only by users
without a county limit) and, when a park user saved it, to the park (``park_id``): county users see their counties',
park users their parks'. Every write is audited (``store.tables``) in a batch of kind ``task`` under the real user.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import duckdb
import pandas as pd

from layers._scope import in_clause, record_in_scope, scope_clause, split
from store import ConflictError, audit, tables

OPEN = "跟进中"
CLOSED = ("已签约", "已放弃")
STATUSES = (OPEN, *CLOSED)
ITEM_KINDS = {"factory": "标准化厂房", "asset": "闲置国有资产"}
SPEC = tables.TableSpec(
    table="saved_requirements",
    key="requirement_id",
    columns=(
        ("requirement_id", "VARCHAR"),  # XQ0001 …
        ("investor", "VARCHAR NOT NULL"),  # 投资方 / 企业
        ("contact", "VARCHAR"),  # 联系人及电话
        ("notes", "VARCHAR"),
        ("county_adcode", "VARCHAR"),  # whose requirement it is (None = 全市)
        ("park_id", "VARCHAR"),  # a park user's park
        ("criteria", "VARCHAR NOT NULL"),  # JSON (analysis.requirement_alerts.criteria_of)
        ("status", "VARCHAR NOT NULL"),  # 跟进中 / 已签约 / 已放弃
        ("closed_on", "DATE"),
        ("close_note", "VARCHAR"),
        ("baseline_audit_id", "BIGINT"),  # audit position when saved or its criteria last changed
    ),
    has_geometry=False,
)
ACKS = tables.TableSpec(
    table="requirement_acks",
    key="ack_id",
    columns=(
        ("ack_id", "VARCHAR"),  # "{requirement_id}|{item_kind}|{item_id}"
        ("requirement_id", "VARCHAR NOT NULL"),
        ("item_kind", "VARCHAR NOT NULL"),  # factory / asset
        ("item_id", "VARCHAR NOT NULL"),
        ("audit_id", "BIGINT NOT NULL"),  # audit position when it was read
    ),
    has_geometry=False,
)
insert, update, delete = tables.writers(SPEC)


class RequirementError(ValueError):
    """A requirement that cannot be saved or changed (no investor, outside the scope, unknown status); Chinese message."""


def position(con: duckdb.DuckDBPyConnection) -> int:
    """The audit position now: the id of the last audit row (0 for a store without any)."""
    return int(con.execute("SELECT coalesce(max(audit_id), 0) FROM audit_log").fetchone()[0])


def _where(county) -> tuple[list[str], list]:
    return scope_clause("county_adcode", county, table=SPEC.table)


def load(con: duckdb.DuckDBPyConnection, *, county: str | Sequence[str] | None = None,
         status: Sequence[str] | None = None) -> pd.DataFrame:
    """Saved requirements in scope (a plain DataFrame), newest first; ``criteria`` is a dict."""
    where, params = _where(county)
    w, p = in_clause("status", status)
    frame = tables.load(con, SPEC, where + w, params + p, order_by="requirement_id DESC")
    frame = pd.DataFrame(frame.drop(columns="geometry"))
    for column in ("investor", "contact", "notes", "county_adcode", "park_id", "close_note"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)  # None, not NaN, for a blank
    frame["criteria"] = [json.loads(c) if isinstance(c, str) else {} for c in frame["criteria"]]
    return frame


def get(con: duckdb.DuckDBPyConnection, requirement_id: str, *, county=None) -> dict:
    """One requirement in scope as a dict (:class:`RequirementError` when absent or outside the scope)."""
    found = load(con, county=county)
    found = found[found["requirement_id"] == requirement_id]
    if found.empty:
        raise RequirementError(f"没有编号为 {requirement_id} 的投资需求")
    return found.iloc[0].to_dict()


def acks(con: duckdb.DuckDBPyConnection, requirement_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Acknowledged matches (requirement_id, item_kind, item_id, audit_id) of the given requirements (None: all)."""
    where, params = in_clause("requirement_id", requirement_ids)
    frame = tables.load(con, ACKS, where, params, order_by="ack_id")
    return pd.DataFrame(frame.drop(columns="geometry"))


def _text(value) -> str | None:
    return (str(value).strip() or None) if value is not None and not (isinstance(value, float) and value != value) else None


def _owner(con, county_adcode: str | None, park_id: str | None, scope) -> tuple[str | None, str | None]:
    """The (county, park) a new requirement belongs to, checked against the saving user's scope."""
    counties, parks = split(scope)
    county_adcode, park_id = _text(county_adcode), _text(park_id)
    if parks is not None:  # a park user: always one of their parks
        park_id = park_id or parks[0]
        if park_id not in parks:
            raise RequirementError("只能为本园区保存投资需求")
    if park_id is not None:
        found = con.execute("SELECT county_adcode FROM parks WHERE park_id = ?", [park_id]).fetchone()
        if found is None:
            raise RequirementError(f"没有编号为 {park_id} 的园区")
        county_adcode = found[0]
    if counties is not None and parks is None:
        if county_adcode is None and len(counties) == 1:
            county_adcode = counties[0]
        if county_adcode not in counties:
            raise RequirementError("只能为本县（市、区）保存投资需求")
    return county_adcode, park_id


def _criteria(criteria: Mapping) -> str:
    if not isinstance(criteria, Mapping) or not criteria:
        raise RequirementError("需求条件不能为空")
    return json.dumps(dict(criteria), ensure_ascii=False, sort_keys=True, default=str)


def add(con: duckdb.DuckDBPyConnection, *, investor: str, criteria: Mapping, user: str, contact: str | None = None,
        notes: str | None = None, county_adcode: str | None = None, park_id: str | None = None,
        counties=None) -> str:
    """Save a requirement (status 跟进中, baseline = now) for ``county_adcode`` / ``park_id`` within the saving user's
    scope ``counties`` (a county user's own county by default, a park user's park); returns its id."""
    investor = _text(investor)
    if investor is None:
        raise RequirementError("请填写投资方（企业或客商名称）")
    text = _criteria(criteria)
    county_adcode, park_id = _owner(con, county_adcode, park_id, counties)
    with audit.batch(con, user=user, kind="task", label=f"保存投资需求：{investor}"):  # under the write lock: ids cannot collide
        (n,) = con.execute("SELECT coalesce(max(CAST(substr(requirement_id, 3) AS INTEGER)), 0) FROM saved_requirements "
                           "WHERE regexp_matches(requirement_id, '^XQ[0-9]+$')").fetchone()
        requirement_id = f"XQ{n + 1:04d}"
        insert(con, [{"requirement_id": requirement_id, "investor": investor, "contact": _text(contact), "notes": _text(notes),
                      "county_adcode": county_adcode, "park_id": park_id, "criteria": text, "status": OPEN,
                      "baseline_audit_id": position(con)}], user=user)
    return requirement_id


def _stored(con, requirement_id: str, counties, expected_version: int | None) -> tuple:
    found = con.execute("SELECT status, coalesce(row_version, 1), criteria FROM saved_requirements WHERE requirement_id = ?",
                        [requirement_id]).fetchone()
    if found is None or not record_in_scope(con, SPEC.table, requirement_id, counties):  # outside the scope: as if absent
        raise RequirementError(f"没有编号为 {requirement_id} 的投资需求")
    if expected_version is not None and found[1] != expected_version:
        raise ConflictError()
    return found


def edit(con: duckdb.DuckDBPyConnection, requirement_id: str, *, user: str, investor: str | None = None,
         contact: str | None = None, notes: str | None = None, criteria: Mapping | None = None,
         expected_version: int | None = None, counties=None) -> dict:
    """Change the investor, contact, notes and/or criteria (None = keep; an empty text clears contact and notes). New
    criteria move the baseline to now: what fits them from then on is "new". Returns the changes written."""
    changes: dict = {}
    if investor is not None:
        if _text(investor) is None:
            raise RequirementError("请填写投资方（企业或客商名称）")
        changes["investor"] = _text(investor)
    for name, value in (("contact", contact), ("notes", notes)):
        if value is not None:
            changes[name] = _text(value)
    with audit.batch(con, user=user, kind="task", label=f"修改投资需求 {requirement_id}"):
        _status, version, stored = _stored(con, requirement_id, counties, expected_version)
        if criteria is not None and _criteria(criteria) != stored:
            changes["criteria"] = _criteria(criteria)
            changes["baseline_audit_id"] = position(con)
        if changes:
            update(con, requirement_id, changes, user=user, expected_version=version)
    return changes


def close(con: duckdb.DuckDBPyConnection, requirement_id: str, outcome: str, *, user: str, on: date | None = None,
          note: str | None = None, expected_version: int | None = None, counties=None) -> dict:
    """签约 or 放弃 a requirement (``outcome`` 已签约 / 已放弃; ``on`` defaults to today), or take it up again (跟进中,
    which clears the closing day and note). A closed requirement raises no alerts."""
    if outcome not in STATUSES:
        raise RequirementError(f"未知的状态“{outcome}”，可选：{'、'.join(STATUSES)}")
    with audit.batch(con, user=user, kind="task", label=f"投资需求 {requirement_id} → {outcome}"):
        _status, version, _criteria_text = _stored(con, requirement_id, counties, expected_version)
        if outcome == OPEN:
            changes = {"status": OPEN, "closed_on": None, "close_note": None}
        else:
            changes = {"status": outcome, "closed_on": on or date.today(), "close_note": _text(note)}
        update(con, requirement_id, changes, user=user, expected_version=version)
    return changes


def remove(con: duckdb.DuckDBPyConnection, requirement_id: str, *, user: str, expected_version: int | None = None,
           counties=None) -> None:
    """Delete a requirement and its acknowledgements in one audited batch (an undo of the batch brings them back)."""
    with audit.batch(con, user=user, kind="task", label=f"删除投资需求 {requirement_id}"):
        _stored(con, requirement_id, counties, expected_version)
        for ack_id in acks(con, [requirement_id])["ack_id"]:
            tables.delete(con, ACKS, ack_id, user=user)
        delete(con, requirement_id, user=user, expected_version=expected_version)


def acknowledge(con: duckdb.DuckDBPyConnection, requirement_id: str, items: Iterable[tuple[str, str]], *, user: str,
                counties=None) -> int:
    """确认已读: mark the matches ``items`` ((kind, item id) pairs) of a requirement as read now; each alerts again only
    when it stops fitting and later fits again. Returns how many were marked."""
    items = [(str(k), str(i)) for k, i in items]
    unknown = {k for k, _ in items} - set(ITEM_KINDS)
    if unknown:
        raise RequirementError(f"未知的匹配类别：{'、'.join(sorted(unknown))}")
    if not items:
        return 0
    with audit.batch(con, user=user, kind="task", label=f"投资需求 {requirement_id} 确认已读 {len(items)} 项"):
        _stored(con, requirement_id, counties, None)
        now = position(con)
        tables.insert(con, ACKS, [{"ack_id": f"{requirement_id}|{k}|{i}", "requirement_id": requirement_id, "item_kind": k,
                                   "item_id": i, "audit_id": now} for k, i in dict.fromkeys(items)], user=user, upsert=True)
    return len(set(items))


def changes_after(con: duckdb.DuckDBPyConnection, table: str, record_ids: Sequence[str], after: int) -> pd.DataFrame:
    """The audit rows of ``table``'s records ``record_ids`` written after audit position ``after``, newest first
    (audit_id, logged_at, batch_id, action, record_id, changes as a dict ``{field: [old, new]}``): what :mod:`analysis.requirement_alerts`
    rolls back to see a record as it stood then."""
    ids = [str(r) for r in record_ids]
    if not ids:
        return pd.DataFrame(columns=["audit_id", "logged_at", "batch_id", "action", "record_id", "changes"])
    marks = ", ".join("?" for _ in ids)
    frame = con.execute(f"SELECT audit_id, logged_at, batch_id, action, record_id, changes FROM audit_log WHERE table_name = ? AND audit_id > ? "
                        f"AND record_id IN ({marks}) ORDER BY audit_id DESC", [table, int(after), *ids]).df()
    frame["changes"] = [json.loads(c) if isinstance(c, str) and c else {} for c in frame["changes"]]
    return frame
