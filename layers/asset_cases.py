"""盘活 case records of idle state assets: every stage change, and meeting conclusions/tasks per asset.

``asset_stage_history`` keeps each stage change (from → to, date, author, note, mode chosen then),
numbered per asset by ``seq`` so same-day changes keep their order; ``asset_tasks`` keeps 会议纪要
conclusions with a due date, the responsible unit or person and a done flag. The asset row itself
(``idle_assets.stage``) always holds the current stage; :func:`change_stage` changes both together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb
import pandas as pd

from layers import idle_assets
from layers._scope import in_clause, split
from layers.vocab import ASSET_MODES, ASSET_STAGES
from store import ConflictError, audit, tables

EVENTS = tables.TableSpec(
    table="asset_stage_history",
    key="event_id",
    columns=(
        ("event_id", "VARCHAR"),  # "{asset_id}#{seq:03d}"
        ("asset_id", "VARCHAR NOT NULL"),
        ("seq", "INTEGER NOT NULL"),  # 1, 2, … per asset, in the order the changes were recorded
        ("from_stage", "VARCHAR"),  # NULL for the first record (摸底 or first import)
        ("stage", "VARCHAR NOT NULL"),
        ("changed_on", "DATE NOT NULL"),
        ("mode", "VARCHAR"),  # 盘活方式 in force after the change
        ("author", "VARCHAR NOT NULL"),
        ("note", "VARCHAR"),
    ),
    has_geometry=False,
)
TASKS = tables.TableSpec(
    table="asset_tasks",
    key="task_id",
    columns=(
        ("task_id", "VARCHAR"),
        ("asset_id", "VARCHAR NOT NULL"),
        ("meeting", "VARCHAR"),  # e.g. 市国资委盘活专题会
        ("meeting_on", "DATE"),
        ("text", "VARCHAR NOT NULL"),  # the conclusion / task as minuted
        ("due_on", "DATE"),
        ("responsible", "VARCHAR"),  # unit and/or person
        ("done", "BOOLEAN NOT NULL"),
        ("done_on", "DATE"),
    ),
    has_geometry=False,
)
insert_events, update_event, delete_event = tables.writers(EVENTS)
insert_tasks, update_task, delete_task = tables.writers(TASKS)
#: the last stage: the asset is revitalised (盘活完成)
COMPLETED = ASSET_STAGES[-1]


class CaseError(ValueError):
    """A stage change or task that cannot be recorded (unknown asset or stage, date out of order); Chinese message."""


def _outside(scope, county: str | None) -> bool:
    """Whether an asset of ``county`` is outside the writer's scope (:mod:`layers._scope`; None = every county). State
    assets belong to 国资 and the counties: a park user's scope holds none."""
    counties, parks = split(scope)
    if counties is None:
        return False
    return parks is not None or county not in counties


def _plain(frame) -> pd.DataFrame:
    return pd.DataFrame(frame.drop(columns="geometry"))


