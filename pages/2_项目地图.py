"""项目地图 — projects coloured by stage on the county map; filters; click a project for its card and stage history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.kpis import Period
from layers.vocab import PROJECT_STAGES
from ui import audit_views, data, evidence_views, export_views, links, mapkit, page, problem_views
from ui import project_views as pv
from ui.mapkit import linking
from ui.text import t

scope = page.setup(t("pm_title"))
st.title(t("pm_title"))

month = pv.current_month()
frame = pv.projects_with_lights(month, scope.counties)
units = data.load_units(scope.counties)
as_of = pd.Period(month, freq="M")

c1, c2, c3, c4 = st.columns(4)
linked = links.period()  # the filters live in the URL: a link shows exactly this view
year = c1.number_input(t("year"), min_value=2000, max_value=2100, value=linked[0] if linked else int(as_of.year), step=1,
                      key="pm-year")
months = c2.slider(t("months"), 1, 12, linked[1:] if linked and linked[0] == year else (1, as_of.month if year == as_of.year else 12),
                   format="%d月", key=f"pm-months-{year}")  # keyed: a linked start value does not reset the widget
unit_names = dict(zip(units["unit_id"], units["name"], strict=True))
picked_units = c3.multiselect(t("county_pick"), list(unit_names), format_func=unit_names.get, placeholder=t("all"),
                              default=links.pick_many("units", unit_names), key="pm-units")
picked_stages = c4.multiselect(t("pm_stage"), list(PROJECT_STAGES), placeholder=t("all"), default=links.pick_many("stages", PROJECT_STAGES),
                               key="pm-stages")
c5, c6, c7, c8 = st.columns(4)
parks, industries = sorted(frame["park_name"].dropna().unique()), sorted(frame["industry_chain"].dropna().unique())
picked_parks = c5.multiselect(t("pm_park"), parks, placeholder=t("all"), default=links.pick_many("parks", parks), key="pm-parks")
picked_industries = c6.multiselect(t("pm_industry"), industries, placeholder=t("all"), default=links.pick_many("industries", industries),
                                   key="pm-industries")
size = c7.selectbox(t("pm_size"), list(pv.SIZES), format_func=pv.SIZES.get, index=links.index("size", list(pv.SIZES)), key="pm-size")
picked_lights = c8.multiselect(t("pm_light"), list(pv.LIGHT_COLORS), placeholder=t("all"), default=links.pick_many("lights", pv.LIGHT_COLORS),
                               key="pm-lights")
links.keep_period(year, months, (int(as_of.year), 1, as_of.month))
for param, values in (("units", picked_units), ("stages", picked_stages), ("parks", picked_parks),
                      ("industries", picked_industries), ("lights", picked_lights)):
    links.keep_many(param, values)
links.keep("size", size, next(iter(pv.SIZES)))

period = Period.from_months(f"{year}-{months[0]:02d}", f"{year}-{months[1]:02d}")
shown = pv.filter_projects(frame, period=period, units=picked_units, parks=picked_parks, industries=picked_industries,
                           stages=picked_stages, size=size, light_values=picked_lights)
st.caption(t("pm_count", n=len(shown), located=int(shown.geometry.notna().sum()), pending=int(shown.geometry.isna().sum()),
             month=month))

layers, regions = pv.map_layers(shown, scope.counties), mapkit.county_regions(scope.counties)
located = shown[shown.geometry.notna()]  # the table under the map lists these, row for point
link = mapkit.table_link("project-map", "pm-table", layers, layer="projects", ids=list(located["project_id"]))
zoom = linking.county_bounds(regions, units.loc[units["unit_id"].isin(picked_units), "county_adcode"].tolist())
map_col, side_col = st.columns([5, 3])  # a quarter of 1280 px cut the card's names
with map_col:
    mapkit.workbench_map(layers, key="project-map", height=600, tools=False, bounds=zoom or tuple(regions.total_bounds),
                         highlight=link.highlight(), focus=link.focus())
    st.markdown(f"**{t('map_table')}**")
    st.caption(t("map_table_hint"))
    st.dataframe(pv.located_table(located.iloc[link.order(list(located["project_id"]))]), key="pm-table", on_select="rerun", selection_mode="single-row", hide_index=True,
                 width="stretch", height=300, column_config=pv.PENDING_COLUMNS)
with side_col:
    project_id = link.id  # clicked on the map or picked in the table; kept when a save redraws the map
    details = pv.card(frame, project_id)
    if details is None:
        st.caption(t("pm_click"))
    else:
        st.markdown(f"**{t('pm_card')}**")
        st.dataframe(details, hide_index=True, width="stretch", column_config=pv.CARD_COLUMNS)
        st.markdown(f"**{t('pm_history')}**")
        st.dataframe(pv.stage_history(project_id).astype(str), hide_index=True, width="stretch")
        problem_views.project_section(project_id, scope.counties)
        evidence_views.project_section(project_id, scope.counties)
        with st.expander(t("record_history")):
            st.dataframe(audit_views.record_history("projects", project_id), hide_index=True, width="stretch")
    st.markdown(f"**{t('location_pending')}**（{int(shown.geometry.isna().sum())}）")
    st.dataframe(pv.pending_table(shown), hide_index=True, width="stretch", height=280, column_config=pv.PENDING_COLUMNS)

export_views.buttons(  # the filtered list, as the map shows it (位置待定 included in Excel and GeoJSON)
    {"招商项目": export_views.layer_list(shown, "projects", scope.counties)}, file=f"招商项目_{month}", key="pm-export",
    title=f"招商项目清单（{t('pm_title')}筛选结果）", keys=export_views.inverse(export_views.layer_labels("projects")),
    subtitle=export_views.subtitle({t("months"): f"{year}年{months[0]}—{months[1]}月", t("county_pick"): [unit_names[u] for u in picked_units],
                                    t("pm_stage"): picked_stages, t("pm_park"): picked_parks, t("pm_industry"): picked_industries,
                                    t("pm_size"): pv.SIZES[size], t("pm_light"): picked_lights}, as_of=data.as_of()))
