"""大屏展示 — the meeting-room wall screen: full screen, large type, the panels (KPI cards, ranking, map, red/yellow
lights) in turn, data refreshed on every turn, no widget. ``?panels=kpi,ranking,map,lights&rotate=15&unit=…``.

The turns are runs of one fragment: they pass no sign-in gate, so a signed-in screen keeps turning (in its user's
scope) and does not count as activity; a reload or any other page meets the gate, and its timeout, again."""

from __future__ import annotations

import streamlit as st

from ui import data, page
from ui import project_views as pv
from ui import screen_views as sv
from ui.text import t

scope = page.setup(t("screen_title"), icon="📺", empty=sv.empty_store)
st.html(f"<style>{sv.css()}</style>")
st.title(sv.title(), anchor=False)
units = data.load_units(scope.counties)
chosen = sv.settings(st.query_params.to_dict(), dict(zip(units["unit_id"], units["name"], strict=True)))


@st.fragment(run_every=chosen.rotate)
def rotation() -> None:
    """One turn: the next panel, read afresh through the cached loaders (their TTL, cleared by every write)."""
    if data.load_layer("projects", scope.counties).empty:
        st.html(sv.message_html(t("screen_no_projects")))
        return
    step = st.session_state.get("screen-step", -1) + 1
    st.session_state["screen-step"] = step
    name = sv.panel_at(step, chosen.panels)
    month = pv.current_month()
    st.html(sv.header_html(sv.subtitle(month, scope.counties, chosen.unit), chosen.panels, name))
    st.html(sv.panel(name, month, scope.counties, chosen.unit))


rotation()