def load_events(con: duckdb.DuckDBPyConnection, *, asset_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Stage changes, oldest first per asset (``changed_on`` then ``seq``)."""
    where, params = in_clause("asset_id", asset_ids)
    return _plain(tables.load(con, EVENTS, where, params, order_by="asset_id, changed_on, seq"))


def load_tasks(con: duckdb.DuckDBPyConnection, *, asset_ids: Sequence[str] | None = None, open_only: bool = False) -> pd.DataFrame:
    """Meeting tasks, by asset then due date (tasks without a due date last)."""
    where, params = in_clause("asset_id", asset_ids)
    if open_only:
        where.append("NOT done")
    return _plain(tables.load(con, TASKS, where, params, order_by="asset_id, due_on NULLS LAST, task_id"))


def event_rows(asset_id: str, steps: Sequence[tuple], *, author: str, first_seq: int = 1, from_stage: str | None = None) -> list[dict]:
    """History rows for consecutive ``(stage, changed_on, mode, note)`` steps of one asset."""
    rows = []
    for seq, (stage, changed_on, mode, note) in enumerate(steps, start=first_seq):
        rows.append({"event_id": f"{asset_id}#{seq:03d}", "asset_id": asset_id, "seq": seq, "from_stage": from_stage,
                     "stage": stage, "changed_on": changed_on, "mode": mode, "author": author, "note": note})
        from_stage = stage
    return rows


def _last_event(con, asset_id: str) -> tuple[int, date | None]:
    seq, day = con.execute("SELECT coalesce(max(seq), 0), max(changed_on) FROM asset_stage_history WHERE asset_id = ?",
                           [asset_id]).fetchone()
    return int(seq), day


def change_stage(con: duckdb.DuckDBPyConnection, asset_id: str, stage: str, *, on: date, user: str, note: str | None = None,
                 mode: str | None = None, counterpart: str | None = None, realised_value_wan: float | None = None,
                 expected_version: int | None = None, counties: Sequence[str] | None = None, contract_no: str | None = None,
                 attachment_ids: Sequence[str] = ()) -> dict:
    """Move an asset to ``stage`` on ``on``: update ``idle_assets`` and append the history row in one transaction.

    ``mode`` (盘活方式), ``counterpart`` (对接企业) and ``realised_value_wan`` (实现价值, 万元) are also written to the
    asset when given. A change dated before the asset's last recorded change is refused (the history must read in
    order). Moving backwards (a deal falls through: 签约 → 招商推介) is allowed and recorded like any change.
    With ``expected_version`` (the asset's ``row_version`` when the form was drawn) a change made by someone else
    since is refused with :class:`store.ConflictError`: of two people changing one asset at once, one succeeds.
    Moving into 盘活完成 needs what it achieved (:func:`check_completion`); ``contract_no`` (合同编号) is written with
    it, ``attachment_ids`` are files uploaded with the change (they must belong to the asset).
    Returns the history row written.
    """
    if stage not in ASSET_STAGES:
        raise CaseError(f"未知的盘活阶段“{stage}”，可选：{'、'.join(ASSET_STAGES)}")
    if mode is not None and mode not in ASSET_MODES:
        raise CaseError(f"未知的盘活方式“{mode}”，可选：{'、'.join(ASSET_MODES)}")
    on = pd.Timestamp(on).date()
    with audit.batch(con, user=user, kind="stage", label=f"盘活阶段变更 {asset_id} → {stage}"):
        found = con.execute("SELECT stage, mode, coalesce(row_version, 1), county_adcode FROM idle_assets WHERE asset_id = ?",
                            [asset_id]).fetchone()
        if found is None or _outside(counties, found[3]):  # another county's asset (any, for a park user): as if absent
            raise CaseError(f"没有编号为 {asset_id} 的闲置资产")
        before, old_mode, version, _county = found
        if expected_version is not None and version != expected_version:
            raise ConflictError()
        seq, last_day = _last_event(con, asset_id)
        if last_day is not None and on < last_day:
            raise CaseError(f"变更日期 {on} 早于该资产上一次记录的日期 {last_day}")
        if stage == COMPLETED and before != COMPLETED:
            check_completion(con, asset_id, counterpart=counterpart, realised_value_wan=realised_value_wan, contract_no=contract_no,
                             mode=mode or old_mode, attachment_ids=attachment_ids)
        changes = {"stage": stage}
        for name, value in (("mode", mode), ("counterpart", counterpart), ("realised_value_wan", realised_value_wan),
                            ("contract_no", contract_no)):
            if value is not None:
                changes[name] = value
        idle_assets.update(con, asset_id, changes, user=user, expected_version=version)
        # A record of the stage the asset already has (a 复核 note) changes no field, but it is a change of the case:
        # forms drawn before it are stale all the same.
        con.execute("UPDATE idle_assets SET row_version = ? + 1, updated_at = current_timestamp, updated_by = ? "
                    "WHERE asset_id = ? AND coalesce(row_version, 1) = ?", [version, user, asset_id, version])
        (row,) = event_rows(asset_id, [(stage, on, mode or old_mode, note)], author=user, first_seq=seq + 1, from_stage=before)
        insert_events(con, [row], user=user)
    return row


def check_completion(con: duckdb.DuckDBPyConnection, asset_id: str, *, counterpart: str | None, realised_value_wan: float | None,
                     contract_no: str | None, mode: str | None = None, attachment_ids: Sequence[str] = ()) -> None:
    """Refuse (:class:`CaseError`, one Chinese sentence naming everything missing) a move into 盘活完成 that does not
    record what was achieved: the 实现价值 (万元, more than 0 — 0 only for 调剂使用, a transfer between public units),
    the 对接企业 and the contract — a 合同编号 or a 盘活合同 attachment —, each given with the change or already on the
    asset; and the 佐证材料 when ``config/evidence.toml`` asks for it (``asset_completed``)."""
    from layers import attachments, evidence

    try:
        attachments.belonging(con, attachment_ids, "idle_assets", asset_id)
    except attachments.AttachmentError as exc:
        raise CaseError(str(exc)) from None
    stored_counterpart, stored_value, stored_contract = con.execute(
        "SELECT counterpart, realised_value_wan, contract_no FROM idle_assets WHERE asset_id = ?", [asset_id]).fetchone()

    def blank(value) -> bool:
        return tables.blank(value) or (isinstance(value, str) and not value.strip())

    lacking = []
    value = stored_value if blank(realised_value_wan) else realised_value_wan
    if not blank(value) and float(value) < 0:
        raise CaseError("实现价值不能为负数")
    if blank(value) or (float(value) == 0 and mode != "调剂使用"):
        lacking.append("实现价值（万元）")
    if blank(counterpart) and blank(stored_counterpart):
        lacking.append("对接企业")
    if blank(contract_no) and blank(stored_contract) and not attachments.held(con, "idle_assets", asset_id, ["盘活合同"]):
        lacking.append("合同编号（或上传合同扫描件）")
    if lacking:
        raise CaseError(f"变更为“{COMPLETED}”须填写{'、'.join(lacking)}")
    if reason := evidence.missing(con, "idle_assets", asset_id, COMPLETED):
        raise CaseError(reason)


def add_task(con: duckdb.DuckDBPyConnection, asset_id: str, text: str, *, user: str, due_on: date | None = None,
             responsible: str | None = None, meeting: str | None = None, meeting_on: date | None = None,
             counties: Sequence[str] | None = None) -> str:
    """Attach a meeting conclusion/task to an asset (of ``counties`` when given); returns its ``task_id``."""
    if not text or not text.strip():
        raise CaseError("任务内容不能为空")
    found = con.execute("SELECT county_adcode FROM idle_assets WHERE asset_id = ?", [asset_id]).fetchone()
    if found is None or _outside(counties, found[0]):
        raise CaseError(f"没有编号为 {asset_id} 的闲置资产")
    with audit.batch(con, user=user, kind="task", label=f"督办任务 {asset_id}"):  # under the write lock: ids cannot collide
        (n,) = con.execute("SELECT count(*) FROM asset_tasks WHERE asset_id = ?", [asset_id]).fetchone()
        task_id = f"{asset_id}-T{n + 1:03d}"
        while con.execute("SELECT count(*) FROM asset_tasks WHERE task_id = ?", [task_id]).fetchone()[0]:
            n += 1  # a task was deleted: skip ids still in use
            task_id = f"{asset_id}-T{n + 1:03d}"
        insert_tasks(con, [{"task_id": task_id, "asset_id": asset_id, "meeting": meeting, "meeting_on": meeting_on,
                            "text": text.strip(), "due_on": due_on, "responsible": responsible, "done": False}], user=user)
    return task_id


def set_task_done(con: duckdb.DuckDBPyConnection, task_id: str, *, done: bool, on: date | None, user: str,
                  counties: Sequence[str] | None = None) -> bool:
    """Mark a task done on ``on`` (or re-open it). Returns whether the task exists (within ``counties``, the writer's
    scope, when given)."""
    if counties is not None:
        found = con.execute("SELECT a.county_adcode FROM asset_tasks t JOIN idle_assets a USING (asset_id) WHERE t.task_id = ?",
                            [task_id]).fetchone()
        if found is None or _outside(counties, found[0]):
            return False
    return update_task(con, task_id, {"done": done, "done_on": on if done else None}, user=user)
