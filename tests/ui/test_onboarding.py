"""The first run on an empty store: 建立本地数据 loads a city's real boundaries and names the dataset; the demo is never
built over data (also not by a second session that clicks 使用演示数据 after the store got data)."""

from __future__ import annotations

import gc

import streamlit as st

import layers
import store
from layers import dataset, regions
from tests.ui.test_pages import app_test
from ui import data, onboarding
from ui.text import t


def reopen(path):
    st.cache_data.clear()
    st.cache_resource.clear()
    gc.collect()
    return store.connect(path, read_only=True)


def test_local_dataset_for_a_city(tmp_path, monkeypatch):
    path = tmp_path / "new.duckdb"
    monkeypatch.setenv(store.ENV_VAR, str(path))
    at = app_test().run()
    next(s for s in at.selectbox if s.label == t("ob_province")).set_value("610000").run()
    next(s for s in at.selectbox if s.label == t("ob_city")).set_value("611000").run()
    assert next(x for x in at.text_input if x.label == t("ob_label")).value == "商洛市招商项目"
    next(x for x in at.text_input if x.label == t("ob_label")).set_value("商洛市招商引资").run()
    next(b for b in at.button if b.label == t("ob_local_go")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.title] == [f"{t('app_title')} · {t('overview')}"]
    assert not [i.value for i in at.info if "演示数据" in i.value]
    del at
    con = reopen(path)
    try:
        counties = regions.load(con, level="county")
        assert len(counties) == 7 and "商州区" in set(counties["name"])
        info = dataset.get_info(con)
        assert info["label"] == "商洛市招商引资" and info["region"] == "611000" and info["demo"] == "false"
        assert con.execute("SELECT count(*) FROM projects").fetchone() == (0,)
    finally:
        con.close()


def test_the_local_path_needs_a_region_and_a_name(tmp_path, monkeypatch):
    monkeypatch.setenv(store.ENV_VAR, str(tmp_path / "new.duckdb"))
    at = app_test().run()
    next(b for b in at.button if b.label == t("ob_local_go")).click().run()
    assert any(w.value == t("ob_need_region") for w in at.warning)
    assert [x.value for x in at.title] == [t("ob_title")]


def test_a_late_demo_click_never_overwrites_data(tmp_path, monkeypatch):
    path = tmp_path / "new.duckdb"
    monkeypatch.setenv(store.ENV_VAR, str(path))
    at = app_test().run()  # session 1 sees the empty store …
    con = store.connect(path)  # … meanwhile someone starts a local dataset
    try:
        layers.create_all(con)
        regions.import_region(con, "商洛市", user="另一位用户")
    finally:
        con.close()
    data.store_state.clear()  # the other session's write cleared the caches
    next(b for b in at.button if b.label == t("ob_demo_go")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    del at
    con = reopen(path)
    try:
        assert con.execute("SELECT count(*) FROM regions WHERE adcode = '421200'").fetchone() == (0,)  # no 咸宁 demo
        assert con.execute("SELECT count(*) FROM regions WHERE adcode = '611000'").fetchone() == (1,)
    finally:
        con.close()


def test_region_choices_and_default_label():
    assert onboarding.region_choices(None)["610000"] == "陕西省"
    assert onboarding.region_choices("611000")["611002"] == "商州区"
    assert onboarding.chosen_region("610000", "611000", None) == "611000"
    assert onboarding.default_label("610000", "611000", "611024") == "山阳县招商项目"
