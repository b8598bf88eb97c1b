"""Every page on stores that are not the demo: a new city with only its boundaries, data without boundaries, and the
demo with one layer emptied. No page raises; pages whose work needs a missing layer say what to import and offer the
import forms; visiting a page never changes the data."""

from __future__ import annotations

import gc
import shutil

import pytest
import streamlit as st

import layers
import store
from tests.ui.test_pages import PAGES_DIR, SCRIPTS, _rel, app_test
from ui.text import t

#: page → the ledger kinds whose upload forms it must show on a store with regions only
FORMS = {"3_项目进度.py": 1, "4_厂房匹配.py": 1, "5_园区承载力.py": 2, "6_项目选址.py": 2, "7_闲置资产盘活.py": 1}


def uploaders(at) -> int:
    return len(at.get("file_uploader"))


def counts(db) -> dict:
    st.cache_data.clear()
    st.cache_resource.clear()
    gc.collect()
    con = store.connect(db, read_only=True)
    try:
        return layers.row_counts(con)
    finally:
        con.close()


@pytest.mark.parametrize("script", SCRIPTS, ids=_rel)
def test_a_new_city_with_only_its_boundaries(shangluo_env, script):
    at = app_test(script).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.title) == 1
    assert not [w.value for w in at.warning if "行政区边界" in w.value]  # boundaries are loaded
    expected = FORMS.get(script.name, 0)
    assert uploaders(at) >= expected, (script.name, uploaders(at))
    if expected:
        assert any("导入" in i.value for i in at.info), [i.value for i in at.info]


@pytest.mark.parametrize("script", SCRIPTS, ids=_rel)
def test_data_without_boundaries_is_kept_and_every_page_renders(parks_without_regions_env, script):
    before = counts(parks_without_regions_env)
    at = app_test(script).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.title) == 1 and at.title[0].value != t("ob_title")  # not taken for an empty store
    assert any("行政区边界" in w.value for w in at.warning)
    del at
    assert counts(parks_without_regions_env) == before  # the parks are still there, nothing was added


@pytest.fixture(params=["parks", "standard_factories", "idle_assets", "projects"])
def demo_without(request, ui_demo, tmp_path, monkeypatch):
    db = tmp_path / f"without_{request.param}.duckdb"
    shutil.copyfile(ui_demo.path, db)
    con = store.connect(db)
    try:
        con.execute(f"DELETE FROM {request.param}")
    finally:
        con.close()
    monkeypatch.setenv(store.ENV_VAR, str(db))
    return request.param


@pytest.mark.parametrize("script", [*sorted(PAGES_DIR.glob("*.py"))], ids=_rel)
def test_every_page_with_one_layer_empty(demo_without, script):
    at = app_test(script).run()
    assert not at.exception, (demo_without, [e.value for e in at.exception])
