"""The audit trail: every write says who, when, which record, in which batch, and each changed field's old and new value.

A *batch* groups the writes of one user action (an import, a stage change, a freeze, an undo) under one id
(``B20240701-093015-3fa2c1``). :func:`batch` opens a transaction and makes the batch current, so every
``store.tables`` write inside it is logged with that id; an import's batch also keeps its report.
:func:`undo` returns the rows a batch touched to their earlier values (itself a batch, audited).

``changes`` is a JSON object ``{field: [old, new]}``; values are JSON scalars (dates as ISO text) and geometry as
``"WKB:<hex>"`` so an undo restores it exactly.
"""

from __future__ import annotations

import contextvars
import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from store import transaction

AUDIT_DDL = """
CREATE SEQUENCE IF NOT EXISTS audit_log_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    user_name VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    record_id VARCHAR,
    details JSON,
    batch_id VARCHAR,
    changes JSON
);
CREATE TABLE IF NOT EXISTS batches (
    batch_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    label VARCHAR,
    layer VARCHAR,
    user_name VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    as_of DATE,
    status VARCHAR NOT NULL DEFAULT 'committed',
    undone_by VARCHAR,
    report JSON
);
"""
#: What a batch is, in Chinese, for the 操作记录 page.
KIND_LABELS = {"import": "台账导入", "edit": "页面修改", "stage": "阶段变更", "task": "督办任务", "targets": "目标任务",
               "freeze": "冻结月份", "undo": "撤销批次", "region": "加载行政区", "demo": "演示数据", "restore": "恢复备份",
               "setup": "建立数据集", "migrate": "数据库升级", "account": "账号管理", "sign_in": "登录",
               "submit": "上报", "review": "上报审核"}
ACTION_LABELS = {"insert": "新增", "update": "修改", "delete": "删除", "upsert": "写入"}

_current: contextvars.ContextVar[Batch | None] = contextvars.ContextVar("parkmap_batch", default=None)


class UndoError(ValueError):
    """A batch that cannot be undone (already undone, or its records were changed again since); Chinese message."""


@dataclass(frozen=True)
class Batch:
    batch_id: str
    kind: str
    user: str
    label: str | None = None


def new_batch_id() -> str:
    """A batch id that sorts by time and cannot collide: ``B20240701-093015-3fa2c1``."""
    return f"B{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def current() -> Batch | None:
    """The batch the running code writes in, if any."""
    return _current.get()


@contextmanager
def batch(con: duckdb.DuckDBPyConnection, *, user: str, kind: str, label: str | None = None, layer: str | None = None,
          as_of: date | None = None, batch_id: str | None = None) -> Iterator[Batch]:
    """One transaction whose writes are all logged under a new batch id (nested: joins the outer batch)."""
    outer = _current.get()
    if outer is not None:
        with transaction(con):
            yield outer
        return
    made = Batch(batch_id or new_batch_id(), kind, user, label)
    token = _current.set(made)
    try:
        with transaction(con):
            con.execute("INSERT INTO batches (batch_id, kind, label, layer, user_name, as_of) VALUES (?, ?, ?, ?, ?, ?)",
                        [made.batch_id, kind, label, layer, user, as_of])
            yield made
    finally:
        _current.reset(token)


def set_report(con: duckdb.DuckDBPyConnection, batch_id: str, report: Mapping) -> None:
    """Keep an import's report with its batch (shown again on the 操作记录 page)."""
    con.execute("UPDATE batches SET report = ?::JSON WHERE batch_id = ?", [json.dumps(report, ensure_ascii=False, default=str), batch_id])


def jsonable(value: Any) -> Any:
    """A stored or incoming value as a JSON scalar (None for every kind of missing; geometry as ``WKB:<hex>``)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool:  # most of an import's cells: returned before the checks below
        return value
    if kind is float:
        return None if value != value else value
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "WKB:" + bytes(value).hex()
    if hasattr(value, "wkb") and hasattr(value, "geom_type"):  # shapely geometry
        return None if value.is_empty else "WKB:" + value.wkb.hex()
    if isinstance(value, (pd.Timestamp, datetime)):
        value = pd.Timestamp(value)
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def record(con: duckdb.DuckDBPyConnection, entries: Sequence[Mapping], *, user: str) -> None:
    """Append audit rows: each entry has ``action``, ``table``, ``record`` and optionally ``changes`` / ``details``."""
    if not entries:
        return
    current_batch = _current.get()
    rows = pd.DataFrame({
        "action": [e["action"] for e in entries],
        "table_name": [e["table"] for e in entries],
        "record_id": [None if e.get("record") is None else str(e["record"]) for e in entries],
        "details": [json.dumps(e["details"], ensure_ascii=False, default=str) if e.get("details") else "{}" for e in entries],
        "changes": [json.dumps({k: [jsonable(o), jsonable(n)] for k, (o, n) in (e.get("changes") or {}).items()},
                               ensure_ascii=False, default=str) for e in entries],
    })
    con.register("__audit_rows", rows)
    try:
        con.execute(
            "INSERT INTO audit_log (user_name, action, table_name, record_id, details, batch_id, changes) "
            "SELECT ?, action, table_name, record_id, details::JSON, ?, changes::JSON FROM __audit_rows",
            [user, current_batch.batch_id if current_batch else None],
        )
    finally:
        con.unregister("__audit_rows")


def load(con: duckdb.DuckDBPyConnection, *, user: str | None = None, since: date | None = None, until: date | None = None,
         table: str | None = None, record_id: str | None = None, batch_id: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Audit rows, newest first, with the batch's kind and label; ``changes`` parsed into dicts."""
    where, params = [], []
    for column, value in (("a.user_name", user), ("a.table_name", table), ("a.record_id", record_id), ("a.batch_id", batch_id)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    if since:
        where.append("a.logged_at >= CAST(? AS TIMESTAMP)")
        params.append(str(since))
    if until:
        where.append("a.logged_at < CAST(? AS DATE) + INTERVAL 1 DAY")
        params.append(str(until))
    sql = ("SELECT a.audit_id, a.logged_at, a.user_name, a.action, a.table_name, a.record_id, a.batch_id, "
           "CAST(a.changes AS VARCHAR) AS changes, CAST(a.details AS VARCHAR) AS details, b.kind AS batch_kind, b.label AS batch_label "
           "FROM audit_log a LEFT JOIN batches b USING (batch_id)")
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY a.audit_id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    frame = con.execute(sql, params).df()
    frame["changes"] = [json.loads(c) if isinstance(c, str) and c else {} for c in frame["changes"]]
    frame["details"] = [json.loads(c) if isinstance(c, str) and c else {} for c in frame["details"]]
    return frame


def batches(con: duckdb.DuckDBPyConnection, *, kind: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Batches newest first with how many records each touched."""
    where, params = ("WHERE b.kind = ?", [kind]) if kind else ("", [])
    sql = (f"SELECT b.batch_id, b.kind, b.label, b.layer, b.user_name, b.started_at, b.as_of, b.status, b.undone_by, "
           f"CAST(b.report AS VARCHAR) AS report, count(a.audit_id) AS records FROM batches b "
           f"LEFT JOIN audit_log a USING (batch_id) {where} GROUP BY ALL ORDER BY b.started_at DESC, b.batch_id DESC LIMIT {int(limit)}")
    frame = con.execute(sql, params).df()
    frame["report"] = [json.loads(r) if isinstance(r, str) and r else None for r in frame["report"]]
    return frame
