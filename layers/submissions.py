"""上报 submissions: a county's or a park's ledger upload or on-screen change, waiting for the city's review.

A submission keeps what is needed to write the change later, exactly as the submitter made it: for a ledger the
uploaded file itself (``content``, kept out of the audit log) and the import options; for an on-screen change its
parameters (``payload``, JSON). Nothing of it reaches the data tables — so no figure, ranking or 月通报 counts it —
until a reviewer approves it (:mod:`imports.review` does the writing). Statuses: 待审核 → 已通过 | 已退回 (with the
reviewer's comment) | 已撤回 (by the submitter). Rows are never deleted.

``month`` is the month the data is for (the ledger's 数据截至, the date of a stage change), used by the 上报情况 board;
``unit_ids`` (JSON list) the reporting units the submitter reports for.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

import duckdb
import pandas as pd

from layers._scope import in_clause, scope_clause, split
from store import tables

PENDING, APPROVED, RETURNED, WITHDRAWN = "待审核", "已通过", "已退回", "已撤回"
STATUSES = (PENDING, APPROVED, RETURNED, WITHDRAWN)
SPEC = tables.TableSpec(
    table="submissions",
    key="submission_id",
    columns=(
        ("submission_id", "VARCHAR"),  # S000001
        ("kind", "VARCHAR NOT NULL"),  # import:projects, import:factories …, asset_stage, project_stage …
        ("label", "VARCHAR"),  # what it is, in Chinese (file name, 「资产 A003 → 盘活完成」)
        ("submitted_by", "VARCHAR NOT NULL"),
        ("submitted_at", "TIMESTAMP"),
        ("county_adcode", "VARCHAR"),  # the submitter's (first) county, for scope
        ("unit_ids", "VARCHAR"),  # JSON list of reporting units
        ("month", "VARCHAR"),  # YYYY-MM the data is for
        ("status", "VARCHAR NOT NULL"),
        ("summary", "VARCHAR"),  # the preview's summary when submitted
        ("payload", "VARCHAR"),  # JSON: import options / change parameters
        ("filename", "VARCHAR"),
        ("content", "BLOB"),  # the uploaded file
        ("reviewer", "VARCHAR"),
        ("decided_at", "TIMESTAMP"),
        ("comment", "VARCHAR"),  # the reviewer's comment (required to return)
        ("batch_id", "VARCHAR"),  # the batch that wrote it, once approved
    ),
    has_geometry=False,
    secret=("content",),
)
insert, update, delete = tables.writers(SPEC)
#: the columns listed (everything but the file)
LISTED = tuple(name for name, _ in SPEC.columns if name != "content")


class SubmissionError(ValueError):
    """A submission that cannot be made, reviewed or withdrawn; the message is Chinese."""


def next_id(con: duckdb.DuckDBPyConnection) -> str:
    (n,) = con.execute("SELECT count(*) FROM submissions").fetchone()
    return f"S{n + 1:06d}"


def load(con: duckdb.DuckDBPyConnection, *, county: str | Sequence[str] | None = None, status: str | Sequence[str] | None = None,
         submitted_by: str | None = None, kind: str | None = None, month: str | None = None) -> pd.DataFrame:
    """Submissions (without the file), newest first; ``county`` limits to submitters of those counties."""
    counties, parks = split(county)
    where, params = ([], []) if parks is not None else scope_clause("county_adcode", county)  # a park scope: by unit below
    if status is not None:
        w, p = in_clause("status", [status] if isinstance(status, str) else status)
        where += w
        params += p
    for column, value in (("submitted_by", submitted_by), ("kind", kind), ("month", month)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = f"SELECT {', '.join(LISTED)}, coalesce(row_version, 1) AS row_version FROM submissions"
    if where:
        sql += " WHERE " + " AND ".join(f"({w})" for w in where)
    frame = con.execute(sql + " ORDER BY submitted_at DESC, submission_id DESC", params).df()
    frame["unit_ids"] = frame["unit_ids"].map(lambda v: json.loads(v) if isinstance(v, str) and v else [])
    if parks is not None:  # a park user: the submissions made for their parks' own units (a park reporting through its
        marks = ", ".join("?" for _ in parks)  # county opens none of the county's, as in layers._scope)
        units = {r[0] for r in con.execute("SELECT p.unit_id FROM parks p JOIN reporting_units u ON u.unit_id = p.unit_id "
                                           f"WHERE u.kind = 'park' AND p.park_id IN ({marks})", list(parks)).fetchall()}
        frame = frame[frame["unit_ids"].map(lambda ids: bool(units & set(ids))).astype(bool)].reset_index(drop=True)
    return frame


def get(con: duckdb.DuckDBPyConnection, submission_id: str, *, with_content: bool = False) -> dict | None:
    columns = [*LISTED, "coalesce(row_version, 1) AS row_version"] + (["content"] if with_content else [])
    cur = con.execute(f"SELECT {', '.join(columns)} FROM submissions WHERE submission_id = ?", [submission_id])
    row = cur.fetchone()
    if row is None:
        return None
    found = dict(zip([d[0] for d in cur.description], row, strict=True))
    found["payload"] = json.loads(found["payload"] or "{}")
    found["unit_ids"] = json.loads(found["unit_ids"] or "[]")
    if with_content and found["content"] is not None:
        found["content"] = bytes(found["content"])
    return found


def add(con: duckdb.DuckDBPyConnection, *, kind: str, label: str, user: str, payload: dict, county: str | None,
        unit_ids: Sequence[str], month: str | None, summary: str | None = None, filename: str | None = None,
        content: bytes | None = None) -> str:
    """Record a new 待审核 submission; returns its id. Call inside the caller's batch (ids are made under its lock)."""
    submission_id = next_id(con)
    row = {"submission_id": submission_id, "kind": kind, "label": label, "submitted_by": user, "submitted_at": datetime.now(),
           "county_adcode": county, "unit_ids": json.dumps(list(unit_ids), ensure_ascii=False), "month": month, "status": PENDING,
           "summary": summary, "payload": json.dumps(payload, ensure_ascii=False, default=str), "filename": filename,
           "content": content}
    insert(con, pd.DataFrame([row]), user=user)
    return submission_id


def decide(con: duckdb.DuckDBPyConnection, submission_id: str, status: str, *, user: str, comment: str | None = None,
           batch_id: str | None = None, expected_version: int | None = None) -> None:
    """Move a 待审核 submission to ``status`` (已通过 / 已退回 / 已撤回), audited under ``user``."""
    found = get(con, submission_id)
    if found is None:
        raise SubmissionError(f"没有编号为 {submission_id} 的上报")
    if found["status"] != PENDING:
        raise SubmissionError(f"上报 {submission_id} 已{found['status'].removeprefix('已')}，不能再处理")
    changes = {"status": status, "comment": comment, "decided_at": datetime.now()}
    if status in (APPROVED, RETURNED):
        changes["reviewer"] = user
    if batch_id is not None:
        changes["batch_id"] = batch_id
    update(con, submission_id, changes, user=user, expected_version=expected_version)
