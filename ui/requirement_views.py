"""投资需求库 on 厂房匹配 (and its notice on 总览): save the requirement on screen, list, edit, close (签约/放弃), delete
the saved ones, and the alerts — standard factories and idle buildings that became available for them — with 确认已读.

Computation: :mod:`analysis.requirement_alerts`; storage and scope: :mod:`layers.saved_requirements` (every write under
the signed-in user, audited, in the session's scope).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analysis import requirement_alerts as ra
from analysis.matching import Requirement
from layers import saved_requirements as sr
from layers._scope import split
from store import StoreError
from ui import data, identity, widgets
from ui.safe_html import md
from ui.text import t

TTL = data.TTL
KEY = "requirements"
#: the roles who match requirements to space (招商局, 园区, the city and the administrator): they see the 总览 notice
MATCHING_ROLES = ("admin", "city", "county", "park")
PAGE = "pages/4_厂房匹配.py"


@st.cache_data(ttl=TTL, max_entries=16)
def load(counties: tuple[str, ...] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(saved requirements in scope, every current fit of the open ones with ``new``)."""
    with data.cursor() as con:
        return sr.load(con, county=counties), ra.alerts(con, county=counties, all_matches=True)


def counts(counties) -> tuple[int, int]:
    """(requirements with a new fit, new fits) in scope."""
    return ra.counts(load(counties)[1])


def _write(action, done: str) -> None:
    """Run a write of the page (refused without the right to write), keep the outcome, redraw from the store."""
    if refused := identity.refusal("write"):
        widgets.remember(KEY, False, refused)
        st.rerun()
    try:
        with data.cursor() as con:
            action(con)
    except (sr.RequirementError, StoreError, ValueError) as exc:
        widgets.remember(KEY, False, str(exc))
    else:
        widgets.remember(KEY, True, done)
    finally:
        data.written()
    st.rerun()


def alert_banner(counties) -> None:
    """厂房匹配's warning when saved requirements have new fits."""
    reqs, n = counts(counties)
    if n:
        st.warning(t("rq_alert", n=n, r=reqs))


def overview_notice(counties) -> None:
    """总览's one-line notice, for the roles that match requirements to space."""
    account = identity.current()
    if account is None or account.role not in MATCHING_ROLES:
        return
    reqs, n = counts(counties)
    if n:
        st.info(t("rq_overview", n=n, r=reqs))
        st.page_link(PAGE, label=t("rq_open_page"))


def tab_label(counties) -> str:
    n = counts(counties)[1]
    return t("fm_tab_saved") + (t("rq_tab_new", n=n) if n else "")


def _owner_options(counties, county_names: dict[str, str]) -> list[str | None]:
    """Whose requirement it can be: a city user's 全市 (None) or any county; a county user's counties; a park user's
    county (their park is taken by the layer)."""
    if counties is None:
        return [None, *county_names]
    return list(split(counties)[0]) or [None]


def save_form(req: Requirement, counties, county_names: dict[str, str]) -> None:
    """Below the shortlist: save the requirement as entered, with the investor, a contact and notes."""
    if not identity.may("write"):
        return
    widgets.show_remembered(KEY)
    with st.expander(t("rq_save")), st.form("rq-save", clear_on_submit=True):
        st.caption(t("rq_save_hint", req=md(ra.describe(req, county_names))))
        a, b = st.columns(2)
        investor = a.text_input(t("rq_investor"))
        contact = b.text_input(t("rq_contact"))
        notes = st.text_area(t("rq_notes"), height=68)
        options = _owner_options(counties, county_names)
        owner = st.selectbox(t("rq_owner"), options, format_func=lambda c: t("rq_city") if c is None else county_names.get(c, c),
                             disabled=len(options) == 1)
        if st.form_submit_button(t("rq_save_go"), type="primary"):
            _write(lambda con: sr.add(con, investor=investor, criteria=ra.criteria_of(req), user=identity.user(), contact=contact,
                                      notes=notes, county_adcode=owner, counties=counties), t("rq_saved", investor=investor.strip()))


def requirement_table(reqs: pd.DataFrame, fits: pd.DataFrame, county_names: dict[str, str]) -> pd.DataFrame:
    """The saved requirements as listed: Chinese headers, criteria in words, current and new fits."""
    now = fits.groupby("requirement_id").size() if len(fits) else pd.Series(dtype=int)
    new = fits[fits["new"]].groupby("requirement_id").size() if len(fits) else pd.Series(dtype=int)
    return pd.DataFrame({
        "编号": reqs["requirement_id"], "投资方": reqs["investor"], "联系人": reqs["contact"].fillna(""),
        "所属": [t("rq_city") if not isinstance(c, str) else county_names.get(c, c) for c in reqs["county_adcode"]],
        "需求": [ra.describe(ra.requirement_of(c), county_names) for c in reqs["criteria"]], "状态": reqs["status"],
        "当前符合": [int(now.get(r, 0)) if s == sr.OPEN else None for r, s in zip(reqs["requirement_id"], reqs["status"], strict=True)],
        "新增可用": [int(new.get(r, 0)) if s == sr.OPEN else None for r, s in zip(reqs["requirement_id"], reqs["status"], strict=True)],
        "保存时间": [pd.Timestamp(v).strftime("%Y-%m-%d %H:%M") for v in reqs["created_at"]],
    }).astype(object).fillna("")


