"""地图工作台 — one map of every layer: search, click for details, draw to select and total, measure, print."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import aggregation, selection
from geo import coords
from layers import LAYER_LABELS, LAYERS
from reports import map_print
from ui import basemaps, data, export_views, mapkit, page, widgets
from ui.mapkit import linking
from ui.safe_html import md
from ui.text import t

MAP_KEY, TABLE_KEY = "workbench", "workbench_table"
TABLE_LIMIT = 500

scope = page.setup(t("wb_title"))
st.title(t("wb_title"))
info = data.dataset_info()
as_of = str(data.as_of().date())

c1, c2, c3, c4, c5 = st.columns([2, 1.3, 2, 2, 1.6])
choices = basemaps.available()
basemap = c1.selectbox(t("wb_basemap"), choices, format_func=lambda b: b.label)
style = c2.radio(t("wb_project_style"), ["stage", "light"], format_func=lambda s: t(f"wb_style_{s}"))
kpi = c3.selectbox(t("wb_kpi"), [None, *aggregation.COUNTY_KPIS], format_func=lambda k: t("wb_kpi_none") if k is None else aggregation.COUNTY_KPIS[k])
query = c4.text_input(t("wb_search"))
regions = mapkit.county_regions(scope.counties)
county_names = dict(zip(regions.loc[regions["level"] == "county", "adcode"], regions.loc[regions["level"] == "county", "name"], strict=True))
county = c5.selectbox(t("map_zoom_county"), [None, *county_names], format_func=lambda c: t("all") if c is None else county_names[c],
                      placeholder=t("all"), key="wb-county")
if basemap.online:  # inside the column: elements above the map never move it (moving would reload it)
    c1.caption(t("wb_online"))

year = as_of[:4]
layers = mapkit.map_layers(scope.counties, basemap.crs, style, kpi, f"{year}-01", as_of[:7])
frames = mapkit.map_frames(scope.counties)
focus = None
if query.strip():
    found = selection.search(frames, query)
    if found.empty:
        c4.caption(t("wb_no_match", q=md(query)))
    else:
        pick = c4.selectbox(t("wb_search_pick"), list(found.itertuples(index=False)), format_func=lambda r: f"{LAYER_LABELS[r.layer]} · {r.name}")
        focus = (pick.layer, pick.id)

# The map's last state (the value the component returns below) decides what the table beside it lists:
# the features inside the drawn shape, else those in the current view.
state = mapkit.state(MAP_KEY, layers, basemap.crs)
point_frames = {k: frames[k] for k in ("projects", "factories", "assets", "parks")}
shape_geom = selection.shape_geometry(state["shape"]) if state["shape"] else None
area = shape_geom
if area is None and state["view"]:
    w, s, e, n = state["view"]["bounds"]
    area = selection.shape_geometry({"type": "polygon", "coords": [(w, s), (e, s), (e, n), (w, n)]})
chosen = selection.features_within(point_frames, area) if area is not None else point_frames
clicked = mapkit.fresh_click(MAP_KEY, layers, basemap.crs)
if clicked and clicked["layer"] in point_frames:  # a click on a factory lists factories, with that one selected
    st.session_state["workbench_table_layer"] = clicked["layer"]
table_layer = st.session_state.get("workbench_table_layer", "projects")
table = pd.DataFrame(chosen[table_layer].drop(columns="geometry"))
key_col = LAYERS[table_layer].SPEC.key
link = mapkit.table_link(MAP_KEY, TABLE_KEY, layers, layer=table_layer, ids=list(table[key_col].head(TABLE_LIMIT)), crs=basemap.crs)
highlight = link.highlight()
searched = st.session_state.get("wb-searched") != focus  # the search pick changed in this run: pan there
st.session_state["wb-searched"] = focus
if focus:
    highlight.setdefault(focus[0], []).append(focus[1])
focus = focus if searched or not link.focus() else link.focus()

st.caption(t("wb_hint"))
map_col, side = st.columns([3, 1.4])
with map_col:
    event = mapkit.workbench_map(layers, key=MAP_KEY, basemap=basemap, height=640, highlight=highlight, focus=focus,
                                 bounds=linking.county_bounds(regions, [county] if county else None) or tuple(frames["regions"].total_bounds))
with side:
    widgets.feature_card(event["clicked"], frames)
    if event["position"]:
        lon, lat = event["position"]
        st.markdown(f"**{t('wb_position')}**（WGS-84）：{lon:.6f}, {lat:.6f}")
        if st.checkbox(t("wb_other_crs")):
            for label, crs in (("GCJ-02", "gcj02"), ("BD-09", "bd09")):
                x, y = coords.convert(lon, lat, "wgs84", crs)
                st.markdown(f"{label}：{x:.6f}, {y:.6f}")
    if event["measure"]:
        d = event["measure"]["length_m"]
        st.markdown("**" + t("wb_measure", d=f"{d / 1000:.2f} 公里" if d >= 1000 else f"{d:.0f} 米") + "**")

st.subheader(t("wb_selection"))
if shape_geom is None:
    st.caption(t("wb_selection_none"))
else:
    st.caption(t("wb_selection_area", a=f"{selection.area_m2(shape_geom) / 1e6:.2f}"))
summary = selection.totals(chosen)
left, right = st.columns([1, 1])
left.dataframe(summary, hide_index=True, width="stretch", column_config={"合计": st.column_config.NumberColumn(format="localized")})
by = "stage" if table_layer in ("projects", "assets") else ("status" if table_layer == "factories" else "level")
if len(table) and by in table:
    with right:
        widgets.count_bars(table[by], widgets.FIELD_LABELS.get(by, by))
title = f"{info.get('label', '')} {t('wb_selection')}".strip()
labels = {layer: export_views.layer_labels(layer) for layer in chosen}
export_views.buttons(  # the selection: 汇总 and one list per layer (Excel), every feature (GeoJSON, Shapefile)
    lambda: {LAYER_LABELS[k]: export_views.layer_list(f, k, scope.counties) for k, f in chosen.items()}, file="map_selection",
    key="wb-export", counts=export_views.counts_of(chosen),
    title=title, keys={label: key for layer in labels for key, label in labels[layer].items()},
    excel=lambda: selection.to_excel(chosen, summary, title=title, shape=state["shape"], labels=labels, subtitle=f"数据截至 {as_of}"))

st.selectbox(t("wb_table_layer"), list(point_frames), key="workbench_table_layer", format_func=LAYER_LABELS.get)
st.caption(t("wb_table_hint") + ("；" + t("wb_rows_cut", n=TABLE_LIMIT, total=len(table)) if len(table) > TABLE_LIMIT else ""))
listed = table.head(TABLE_LIMIT)
st.dataframe(widgets.record_table(listed.iloc[link.order(list(listed[key_col]))], key_col), hide_index=True, width="stretch", height=320, key=TABLE_KEY, on_select="rerun",
             selection_mode="single-row")


def sheet(fmt: str) -> bytes:
    """The A3 sheet of the map view as last reported by the browser (the data extent before any pan/zoom)."""
    view = event["view"]["bounds"] if event["view"] else tuple(frames["regions"].total_bounds)
    chosen_layers = mapkit.print_layers(frames, event["visible"], project_style=style, kpi=kpi, first=f"{year}-01",
                                        last=as_of[:7], counties=scope.counties)
    return map_print.render(chosen_layers, bounds=view, title=sheet_title, unit=info.get("unit") or t("app_title"),
                            data_date=as_of, fmt=fmt)


with st.expander(t("wb_print")):
    sheet_title = st.text_input(t("wb_print_title"), value=f"{info.get('label', '')}项目分布图")
    p1, p2 = st.columns(2)
    p1.download_button(t("wb_print_download", fmt="PDF"), lambda: sheet("pdf"), file_name="map_a3.pdf", mime="application/pdf",
                       on_click="ignore")
    p2.download_button(t("wb_print_download", fmt="PNG"), lambda: sheet("png"), file_name="map_a3.png", mime="image/png",
                       on_click="ignore")
