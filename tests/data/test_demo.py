"""The demo database (咸宁市) against the published figures of seed 003 and its own invariants.

All expected numbers are written out literally; the queries are plain SQL over the stored tables
(not the analysis code), so these tests check the generator, not the KPI formulas.
"""

from __future__ import annotations

import pandas as pd
import pytest

import store
from analysis.kpis import Period, summarize
from layers import dataset, project_history, reporting_units

H1 = "signed_on BETWEEN DATE '2018-01-01' AND DATE '2018-06-30'"
Y2017 = "signed_on BETWEEN DATE '2017-01-01' AND DATE '2017-12-31'"
REGISTERED = "(registered_on IS NOT NULL OR stage IN ('注册', '开工', '投产'))"
STARTED = "(started_on IS NOT NULL OR stage IN ('开工', '投产'))"
PRODUCING = "(produced_on IS NOT NULL OR stage = '投产')"

#: seed 003, 2018-01-01 … 2018-06-30: reporting unit → (signed projects, contract investment 亿元)
SEED_003 = {
    "咸宁高新区": (31, 94.2),
    "咸安区": (55, 135.5),
    "嘉鱼县": (68, 170.8),
    "赤壁市": (59, 91.9),
    "通城县": (49, 163.8),
    "崇阳县": (51, 133.0),
    "通山县": (78, 56.4),
}
UNIT_ORDER = ["咸宁高新区", "咸安区", "嘉鱼县", "赤壁市", "通城县", "崇阳县", "通山县"]


def one(con, sql, params=()):
    return con.execute(sql, list(params)).fetchone()


# --- the seed-003 table -----------------------------------------------------------------

def test_per_unit_signings_2018_h1(demo_con):
    rows = demo_con.execute(f"""
        SELECT u.name, count(p.project_id), round(sum(p.investment_wan) / 10000, 1)
        FROM reporting_units u JOIN projects p ON p.unit_id = u.unit_id
        WHERE p.{H1} GROUP BY u.name, u.sort_order ORDER BY u.sort_order""").fetchall()
    assert [r[0] for r in rows] == UNIT_ORDER
    assert {name: (n, yi) for name, n, yi in rows} == SEED_003


def test_city_totals_2018_h1(demo_con):
    assert one(demo_con, f"SELECT count(*), sum(investment_wan) FROM projects WHERE {H1}") == (391, 8_456_000.0)
    assert one(demo_con, f"SELECT count(*), sum(investment_wan) FROM projects WHERE {H1} AND category = '工业'") == (233, 3_008_000.0)
    assert one(demo_con, f"SELECT count(*) FROM projects WHERE {H1} AND category = '非工业'") == (158,)
    # no signed project is missing its unit
    assert one(demo_con, f"SELECT count(*) FROM projects WHERE {H1} AND unit_id NOT IN (SELECT unit_id FROM reporting_units)") == (0,)


def test_size_classes_2018_h1(demo_con):
    def count(where):
        return one(demo_con, f"SELECT count(*) FROM projects WHERE {H1} AND {where}")[0]

    assert count("investment_wan >= 10000") == 115
    assert count("investment_wan >= 10000 AND category = '工业'") == 66
    assert count("investment_wan >= 10000 AND category = '非工业'") == 49
    assert count("investment_wan >= 100000") == 21
    assert count("investment_wan >= 100000 AND category = '工业'") == 7
    assert count("investment_wan >= 100000 AND category = '非工业'") == 14


def test_progress_of_the_115_big_projects(demo_con):
    big = f"{H1} AND investment_wan >= 10000"
    assert one(demo_con, f"SELECT count(*) FROM projects WHERE {big} AND {REGISTERED}") == (69,)
    assert one(demo_con, f"SELECT count(*) FROM projects WHERE {big} AND {STARTED}") == (29,)
    rows = demo_con.execute(f"""
        SELECT p.name, u.name, p.investment_wan FROM projects p JOIN reporting_units u USING (unit_id)
        WHERE {big} AND {PRODUCING} ORDER BY p.investment_wan DESC""").fetchall()
    assert rows == [("XS运动饮料一期项目", "咸宁高新区", 30_000.0), ("洪茂竹制品项目", "通山县", 16_000.0)]


