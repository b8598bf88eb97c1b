"""厂房匹配 — an investor's requirement → ranked, explained shortlist of standard factories, near misses, map, Excel and
one-page briefs; and the occupancy dashboard (by county and park, leases ending, vacancy map)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analysis.matching import WEIGHT_LABELS, Requirement, Weights, match
from ui import data, export_views, page, uploads, widgets
from ui import factory_views as fv
from ui import requirement_views as rv
from ui.safe_html import md
from ui.text import t

LIMIT = 50
scope = page.setup(t("fm_title"))
st.title(t("fm_title"))
rv.alert_banner(scope.counties)
info = data.dataset_info()
as_of = dt.date.fromisoformat(info["as_of"]) if info.get("as_of") else None
frame = fv.load_candidates(scope.counties)
if frame.empty:
    uploads.empty_state(t("fm_no_factories"), "factories")
regions = data.load_home_regions(scope.counties)
parks = data.load_layer("parks", scope.counties)
county_rows = regions[regions["level"] == "county"]
counties = dict(zip(county_rows["adcode"], county_rows["name"]))
park_names = dict(zip(parks["park_id"], parks["name"]))

# A radio, not st.tabs: a folium map fitted while its tab is hidden has no size and zooms out to the world.
views = {"match": t("fm_tab_match"), "occupancy": t("fm_tab_occupancy"), "saved": rv.tab_label(scope.counties)}
view = st.radio(t("fm_view"), list(views), format_func=views.get, horizontal=True, label_visibility="collapsed", key="fm-view")
if view == "match":
    st.caption(t("fm_hint"))
    c1, c2, c3, c4 = st.columns(4)
    min_area = c1.number_input(t("fm_min_area"), 0, 200_000, 3000, step=500)
    max_area = c1.number_input(t("fm_max_area"), 0, 200_000, 10_000, step=500)
    height = c1.number_input(t("fm_height"), 0.0, 30.0, 8.0, step=0.5)
    unit = c2.radio(t("fm_load_unit"), ["kN/㎡", "t/㎡"], horizontal=True)
    load = c2.number_input(t("fm_load", unit=unit), 0.0, 200.0, 0.0, step=0.5)
    power = c2.number_input(t("fm_power"), 0, 50_000, 0, step=100)
    crane = c3.number_input(t("fm_crane"), 0, 200, 0)
    rent = c3.number_input(t("fm_rent"), 0.0, 500.0, 0.0, step=1.0)
    whole = c3.radio(t("fm_scope"), [t("fm_any_unit"), t("fm_whole")], horizontal=True) == t("fm_whole")
    industry = c4.text_input(t("fm_industry"))
    move_in = c4.date_input(t("fm_move_in"), value=(as_of or dt.date.today()) + dt.timedelta(days=90))
    c5, c6, c7, c8 = st.columns(4)
    preferred_counties = c5.multiselect(t("fm_pref_counties"), list(counties), format_func=counties.get, placeholder=t("site_any"))
    excluded_counties = c6.multiselect(t("fm_excl_counties"), list(counties), format_func=counties.get, placeholder=t("no_exclusion"))
    preferred_parks = c7.multiselect(t("fm_pref_parks"), list(park_names), format_func=park_names.get, placeholder=t("site_any"))
    excluded_parks = c8.multiselect(t("fm_excl_parks"), list(park_names), format_func=park_names.get, placeholder=t("no_exclusion"))
    with st.expander(t("fm_weights")):
        columns = st.columns(len(WEIGHT_LABELS) + 1)
        weights = Weights(**{k: col.slider(label, 0.0, 5.0, float(getattr(Weights(), k)), 0.5, key=f"w-{k}")
                             for col, (k, label) in zip(columns, WEIGHT_LABELS.items())})
        tolerance = columns[-1].slider(t("fm_tolerance"), 0, 50, 15, 5)

    try:
        req = Requirement(
            min_area_m2=min_area or None, max_area_m2=max_area or None, min_clear_height_m=height or None,
            min_floor_load_kn_m2=(load or None) if unit == "kN/㎡" else None, min_floor_load_t_m2=(load or None) if unit == "t/㎡" else None,
            min_power_kva=power or None, crane_t=crane or None, max_rent_yuan_m2_month=rent or None, whole_building=whole,
            preferred_counties=tuple(preferred_counties), excluded_counties=tuple(excluded_counties),
            preferred_parks=tuple(preferred_parks), excluded_parks=tuple(excluded_parks), industry=industry.strip() or None,
            move_in=move_in)
    except ValueError as exc:
        st.error(md(exc))
        st.stop()
    st.session_state["fm-requirement"] = req  # what 投资需求 may take over as a saved requirement's new criteria
    result = match(frame, req, weights, tolerance=tolerance / 100, limit=LIMIT)
    st.info(t("fm_summary", n=result.considered, ok=result.feasible_total, near=result.near_miss_total, limit=LIMIT,
              req=md(fv.requirement_text(req))))

    st.subheader(t("fm_shortlist"))
    if result.feasible.empty:
        st.warning(t("fm_none"))
    else:
        st.dataframe(fv.shortlist_table(result.feasible), hide_index=True, width="stretch")
    if len(result.near_misses):
        st.subheader(t("fm_near"))
        st.dataframe(fv.shortlist_table(result.near_misses), hide_index=True, width="stretch")

    st.subheader(t("fm_map"))
    st.caption(t("fm_map_hint"))
    widgets.folium_map(fv.candidate_map(regions, parks, result.feasible, result.near_misses), key="fm-candidates", height=520)

    left, right = st.columns(2)
    left.download_button(
        t("fm_export"),
        lambda: fv.xlsx({"推荐厂房": fv.shortlist_table(result.feasible), "接近的厂房": fv.shortlist_table(result.near_misses)},
                        f"厂房推荐清单 · 需求：{fv.requirement_text(req)}"),
        file_name="厂房推荐清单.xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
    export_views.buttons(  # the same two lists on a map: GeoJSON and Shapefile beside the Excel above
        lambda: {"推荐厂房": export_views.located(fv.shortlist_table(result.feasible), result.feasible.geometry),
                 "接近的厂房": export_views.located(fv.shortlist_table(result.near_misses), result.near_misses.geometry)},
        file="厂房推荐清单", title=f"厂房推荐清单 · 需求：{fv.requirement_text(req)}", key="fm-export", formats=("geojson", "shapefile"),
        keys=export_views.inverse(fv.SHORTLIST) | {"理由": "reasons", "不满足": "fails"})
    shown = result.feasible if len(result.feasible) else result.near_misses
    if len(shown):
        names = {i: f"{'第 ' + str(r['rank']) + ' 名' if r['feasible'] else '接近'} · {r['name']}" for i, r in shown.iterrows()}
        pick = right.selectbox(t("fm_brief_pick"), list(names), format_func=names.get)
        rec = shown.loc[pick].to_dict()
        county_geom = county_rows.set_index("adcode").geometry.get(rec.get("county_adcode"))
        park_geom = parks.set_index("park_id").geometry.get(rec.get("park_id"))
        right.download_button(t("fm_brief"), lambda: fv.brief_html(rec, county_geom, park_geom, req, info.get("as_of")).encode("utf-8"),
                              file_name=f"厂房推介单-{rec['factory_id']}.html", mime="text/html", on_click="ignore")
    rv.save_form(req, scope.counties, counties)

elif view == "saved":
    rv.manage(scope.counties, counties, st.session_state.get("fm-requirement"))

else:
    by_county, by_park, totals = fv.occupancy_tables(frame, as_of)
    cards = [(t("fm_kpi_count"), f"{totals['count']}"), (t("fm_kpi_area"), f"{totals['area_m2'] / 1e4:.1f}"),
             (t("fm_kpi_rate"), widgets.percent(totals.get("occupancy"))),
             (t("fm_kpi_vacant"), f"{totals.get('vacant_m2', 0) / 1e4:.1f}")]
    if as_of is not None:
        cards += [(t("fm_kpi_ending", n=n), f"{int(by_county[f'{n}个月内到期'].sum())}") for n in (3, 6, 12)]
    for col, (label, value) in zip(st.columns(len(cards)), cards):
        col.metric(label, value, border=True)
    if as_of is not None:
        st.caption(t("fm_as_of", as_of=as_of))
    st.subheader(t("fm_by_county"))
    st.dataframe(by_county, hide_index=True, width="stretch")
    st.subheader(t("fm_by_park"))
    st.dataframe(by_park, hide_index=True, width="stretch")
    st.subheader(t("fm_vacancy_map"))
    widgets.folium_map(fv.vacancy_map(regions, parks, frame), key="fm-vacancy", height=480)
    if as_of is not None:
        st.subheader(t("fm_expiring"))
        st.dataframe(fv.expiring_table(frame, as_of), hide_index=True, width="stretch")
    export_views.buttons(lambda: {"标准化厂房": export_views.layer_list(frame, "factories", scope.counties)}, file="标准化厂房清单",
                         title="标准化厂房清单", subtitle=export_views.subtitle({}, as_of=as_of) if as_of else None, key="fm-list",
                         counts=export_views.counts_of({"": frame}), keys=export_views.inverse(export_views.layer_labels("factories")))

uploads.section("factories")
