"""总览 — the leaders' overview: KPIs against annual targets, the per-unit table, the one map."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import data, maps, page, widgets
from ui.text import t

scope = page.setup(t("overview"))
info = data.dataset_info()
as_of = pd.Timestamp(info.get("as_of") or pd.Timestamp.today().normalize())

st.title(f"{t('app_title')} · {t('overview')}")
left, right = st.columns([1, 3])
year = left.number_input(t("year"), min_value=2000, max_value=2100, value=int(as_of.year), step=1)
last_month = as_of.month if year == as_of.year else 12
months = right.slider(t("months"), 1, 12, (1, last_month), format="%d月")
first, last = f"{year}-{months[0]:02d}", f"{year}-{months[1]:02d}"

summary = data.kpi_summary(first, last, scope.counties)
completion = data.target_completion(int(year), first, last, scope.counties)
widgets.kpi_cards(summary, completion)

st.subheader(t("unit_table"))
st.dataframe(widgets.unit_table(summary, completion), hide_index=True, width="stretch")

st.subheader(t("map"))
st.caption(t("map_hint"))
frames = {"regions": data.load_home_regions(scope.counties)}
frames.update({name: data.load_layer(name, scope.counties) for name in ("parks", "factories", "assets", "projects")})
map_col, card_col = st.columns([3, 1])
with map_col:
    clicked = widgets.folium_map(maps.overview_map(*frames.values()), key="overview-map")
with card_col:
    widgets.feature_card(clicked, frames)
    widgets.legend()