def test_named_projects_are_unique_names(demo_con):
    assert one(demo_con, "SELECT count(*), count(DISTINCT name), count(DISTINCT project_id) FROM projects") == (1216, 1216, 1216)


def test_cohort_2017(demo_con):
    big = f"{Y2017} AND investment_wan >= 10000"
    huge = f"{Y2017} AND investment_wan >= 100000"
    assert one(demo_con, f"SELECT count(*) FROM projects WHERE {big}") == (401,)
    assert one(demo_con, f"SELECT count(*) FROM projects WHERE {big} AND {REGISTERED}") == (384,)
    assert one(demo_con, f"SELECT count(*) FROM projects WHERE {huge}") == (82,)
    assert one(demo_con, f"SELECT count(*) FROM projects WHERE {huge} AND {REGISTERED}") == (69,)
    assert one(demo_con, f"SELECT count(*) FROM projects WHERE {huge} AND {STARTED}") == (36,)
    assert one(demo_con, f"SELECT count(*) FROM projects WHERE {huge} AND {PRODUCING}") == (10,)


def test_pipeline(demo_con):
    assert one(demo_con, "SELECT count(*) FROM projects WHERE stage = '在谈'") == (112,)
    assert one(demo_con, "SELECT count(*) FROM projects WHERE stage IN ('在谈', '线索') AND signed_on IS NOT NULL") == (0,)
    assert one(demo_con, "SELECT count(*) FROM projects WHERE name = '华中生态科创谷' AND stage = '在谈'") == (1,)


def test_summary_code_agrees_with_the_table(demo_con):
    """analysis.kpis on the demo must reproduce the same literal figures."""
    from layers import projects

    result = summarize(projects.load(demo_con), Period.from_months("2018-01", "2018-06"), reporting_units.load(demo_con))
    assert (result["signed"], result["investment_total_yi"]) == (391, 845.6)
    assert {u["unit"]: (u["signed"], u["investment_total_yi"]) for u in result["by_unit"]} == SEED_003
    assert (result["projects_1yi"], result["projects_10yi"], result["industrial"], result["industrial_investment_yi"]) == (115, 21, 233, 300.8)


# --- geometry ---------------------------------------------------------------------------

def test_regions_are_xianning_and_its_counties(demo_con):
    rows = demo_con.execute("SELECT adcode, name, level FROM regions ORDER BY adcode").fetchall()
    assert rows == [("421200", "咸宁市", "city"), ("421202", "咸安区", "county"), ("421221", "嘉鱼县", "county"),
                    ("421222", "通城县", "county"), ("421223", "崇阳县", "county"), ("421224", "通山县", "county"),
                    ("421281", "赤壁市", "county")]


@pytest.mark.parametrize("table", ["projects", "parks", "standard_factories", "idle_assets"])
def test_every_geometry_lies_in_its_county(demo_con, table):
    total, placed, inside = one(demo_con, f"""
        SELECT count(*), count(t.geom), count(*) FILTER (WHERE ST_Within(t.geom, r.geom))
        FROM {table} t LEFT JOIN regions r ON r.adcode = t.county_adcode AND r.level = 'county'""")
    assert total > 0 and placed > 0
    assert inside == placed, f"{placed - inside} {table} geometries outside their county"


def test_factories_lie_in_their_park(demo_con):
    total, inside = one(demo_con, """
        SELECT count(*), count(*) FILTER (WHERE ST_Within(f.geom, p.geom))
        FROM standard_factories f JOIN parks p USING (park_id)""")
    assert one(demo_con, "SELECT count(*) FROM standard_factories")[0] == total  # every factory has a known park
    assert inside == total


def test_park_projects_lie_in_their_park(demo_con):
    total, inside = one(demo_con, """
        SELECT count(*), count(*) FILTER (WHERE ST_Within(p.geom, k.geom))
        FROM projects p JOIN parks k USING (park_id) WHERE p.geom IS NOT NULL""")
    assert total > 0 and inside == total


def test_some_projects_are_location_pending(demo_con):
    pending, = one(demo_con, "SELECT count(*) FROM projects WHERE geom IS NULL")
    assert 0 < pending < 150


