"""One setup call at the top of every page: page config, the first-run choice (demo or local data), banners, sidebar."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from ui import data, downloads, identity
from ui.safe_html import md
from ui.text import LANG, t

ROOT = Path(__file__).resolve().parent.parent
downloads.install()  # an export pressed just after an interrupted run still gives its file


def pages() -> list[tuple[str, str]]:
    """(script, label) in sidebar order: the overview, then ``pages/N_标题.py`` sorted by N."""
    found = sorted(ROOT.glob("pages/*.py"), key=lambda p: (int(p.stem.split("_", 1)[0]) if p.stem[0].isdigit() else 999, p.stem))
    return [("app.py", t("overview"))] + [(f"pages/{p.name}", _label(p.stem.split("_", 1)[-1])) for p in found]


def _label(name: str) -> str:
    """The sidebar entry of a page: its file name, or a longer ``nav_<name>`` text (13_大屏.py is served at /大屏)."""
    return t(f"nav_{name}") if f"nav_{name}" in LANG else name


def setup(title: str, *, icon: str = "🗺️", empty: Callable[[], None] | None = None) -> data.Scope:
    """Configure the page and return the user's scope (``Scope.counties``: the scope value of :mod:`layers._scope` —
    counties, or a park user's parks; None = all). ``empty`` draws the page's own state of an empty store instead of
    the first-run choice (the 大屏 on a wall screen has no widgets)."""
    st.set_page_config(page_title=f"{title} · {t('app_title')}", page_icon=icon, layout="wide")
    st.html(f"<style>{chinese_uploader_css()}</style>")
    st.sidebar.markdown(f"### {t('app_title')}")
    account = identity.gate()  # no page (not even the first-run choice) before sign-in, when sign-in is configured
    state = data.store_state()
    if state == "empty":  # a new store: offer the demo or a local dataset, show no page until one is chosen
        from ui import onboarding

        if empty is not None:
            empty()
        elif not account.may("accounts"):
            st.info(t("ob_not_admin"))
        else:
            onboarding.render()
        st.stop()
    for path, label in pages():
        st.sidebar.page_link(path, label=label)
    info = data.dataset_info()
    if info.get("demo") == "true":
        st.info(t("demo_banner", label=md(info.get("label", "演示数据")), as_of=info.get("as_of", "")), icon="ℹ️")
    else:
        st.sidebar.caption(t("data_as_of", label=md(info.get("label") or t("app_title")), as_of=data.as_of().date()))
    if state == "no_regions":
        st.warning(t("no_regions"), icon="🗺️")
    return data.Scope(counties=identity.scope())


def chinese_uploader_css() -> str:
    """CSS that puts Chinese over the file uploader's English ("Upload", "50MB per file • XLSX…"): Streamlit has no
    translation for them, so their text is hidden (display: none, so it is not in the page's text either) and the
    Chinese is drawn with ``::after``. The selectors follow Streamlit 1.67's DOM (tests/browser/test_readable.py)."""
    drop = '[data-testid="stFileUploaderDropzone"]'
    hint = t("up_drop_hint", mb=st.get_option("server.maxUploadSize")).replace('"', "")
    return (f'{drop} button [data-testid="stMarkdownContainer"] > p {{ display: none; }}'
            f'{drop} button [data-testid="stMarkdownContainer"]::after {{ content: "{t("up_browse")}"; }}'
            f'[data-testid="stFileUploaderDropzoneInstructions"] > div > span {{ display: none; }}'
            f'[data-testid="stFileUploaderDropzoneInstructions"] > div::after {{ content: "{hint}"; font-size: 0.875rem; }}')


PAGES = tuple(pages())
