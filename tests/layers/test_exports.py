"""layers.exports.to_geojson: JSON-safe properties, null geometry, lon/lat order, WGS-84 output."""

from __future__ import annotations

import json
from datetime import date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from layers import projects, regions
from layers.exports import to_geojson


def dumps_strict(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)  # fails on NaN/inf and on non-JSON types


def test_feature_collection_shape_and_lon_lat_order():
    frame = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(114.32, 29.84)], crs="EPSG:4326")
    fc = to_geojson(frame)
    assert fc["type"] == "FeatureCollection"
    (feature,) = fc["features"]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Point"
    assert list(feature["geometry"]["coordinates"]) == [114.32, 29.84]  # lon first
    assert feature["properties"] == {"name": "甲"}
    assert json.loads(dumps_strict(fc))["features"][0]["geometry"]["coordinates"] == [114.32, 29.84]


def test_dates_become_iso_strings_and_missing_values_null():
    frame = gpd.GeoDataFrame(
        {
            "d": [date(2018, 6, 30), None, date(2017, 1, 5)],
            "ts": [pd.Timestamp("2018-06-30"), pd.NaT, pd.Timestamp("2018-01-02 08:30:00")],
            "dt": [datetime(2018, 3, 1, 0, 0), datetime(2018, 3, 1, 9, 15, 7), None],
            "x": [1.5, np.nan, 3.0],
            "n": np.array([1, 2, 3], dtype=np.int64),
            "flag": np.array([True, False, True]),
            "s": ["a", None, "c"],
        },
        geometry=[Point(114, 29), Point(114.1, 29.1), Point(114.2, 29.2)],
        crs="EPSG:4326",
    )
    props = [f["properties"] for f in json.loads(dumps_strict(to_geojson(frame)))["features"]]
    assert [p["d"] for p in props] == ["2018-06-30", None, "2017-01-05"]
    assert [p["ts"] for p in props] == ["2018-06-30", None, "2018-01-02 08:30:00"]
    assert [p["dt"] for p in props] == ["2018-03-01", "2018-03-01 09:15:07", None]
    assert [p["x"] for p in props] == [1.5, None, 3.0]
    assert [p["n"] for p in props] == [1, 2, 3]
    assert [p["flag"] for p in props] == [True, False, True]
    assert [p["s"] for p in props] == ["a", None, "c"]


def test_values_are_plain_python_types():
    frame = gpd.GeoDataFrame({"n": np.array([7], dtype=np.int32), "f": np.array([2.5], dtype=np.float32)},
                             geometry=[Point(0, 0)], crs="EPSG:4326")
    props = to_geojson(frame)["features"][0]["properties"]
    assert type(props["n"]) is int and props["n"] == 7
    assert type(props["f"]) is float and props["f"] == 2.5


def test_null_geometry_is_kept_as_null_feature():
    frame = gpd.GeoDataFrame({"name": ["有位置", "待定"]}, geometry=[Point(114, 29), None], crs="EPSG:4326")
    fc = json.loads(dumps_strict(to_geojson(frame)))
    assert len(fc["features"]) == 2
    assert fc["features"][1]["geometry"] is None
    assert fc["features"][1]["properties"] == {"name": "待定"}


def test_other_crs_is_converted_to_wgs84():
    frame = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[Point(114.3, 29.8)], crs="EPSG:4326").to_crs(3857)
    assert frame.geometry.iloc[0].x > 1e6  # really in metres before export
    lon, lat = to_geojson(frame)["features"][0]["geometry"]["coordinates"]
    assert lon == pytest.approx(114.3, abs=1e-9) and lat == pytest.approx(29.8, abs=1e-9)


def test_empty_frame():
    frame = gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
    assert to_geojson(frame) == {"type": "FeatureCollection", "features": []}


def test_regions_export_has_name_and_adcode(con, county_frame, toy):
    regions.insert(con, county_frame, user="u")
    fc = json.loads(dumps_strict(to_geojson(regions.load(con))))
    props = {f["properties"]["adcode"]: f["properties"] for f in fc["features"]}
    assert set(props) == {toy.city, toy.a, toy.b}
    assert props[toy.a]["name"] == "甲县" and props[toy.a]["parent_adcode"] == toy.city
    assert props[toy.city]["parent_adcode"] is None
    assert isinstance(props[toy.a]["created_at"], str)
    poly = next(f for f in fc["features"] if f["properties"]["adcode"] == toy.b)["geometry"]
    assert poly["type"] == "Polygon"
    assert poly["coordinates"] == [[[114.2, 29.0], [114.2, 29.1], [114.1, 29.1], [114.1, 29.0], [114.2, 29.0]]]


def test_projects_export_from_store(con, toy):
    frame = gpd.GeoDataFrame(
        [{"project_id": "P1", "name": "甲", "stage": "签约", "signed_on": date(2018, 6, 30), "investment_wan": 12_000.0, "geometry": toy.point_a},
         {"project_id": "P2", "name": "乙", "stage": "在谈", "signed_on": None, "investment_wan": None, "geometry": None}],
        geometry="geometry", crs="EPSG:4326")
    projects.insert(con, frame, user="u")
    fc = json.loads(dumps_strict(to_geojson(projects.load(con))))
    by_id = {f["properties"]["project_id"]: f for f in fc["features"]}
    assert by_id["P1"]["properties"]["signed_on"] == "2018-06-30"
    assert by_id["P1"]["geometry"]["coordinates"] == [114.03, 29.03]
    assert by_id["P2"]["geometry"] is None
    assert by_id["P2"]["properties"]["signed_on"] is None and by_id["P2"]["properties"]["investment_wan"] is None
    assert by_id["P2"]["properties"]["fortune500"] is None
