"""项目进度 — KPI cards vs targets, stage funnel, ranking with rank change, monthly trend, 红黄灯, 督办, 月通报, ledger import."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.ranking import INDICATORS
from ui import data, explain_views, identity, kpi_views, links, page, problem_views, uploads, widgets
from ui import project_views as pv
from ui.safe_html import md
from ui.text import t

scope = page.setup(t("pp_title"))
st.title(t("pp_title"))
no_projects = data.load_layer("projects", scope.counties).empty
if no_projects:
    st.info(t("pp_no_projects"), icon="📥")

months = pv.report_months(scope.counties)
month = st.selectbox(t("pp_month"), months, index=links.index("month", months), key="pp-month")
links.keep("month", month, months[0] if months else None)
report = pv.month_report(month, scope.counties)
state = pv.freeze_state(month)
if state["frozen"]:
    st.caption(t("pp_frozen", at=state["at"], by=md(state["by"])))
else:
    st.caption(t("pp_live"))
    if state["can_freeze"] and identity.may("freeze"):
        with st.popover(t("pp_freeze")):
            st.markdown(t("pp_freeze_hint", month=month))
            if st.button(t("pp_freeze_go", month=month), key=f"freeze-{month}", type="primary"):
                widgets.remember("freeze", *pv.freeze(month))
                st.rerun()
widgets.show_remembered("freeze")
summary, done = pv.kpis(month, scope.counties)
st.markdown(f"**{report.period_label}**")
widgets.kpi_cards(summary, done, kpi_views.month_comparison(month, scope.counties))
explain_views.month(summary, month, scope.counties)

funnel_col, trend_col = st.columns(2)
with funnel_col:
    st.subheader(t("pp_funnel"))
    if no_projects:  # charts of zeros only show axes labelled 0.000000
        st.caption(t("pp_no_chart"))
    else:
        st.bar_chart(pv.funnel_frame(month, scope.counties), horizontal=True, sort=False, y_label="", x_label="项目数（个）")
with trend_col:
    st.subheader(t("pp_trend"))
    if no_projects:
        st.caption(t("pp_no_chart"))
    else:
        trend = pv.trend_frame(month, scope.counties)
        st.line_chart(trend[["当月签约（个）", "当月开工（个）"]], x_label="", y_label="项目数（个）")
        st.bar_chart(trend[["当月签约金额（亿元）"]], x_label="", y_label="当月签约金额（亿元）", sort=False)

st.subheader(t("pp_ranking"))
indicator = st.selectbox(t("pp_indicator"), list(INDICATORS), format_func=lambda k: INDICATORS[k][0],
                         index=links.index("indicator", list(INDICATORS)), key="pp-indicator")
links.keep("indicator", indicator, next(iter(INDICATORS)))
explain_views.ranking(summary, month, scope.counties, indicator, pv.ranking_table(month, scope.counties, indicator))

st.subheader(t("pp_lights"))
tables = pv.light_tables(month, scope.counties)
tables.pop("督办清单")  # the triaged list (red items and problems, ranked, per leader) replaces it
*tabs, sup_tab = st.tabs([f"{k}（{len(v)}）" for k, v in tables.items()] + [problem_views.tab_label(month, scope.counties)])
for tab, frame in zip(tabs, tables.values(), strict=True):
    with tab:
        st.dataframe(frame, hide_index=True, width="stretch", height=320)
with sup_tab:
    problem_views.supervision_section(month, scope.counties)

st.subheader(t("pp_downloads"))
d1, d2, d3, d4 = st.columns(4)
d1.download_button(t("pp_xlsx"), lambda: pv.report_files(month, scope.counties)[0], file_name=f"月通报_{month}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
d2.download_button(t("pp_docx"), lambda: pv.notice_docx(month, scope.counties), file_name=f"月通报_{month}.docx",
                   mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document", on_click="ignore")
d3.download_button(t("pp_pdf"), lambda: pv.notice_pdf(month, scope.counties), file_name=f"月通报_{month}.pdf",
                   mime="application/pdf", on_click="ignore")
d4.download_button(t("pp_html"), lambda: pv.report_files(month, scope.counties)[1], file_name=f"月通报_{month}.html", mime="text/html", on_click="ignore")

year = int(month[:4])
with st.expander(t("pp_targets", year=year)):
    st.caption(t("pp_targets_hint"))
    edited = st.data_editor(pv.target_editor(year, scope.counties), hide_index=True, width="stretch", key=f"targets-{year}",
                            disabled=["单位"], column_config={"unit_id": None}, num_rows="fixed")
    if st.button(t("pp_targets_save"), key=f"targets-save-{year}", disabled=not identity.may("targets")):
        touched, problems = pv.save_targets(year, edited, scope.counties)
        for problem in problems:
            st.error(md(problem))
        if not problems:  # run again so the KPI cards above show the new completion rates
            st.session_state["targets-saved"] = (touched, pd.Timestamp.now().strftime("%H:%M:%S"))
            st.rerun()
    if "targets-saved" in st.session_state:  # kept until the next save: a "last saved" line, never a lost flash
        n, at = st.session_state["targets-saved"]
        st.success(t("pp_targets_saved", n=n, at=at))

st.subheader(t("pp_import"))
uploads.form("projects")
