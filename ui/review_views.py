"""上报审核 on the pages: submitting (county, park and 国资 users), reviewing field by field (市级), the 上报情况 board.

Every function goes through :mod:`imports.review` — the same workflow as ``cli.py review`` — with the session's account.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import streamlit as st

from analysis import reporting
from imports import review
from imports.sheet import LedgerError
from layers import submissions
from layers._scope import is_park_scope
from store import StoreError
from ui import data, identity
from ui.safe_html import md

STATUS_ICONS = {"待审核": "🕓", "已通过": "✅", "已退回": "↩️", "已撤回": "➖"}
BOARD_ICONS = {reporting.REPORTED: "✅", reporting.IN_REVIEW: "🕓", reporting.RETURNED: "↩️", reporting.NOT_REPORTED: "⚪"}


def submits() -> bool:
    """Whether this session's writes become submissions (a county, park or 国资 account while review is on)."""
    return review.needs_review(identity.current())


def submit_upload(kind: str, raw: bytes, filename: str, options, *, expect: str | None) -> tuple[dict | None, str | None]:
    """Keep an upload as a submission: ({submission_id, summary}, None) or (None, Chinese error)."""
    account = identity.current()
    try:
        with data.cursor() as con:
            made, report = review.submit_import(con, kind, raw, filename, account=account, options=options, expect=expect)
    except (LedgerError, StoreError, submissions.SubmissionError) as exc:
        return None, str(exc)
    data.written()
    return {"submission_id": made, "summary": report.summary_zh()}, None


def submit_change(kind: str, payload: dict, *, label: str, on: date, files: Sequence[tuple[str, object]] = ()) -> str | None:
    """Keep an on-screen change as a submission, with its uploaded files (``(purpose, st.file_uploader value)`` pairs)
    as 佐证材料: None, or why it was refused (Chinese). The page's success message is :func:`saved_message`."""
    if refused := identity.refusal("write"):
        return refused
    evidence = tuple(review.Evidence(purpose, f.name, f.getvalue()) for purpose, f in files)
    try:
        with data.cursor() as con:
            review.submit_change(con, kind, payload, account=identity.current(), label=label, on=on, files=evidence)
    except (ValueError, StoreError) as exc:  # the layer's own refusal (Chinese), a conflict, a full disk
        return str(exc)
    data.written()
    return None


def saved_message(saved: str) -> str:
    """What to say after a change on the page: ``saved``, or — for a submitting user — that it waits for review."""
    return SUBMITTED if submits() else saved


SUBMITTED = "已提交上报，待市级审核通过后写入数据、计入统计（审核状态见“上报审核”页）。"


@st.cache_data(ttl=data.TTL, max_entries=64)
def listing(counties: tuple[str, ...] | None, status: tuple[str, ...] | None, submitted_by: str | None) -> pd.DataFrame:
    with data.cursor() as con:
        return review.listing(con, county=counties, status=status, submitted_by=submitted_by)


def shown_list(frame: pd.DataFrame) -> pd.DataFrame:
    """Submissions as a table: 编号, 类别, 内容, 数据月份, 提交人, 提交时间, 状态, 审核人, 审核意见, 摘要 (the long
    summary last, so a narrow screen still shows the status without scrolling the table)."""
    out = pd.DataFrame({
        "编号": frame["submission_id"],
        "类别": frame["kind_label"],
        "内容": frame["label"],
        "数据月份": frame["month"],
        "提交人": frame["submitted_by"],
        "提交时间": pd.to_datetime(frame["submitted_at"]).dt.strftime("%Y-%m-%d %H:%M"),
        "状态": [f"{STATUS_ICONS.get(s, '')} {s}" for s in frame["status"]],
        "审核人": frame["reviewer"],
        "审核意见": frame["comment"],
        "摘要": frame["summary"],
    })
    return out.fillna("")


def my_submissions(kind_prefix: str | None = None) -> pd.DataFrame:
    """The session user's own submissions (of a kind, e.g. ``import:projects``), newest first."""
    frame = listing(None, None, identity.user())
    if kind_prefix is not None:
        frame = frame[frame["kind"] == kind_prefix]
    return frame


def preview(submission_id: str) -> tuple[dict | None, str | None]:
    """What approving would write now (never cached: it must reflect the data as it stands)."""
    try:
        with data.cursor() as con:
            return review.preview(con, submission_id), None
    except (LedgerError, StoreError, submissions.SubmissionError) as exc:
        return None, str(exc)


def change_rows(shown: dict) -> pd.DataFrame:
    """One row per changed field: 操作, 行号, 记录, 字段, 原值, 新值 (the review's field-by-field view)."""
    rows = []
    for change in shown["changes"]:
        for field, (old, new) in change["fields"].items():
            rows.append({"操作": change["action"], "行号": change.get("row") or "", "记录": change.get("name") or change["record"],
                         "字段": field, "原值": "（空）" if old is None else str(old), "新值": "（空）" if new is None else str(new)})
    return pd.DataFrame(rows, columns=["操作", "行号", "记录", "字段", "原值", "新值"])