def test_parks_have_consistent_capacity(demo_con):
    assert one(demo_con, "SELECT count(*) FROM parks") == (9,)
    bad = demo_con.execute("""
        SELECT park_id FROM parks WHERE NOT (built_area_mu <= planned_area_mu AND power_used_kva <= power_total_kva
        AND water_used_t_d <= water_total_t_d AND energy_used_tce <= energy_quota_tce)""").fetchall()
    assert bad == []


# --- factories and assets ---------------------------------------------------------------

def test_about_150_factories(demo_con):
    n, = one(demo_con, "SELECT count(*) FROM standard_factories")
    assert 140 <= n <= 160
    statuses = {s for (s,) in demo_con.execute("SELECT DISTINCT status FROM standard_factories").fetchall()}
    assert statuses <= {"空置", "已出租", "意向洽谈", "装修改造"} and {"空置", "已出租"} <= statuses


def test_30_assets_cover_all_six_stages(demo_con):
    assert one(demo_con, "SELECT count(*) FROM idle_assets") == (30,)
    stages = {s for (s,) in demo_con.execute("SELECT DISTINCT stage FROM idle_assets").fetchall()}
    assert stages == {"摸底清查", "制定方案", "招商推介", "洽谈对接", "签约", "盘活完成"}


# --- stage dates ------------------------------------------------------------------------

def test_stage_dates_are_monotonic_and_not_in_the_future(demo_con):
    bad = demo_con.execute("""
        SELECT project_id FROM projects WHERE
           registered_on < signed_on OR started_on < registered_on OR started_on < signed_on
           OR produced_on < started_on OR produced_on < signed_on
           OR greatest(signed_on, registered_on, started_on, produced_on) > DATE '2018-06-30'""").fetchall()
    assert bad == []


def test_stage_dates_match_stage(demo_con):
    """A main-line stage has exactly the dates up to it; nothing after."""
    expected = {"签约": (1, 0, 0, 0), "注册": (1, 1, 0, 0), "开工": (1, 1, 1, 0), "投产": (1, 1, 1, 1), "在谈": (0, 0, 0, 0), "线索": (0, 0, 0, 0)}
    rows = demo_con.execute("""
        SELECT DISTINCT stage, (signed_on IS NOT NULL)::INT, (registered_on IS NOT NULL)::INT,
               (started_on IS NOT NULL)::INT, (produced_on IS NOT NULL)::INT FROM projects
        WHERE stage NOT IN ('停滞', '终止')""").fetchall()
    assert {(s, tuple(flags)) for s, *flags in rows} == set(expected.items())


def test_stage_history_ends_in_current_stage(demo_con):
    bad = demo_con.execute("""
        SELECT p.project_id FROM projects p JOIN (
            SELECT project_id, arg_max(stage, (changed_on, event_id)) AS last_stage FROM project_stage_history GROUP BY project_id
        ) h USING (project_id) WHERE h.last_stage <> p.stage""").fetchall()
    assert bad == []
    assert one(demo_con, "SELECT count(*) FROM projects WHERE project_id NOT IN (SELECT project_id FROM project_stage_history)") == (0,)


# --- snapshots, targets, dataset info ----------------------------------------------------

def test_snapshot_months(demo_con):
    months = project_history.snapshot_months(demo_con)
    assert months[0] == "2017-01" and months[-1] == "2018-06" and len(months) == 18


def test_june_2018_snapshot_reproduces_the_table(demo_con):
    snap = project_history.load_snapshot(demo_con, "2018-06")
    signed = pd.to_datetime(snap["signed_on"])
    h1 = snap[(signed >= "2018-01-01") & (signed <= "2018-06-30")]
    names = reporting_units.load(demo_con).set_index("unit_id")["name"]
    got = {names[u]: (len(g), round(g["investment_wan"].sum() / 10000, 1)) for u, g in h1.groupby("unit_id")}
    assert got == SEED_003


