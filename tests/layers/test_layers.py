"""Layer modules: county scope and attribute filters, CRS, snapshots, targets and dataset facts."""

from __future__ import annotations

import contextlib
from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

import layers
from layers import (
    dataset,
    idle_assets,
    parks,
    project_history,
    projects,
    regions,
    reporting_units,
    standard_factories,
    targets,
)

U = "测试"


def gdf(rows: list[dict], crs="EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def ids(frame, key):
    return sorted(frame[key].tolist())


# --- registry ---------------------------------------------------------------------------

def test_registry_names_and_schema(con):
    assert set(layers.LAYERS) == {"regions", "parks", "factories", "assets", "projects"}
    assert set(layers.LAYER_LABELS) == set(layers.LAYERS)
    names = {n for (n,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"regions", "reporting_units", "parks", "standard_factories", "idle_assets", "projects", "project_stage_history",
            "project_snapshots", "targets", "dataset_info", "audit_log"} <= names
    layers.create_all(con)  # idempotent


def test_is_empty_and_has_regions(con, county_frame, toy):
    assert layers.is_empty(con) and not layers.has_regions(con)
    parks.insert(con, gpd.GeoDataFrame({"park_id": ["P1"], "name": ["园"]}, geometry=[toy.park_a], crs=toy.crs), user=U)
    assert not layers.is_empty(con) and not layers.has_regions(con)  # data without regions is not an empty store
    regions.insert(con, county_frame, user=U)
    assert layers.has_regions(con)


def test_create_all_records_the_schema_version():
    import store
    from store import migrations

    bare = store.connect(":memory:")
    assert migrations.version(bare) is None
    assert layers.create_all(bare)["to"] == migrations.SCHEMA_VERSION
    assert migrations.version(bare) == migrations.SCHEMA_VERSION


@pytest.mark.parametrize("name", ["regions", "parks", "factories", "assets", "projects"])
def test_empty_layers_load_as_empty_geodataframes(con, name):
    frame = layers.LAYERS[name].load(con)
    assert isinstance(frame, gpd.GeoDataFrame)
    assert len(frame) == 0
    assert frame.crs == "EPSG:4326"
    assert layers.LAYERS[name].SPEC.key in frame.columns


# --- regions ----------------------------------------------------------------------------

def test_regions_scope_level_parent(con, county_frame, toy):
    regions.insert(con, county_frame, user=U)
    regions.insert(con, gdf([{"adcode": "880101", "name": "外县", "level": "county", "parent_adcode": "880100",
                              "geometry": toy.poly_a.buffer(1)}]), user=U)
    everything = regions.load(con)
    assert everything.crs == "EPSG:4326"
    assert ids(everything, "adcode") == ["880101", toy.city, toy.a, toy.b]
    assert ids(regions.load(con, county=toy.a), "adcode") == [toy.a]
    assert ids(regions.load(con, county=[toy.a, toy.b]), "adcode") == [toy.a, toy.b]
    assert len(regions.load(con, county=[])) == 0
    assert ids(regions.load(con, level="county"), "adcode") == ["880101", toy.a, toy.b]
    assert ids(regions.load(con, parent=toy.city), "adcode") == [toy.a, toy.b]
    assert ids(regions.load(con, level="city"), "adcode") == [toy.city]
    got = regions.load(con, county=toy.b)
    assert got.geometry.iloc[0].equals(toy.poly_b)
    assert got["name"].iloc[0] == "乙县"


def test_region_adcode_stays_text(con, toy):
    regions.insert(con, gdf([{"adcode": "010101", "name": "零头县", "level": "county", "parent_adcode": None, "geometry": toy.poly_a}]), user=U)
    assert regions.load(con)["adcode"].tolist() == ["010101"]  # leading zero kept


def test_region_scope_ignores_injection(con, county_frame):
    regions.insert(con, county_frame, user=U)
    assert len(regions.load(con, county="990101') OR ('1'='1")) == 0
    assert len(regions.load(con)) == 3


# --- parks ------------------------------------------------------------------------------

@pytest.fixture
def park_rows(con, toy):
    parks.insert(con, gdf([
        {"park_id": "PA1", "name": "甲园", "level": "省级", "county_adcode": toy.a, "geometry": toy.park_a},
        {"park_id": "PA2", "name": "甲二园", "level": "市级", "county_adcode": toy.a, "geometry": toy.park_a.buffer(-0.005)},
        {"park_id": "PB1", "name": "乙园", "level": "省级", "county_adcode": toy.b, "geometry": toy.park_b},
    ]), user=U)


def test_parks_filters(con, toy, park_rows):
    assert ids(parks.load(con), "park_id") == ["PA1", "PA2", "PB1"]
    assert ids(parks.load(con, county=toy.a), "park_id") == ["PA1", "PA2"]
    assert ids(parks.load(con, county=[toy.b]), "park_id") == ["PB1"]
    assert ids(parks.load(con, park_ids=["PB1", "PA2"]), "park_id") == ["PA2", "PB1"]
    assert ids(parks.load(con, level="省级"), "park_id") == ["PA1", "PB1"]
    assert ids(parks.load(con, county=toy.a, level="省级"), "park_id") == ["PA1"]
    assert ids(parks.load(con, county=toy.b, park_ids=["PA1"]), "park_id") == []
    got = parks.load(con, park_ids=["PB1"])
    assert got.crs == "EPSG:4326" and got.geometry.iloc[0].equals(toy.park_b)


def test_park_update_and_delete(con, park_rows):
    assert parks.update(con, "PA1", {"available_land_mu": 120.5, "green_power": True}, user="管委会")
    row = parks.load(con, park_ids=["PA1"]).iloc[0]
    assert row["available_land_mu"] == 120.5 and bool(row["green_power"]) is True and row["updated_by"] == "管委会"
    assert parks.delete(con, "PA2", user=U)
    assert ids(parks.load(con), "park_id") == ["PA1", "PB1"]


# --- standard factories -----------------------------------------------------------------

def test_factories_filters(con, toy):
    standard_factories.insert(con, gdf([
        {"factory_id": "F1", "name": "1#", "park_id": "PA1", "county_adcode": toy.a, "status": "空置", "floor_area_m2": 5000.0,
         "lease_end": None, "geometry": Point(114.03, 29.03)},
        {"factory_id": "F2", "name": "2#", "park_id": "PA1", "county_adcode": toy.a, "status": "已出租", "floor_area_m2": 8000.0,
         "lease_end": date(2020, 12, 31), "geometry": Point(114.04, 29.04)},
        {"factory_id": "F3", "name": "3#", "park_id": "PB1", "county_adcode": toy.b, "status": "空置", "floor_area_m2": 3000.0,
         "lease_end": None, "geometry": Point(114.14, 29.04)},
    ]), user=U)
    assert ids(standard_factories.load(con, county=toy.a), "factory_id") == ["F1", "F2"]
    assert ids(standard_factories.load(con, status=["空置"]), "factory_id") == ["F1", "F3"]
    assert ids(standard_factories.load(con, status=["空置", "已出租"], county=toy.b), "factory_id") == ["F3"]
    assert ids(standard_factories.load(con, park_ids=["PA1"], status=["已出租"]), "factory_id") == ["F2"]
    assert ids(standard_factories.load(con, status=[]), "factory_id") == []
    got = standard_factories.load(con, park_ids=["PA1"])
    assert got.crs == "EPSG:4326"
    assert pd.Timestamp(got.set_index("factory_id").at["F2", "lease_end"]).date() == date(2020, 12, 31)


# --- idle assets ------------------------------------------------------------------------

def test_assets_filters(con, toy):
    idle_assets.insert(con, gdf([
        {"asset_id": "A1", "name": "旧厂", "county_adcode": toy.a, "asset_type": "闲置厂房", "stage": "招商推介", "geometry": toy.point_a},
        {"asset_id": "A2", "name": "空地", "county_adcode": toy.a, "asset_type": "闲置土地", "stage": "签约", "geometry": toy.park_a},
        {"asset_id": "A3", "name": "烂尾楼", "county_adcode": toy.b, "asset_type": "烂尾工程", "stage": "招商推介", "geometry": toy.point_b},
    ]), user=U)
    assert ids(idle_assets.load(con, county=toy.b), "asset_id") == ["A3"]
    assert ids(idle_assets.load(con, stages=["招商推介"]), "asset_id") == ["A1", "A3"]
    assert ids(idle_assets.load(con, stages=["招商推介"], county=toy.a), "asset_id") == ["A1"]
    assert ids(idle_assets.load(con, asset_types=["闲置土地", "烂尾工程"]), "asset_id") == ["A2", "A3"]
    got = idle_assets.load(con)
    assert got.crs == "EPSG:4326"
    assert set(got.geometry.geom_type) == {"Point", "Polygon"}


# --- projects ---------------------------------------------------------------------------

@pytest.fixture
def project_rows(con, toy):
    rows = [
        # id, unit, county, stage, signed_on, geometry
        ("P1", "UA", toy.a, "签约", date(2017, 12, 31), toy.point_a),
        ("P2", "UA", toy.a, "开工", date(2018, 1, 1), toy.point_a),
        ("P3", "UA", toy.a, "注册", date(2018, 6, 30), None),  # location pending
        ("P4", "UB", toy.b, "投产", date(2018, 7, 1), toy.point_b),
        ("P5", "UB", toy.b, "在谈", None, None),
        ("P6", "UG", toy.a, "开工", date(2018, 3, 15), toy.park_a),
    ]
    frame = gdf([{"project_id": p, "name": f"项目{p}", "unit_id": u, "county_adcode": c, "stage": s, "signed_on": d,
                  "investment_wan": 10_000.0, "geometry": g} for p, u, c, s, d, g in rows])
    projects.insert(con, frame, user=U)
    return frame


def test_projects_county_scope(con, toy, project_rows):
    assert ids(projects.load(con, county=toy.a), "project_id") == ["P1", "P2", "P3", "P6"]
    assert ids(projects.load(con, county=[toy.b]), "project_id") == ["P4", "P5"]
    assert ids(projects.load(con, county="000000"), "project_id") == []


def test_projects_units_and_stages(con, project_rows):
    assert ids(projects.load(con, units=["UA"]), "project_id") == ["P1", "P2", "P3"]
    assert ids(projects.load(con, stages=["开工", "投产"]), "project_id") == ["P2", "P4", "P6"]
    assert ids(projects.load(con, units=["UA", "UG"], stages=["开工"]), "project_id") == ["P2", "P6"]


def test_projects_signed_window_is_inclusive(con, project_rows):
    got = projects.load(con, signed_from="2018-01-01", signed_to="2018-06-30")
    assert ids(got, "project_id") == ["P2", "P3", "P6"]  # 2017-12-31 and 2018-07-01 out, both ends in
    assert ids(projects.load(con, signed_from="2018-06-30"), "project_id") == ["P3", "P4"]
    assert ids(projects.load(con, signed_to="2017-12-31"), "project_id") == ["P1"]
    assert ids(projects.load(con, signed_from="2018-03-15", signed_to="2018-03-15"), "project_id") == ["P6"]
    assert "P5" not in ids(projects.load(con, signed_to="2030-01-01"), "project_id")  # unsigned never in a date window


def test_projects_null_geometry_and_crs(con, project_rows, toy):
    got = projects.load(con).set_index("project_id")
    assert got.crs == "EPSG:4326"
    assert got.geometry["P3"] is None and got.geometry["P5"] is None
    assert got.geometry["P2"].equals(toy.point_a)
    assert got.geometry["P6"].equals(toy.park_a)
    assert pd.Timestamp(got.at["P4", "signed_on"]).date() == date(2018, 7, 1)


def test_projects_scope_combined_with_window(con, toy, project_rows):
    got = projects.load(con, county=toy.b, signed_from="2018-01-01", signed_to="2018-06-30")
    assert len(got) == 0


# --- reporting units --------------------------------------------------------------------

def test_reporting_units_order_and_scope(con, toy):
    reporting_units.insert(con, [
        {"unit_id": "U3", "name": "丙", "kind": "county", "county_adcode": toy.b, "sort_order": 2},
        {"unit_id": "U1", "name": "甲", "kind": "park", "county_adcode": toy.a, "sort_order": 0},
        {"unit_id": "U2", "name": "乙", "kind": "county", "county_adcode": toy.a, "sort_order": 1},
    ], user=U)
    got = reporting_units.load(con)
    assert isinstance(got, pd.DataFrame) and not isinstance(got, gpd.GeoDataFrame)
    assert got["unit_id"].tolist() == ["U1", "U2", "U3"]
    assert "geometry" not in got.columns
    assert reporting_units.load(con, county=toy.a)["unit_id"].tolist() == ["U1", "U2"]


# --- project history and snapshots --------------------------------------------------------

def snap_rows(ids_stages, county="990101"):
    return pd.DataFrame([{"project_id": p, "unit_id": "UA", "county_adcode": county, "category": "工业", "sign_type": "合同",
                          "stage": s, "investment_wan": 20_000.0, "funds_in_place_wan": 1_000.0, "signed_on": date(2018, 2, 1),
                          "registered_on": None, "started_on": None, "produced_on": None} for p, s in ids_stages])


def test_snapshot_replace_semantics(con):
    assert project_history.write_snapshot(con, "2018-05", snap_rows([("P1", "签约"), ("P2", "注册")]), user=U) == 2
    project_history.write_snapshot(con, "2018-04", snap_rows([("P1", "签约")]), user=U)
    assert project_history.write_snapshot(con, "2018-05", snap_rows([("P2", "开工")]), user=U) == 1
    may = project_history.load_snapshot(con, "2018-05")
    assert may[["project_id", "stage"]].values.tolist() == [["P2", "开工"]]
    assert project_history.load_snapshot(con, "2018-04")["project_id"].tolist() == ["P1"]  # other months untouched
    assert project_history.snapshot_months(con) == ["2018-04", "2018-05"]
    assert len(project_history.load_snapshot(con, "2019-01")) == 0
    assert "snapshot_id" not in may.columns and "month" in may.columns


def test_snapshot_county_scope(con):
    project_history.write_snapshot(con, "2018-06", pd.concat([snap_rows([("P1", "签约")], "990101"), snap_rows([("P9", "签约")], "990102")]), user=U)
    assert project_history.load_snapshot(con, "2018-06", county="990102")["project_id"].tolist() == ["P9"]
    assert sorted(project_history.load_snapshot(con, "2018-06")["project_id"]) == ["P1", "P9"]


def test_snapshot_is_not_changed_by_later_edits(con, project_rows):
    current = projects.load(con)
    project_history.write_snapshot(con, "2018-06", current, user=U)
    before = project_history.load_snapshot(con, "2018-06").set_index("project_id")
    assert before.at["P1", "stage"] == "签约"
    projects.update(con, "P1", {"stage": "开工", "started_on": date(2018, 7, 20), "investment_wan": 99_000.0}, user="编辑")
    projects.delete(con, "P2", user="编辑")
    after = project_history.load_snapshot(con, "2018-06").set_index("project_id")
    assert after.at["P1", "stage"] == "签约"
    assert after.at["P1", "investment_wan"] == 10_000.0
    assert pd.isna(after.at["P1", "started_on"])
    assert "P2" in after.index
    assert len(after) == 6


def test_failed_snapshot_write_keeps_the_old_snapshot(con):
    project_history.write_snapshot(con, "2018-05", snap_rows([("P1", "签约")]), user=U)
    bad = snap_rows([("P2", "签约")])
    bad["project_id"] = [None]
    with contextlib.suppress(Exception):  # refusing the bad frame is fine; losing the old snapshot is not
        project_history.write_snapshot(con, "2018-05", bad, user=U)
    assert project_history.load_snapshot(con, "2018-05")["project_id"].tolist() == ["P1"]


def test_stage_events_oldest_first(con):
    project_history.insert_events(con, [
        {"event_id": "e3", "project_id": "P1", "stage": "开工", "changed_on": date(2018, 5, 1)},
        {"event_id": "e1", "project_id": "P1", "stage": "签约", "changed_on": date(2018, 1, 1), "evidence": "合同"},
        {"event_id": "e2", "project_id": "P1", "stage": "注册", "changed_on": date(2018, 2, 1)},
        {"event_id": "f1", "project_id": "P2", "stage": "在谈", "changed_on": date(2017, 12, 1)},
    ], user=U)
    got = project_history.load_events(con, project_ids=["P1"])
    assert got["stage"].tolist() == ["签约", "注册", "开工"]
    assert "geometry" not in got.columns
    assert project_history.load_events(con)["event_id"].tolist() == ["e1", "e2", "e3", "f1"]


# --- targets ----------------------------------------------------------------------------

def test_targets_load_by_year_and_unit(con):
    rows = [{"target_id": targets.target_id(y, u, i), "year": y, "unit_id": u, "indicator": i, "target_value": v}
            for y, u, i, v in ((2017, "UA", "projects_1yi", 9.0), (2018, "UA", "projects_1yi", 10.0),
                               (2018, "UB", "projects_1yi", 5.0), (2018, "UB", "signed_investment_yi", 150.0))]
    targets.insert(con, rows, user=U)
    assert targets.target_id(2018, "UA", "projects_1yi") == "2018|UA|projects_1yi"
    y2018 = targets.load(con, year=2018)
    assert sorted(y2018["target_id"]) == ["2018|UA|projects_1yi", "2018|UB|projects_1yi", "2018|UB|signed_investment_yi"]
    assert targets.load(con, year=2018, units=["UB"])["target_value"].sum() == 155.0
    assert targets.load(con, units=["UA"])["year"].tolist() == [2017, 2018]
    assert "geometry" not in y2018.columns
    assert set(targets.INDICATORS) >= {"signed_projects", "signed_investment_yi", "projects_1yi", "projects_10yi", "funds_in_place_yi"}


# --- dataset info -----------------------------------------------------------------------

def test_dataset_info_set_and_overwrite(con):
    assert dataset.get_info(con) == {}
    dataset.set_info(con, demo="true", as_of="2018-06-30", user=U)
    dataset.set_info(con, demo=False, region=421200, user="另一人")
    assert dataset.get_info(con) == {"as_of": "2018-06-30", "demo": "False", "region": "421200"}
    assert con.execute("SELECT created_by, updated_by FROM dataset_info WHERE key = 'demo'").fetchone() == (U, "另一人")