def fit_table(fits: pd.DataFrame) -> pd.DataFrame:
    """One requirement's fits as shown: new ones first with what changed, then the rest."""
    return pd.DataFrame({
        "新增": fits["new"].map({True: "新", False: ""}), "类别": fits["kind_label"], "名称": fits["name"],
        "县（市、区）": fits["county_name"].fillna(""), "园区": fits["park_name"].fillna(""),
        "面积（㎡）": fits["floor_area_m2"], "状态/阶段": fits["state"].fillna(""), "得分": fits["score"],
        "变化": fits["why"], "理由": fits["reasons"].map("；".join),
    }).astype(object).where(lambda f: f.notna(), "")


def manage(counties, county_names: dict[str, str], req: Requirement | None = None) -> None:
    """The 投资需求 view: the list, then the chosen requirement's fits (确认已读), edit, close and delete."""
    widgets.show_remembered(KEY)
    reqs, fits = load(counties)
    if reqs.empty:
        st.info(t("rq_none"))
        return
    st.dataframe(requirement_table(reqs, fits, county_names), hide_index=True, width="stretch")
    labels = {r.requirement_id: f"{r.requirement_id} · {r.investor}（{r.status}）" for r in reqs.itertuples()}
    rid = st.selectbox(t("rq_pick"), list(labels), format_func=labels.get, key="rq-pick")
    row = reqs[reqs["requirement_id"] == rid].iloc[0]
    version = int(row["row_version"])
    mine = fits[fits["requirement_id"] == rid]
    st.markdown(t("rq_detail", req=md(ra.describe(ra.requirement_of(row["criteria"]), county_names)),
                  notes=md(row["notes"] or "—")))
    writable = identity.may("write")
    if row["status"] != sr.OPEN:
        st.caption(t("rq_closed", status=row["status"], on=row["closed_on"].date() if pd.notna(row["closed_on"]) else "—",
                     note=md(row["close_note"] or "—")))
    elif mine.empty:
        st.caption(t("rq_no_fit"))
    else:
        st.dataframe(fit_table(mine), hide_index=True, width="stretch")
        new = mine[mine["new"]]
        if writable and len(new):
            names = {f"{k}|{i}": f"{n}（{lbl}）" for k, i, n, lbl in zip(new["item_kind"], new["item_id"], new["name"], new["kind_label"], strict=True)}
            with st.form(f"rq-ack-{rid}"):
                picked = st.multiselect(t("rq_ack_pick"), list(names), default=list(names), format_func=names.get,
                                    placeholder="选择要确认的匹配")
                if st.form_submit_button(t("rq_ack")):
                    items = [tuple(p.split("|", 1)) for p in picked]
                    _write(lambda con: sr.acknowledge(con, rid, items, user=identity.user(), counties=counties),
                           t("rq_acked", n=len(items)))
    if not writable:
        return
    edit, close, remove = st.columns(3)
    with edit.expander(t("rq_edit")), st.form(f"rq-edit-{rid}"):
        investor = st.text_input(t("rq_investor"), value=row["investor"])
        contact = st.text_input(t("rq_contact"), value=row["contact"] or "")
        notes = st.text_area(t("rq_notes"), value=row["notes"] or "", height=68)
        replace = st.checkbox(t("rq_replace"), disabled=req is None, help=ra.describe(req, county_names) if req else None)
        if st.form_submit_button(t("rq_edit_go")):
            criteria = ra.criteria_of(req) if replace and req is not None else None
            _write(lambda con: sr.edit(con, rid, investor=investor, contact=contact, notes=notes, criteria=criteria, user=identity.user(),
                                       expected_version=version, counties=counties), t("rq_edited", id=rid))
    with close.expander(t("rq_close")), st.form(f"rq-close-{rid}"):
        outcomes = list(sr.CLOSED) if row["status"] == sr.OPEN else [sr.OPEN]
        outcome = st.radio(t("rq_outcome"), outcomes, horizontal=True)
        on = st.date_input(t("rq_close_on"), value=dt.date.today())
        note = st.text_input(t("rq_close_note"))
        if st.form_submit_button(t("rq_close_go")):
            _write(lambda con: sr.close(con, rid, outcome, user=identity.user(), on=on, note=note, expected_version=version,
                                        counties=counties), t("rq_closed_done", id=rid, status=outcome))
    with remove.expander(t("rq_delete")), st.form(f"rq-delete-{rid}"):
        sure = st.checkbox(t("rq_delete_sure", id=rid, investor=row["investor"]))
        if st.form_submit_button(t("rq_delete_go")):
            if not sure:
                widgets.remember(KEY, False, t("rq_delete_unconfirmed"))
                st.rerun()
            _write(lambda con: sr.remove(con, rid, user=identity.user(), expected_version=version, counties=counties),
                   t("rq_deleted", id=rid))