def test_earlier_snapshot_has_nothing_from_the_future(demo_con):
    snap = project_history.load_snapshot(demo_con, "2018-03")
    assert len(snap) > 0
    for col in ("signed_on", "registered_on", "started_on", "produced_on"):
        assert (pd.to_datetime(snap[col]).dropna() <= pd.Timestamp("2018-03-31")).all(), col
    later = pd.to_datetime(project_history.load_snapshot(demo_con, "2018-06")["signed_on"])
    assert int((later.between("2018-04-01", "2018-06-30")).sum()) > 0
    assert int(pd.to_datetime(snap["signed_on"]).between("2018-04-01", "2018-06-30").sum()) == 0


def test_targets_2018(demo_con):
    rows = dict(demo_con.execute("SELECT indicator, sum(target_value) FROM targets WHERE year = 2018 GROUP BY 1").fetchall())
    assert rows["projects_1yi"] == 100.0
    assert rows["projects_10yi"] == 10.0
    assert rows["funds_in_place_yi"] == 1000.0
    assert one(demo_con, "SELECT count(DISTINCT unit_id) FROM targets WHERE year = 2018") == (7,)


def test_dataset_info_marks_demo(demo_con):
    info = dataset.get_info(demo_con)
    assert info["demo"] == "true"
    assert info["region"] == "421200"
    assert info["as_of"] == "2018-06-30"


def test_audit_log_records_the_demo_user(demo_con):
    assert one(demo_con, "SELECT list(DISTINCT user_name) FROM audit_log") == (["演示数据"],)


# --- determinism ------------------------------------------------------------------------

PROJECT_COLUMNS = "* EXCLUDE (created_at, updated_at, geom), ST_AsWKB(geom) AS wkb"


def _table(con, table, key):
    return con.execute(f"SELECT {PROJECT_COLUMNS} FROM {table} ORDER BY {key}").fetchall()


@pytest.mark.slow
def test_building_twice_gives_identical_tables(demo_con, tmp_path):
    from data import demo

    path = tmp_path / "again.duckdb"
    other = store.connect(path)
    counts = demo.build(other)
    assert counts["projects"] == 1216
    for table, key in (("projects", "project_id"), ("parks", "park_id"), ("standard_factories", "factory_id"), ("idle_assets", "asset_id")):
        assert _table(other, table, key) == _table(demo_con, table, key), table
    snap = "SELECT * EXCLUDE (created_at, updated_at) FROM project_snapshots ORDER BY snapshot_id"
    assert other.execute(snap).fetchall() == demo_con.execute(snap).fetchall()
    other.close()


@pytest.mark.slow
def test_another_seed_changes_details_but_keeps_the_published_table(tmp_path, demo_con):
    from data import demo

    other = store.connect(tmp_path / "seed1.duckdb")
    demo.build(other, seed=1)
    rows = other.execute(f"""
        SELECT u.name, count(*), round(sum(p.investment_wan) / 10000, 1) FROM projects p JOIN reporting_units u USING (unit_id)
        WHERE p.{H1} GROUP BY u.name""").fetchall()
    assert {name: (n, yi) for name, n, yi in rows} == SEED_003
    assert _table(other, "projects", "project_id") != _table(demo_con, "projects", "project_id")
    assert dataset.get_info(other)["seed"] == "1"
    other.close()


def test_rebuild_replaces_instead_of_appending(demo_copy):
    from data import demo

    demo_copy.execute("UPDATE projects SET name = '临时' WHERE project_id = 'XN-2018-0001'")
    counts = demo.build(demo_copy, force=True)
    assert counts["projects"] == 1216 and counts["regions"] == 7
    assert one(demo_copy, "SELECT count(*) FROM projects WHERE name = '临时'") == (0,)


def test_demo_is_never_built_over_data(con, toy):
    """A store holding any row (here one park, no regions) is refused and keeps its row."""
    import geopandas as gpd

    from data import demo
    from layers import parks

    parks.insert(con, gpd.GeoDataFrame({"park_id": ["P1"], "name": ["自建园区"]}, geometry=[toy.park_a], crs=toy.crs), user="测试")
    with pytest.raises(demo.DemoRefused, match="已有数据"):
        demo.build(con)
    assert one(con, "SELECT list(name) FROM parks") == (["自建园区"],)
