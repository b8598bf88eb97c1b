"""图层数据 — browse any layer as a table, limited to a county, and download it as GeoJSON."""

from __future__ import annotations

import json

import streamlit as st

from layers import LAYER_LABELS
from layers.exports import to_geojson
from ui import data, export_views, links, page, record_forms, widgets
from ui.text import t

scope = page.setup("图层数据")
st.title("图层数据")

units = data.load_units(scope.counties)
left, right = st.columns(2)
layer = left.selectbox(t("layer_pick"), list(LAYER_LABELS), format_func=LAYER_LABELS.get,
                      index=links.index("layer", list(LAYER_LABELS), list(LAYER_LABELS).index("projects")), key="layer-pick")
links.keep("layer", layer, "projects")
counties = dict(zip(units[units["kind"] == "county"]["county_adcode"], units[units["kind"] == "county"]["name"]))
picked = right.selectbox(t("county_pick"), [None, *counties], format_func=lambda c: t("all") if c is None else counties[c],
                         index=links.index("county", [None, *counties]), key="layer-county")
links.keep("county", picked)

frame = data.load_layer(layer, scope.narrow(picked))
if "county_adcode" not in frame.columns and picked is not None:
    frame = frame[frame["adcode"] == picked]
st.caption(t("rows", n=len(frame)) + (f"；{t('location_pending')} {int(frame.geometry.isna().sum())} 条" if layer == "projects" else ""))
if frame.empty:
    st.info(t("layer_empty", layer=LAYER_LABELS[layer]))
else:
    st.dataframe(widgets.layer_table(frame, layer, counties), hide_index=True, width="stretch", height=520)
st.download_button(t("download_geojson"), lambda: json.dumps(to_geojson(frame), ensure_ascii=False).encode("utf-8"),
                   file_name=f"{layer}.geojson", mime="application/geo+json", on_click="ignore")
export_views.buttons(lambda: {LAYER_LABELS[layer]: export_views.layer_list(frame, layer, scope.counties)}, file=LAYER_LABELS[layer],
                     title=f"{LAYER_LABELS[layer]}清单", subtitle=export_views.subtitle({t("county_pick"): counties.get(picked)},
                                                                                  as_of=data.as_of()),
                     key="layer-export", counts=export_views.counts_of({layer: frame}), formats=("excel", "shapefile"),
                     keys=export_views.inverse(export_views.layer_labels(layer)))
record_forms.section(layer, frame, scope.counties)
