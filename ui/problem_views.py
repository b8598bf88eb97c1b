"""问题/困难 and the triaged 督办 list on the pages: cached loaders (county scope tuple), the project card's section
(list, add, status change — writes through ``layers.project_issues`` under the signed-in user) and the 督办 section of
项目进度 (filters by 包抓领导 / 责任单位, the ranking rule, the per-leader Excel export)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from analysis import lights
from analysis import supervision as sv
from layers import project_issues
from layers.project_issues import KINDS, STATUSES
from store import StoreError
from ui import data, identity, widgets
from ui import project_views as pv
from ui.safe_html import md

TTL = data.TTL
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MARKS = {"蓝": "🔵 蓝", "黄": "🟡 黄", "红": "🔴 红"}
PROBLEM_COLUMNS = {"issue_id": "编号", "kind": "类别", "text": "内容", "owner": "责任人/单位", "raised_on": "提出日期",
                   "due_on": "办结时限", "status": "状态", "escalation": "升级", "age_days": "已提出（天）", "resolved_on": "解决日期",
                   "note": "说明"}
ITEM_COLUMNS = {"rank": "排名", "light": "灯", "item": "督办事项", "subject": "项目/指标", "unit": "单位", "leader": "包抓领导",
                "responsible_unit": "责任单位", "owner": "责任人/单位", "reason": "情况", "money_wan": "涉及金额（万元）",
                "months_late": "逾期（月）", "score": "分值（万元·月）", "deadline": "办结时限"}


@st.cache_data(ttl=TTL, max_entries=16)
def load_problems(counties: tuple[str, ...] | None) -> pd.DataFrame:
    """Every problem in scope, escalated as of the data's date (数据截至)."""
    with data.cursor() as con:
        frame = project_issues.load(con, county=counties)
    return sv.escalate(frame, data.as_of().date(), lights.load_rules())


def problem_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Problems as shown: Chinese headers, dates as text, the escalation marked (open problems only)."""
    out = pd.DataFrame({label: frame[col] for col, label in PROBLEM_COLUMNS.items()}).reset_index(drop=True)
    for col in ("提出日期", "办结时限", "解决日期"):
        out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
    out["升级"] = out["升级"].map(lambda v: MARKS.get(v, ""))
    out["已提出（天）"] = [int(d) if o and pd.notna(d) else None for d, o in zip(frame["age_days"], frame["open"], strict=True)]
    return out.astype(object).where(out.notna(), "")


def add_problem(project_id: str, text: str, *, kind: str, owner: str | None, raised_on: date, due_on: date | None,
                note: str | None = None) -> str | None:
    """Record a problem from the page (author: the signed-in user); None, or why it was refused (Chinese)."""
    if refused := identity.refusal("write"):
        return refused
    try:
        with data.cursor() as con:
            project_issues.add(con, project_id, text, user=identity.user(), kind=kind, owner=owner, raised_on=raised_on,
                               due_on=due_on, note=note, counties=identity.counties())
    except (project_issues.IssueError, StoreError) as exc:
        return str(exc)
    data.written()
    return None


def change_status(issue_id: str, status: str, *, on: date | None, note: str | None, version: int | None) -> str | None:
    """Change a problem's status from the page; ``version``: the row's ``row_version`` when the form was drawn (a change
    by someone else since is refused). None, or why it was refused (Chinese)."""
    if refused := identity.refusal("write"):
        return refused
    try:
        with data.cursor() as con:
            project_issues.update_status(con, issue_id, status, user=identity.user(), on=on, note=note, expected_version=version,
                                         counties=identity.counties())
    except (project_issues.IssueError, StoreError) as exc:
        return str(exc)
    finally:
        data.written()  # also after a conflict: the form is drawn again from the other person's change
    return None


def _outcome(key: str, problem: str | None, done: str) -> None:
    if problem:
        st.error(md(problem))
        return
    widgets.remember(key, True, done)
    st.rerun()  # redraw from the store


def project_section(project_id: str, counties: tuple[str, ...] | None) -> None:
    """The project card's 问题/困难: the list with escalation, a form to record one, a form to change a status."""
    frame = load_problems(counties)
    mine = frame[frame["project_id"] == project_id]
    key = f"issues-{project_id}"
    open_n = int(mine["open"].sum())
    st.markdown(f"**问题/困难**（{len(mine)}，未解决 {open_n}）")
    widgets.show_remembered(key)
    if len(mine):
        st.dataframe(problem_table(mine), hide_index=True, width="stretch")
    else:
        st.caption("暂无登记的问题/困难。")
    if not identity.may("write"):
        return
    as_of = data.as_of().date()
    with st.expander("登记问题/困难"), st.form(f"{key}-add", clear_on_submit=True):
        text = st.text_area("内容", key=f"{key}-text")
        kind = st.selectbox("类别", KINDS, key=f"{key}-kind")
        owner = st.text_input("责任人/责任单位", key=f"{key}-owner")
        raised = st.date_input("提出日期", value=as_of, key=f"{key}-raised")
        due = st.date_input("办结时限", value=None, key=f"{key}-due")
        if st.form_submit_button("登记"):
            _outcome(key, add_problem(project_id, text, kind=kind, owner=owner, raised_on=raised, due_on=due), "已登记问题/困难")
    if not len(mine):
        return
    with st.expander("更新状态"), st.form(f"{key}-status"):
        labels = dict(zip(mine["issue_id"], mine["text"], strict=True))
        issue_id = st.selectbox("问题/困难", list(labels), format_func=lambda i: f"{i} {labels[i][:20]}", key=f"{key}-pick")
        status = st.selectbox("新状态", STATUSES, index=STATUSES.index("推进中"), key=f"{key}-new")
        on = st.date_input("解决日期（标记已解决时填写）", value=as_of, key=f"{key}-on")
        note = st.text_input("说明", key=f"{key}-note")
        if st.form_submit_button("保存状态"):
            row = mine[mine["issue_id"] == issue_id].iloc[0]
            version = None if pd.isna(row["row_version"]) else int(row["row_version"])
            _outcome(key, change_status(issue_id, status, on=on if status == "已解决" else None, note=note, version=version),
                     f"{issue_id} 已改为{status}")


