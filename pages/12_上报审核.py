"""上报审核 — reviewers approve or return county and park submissions field by field; submitters follow theirs; the
上报情况 board shows each unit's status for a month and how stale its data is."""

from __future__ import annotations

from datetime import date

import streamlit as st

from analysis import reporting
from ui import identity, page, widgets
from ui import review_views as views
from ui.safe_html import md
from ui.text import t

scope = page.setup(t("rv_title"))
st.title(t("rv_title"))
st.caption(t("rv_hint"))
reviewer = identity.may("review")
names = [t("rv_pending"), t("rv_board"), t("rv_all")] if reviewer else [t("rv_mine"), t("rv_board")]
tabs = dict(zip(names, st.tabs(names), strict=True))

if reviewer:
    with tabs[t("rv_pending")]:
        widgets.show_remembered("review")
        pending = views.listing(scope.counties, ("待审核",), None)
        if pending.empty:
            st.info(t("rv_none_pending"), icon="✅")
        else:
            st.dataframe(views.shown_list(pending).drop(columns=["审核人", "审核意见"]), hide_index=True, width="stretch")
            labels = {r.submission_id: f"{r.submission_id} · {r.submitted_by} · {r.kind_label}：{r.label}" for r in pending.itertuples()}
            chosen = st.selectbox(t("rv_choose"), list(labels), format_func=labels.get)
            shown, error = views.preview(chosen)
            if error:
                st.error(md(error))
            else:
                st.info(md(shown["summary"]), icon="🔎")
                if shown.get("blocked"):
                    st.warning(t("rv_blocked", reason=md(shown["blocked"])))
                rows = views.change_rows(shown)
                st.markdown(f"**{t('rv_changes', n=len(shown['changes']))}**")
                st.dataframe(rows, hide_index=True, width="stretch", height=min(420, 38 + 35 * max(1, len(rows))))
                if shown["rejected"]:
                    st.markdown(f"**{t('rv_rejected', n=len(shown['rejected']))}**")
                    st.dataframe(views.rejected_rows(shown), hide_index=True, width="stretch")
                for warning in shown["warnings"]:
                    st.warning(md(warning))
                views.evidence(shown)
                original = views.original(chosen)
                if original is not None:
                    st.download_button(t("rv_original"), original[1], file_name=original[0], on_click="ignore", key=f"orig-{chosen}")
                with st.form(f"decide-{chosen}"):
                    comment = st.text_area(t("rv_comment"), help=t("rv_comment_hint"))
                    ok, back = st.columns(2)
                    approved = ok.form_submit_button(t("rv_approve"), type="primary", disabled=bool(shown.get("blocked")))
                    returned = back.form_submit_button(t("rv_return"))
                if approved:
                    problem = views.approve(chosen, comment=comment, expect=shown["fingerprint"])
                    widgets.remember("review", problem is None, problem or t("rv_approved", id=chosen))
                    st.rerun()
                if returned:
                    problem = views.return_(chosen, comment=comment)
                    widgets.remember("review", problem is None, problem or t("rv_returned", id=chosen))
                    if problem is None:
                        st.rerun()
                    widgets.show_remembered("review")
    with tabs[t("rv_all")]:
        everything = views.listing(scope.counties, None, None)
        st.dataframe(views.shown_list(everything), hide_index=True, width="stretch", height=520)
else:
    with tabs[t("rv_mine")]:
        widgets.show_remembered("withdraw")
        mine = views.my_submissions()
        if mine.empty:
            st.info(t("rv_none_mine"), icon="📤")
        else:
            for row in views.unanswered_returns(mine).itertuples():
                st.warning(md(t("rv_was_returned", id=row.submission_id, label=row.label, comment=row.comment or "")), icon="↩️")
            st.dataframe(views.shown_list(mine), hide_index=True, width="stretch")
            waiting = list(mine.loc[mine["status"] == "待审核", "submission_id"])
            if waiting:
                c1, c2 = st.columns([2, 1])
                which = c1.selectbox(t("rv_withdraw_which"), waiting)
                if c2.button(t("rv_withdraw")):
                    problem = views.withdraw(which)
                    widgets.remember("withdraw", problem is None, problem or t("rv_withdrawn", id=which))
                    st.rerun()

with tabs[t("rv_board")]:
    months = views.board_months(scope.counties)
    month = st.selectbox(t("rv_month"), months)
    board = views.board(month, scope.counties, date.today())
    cells = st.columns(4)
    for cell, (status, n) in zip(cells, reporting.counts(board).items(), strict=True):
        cell.metric(status, t("rv_units", n=n))
    st.dataframe(views.shown_board(board), hide_index=True, width="stretch")
    st.caption(t("rv_board_hint"))
