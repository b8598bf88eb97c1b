"""store.geometry: WKB conversion both ways and areas in ㎡."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from store import geometry


def test_to_wkb_keeps_missing_and_empty_as_none():
    p = Point(114.1, 29.2)
    out = geometry.to_wkb([p, None, float("nan"), Polygon(), Point()])
    assert out[0] == shapely.to_wkb(p)
    assert out[1:] == [None, None, None, None]


def test_to_wkb_of_a_geoseries():
    gs = gpd.GeoSeries([box(0, 0, 1, 1), None], crs="EPSG:4326")
    out = geometry.to_wkb(gs)
    assert shapely.from_wkb(out[0]).equals(box(0, 0, 1, 1))
    assert out[1] is None


def test_frame_from_wkb_builds_geodataframe_in_4326():
    df = pd.DataFrame({"id": [1, 2, 3], geometry.WKB_COLUMN: [shapely.to_wkb(Point(114, 29)), None, bytearray(shapely.to_wkb(Point(1, 2)))]})
    gdf = geometry.frame_from_wkb(df)
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs == "EPSG:4326"
    assert list(gdf.columns) == ["id", "geometry"]
    assert gdf.geometry.iloc[0].equals(Point(114, 29))
    assert gdf.geometry.iloc[1] is None
    assert gdf.geometry.iloc[2].equals(Point(1, 2))


def test_frame_from_wkb_without_column_or_rows():
    gdf = geometry.frame_from_wkb(pd.DataFrame({"id": [1, 2]}))
    assert gdf.crs == "EPSG:4326" and gdf.geometry.isna().all() and len(gdf) == 2
    empty = geometry.frame_from_wkb(pd.DataFrame({"id": [], geometry.WKB_COLUMN: []}))
    assert len(empty) == 0 and empty.crs == "EPSG:4326"


def test_sql_fragments_round_trip_through_duckdb(con):
    poly = Polygon([(114.1, 29.1), (114.2, 29.1), (114.15, 29.2), (114.1, 29.1)])
    con.execute("CREATE TABLE g (geom GEOMETRY)")
    con.register("incoming", pd.DataFrame({geometry.WKB_COLUMN: geometry.to_wkb([poly])}))
    con.execute(f"INSERT INTO g SELECT {geometry.insert_sql()} FROM incoming")
    con.unregister("incoming")
    df = con.execute(f"SELECT {geometry.select_sql('geom')} FROM g").df()
    assert geometry.frame_from_wkb(df).geometry.iloc[0].equals_exact(poly, 0)


def _sphere_rect_area(lon0, lat0, lon1, lat1, r=6_371_007.2):
    """Area of a lon/lat rectangle on the authalic sphere (independent of PROJ)."""
    return r * r * math.radians(lon1 - lon0) * (math.sin(math.radians(lat1)) - math.sin(math.radians(lat0)))


@pytest.mark.parametrize(("lon", "lat"), [(114.3, 29.8), (87.6, 43.8), (126.6, 45.7), (110.3, 20.0)])
def test_area_m2_matches_spherical_formula(lon, lat):
    rect = box(lon, lat, lon + 0.05, lat + 0.04)
    expected = _sphere_rect_area(lon, lat, lon + 0.05, lat + 0.04)
    got = geometry.area_m2(gpd.GeoSeries([rect], crs="EPSG:4326")).iloc[0]
    assert got == pytest.approx(expected, rel=5e-3)


def test_area_of_one_square_km_near_xianning():
    # 1 km × 1 km at 29.8°N expressed in degrees (WGS-84 meridional/parallel arc lengths)
    lat = math.radians(29.8)
    a, e2 = 6_378_137.0, 6.69437999014e-3
    m_per_deg_lat = math.pi / 180 * a * (1 - e2) / (1 - e2 * math.sin(lat) ** 2) ** 1.5
    m_per_deg_lon = math.pi / 180 * a * math.cos(lat) / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    square = box(114.3, 29.8, 114.3 + 1000 / m_per_deg_lon, 29.8 + 1000 / m_per_deg_lat)
    assert geometry.area_m2(gpd.GeoSeries([square], crs="EPSG:4326")).iloc[0] == pytest.approx(1_000_000, rel=2e-3)
    assert np.isclose(geometry.area_m2(gpd.GeoSeries([square], crs="EPSG:4326")).iloc[0] / 666.67, 1500, rtol=2e-3)
