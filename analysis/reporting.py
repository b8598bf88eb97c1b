"""上报情况: per reporting unit and month, whether the unit has reported and how stale its data is.

A unit's status for a month comes from its submissions for that month (``month`` = the month the data is for):
已上报 when one was approved, else 审核中 when one waits for review, else 已退回 when the latest was returned, else
未上报 (withdrawn ones count as not reported). Staleness is the number of days from the unit's latest approved
submission (any month) to ``today``; a unit never approved shows none.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

REPORTED, IN_REVIEW, RETURNED, NOT_REPORTED = "已上报", "审核中", "已退回", "未上报"
BOARD_COLUMNS = ["unit_id", "单位", "上报状态", "本月上报次数", "最近提交", "退回意见", "最近通过", "距今（天）"]


def board(units: pd.DataFrame, submissions: pd.DataFrame, month: str, today: date) -> pd.DataFrame:
    """One row per unit (in ``units`` order): see the module docstring. ``submissions`` as :func:`layers.submissions.load`
    gives them (``unit_ids`` lists)."""
    rows = []
    subs = submissions.explode("unit_ids") if len(submissions) else submissions.assign(unit_ids=pd.Series(dtype=object))
    for unit in units.itertuples():
        own = subs[subs["unit_ids"] == unit.unit_id] if len(subs) else subs
        this = own[own["month"] == month] if len(own) else own
        statuses = set(this["status"]) if len(this) else set()
        latest = this.sort_values("submitted_at").iloc[-1] if len(this) else None
        if "已通过" in statuses:
            status = REPORTED
        elif "待审核" in statuses:
            status = IN_REVIEW
        elif latest is not None and latest["status"] == "已退回":
            status = RETURNED
        else:
            status = NOT_REPORTED
        approved = own[own["status"] == "已通过"] if len(own) else own
        last_ok = pd.Timestamp(approved["decided_at"].max()) if len(approved) else None
        rows.append({
            "unit_id": unit.unit_id,
            "单位": unit.name,
            "上报状态": status,
            "本月上报次数": int((this["status"] != "已撤回").sum()) if len(this) else 0,
            "最近提交": None if latest is None else pd.Timestamp(latest["submitted_at"]).strftime("%Y-%m-%d %H:%M"),
            "退回意见": latest["comment"] if status == RETURNED else None,
            "最近通过": None if last_ok is None else last_ok.strftime("%Y-%m-%d"),
            "距今（天）": None if last_ok is None else max(0, (today - last_ok.date()).days),
        })
    return pd.DataFrame(rows, columns=BOARD_COLUMNS)


def counts(frame: pd.DataFrame) -> dict[str, int]:
    """How many units in each status, in the board's order."""
    return {status: int((frame["上报状态"] == status).sum()) for status in (REPORTED, IN_REVIEW, RETURNED, NOT_REPORTED)}