@st.cache_data(ttl=TTL, max_entries=16)
def triaged(month: str, counties: tuple[str, ...] | None) -> pd.DataFrame:
    """The month's triaged 督办 list (:func:`reports.supervision.triaged`)."""
    from reports import supervision as report

    return report.triaged(pv.month_report(month, counties))


def item_table(items: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({label: items[col] for col, label in ITEM_COLUMNS.items()}).reset_index(drop=True)
    out["办结时限"] = pd.to_datetime(out["办结时限"]).dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), "")


@st.cache_data(ttl=TTL, max_entries=16)
def export(month: str, counties: tuple[str, ...] | None, leaders: tuple[str, ...], units: tuple[str, ...]) -> bytes:
    """The filtered list as the per-leader workbook."""
    from reports import supervision as report

    r = pv.month_report(month, counties)
    items = sv.filter_items(triaged(month, counties), leaders=leaders, units=units)
    return report.to_bytes(items, title=f"{r.title}·督办清单", as_of=r.problems_as_of)


def tab_label(month: str, counties: tuple[str, ...] | None) -> str:
    return f"督办清单（{len(triaged(month, counties))}）"


def supervision_section(month: str, counties: tuple[str, ...] | None) -> None:
    """The triaged 督办 list of ``month`` with 包抓领导 / 责任单位 filters, the ranking rule and the export."""
    items = triaged(month, counties)
    leaders, units = sv.choices(items)
    left, right = st.columns(2)
    picked_leaders = left.multiselect("包抓领导", leaders, key=f"sup-leaders-{month}", placeholder="全部领导")
    picked_units = right.multiselect("责任单位", units, key=f"sup-units-{month}", placeholder="全部单位（含问题责任人/单位）")
    shown = sv.filter_items(items, leaders=picked_leaders, units=picked_units)
    as_of = pv.month_report(month, counties).problems_as_of
    st.caption(f"共 {len(shown)} 项（截至 {as_of}；红灯事项及红、黄问题/困难）。{md(sv.rank_rule(lights.load_rules()))}")
    st.dataframe(item_table(shown), hide_index=True, width="stretch", height=360)
    st.download_button("导出督办清单（按包抓领导分表）", lambda: export(month, counties, tuple(picked_leaders), tuple(picked_units)),
                       file_name=f"督办清单_{month}.xlsx", mime=XLSX, key=f"sup-export-{month}", on_click="ignore")
