"""闲置资产盘活 — idle state assets: map by stage, board, case detail (history, tasks, changes), overdue, charts, export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from layers._scope import is_park_scope
from layers.vocab import ASSET_MODES, ASSET_STAGES
from ui import asset_views as av
from ui import audit_views, data, evidence_views, export_views, links, page, review_views, uploads, widgets
from ui.safe_html import md
from ui.text import t

scope = page.setup(t("assets_title"))
st.title(t("assets_title"))

if is_park_scope(scope.counties):  # state assets belong to 国资 and the counties, not to a park's account
    st.info(t("assets_not_park"), icon="ℹ️")
    st.stop()
if av.load_assets(scope.counties).empty:
    uploads.empty_state(t("assets_none"), "assets")
names = av.county_names(scope.counties)
left, right = st.columns(2)
as_of = left.date_input(t("assets_asof"), value=data.as_of().date())
picked = right.selectbox(t("county_pick"), [None, *names], format_func=lambda c: t("all") if c is None else names[c],
                         index=links.index("county", [None, *names]), key="assets-county")
links.keep("county", picked)
counties = scope.narrow(picked)  # never wider than the scope

result = av.summary(counties, as_of)
frame = av.as_of_view(counties, as_of)
cards = [(t("assets_kpi_total"), f"{result['assets']}", None),
         (t("assets_kpi_book"), f"{result['book_value_yi']:.2f}", None),
         (t("assets_kpi_done"), f"{result['revitalised']}", t("assets_share", pct=widgets.percent(result["revitalised_share"]))),
         (t("assets_kpi_value"), f"{result['revitalised_value_yi']:.2f}", None),
         (t("assets_kpi_signed"), f"{result['signed']}", None),
         (t("assets_kpi_overdue"), f"{result['overdue']}", None)]
for col, (label, value, delta) in zip(st.columns(len(cards)), cards, strict=True):
    col.metric(label, value, delta, delta_color="off", border=True)
st.caption(t("assets_rule"))

tab_map, tab_board, tab_case, tab_late, tab_charts, tab_offer = st.tabs(
    [t("assets_tab_map"), t("assets_tab_board"), t("assets_tab_case"), t("assets_tab_overdue"), t("assets_tab_charts"),
     t("assets_tab_offer")], key="assets-tab", on_change="rerun")  # keyed: a board card switches to the case

with tab_map:
    clicked = widgets.folium_map(av.asset_map(frame, data.load_home_regions(counties)), key="asset-map", height=560)
    if clicked and clicked.get("layer") == "assets" and clicked.get("id") != st.session_state.get("asset_click"):
        st.session_state["asset_click"] = st.session_state["asset_case"] = clicked.get("id")
        st.caption(t("assets_clicked"))

with tab_board:
    av.board(frame, tab_key="assets-tab", case_tab=t("assets_tab_case"))

with tab_case:
    ids = list(frame.sort_values("asset_id")["asset_id"])
    labels = dict(zip(frame["asset_id"], frame["name"], strict=True))
    if "asset_case" not in st.session_state and links.pick("asset", ids) is not None:  # ?asset= opens that case
        st.session_state["asset_case"] = links.pick("asset", ids)
    if st.session_state.get("asset_case") not in ids:
        st.session_state.pop("asset_case", None)
    asset_id = st.selectbox(t("assets_pick"), ids, format_func=lambda a: f"{labels[a]}（{a}）", key="asset_case") if ids else None
    links.keep("asset", asset_id, ids[0] if ids else None)
    if st.session_state.pop("asset_saved", False):
        st.success(review_views.saved_message(t("assets_saved")))
    if asset_id:
        row = frame[frame["asset_id"] == asset_id]
        st.dataframe(av.table(row, av.COLUMNS).T.rename(columns=lambda _: "值").astype(str), width="stretch")
        events, tasks = av.load_events(counties), av.load_tasks(counties)
        st.markdown(f"**{t('assets_history')}**")
        st.dataframe(av.table(events[events["asset_id"] == asset_id], av.EVENT_COLUMNS), hide_index=True, width="stretch")
        st.markdown(f"**{t('assets_tasks')}**")
        st.dataframe(av.table(tasks[tasks["asset_id"] == asset_id], av.TASK_COLUMNS), hide_index=True, width="stretch")
        with st.expander(t("record_history")):
            st.dataframe(audit_views.record_history("idle_assets", asset_id), hide_index=True, width="stretch")
        st.markdown(f"**{t('assets_matches')}**")
        st.dataframe(av.matches_for(counties, asset_id), hide_index=True, width="stretch")
        stage_col, task_col = st.columns(2)
        with stage_col.form("asset-stage"):
            st.markdown(f"**{t('assets_change')}**")
            current = row["stage"].iloc[0]
            new_stage = st.selectbox(t("assets_stage"), ASSET_STAGES,
                                     index=ASSET_STAGES.index(current) if current in ASSET_STAGES else 0)
            mode_now = row["mode"].iloc[0]
            mode = st.selectbox(t("assets_mode"), ASSET_MODES, index=ASSET_MODES.index(mode_now) if mode_now in ASSET_MODES else 0)
            on = st.date_input(t("assets_on"), value=as_of)
            note = st.text_input(t("assets_note"))
            completion = evidence_views.asset_fields(row.iloc[0], key=asset_id)
            version = row["row_version"].iloc[0] if "row_version" in row else None
            if st.form_submit_button(t("assets_save")):
                problem = av.change_stage(asset_id, new_stage, on, note=note, mode=mode,
                                          version=None if version is None or pd.isna(version) else int(version), **completion)
                if problem:
                    st.error(md(problem))
                else:
                    st.session_state["asset_saved"] = True
                    st.rerun()  # redraw everything from the store
        with task_col.form("asset-task", clear_on_submit=True):
            st.markdown(f"**{t('assets_add_task')}**")
            task_text = st.text_area(t("assets_task_text"))
            meeting = st.text_input(t("assets_meeting"))
            due = st.date_input(t("assets_due"), value=None)
            responsible = st.text_input(t("assets_responsible"))
            if st.form_submit_button(t("assets_save")):
                problem = av.add_task(asset_id, task_text, due_on=due, responsible=responsible, meeting=meeting, meeting_on=as_of)
                if problem:
                    st.error(md(problem))
                else:
                    st.session_state["asset_saved"] = True
                    st.rerun()  # redraw everything from the store
        with task_col:  # beside the stage form the files were uploaded with
            st.markdown(f"**{t('ev_title')}**")
            evidence_views.attachment_list("idle_assets", [asset_id])

with tab_late:
    late = frame[frame["days_overdue"].notna()].sort_values("days_overdue", ascending=False)
    st.caption(t("assets_overdue_rule", as_of=as_of, n=len(late)))
    st.dataframe(av.table(late, {k: av.COLUMNS[k] for k in ("name", "county", "stage", "planned_date", "days_overdue",
                                                             "responsible_unit", "responsible_leader", "mode")}),
                 hide_index=True, width="stretch")

with tab_charts:
    charts = av.charts(counties, as_of)
    one, two = st.columns(2)
    one.markdown(f"**{t('assets_by_stage')}**")
    one.altair_chart(charts["stage"], width="stretch")
    two.markdown(f"**{t('assets_by_mode')}**")
    two.altair_chart(charts["mode"], width="stretch")
    st.markdown(f"**{t('assets_by_county')}**")
    st.altair_chart(charts["county"], width="stretch")
    st.markdown(f"**{t('assets_trend')}**")
    st.altair_chart(charts["trend"], width="stretch")

with tab_offer:
    st.caption(t("assets_offer_hint"))
    low, high = st.columns(2)
    min_area = low.number_input(t("assets_min_area"), min_value=0, value=5000, step=500)
    max_area = high.number_input(t("assets_max_area"), min_value=0, value=30000, step=500)
    st.dataframe(av.offers(counties, float(min_area), float(max_area)), hide_index=True, width="stretch")

export_views.buttons(  # the asset list on screen; the workbook adds the overdue list, history, tasks and totals
    {"资产清单": export_views.located(av.table(frame, av.COLUMNS, shown=False), frame.geometry)}, file=f"闲置资产盘活_{as_of}",
    title=t("assets_title"), key="assets-export", keys=export_views.inverse(av.COLUMNS), excel=lambda: av.export(counties, as_of))

uploads.section("assets")
