"""账号管理 — administrators: accounts with role and scope (county, park), new accounts, password resets, disabling."""

from __future__ import annotations

import streamlit as st

from layers.accounts import ROLES
from ui import account_views as views
from ui import data, identity, page, widgets
from ui.text import t

scope = page.setup(t("ac_title"))
st.title(t("ac_title"))
if not identity.may("accounts"):
    st.info(identity.refusal("accounts"))
    st.stop()
st.caption(t("ac_hint", mode=identity.mode()))

regions = data.load_home_regions(None)
counties = dict(zip(regions[regions["level"] == "county"]["adcode"], regions[regions["level"] == "county"]["name"], strict=True))
parks = data.load_layer("parks", None)
park_names = dict(zip(parks["park_id"], parks["name"], strict=True))
st.dataframe(views.table(counties, park_names), hide_index=True, width="stretch")

new_col, manage_col = st.columns(2, border=True)
with new_col, st.form("ac-add", clear_on_submit=True):
    st.markdown(f"**{t('ac_new')}**")
    name = st.text_input(t("id_user"))
    display = st.text_input(t("ac_display"))
    role = st.selectbox(t("ac_role"), list(ROLES), format_func=ROLES.get)
    chosen_counties = st.multiselect(t("ac_counties"), list(counties), format_func=counties.get, placeholder=t("all"))
    chosen_parks = st.multiselect(t("ac_parks"), list(park_names), format_func=park_names.get, placeholder=t("ac_no_park"))
    password = st.text_input(t("ac_password"), type="password")
    if st.form_submit_button(t("ac_add_go"), type="primary"):
        widgets.remember("accounts", *views.add(name, role, password, display_name=display, counties=chosen_counties,
                                                 parks=chosen_parks, park_counties=dict(zip(parks["park_id"], parks["county_adcode"]))))
        st.rerun()
with manage_col:
    st.markdown(f"**{t('ac_manage')}**")
    users = list(views.table(counties, park_names)["用户名"])
    picked = st.selectbox(t("id_user"), users, index=None, placeholder=t("ob_pick"), key="ac-pick")
    with st.form("ac-reset", clear_on_submit=True):
        new_password = st.text_input(t("ac_reset_password"), type="password")
        if st.form_submit_button(t("ac_reset_go"), disabled=picked is None):
            widgets.remember("accounts", *views.reset(picked, new_password))
            st.rerun()
    d1, d2 = st.columns(2)
    if d1.button(t("ac_disable"), disabled=picked is None, key="ac-disable"):
        widgets.remember("accounts", *views.set_disabled(picked, True))
        st.rerun()
    if d2.button(t("ac_enable"), disabled=picked is None, key="ac-enable"):
        widgets.remember("accounts", *views.set_disabled(picked, False))
        st.rerun()
widgets.show_remembered("accounts")
