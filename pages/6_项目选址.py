"""项目选址 — a project's needs → parks ranked with reasons, map, "what if" it landed, and the 推送台账 export."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import capacity as cap
from analysis.siting import Need
from ui import capacity_views as views
from ui import data, page, uploads, widgets
from ui.safe_html import md
from ui.text import t

scope = page.setup(t("site_title"))
st.title(t("site_title"))
st.caption(t("site_hint"))
st.caption(t("cap_land_rule", rule=cap.STARTED_LAND_RULES[cap.started_land_rule()]))

names = views.county_names(scope.counties)
county_options = [code for code in names if code in set(data.load_units(scope.counties)["county_adcode"])]
parks, _ = views.inputs(scope.counties)
if parks.empty:
    uploads.empty_state(t("site_no_parks"), "park_polygons", "park_capacity")
industries = sorted({term for text in parks["positioning"].dropna() for term in text.replace("，", "、").split("、") if term})

with st.form("site-form"):
    a, b, c, d = st.columns(4)
    land = a.number_input(t("site_land"), min_value=0.0, value=100.0, step=10.0)
    power = b.number_input(t("site_power"), min_value=0.0, value=2000.0, step=500.0)
    water = c.number_input(t("site_water"), min_value=0.0, value=0.0, step=50.0)
    energy = d.number_input(t("site_energy"), min_value=0.0, value=0.0, step=100.0)
    left, right = st.columns(2)
    industry = left.selectbox(t("site_industry"), [None, *industries], format_func=lambda v: t("site_any") if v is None else v)
    preferred = right.multiselect(t("site_counties"), county_options, format_func=names.get, placeholder=t("site_any"))
    st.form_submit_button(t("site_go"), type="primary")

need = Need(land_mu=land, power_kva=power, water_t_d=water, energy_tce=energy, industry=industry, counties=tuple(preferred))
ranking = views.ranked(need, scope.counties)
feasible = int(ranking["feasible"].sum())
if feasible:
    st.success(t("site_feasible", n=feasible, best=md(ranking.iloc[0]["park"])))
else:
    st.error(t("site_none"))

map_col, table_col = st.columns([2, 3])
with map_col:
    shapes = data.load_layer("parks", scope.counties)
    widgets.folium_map(views.siting_map(data.load_home_regions(scope.counties), shapes, ranking), key="siting-map", height=480)
with table_col:
    st.table(views.ranking_table(ranking).set_index("名次"))  # a static table wraps the reasons instead of cutting them

if st.toggle(t("site_what_if"), key="site-what-if"):
    st.caption(t("site_what_if_hint"))
    st.dataframe(views.what_if_table(views.what_if(need, scope.counties)), hide_index=True, width="stretch")

st.subheader(t("site_push"))
st.caption(t("site_push_hint"))
pushed = views.push_table(views.push_list(scope.counties))
chosen = ranking[ranking["feasible"]].head(1)
if len(chosen):
    row = {"项目名称": t("site_this_project"), "阶段": "在谈", "产业": industry, "投资额（万元）": None, "用地（亩）": land,
           "用电（kVA）": power, "用水（吨/日）": water, "用能（吨标准煤）": energy, "推送园区": chosen.iloc[0]["park"],
           "所在县（市、区）": chosen.iloc[0]["county"], "评分": f"{chosen.iloc[0]['score']:.1f}", "理由": "；".join(chosen.iloc[0]["reasons"])}
    if st.checkbox(t("site_push_add"), key="site-push-add"):
        pushed = pd.DataFrame([row, *pushed.to_dict("records")], columns=pushed.columns)
st.caption(t("rows", n=len(pushed)))
st.dataframe(pushed, hide_index=True, width="stretch", height=360)
as_of = data.as_of().date()
# made when pressed, not on every run (seconds for a province's push list)
st.download_button(t("site_push_download"), lambda: views.push_list_xlsx(pushed, as_of=as_of), file_name=f"推送台账_{as_of.isoformat()}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
