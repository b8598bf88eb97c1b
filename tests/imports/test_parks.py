"""imports.parks: boundaries in any CRS (CGCS2000 Gauss-Krüger included) → EPSG:4326, refusal without CRS,
matching to stored parks, and the capacity ledger (units in headers, blank cells keep values, atomic)."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon

from geo import coords
from imports import parks as park_import
from imports.parks import ParkImportError, import_park_capacity, import_park_polygons, read_park_polygons
from layers import park_metrics, parks, regions

GK_114 = "EPSG:4547"  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
#: Two parks in the toy counties (甲县 lon 114.0–114.1, 乙县 114.1–114.2; lat 29.0–29.1).
POLY_OLD = Polygon([(114.02, 29.02), (114.05, 29.02), (114.05, 29.05), (114.02, 29.05)])
POLY_NEW = Polygon([(114.12, 29.02), (114.16, 29.02), (114.14, 29.06)])


def source(crs=None) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame({"name": ["甲经济开发区", "乙新材料产业园"], "级别": ["省级", "市级"]},
                             geometry=[POLY_OLD, POLY_NEW], crs="EPSG:4326")
    return frame.to_crs(crs) if crs else frame


def max_vertex_error(got, expected) -> float:
    """Largest vertex distance in degrees, whatever ring orientation or start vertex the file format chose."""
    assert len(shapely.get_coordinates(got)) == len(shapely.get_coordinates(expected))
    return float(shapely.hausdorff_distance(got, expected))


@pytest.fixture
def store_with_park(con, county_frame, toy):
    regions.insert(con, county_frame, user="测试")
    parks.insert(con, gpd.GeoDataFrame([{"park_id": "P1", "name": "甲经开区", "county_adcode": toy.a, "available_land_mu": 500.0,
                                         "power_total_kva": 10_000.0, "power_used_kva": 4_000.0}],
                                       geometry=[toy.park_b], crs="EPSG:4326"), user="测试")
    return con


def test_geojson_in_wgs84(store_with_park, tmp_path, toy):
    path = tmp_path / "parks.geojson"
    source().to_file(path, driver="GeoJSON")
    report = import_park_polygons(store_with_park, path)
    assert (report.updated, report.imported, report.rejected) == (1, 1, [])
    stored = parks.load(store_with_park).set_index("name")
    assert stored.at["甲经开区", "geometry"].equals_exact(POLY_OLD, 1e-9)  # matched 甲经济开发区 ↔ 甲经开区
    assert stored.at["甲经开区", "available_land_mu"] == 500.0  # figures untouched
    assert stored.at["甲经开区", "level"] == "省级"
    assert stored.at["乙新材料产业园", "county_adcode"] == toy.b  # placed in the county containing it
    assert stored.at["乙新材料产业园", "park_id"] == park_import.park_key("乙新材料产业园")
    again = import_park_polygons(store_with_park, path)
    assert (again.updated, again.imported, again.unchanged) == (0, 0, 2)  # the created park is matched the second time


def test_gpkg_in_cgcs2000_gauss_kruger_is_reprojected(tmp_path):
    path = tmp_path / "parks.gpkg"
    projected = source(GK_114)
    assert projected.geometry.iloc[0].bounds[0] > 100_000  # really metres, not degrees
    projected.to_file(path, driver="GPKG")
    frame, report = read_park_polygons(path)
    assert frame.crs == "EPSG:4326" and "4547" in report.crs
    for got, expected in zip(frame.geometry, (POLY_OLD, POLY_NEW), strict=True):
        assert max_vertex_error(got, expected) < 1e-6


def test_zipped_shapefile_in_gauss_kruger(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    source(GK_114).to_file(folder / "parks.shp")
    assert (folder / "parks.prj").exists()
    archive = tmp_path / "parks.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            z.write(part, part.name)
    frame, _ = read_park_polygons(archive)
    assert list(frame["name"]) == ["甲经济开发区", "乙新材料产业园"]
    assert max_vertex_error(frame.geometry.iloc[1], POLY_NEW) < 1e-6


@pytest.fixture
def no_prj(tmp_path):
    folder = tmp_path / "noprj"
    folder.mkdir()
    frame = source(GK_114)
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # pyogrio warns, as it should
        gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(frame.geometry), crs=None).to_file(folder / "parks.shp")
    assert not (folder / "parks.prj").exists()
    return folder / "parks.shp"


def test_file_without_crs_is_refused_in_chinese(no_prj, store_with_park):
    with pytest.raises(ParkImportError, match="文件没有坐标系信息.*--crs 4547"):
        import_park_polygons(store_with_park, no_prj)
    assert len(parks.load(store_with_park)) == 1  # nothing written


def test_file_without_crs_accepted_when_named(no_prj):
    for named in ("4547", "EPSG:4547"):
        frame, report = read_park_polygons(no_prj, crs=named)
        assert max_vertex_error(frame.geometry.iloc[0], POLY_OLD) < 1e-6
        assert "4547" in report.crs


def test_lonlat_without_crs_in_gcj02(tmp_path):
    folder = tmp_path / "gcj"
    folder.mkdir()
    shifted = coords.transform_geoseries(gpd.GeoSeries([POLY_OLD, POLY_NEW], crs="EPSG:4326"), "wgs84", "gcj02")
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"名称": ["甲", "乙"]}, geometry=list(shifted), crs=None).to_file(folder / "p.shp", encoding="utf-8")
    with pytest.raises(ParkImportError, match="没有坐标系"):
        read_park_polygons(folder / "p.shp")
    frame, report = read_park_polygons(folder / "p.shp", crs="高德")
    assert report.crs == "gcj02" and list(frame["name"]) == ["甲", "乙"]
    assert max_vertex_error(frame.geometry.iloc[0], POLY_OLD) < 1e-7


def test_projected_numbers_labelled_as_degrees_are_refused(tmp_path):
    frame = source(GK_114)
    path = tmp_path / "wrong.geojson"
    gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(frame.geometry), crs="EPSG:4326").to_file(path, driver="GeoJSON")
    with pytest.raises(ParkImportError, match="像是投影坐标"):
        read_park_polygons(path)
    fixed, _ = read_park_polygons(path, crs="4547")
    assert max_vertex_error(fixed.geometry.iloc[1], POLY_NEW) < 1e-6


def test_features_without_name_or_area_are_rejected(tmp_path):
    path = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame({"name": ["好园区", None, "点园区"]}, geometry=[POLY_OLD, POLY_NEW, shapely.Point(114.03, 29.03)],
                     crs="EPSG:4326").to_file(path, driver="GeoJSON")
    frame, report = read_park_polygons(path)
    assert list(frame["name"]) == ["好园区"]
    assert [(r.row, r.reason) for r in report.rejected] == [(2, "缺少园区名称"), (3, "不是面状要素：Point")]


def test_missing_name_field_and_unknown_crs(tmp_path):
    path = tmp_path / "x.geojson"
    gpd.GeoDataFrame({"编号": ["1"]}, geometry=[POLY_OLD], crs="EPSG:4326").to_file(path, driver="GeoJSON")
    with pytest.raises(ParkImportError, match="没有找到园区名称字段.*编号"):
        read_park_polygons(path)
    assert list(read_park_polygons(path, name_field="编号")[0]["name"]) == ["1"]
    with pytest.raises(ParkImportError, match="无法识别的坐标系"):
        read_park_polygons(path, name_field="编号", crs="火星2000")


# --- capacity ledger --------------------------------------------------------------------------------------------

LEDGER = """园区承载力台账（2018年6月）
园区名称,可供地（公顷）,供电容量（MVA）,已用电力（kVA）,供水能力（万吨/日）,年度,税收（万元）,产值（亿元）
甲经济开发区,40,12,,1.5,2017,8000,30
不存在园区,10,1,1,1,2017,1,1
合计,50,13,1,2.5,,8001,31
"""


def test_capacity_ledger_updates_figures_with_units(store_with_park, tmp_path):
    path = tmp_path / "capacity.csv"
    path.write_text(LEDGER, encoding="utf-8")
    report = import_park_capacity(store_with_park, path)
    assert (report.updated, report.imported, report.skipped_summary, report.extra) == (1, 0, 1, {"园区年度指标": [1, 0]})
    assert [(r.row, r.reason) for r in report.rejected] == [(4, "未找到园区“不存在园区”：请先导入园区边界")]
    park = parks.load(store_with_park).set_index("park_id").loc["P1"]
    assert park["available_land_mu"] == 600.0  # 40 公顷 × 15
    assert park["power_total_kva"] == 12_000.0  # 12 MVA
    assert park["power_used_kva"] == 4_000.0  # blank cell keeps the stored figure
    assert park["water_total_t_d"] == 15_000.0  # 1.5 万吨/日
    metrics = park_metrics.load(store_with_park).set_index("metric_id").loc["P1|2017"]
    assert (metrics["tax_wan"], metrics["output_wan"]) == (8000.0, 300_000.0)


def test_capacity_ledger_is_atomic(store_with_park, tmp_path, fail_writes_to):
    path = tmp_path / "capacity.csv"
    path.write_text(LEDGER, encoding="utf-8")
    fail_writes_to("park_metrics")
    with pytest.raises(RuntimeError):
        import_park_capacity(store_with_park, path)
    assert parks.load(store_with_park).set_index("park_id").at["P1", "available_land_mu"] == 500.0
