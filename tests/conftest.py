"""Shared fixtures: empty stores, the demo database (built once per session) and tiny hand-built geometries."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon, box

import layers
import store

CRS = "EPSG:4326"
#: Two made-up counties side by side (lon 114.0–114.1 and 114.1–114.2, lat 29.0–29.1).
COUNTY_A = "990101"
COUNTY_B = "990102"
CITY = "990100"
POLY_A = box(114.0, 29.0, 114.1, 29.1)
POLY_B = box(114.1, 29.0, 114.2, 29.1)


@pytest.fixture
def con():
    """A throw-away in-memory store with every table created."""
    connection = store.connect(":memory:")
    layers.create_all(connection)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def demo_con():
    """The demo database, built once. Read it, never write to it (use ``demo_copy`` for that)."""
    from data import demo

    connection = store.connect(":memory:")
    demo.build(connection)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def demo_file(demo_con, tmp_path_factory) -> Path:
    """A closed DuckDB file holding a copy of the demo database (made with COPY FROM DATABASE, no rebuild)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    cursor = demo_con.cursor()  # a separate client context: ATTACH/DETACH do not touch demo_con's state
    try:
        cursor.execute(f"ATTACH '{path.as_posix()}' AS demo_copy_target")
        cursor.execute("COPY FROM DATABASE memory TO demo_copy_target")
        cursor.execute("DETACH demo_copy_target")
    finally:
        cursor.close()
    return path


@pytest.fixture
def demo_copy(demo_file, tmp_path):
    """A private, writable copy of the demo database for tests that change data."""
    path = tmp_path / "demo_copy.duckdb"
    shutil.copyfile(demo_file, path)
    connection = store.connect(path)
    yield connection
    connection.close()


@pytest.fixture
def toy() -> SimpleNamespace:
    """Hand-built codes and geometries (EPSG:4326, lon/lat) for layer tests: city 990100 with counties A and B."""
    return SimpleNamespace(
        crs=CRS, city=CITY, a=COUNTY_A, b=COUNTY_B, poly_a=POLY_A, poly_b=POLY_B,
        park_a=Polygon([(114.02, 29.02), (114.05, 29.02), (114.05, 29.05), (114.02, 29.05)]),
        park_b=Polygon([(114.12, 29.02), (114.16, 29.02), (114.14, 29.06)]),
        point_a=Point(114.03, 29.03), point_b=Point(114.15, 29.05),
    )


@pytest.fixture
def county_frame(toy) -> gpd.GeoDataFrame:
    """The toy city and its two counties as a regions frame."""
    return gpd.GeoDataFrame(
        {
            "adcode": [toy.city, toy.a, toy.b],
            "name": ["测试市", "甲县", "乙县"],
            "level": ["city", "county", "county"],
            "parent_adcode": [None, toy.city, toy.city],
        },
        geometry=[box(114.0, 29.0, 114.2, 29.1), toy.poly_a, toy.poly_b],
        crs=toy.crs,
    )
