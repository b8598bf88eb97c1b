"""The first page of an empty store: two ways to start — the 咸宁 demo, or a local dataset over real boundaries.

Shown by :func:`ui.page.setup` instead of any page while the store holds no row at all. The demo is only ever built
into such a store (``data.demo.build`` refuses anything else), so nothing a user entered can be overwritten by it.
"""

from __future__ import annotations

import streamlit as st

from data.demo import DemoRefused
from geo import boundaries
from ui import data, identity
from ui.safe_html import md
from ui.text import t

WHOLE = "（整个）"


def region_choices(parent: str | None) -> dict[str, str]:
    """adcode → name of the provinces (``parent`` None) or of a region's subdivisions, for the pickers."""
    found = boundaries.provinces() if parent is None else boundaries.children(parent)
    return {r.adcode: r.name for r in found}


def chosen_region(province: str | None, city: str | None, county: str | None) -> str | None:
    """The region a local dataset is built over: the most specific level picked."""
    return county or city or province


def default_label(province: str | None, city: str | None, county: str | None) -> str:
    names = [region_choices(None).get(province or "")]
    if province and city:
        names.append(region_choices(province).get(city))
    if city and county:
        names.append(region_choices(city).get(county))
    return "".join(n for n in names[-1:] if n) + "招商项目" if any(names) else ""


def region_picker(prefix: str) -> tuple[str | None, str]:
    """省 → 市 → 县 selectboxes (offline boundaries); returns (the region picked, a default dataset name)."""
    provinces = region_choices(None)
    province = st.selectbox(t("ob_province"), list(provinces), format_func=provinces.get, index=None,
                            placeholder=t("ob_pick"), key=f"{prefix}-province")
    # Keyed on the level above: a new province starts its city picker afresh (at 「（整个）」, not a stale choice).
    cities = region_choices(province) if province else {}
    city = st.selectbox(t("ob_city"), [None, *cities], format_func=lambda c: WHOLE if c is None else cities[c], index=0,
                        key=f"{prefix}-city-{province}", disabled=not cities, placeholder=t("ob_pick"))
    counties = region_choices(city) if city else {}
    county = st.selectbox(t("ob_county"), [None, *counties], format_func=lambda c: WHOLE if c is None else counties[c], index=0,
                          key=f"{prefix}-county-{city}", disabled=not counties, placeholder=t("ob_pick"))
    return chosen_region(province, city, county), default_label(province, city, county)


def render() -> None:
    """The onboarding screen (title, two paths); reruns the app once a path has been taken."""
    st.title(t("ob_title"))
    st.markdown(t("ob_intro"))
    demo_col, local_col = st.columns(2, border=True)
    with demo_col:
        st.subheader(t("ob_demo"))
        st.caption(t("ob_demo_hint"))
        if st.button(t("ob_demo_go"), key="ob-demo"):
            with st.spinner(t("building_demo")):
                try:
                    data.build_demo(identity.user())
                except DemoRefused as exc:  # someone started a dataset meanwhile
                    st.error(md(exc))
                    return
            st.rerun()
    with local_col:
        st.subheader(t("ob_local"))
        st.caption(t("ob_local_hint"))
        region, suggested = region_picker("ob")
        label = st.text_input(t("ob_label"), value=suggested, key=f"ob-label-{region}")  # a new default for each region
        if st.button(t("ob_local_go"), key="ob-local", type="primary"):
            if region is None:
                st.warning(t("ob_need_region"))
                return
            if not label.strip():
                st.warning(t("ob_need_label"))
                return
            with st.spinner(t("ob_loading")):
                data.start_local(region, label.strip(), user=identity.user())
            st.rerun()
