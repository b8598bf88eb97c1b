"""One setup call at the top of every page: page config, first-run demo build, demo banner, sidebar."""

from __future__ import annotations

import streamlit as st

from ui import data
from ui.text import t


#: (script, label) in sidebar order; every script under pages/ must be listed (tests check it).
PAGES = (
    ("app.py", "总览"),
    ("pages/1_图层数据.py", "图层数据"),
)


def setup(title: str, *, icon: str = "🗺️") -> data.Scope:
    """Configure the page and return the user's scope (the counties they may see; None = all)."""
    st.set_page_config(page_title=f"{title} · {t('app_title')}", page_icon=icon, layout="wide")
    if not data.store_ready():
        with st.spinner(t("building_demo")):
            data.build_demo_store()
    info = data.dataset_info()
    if info.get("demo") == "true":
        st.info(t("demo_banner", label=info.get("label", "演示数据"), as_of=info.get("as_of", "")), icon="ℹ️")
    st.sidebar.markdown(f"### {t('app_title')}")
    for path, label in PAGES:
        st.sidebar.page_link(path, label=label)
    return data.Scope(counties=None)