def approve(submission_id: str, *, comment: str | None, expect: str | None) -> str | None:
    """Approve as the session's reviewer; None or a Chinese error."""
    if refused := identity.refusal("review"):
        return refused
    try:
        with data.cursor() as con:
            review.approve(con, submission_id, reviewer=identity.current(), comment=comment or None, expect=expect)
    except (LedgerError, StoreError, ValueError) as exc:
        return str(exc)
    finally:
        data.written()
    return None


def return_(submission_id: str, *, comment: str) -> str | None:
    if refused := identity.refusal("review"):
        return refused
    try:
        with data.cursor() as con:
            review.return_(con, submission_id, reviewer=identity.current(), comment=comment)
    except (StoreError, ValueError) as exc:
        return str(exc)
    data.written()
    return None


def withdraw(submission_id: str) -> str | None:
    try:
        with data.cursor() as con:
            review.withdraw(con, submission_id, account=identity.current())
    except (StoreError, ValueError) as exc:
        return str(exc)
    data.written()
    return None


@st.cache_data(ttl=data.TTL, max_entries=16)
def board(month: str, counties: tuple[str, ...] | None, today: date) -> pd.DataFrame:
    """The 上报情况 board for the scope: every reporting unit, and every county of the dataset that has none yet (a new
    store: a county becomes a unit with its first project), so a county that never reported shows 未上报."""
    units = data.load_units(counties)[["unit_id", "name"]]
    if not is_park_scope(counties):
        regions = data.load_home_regions(counties)
        missing = regions[(regions["level"] == "county") & ~regions["adcode"].isin(units["unit_id"])]
        units = pd.concat([units, pd.DataFrame({"unit_id": missing["adcode"], "name": missing["name"]})], ignore_index=True)
    with data.cursor() as con:
        subs = submissions.load(con, county=counties)
    return reporting.board(units, subs, month, today)


def board_months(counties: tuple[str, ...] | None) -> list[str]:
    """Months to choose on the board: those with submissions, and the data's own month, newest first."""
    frame = listing(counties, None, None)
    months = set(frame["month"].dropna()) | {data.as_of().strftime("%Y-%m")}
    return sorted(months, reverse=True)


def shown_board(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns="unit_id").copy()
    out["上报状态"] = [f"{BOARD_ICONS.get(s, '')} {s}" for s in out["上报状态"]]
    out["距今（天）"] = out["距今（天）"].map(lambda d: "" if d is None or pd.isna(d) else str(int(d)))  # one type for Arrow
    return out.fillna("")


def status_note(kind: str) -> None:
    """Under an upload form, for a submitting user: that uploads wait for review, and their latest submissions of it."""
    if not submits():
        return
    st.caption("本账号上传的台账提交为“上报”，经市级审核通过后才写入数据、计入统计和月通报。")
    mine = my_submissions(review.IMPORT_PREFIX + kind).head(5)
    if len(mine):
        st.dataframe(shown_list(mine)[["编号", "内容", "提交时间", "状态", "审核意见"]], hide_index=True, width="stretch")
    for row in mine.head(1).itertuples():  # the latest only: a return already answered by a newer upload is history
        if row.status == submissions.RETURNED:
            st.warning(md(f"上报 {row.submission_id}（{row.label}）已被退回：{row.comment}"), icon="↩️")


def rejected_rows(shown: dict) -> pd.DataFrame:
    return pd.DataFrame(shown["rejected"], columns=["row", "column", "reason"]).rename(columns={"row": "行号", "column": "列", "reason": "原因"})


def original(submission_id: str) -> tuple[str, bytes] | None:
    """The file a ledger submission was made from (name, bytes), for the reviewer to open."""
    with data.cursor() as con:
        found = submissions.get(con, submission_id, with_content=True)
    if not found or found["content"] is None:
        return None
    return found["filename"] or f"{submission_id}.xlsx", found["content"]


def evidence(shown: dict) -> None:
    """The attachments (佐证材料) of the records a submission changes, for the reviewer."""
    try:
        from ui import evidence_views
    except ImportError:  # evidence not installed in this build
        return
    if shown.get("records"):
        st.markdown("**佐证材料**")
        evidence_views.attachment_list(shown["table"], tuple(shown["records"]))


def unanswered_returns(mine: pd.DataFrame) -> pd.DataFrame:
    """The user's returned submissions not followed by a newer one of the same kind (still to be answered)."""
    latest = mine.drop_duplicates("kind")  # newest first: the latest of each kind
    return latest[latest["status"] == submissions.RETURNED]
