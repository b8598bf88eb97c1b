"""Fixtures for the in-process page tests (streamlit.testing.v1.AppTest).

AppTest runs the scripts inside this process, so Streamlit's caches (and the cached DuckDB connection
in ``ui.data``) are process-wide: every test starts and ends with empty caches, so a test never sees a
connection to another test's database file.
"""

from __future__ import annotations

import gc
import shutil
from types import SimpleNamespace

import pytest
import streamlit as st

import layers
import store
from analysis.kpis import Period, summarize
from layers import projects
from ui import data


def clear_streamlit_caches() -> None:
    """Drop cached data and the cached connection, and let the connection object go."""
    st.cache_data.clear()
    st.cache_resource.clear()
    gc.collect()


@pytest.fixture(autouse=True)
def _full_error_details():
    """The app hides error details from users (ui/errors.py shows a Chinese message instead); tests want the real error."""
    from streamlit import config

    before = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", before)


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    clear_streamlit_caches()
    yield
    clear_streamlit_caches()


@pytest.fixture(scope="module")
def ui_demo(tmp_path_factory) -> SimpleNamespace:
    """A demo database file built once per module, plus expectations read from it *before* the app opens it.

    ``q1_signed``: projects signed 2018-01..2018-03 (layers.projects + analysis.kpis);
    ``parks_by_county``: {county adcode: number of parks} by plain SQL.
    """
    from data import demo

    path = tmp_path_factory.mktemp("ui_demo") / "demo.duckdb"
    con = store.connect(path)
    try:
        layers.create_all(con)
        demo.build(con)
        q1 = summarize(projects.load(con), Period.from_months("2018-01", "2018-03"))["signed"]
        parks = dict(con.execute("SELECT county_adcode, count(*) FROM parks GROUP BY county_adcode").fetchall())
        counties = [
            c
            for (c,) in con.execute(
                "SELECT county_adcode FROM reporting_units WHERE kind = 'county' ORDER BY sort_order"
            ).fetchall()
        ]
    finally:
        con.close()
    return SimpleNamespace(path=path, q1_signed=int(q1), parks_by_county={c: int(parks.get(c, 0)) for c in counties})


@pytest.fixture
def demo_env(ui_demo, monkeypatch) -> SimpleNamespace:
    """``PARKMAP_DB`` pointing at the module's demo database."""
    monkeypatch.setenv(store.ENV_VAR, str(ui_demo.path))
    return ui_demo


@pytest.fixture
def demo_copy_env(ui_demo, tmp_path, monkeypatch):
    """``PARKMAP_DB`` pointing at a copy of the module's demo database: for tests that write."""
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(ui_demo.path, db)
    monkeypatch.setenv(store.ENV_VAR, str(db))
    yield db
    data._connection.clear()


@pytest.fixture(scope="module")
def shangluo_store(tmp_path_factory):
    """A store holding only 商洛市's real boundaries and a dataset name: a new city's first day (not the demo)."""
    from layers import dataset, regions

    path = tmp_path_factory.mktemp("shangluo_ui") / "base.duckdb"
    con = store.connect(path)
    try:
        layers.create_all(con)
        regions.import_region(con, "商洛市", user="测试")
        dataset.set_info(con, user="测试", label="商洛市招商项目", region="611000", demo="false")
    finally:
        con.close()
    return path


@pytest.fixture
def shangluo_env(shangluo_store, tmp_path, monkeypatch):
    """``PARKMAP_DB`` pointing at a private copy of :func:`shangluo_store` (pages may write)."""
    db = tmp_path / "shangluo.duckdb"
    shutil.copyfile(shangluo_store, db)
    monkeypatch.setenv(store.ENV_VAR, str(db))
    yield db
    data._connection.clear()


@pytest.fixture
def parks_without_regions_env(tmp_path, monkeypatch):
    """``PARKMAP_DB`` → a store holding one park and no regions (imported before any boundary was loaded)."""
    import geopandas as gpd
    import shapely

    from layers import parks

    db = tmp_path / "parks_only.duckdb"
    con = store.connect(db)
    try:
        layers.create_all(con)
        parks.insert(con, gpd.GeoDataFrame({"park_id": ["P1"], "name": ["商洛高新技术产业开发区"], "available_land_mu": [800.0]},
                                           geometry=[shapely.box(109.93, 33.86, 109.96, 33.89)], crs="EPSG:4326"), user="测试")
    finally:
        con.close()
    monkeypatch.setenv(store.ENV_VAR, str(db))
    yield db
    data._connection.clear()
