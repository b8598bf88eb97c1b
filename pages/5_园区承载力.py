"""园区承载力 — what each park can still host after the pipeline lands: table, choropleth, park detail."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import capacity as cap
from analysis.capacity import park_pipeline
from analysis.siting import fmt
from ui import capacity_views as views
from ui import data, page, uploads, widgets
from ui.safe_html import md
from ui.text import t

scope = page.setup(t("cap_title"))
st.title(t("cap_title"))
st.caption(t("cap_rule"))
st.caption(t("cap_land_rule", rule=cap.STARTED_LAND_RULES[cap.started_land_rule()]))

tidy, wide = views.capacity_tables(scope.counties)
names = views.county_names(scope.counties)
if tidy.empty:
    uploads.empty_state(t("cap_no_parks"), "park_polygons", "park_capacity")

over = cap.over_committed(tidy)
if len(over):
    lines = [f"{md(r.park)} · {r.label}：超载 {fmt(r.over_committed)} {r.unit}" for r in over.head(6).itertuples()]
    st.warning(t("cap_over", n=len(over)) + "\n\n" + "；".join(lines) + ("……" if len(over) > 6 else ""))

labels = {r.key: f"{r.label}（{r.unit}）" for r in cap.RESOURCES}
resource = st.radio(t("cap_resource"), list(labels), format_func=labels.get, horizontal=True, key="cap-resource")

map_col, table_col = st.columns([3, 2])
with map_col:
    shapes = data.load_layer("parks", scope.counties)
    regions = data.load_home_regions(scope.counties)
    widgets.folium_map(views.capacity_map(regions, shapes, tidy, resource), key="capacity-map", height=520)
    st.markdown(f"<div style='font-size:12px'>{views.legend_html()}</div>", unsafe_allow_html=True)
with table_col:
    st.dataframe(views.resource_table(tidy, resource), hide_index=True, width="stretch", height=420)

st.subheader(t("cap_all"))
st.dataframe(views.wide_table(wide, names), hide_index=True, width="stretch")

st.subheader(t("cap_detail"))
parks = dict(zip(wide["park_id"], wide["park"], strict=True))
park_id = st.selectbox(t("cap_pick_park"), list(parks), format_func=parks.get, key="cap-park")
row = wide.set_index("park_id").loc[park_id]
st.caption(f"{md(names.get(row['county_adcode'], row['county_adcode']))} · {t('cap_positioning')}："
           f"{md(row['positioning']) if isinstance(row['positioning'], str) else '—'} · "
           f"{t('cap_planned')} {fmt(row['planned_area_mu'])} 亩 · {t('cap_built')} {fmt(row['built_area_mu'])} 亩")
cards = tidy[tidy["park_id"] == park_id]
for col, item in zip(st.columns(len(cards)), cards.itertuples(), strict=True):
    delta = f"超载 {fmt(item.over_committed)}" if item.over_committed > 0 else None
    value = "—" if not item.known else fmt(item.remaining)
    col.metric(f"{item.label}剩余（{item.unit}）", value, delta, delta_color="inverse", border=True,
               help=views.describe(pd.Series(item._asdict())))

density = views.intensity_table(scope.counties).set_index("park_id")
if park_id in density.index and pd.notna(density.at[park_id, "year"]):
    d = density.loc[park_id]
    marks = {True: "✓", False: "✗"}
    figure = lambda value, digits: "—" if pd.isna(value) else f"{value:.{digits}f}"  # noqa: E731 - a park may report no 建筑面积
    st.markdown(t("cap_intensity", year=int(d["year"]),
                  inv=figure(d["investment_wan_per_mu"], 0), inv_ok=marks.get(d["meets_investment_wan_per_mu"], "—"),
                  tax=figure(d["tax_wan_per_mu"], 1), tax_ok=marks.get(d["meets_tax_wan_per_mu"], "—"),
                  out=figure(d["output_wan_per_mu"], 0), far=figure(d["floor_area_ratio"], 2)))

_, projects = views.inputs(scope.counties)
pipeline = park_pipeline(projects, park_id)
st.markdown(f"**{t('cap_pipeline')}**（{t('rows', n=len(pipeline))}）")
st.dataframe(pipeline.rename(columns={"project_id": "编号", "name": "项目名称", "stage": "阶段", "reserves": "计入储备",
                                      "industry_chain": "产业", "investment_wan": "投资额（万元）", "land_mu": "用地（亩）",
                                      "power_kva": "用电（kVA）", "water_t_d": "用水（吨/日）", "energy_tce": "用能（吨标准煤）"}),
             hide_index=True, width="stretch")

uploads.section("park_capacity")
uploads.section("park_polygons")
