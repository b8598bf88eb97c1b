"""总览 — the leaders' overview: KPIs against annual targets, the per-unit table, the one map."""

from __future__ import annotations

import streamlit as st

from ui import data, explain_views, kpi_views, links, mapkit, page, widgets
from ui.requirement_views import overview_notice
from ui.text import t

scope = page.setup(t("overview"))
as_of = data.as_of()

st.title(f"{t('app_title')} · {t('overview')}")
overview_notice(scope.counties)  # saved investor requirements with new fits
left, right = st.columns([1, 3])
linked = links.period()  # ?period=2018-01,2018-03 keeps the view in a link
year = left.number_input(t("year"), min_value=2000, max_value=2100, value=linked[0] if linked else int(as_of.year), step=1,
                        key="overview-year")
last_month = as_of.month if year == as_of.year else 12
months = right.slider(t("months"), 1, 12, linked[1:] if linked and linked[0] == year else (1, last_month), format="%d月",
                      key=f"overview-months-{year}")  # keyed: a linked start value does not reset the widget
links.keep_period(year, months, (int(as_of.year), 1, as_of.month))
first, last = f"{year}-{months[0]:02d}", f"{year}-{months[1]:02d}"

summary = data.kpi_summary(first, last, scope.counties)
completion = data.target_completion(int(year), first, last, scope.counties)
widgets.kpi_cards(summary, completion, kpi_views.period_comparison(first, last, scope.counties))
explain_views.overview(summary, first, last, scope.counties)

st.subheader(t("unit_table"))
st.dataframe(widgets.unit_table(summary, completion), hide_index=True, width="stretch")

st.subheader(t("map"))
st.caption(t("map_hint"))
frames = mapkit.map_frames(scope.counties)
map_col, card_col = st.columns([3, 1])
with map_col:
    event = mapkit.workbench_map(mapkit.map_layers(scope.counties), key="overview-map", bounds=tuple(frames["regions"].total_bounds),
                                 height=620, tools=False)
with card_col:
    widgets.feature_card(event["clicked"], frames)
