"""操作记录 and 数据管理 support: the audit trail as people read it (who, when, which record, batch, 字段：旧 → 新),
its Excel export, a record's own history for the cards, batches and their undo (backups: ``ui.backups``)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

import layers
from imports import kinds
from layers import _scope, xlsx
from store import StoreError, audit, undo
from ui import data, identity, widgets

#: table → what people call it
TABLE_LABELS = {
    "regions": "行政区", "parks": "园区", "standard_factories": "标准化厂房", "idle_assets": "闲置国有资产", "projects": "招商项目",
    "project_stage_history": "项目阶段记录", "asset_stage_history": "资产阶段记录", "asset_tasks": "会议议定事项", "targets": "目标任务",
    "park_metrics": "园区年度指标", "reporting_units": "填报单位", "dataset_info": "数据集信息", "frozen_months": "冻结月份",
    "project_snapshots": "月末快照", "target_snapshots": "目标快照", "accounts": "账号",
}
#: the layers users filter by, first
LAYER_TABLES = ("projects", "parks", "standard_factories", "idle_assets", "targets", "asset_stage_history", "project_stage_history",
                "asset_tasks", "park_metrics", "regions", "accounts")
COLUMNS = ["时间", "操作人", "操作", "数据", "记录", "批次", "修改内容"]
LIMIT = 2000


def field_labels() -> dict[str, str]:
    """Column → Chinese label, from every ledger's schema and the cards' labels."""
    out: dict[str, str] = {"geom": "位置/边界", "stage": "阶段", "changed_on": "日期", "from_stage": "原阶段", "author": "记录人",
                           "target_value": "目标值", "indicator": "指标", "value": "值", "text": "议定事项", "due_on": "完成时限"}
    for key in kinds.FACTORIES:
        out.update({k: v for k, v in kinds.get(key).labels.items() if k not in out})
    out.update({k: v for k, v in widgets.FIELD_LABELS.items() if k not in out})
    return out


def _shown(value) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, str) and value.startswith("WKB:"):
        return "（图形）"
    return widgets.shown_value(value)


def describe(changes: dict, labels: dict[str, str]) -> str:
    """``{field: [old, new]}`` as "字段：旧 → 新；…" (an insert lists its values, a delete what was removed)."""
    parts = []
    for name, (old, new) in changes.items():
        label = labels.get(name, name)
        if old is None and new is not None:
            parts.append(f"{label}：{_shown(new)}")
        elif new is None and old is not None:
            parts.append(f"{label}：{_shown(old)} → （空）")
        else:
            parts.append(f"{label}：{_shown(old)} → {_shown(new)}")
    return "；".join(parts)


def entries(*, user: str | None = None, since: date | None = None, until: date | None = None, table: str | None = None,
            record: str | None = None, batch: str | None = None, limit: int = LIMIT) -> pd.DataFrame:
    """The audit trail, newest first (read fresh: it changes with every write). A user limited to counties or parks
    sees the entries of the records in their scope only (:func:`layers._scope.records_sql`; records of tables without
    a scope rule — accounts, boundaries, months — and deleted records are not theirs)."""
    scope = identity.scope()
    with data.cursor() as con:
        frame = audit.load(con, user=user or None, since=since, until=until, table=table, record_id=record or None,
                           batch_id=batch or None, limit=limit if scope is None else None)
        if scope is None:
            return frame
        keep = pd.Series(False, index=frame.index)
        for name in frame["table_name"].dropna().unique():
            sql, params = _scope.records_sql(name, scope)
            mine = {str(k) for (k,) in con.execute(sql, params).fetchall()}
            keep |= (frame["table_name"] == name) & frame["record_id"].astype(str).isin(mine)
    return frame[keep].head(limit).reset_index(drop=True)


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """Audit rows as shown and exported."""
    labels = field_labels()
    return pd.DataFrame({
        "时间": pd.to_datetime(frame["logged_at"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
        "操作人": frame["user_name"],
        "操作": frame["action"].map(lambda a: audit.ACTION_LABELS.get(a, a)),
        "数据": frame["table_name"].map(lambda t: TABLE_LABELS.get(t, t)),
        "记录": frame["record_id"].fillna("").astype(str),
        "批次": [f"{b}（{audit.KIND_LABELS.get(k, k)}）" if isinstance(b, str) else "" for b, k in zip(frame["batch_id"], frame["batch_kind"])],
        "修改内容": [describe(c, labels) if c else (f"{d.get('rows')} 行" if d.get("rows") else "") for c, d in zip(frame["changes"], frame["details"])],
    }, columns=COLUMNS)


def record_history(table_name: str, record_id: str) -> pd.DataFrame:
    """One record's own history (for its card): 时间, 操作人, 操作, 修改内容."""
    shown = table(entries(table=table_name, record=str(record_id), limit=200))
    return shown[["时间", "操作人", "操作", "修改内容"]]


def excel(frame: pd.DataFrame, *, title: str, subtitle: str | None = None) -> bytes:
    """The shown audit rows as an .xlsx, written by the one Excel writer (:mod:`layers.xlsx`: text never a formula)."""
    return xlsx.to_bytes([xlsx.Sheet("操作记录", frame, title, subtitle)], title=title)


def batches(limit: int = 100) -> pd.DataFrame:
    with data.cursor() as con:
        return audit.batches(con, limit=limit)


def batch_table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "批次": frame["batch_id"], "时间": pd.to_datetime(frame["started_at"]).dt.strftime("%Y-%m-%d %H:%M"),
        "类型": frame["kind"].map(lambda k: audit.KIND_LABELS.get(k, k)), "内容": frame["label"].fillna(""), "操作人": frame["user_name"],
        "记录数": frame["records"], "状态": [("已撤销（" + str(u) + "）") if s == "undone" else "" for s, u in zip(frame["status"], frame["undone_by"])],
    })


def undoable(frame: pd.DataFrame) -> pd.DataFrame:
    """Batches an administrator may undo: imports, page edits, stage changes, tasks and targets not undone yet."""
    return frame[frame["kind"].isin(["import", "edit", "stage", "task", "targets", "region", "setup"]) & (frame["status"] != "undone")]


def undo_batch(batch_id: str) -> tuple[bool, str]:
    """Undo a batch: (done, Chinese message)."""
    if refused := identity.refusal("undo"):
        return False, refused
    try:
        with data.cursor() as con:
            made = undo.undo(con, batch_id, layers.SPEC_BY_TABLE, user=identity.user())
    except (audit.UndoError, StoreError) as exc:
        return False, str(exc)
    data.written()
    return True, f"已撤销批次 {batch_id}：其写入的记录已恢复为原值（撤销本身记为批次 {made.batch_id}）"


@st.cache_data(ttl=60, max_entries=2)
def dataset_counts() -> dict[str, int]:
    with data.cursor() as con:
        return layers.row_counts(con)
