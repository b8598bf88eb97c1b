"""The access scope of every layer (layers/_scope.py): a park user (园区填报) of the demo's 咸宁高新区 (park P-GX, its own
reporting unit GX421200, in 咸安区 421202) sees only that park's records — nothing of 咸安经济开发区 (P-XA), the other park
of the same county —, a 咸安区 user nothing of another county; and writes (imports, asset cases) follow the same rule."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import capacity
from layers import (
    _scope,
    aggregates,
    asset_cases,
    idle_assets,
    months,
    park_metrics,
    parks,
    project_history,
    projects,
    regions,
    reporting_units,
    standard_factories,
)
from reports import monthly

GX, XA, XIANAN, GX_UNIT = "P-GX", "P-XA", "421202", "GX421200"
PARK_USER = _scope.make((XIANAN,), (GX,))
COUNTY_USER = _scope.make((XIANAN,))


def test_the_scope_value_is_a_plain_tuple_that_differs_between_a_county_and_a_park_user():
    assert COUNTY_USER == ("421202",) and PARK_USER == ("421202", "park:P-GX")
    assert type(PARK_USER) is tuple and hash(PARK_USER) != hash(COUNTY_USER)  # st.cache_data keys by value
    assert _scope.split(PARK_USER) == (("421202",), ("P-GX",)) and _scope.split(COUNTY_USER) == (("421202",), None)
    assert _scope.split(None) == (None, None) and _scope.make(None) is None
    assert _scope.make(["b", "a", "a"]) == ("a", "b")  # one user, one value


def test_a_park_account_without_parks_sees_nothing(demo_con):
    nothing = _scope.make((XIANAN,), ())
    assert nothing == ()  # never the whole county
    assert projects.load(demo_con, county=nothing).empty and parks.load(demo_con, county=nothing).empty


def test_narrowing_to_a_county_never_widens_the_scope():
    assert _scope.narrow(None, "421221") == ("421221",)
    assert _scope.narrow(COUNTY_USER, XIANAN) == COUNTY_USER and _scope.narrow(COUNTY_USER, "421221") == ()
    assert _scope.narrow(PARK_USER, XIANAN) == PARK_USER and _scope.narrow(PARK_USER, "421221") == ()
    assert _scope.narrow((), "421221") == () and _scope.narrow(PARK_USER, None) == PARK_USER


def test_a_table_without_a_park_rule_is_closed_to_park_users():
    assert _scope.scope_clause("county_adcode", PARK_USER) == (["FALSE"], [])
    assert _scope.scope_clause("county_adcode", COUNTY_USER) == (["county_adcode IN (?)"], ["421202"])
    assert _scope.in_clause("status", ["park:x"]) == (["status IN (?)"], ["park:x"])  # attribute filters are plain


def test_projects_of_the_park_or_its_own_reporting_unit(demo_con):
    mine = projects.load(demo_con, county=PARK_USER)
    every = projects.load(demo_con)
    expected = every[(every["park_id"] == GX) | (every["unit_id"] == GX_UNIT)]
    assert len(mine) == len(expected) > 100
    assert set(mine["project_id"]) == set(expected["project_id"])
    assert not (mine["park_id"] == XA).any()
    assert set(mine["unit_id"]) == {GX_UNIT, XIANAN}  # 咸安区's projects located in the 高新区 park are the park's too
    assert (mine[mine["unit_id"] == XIANAN]["park_id"] == GX).all()
    county = projects.load(demo_con, county=COUNTY_USER)
    assert set(county["county_adcode"]) == {XIANAN} and (county["park_id"] == XA).any() and len(county) > len(mine)


def test_a_park_reporting_through_its_county_does_not_open_the_county(demo_con):
    """咸安经济开发区's reporting unit is 咸安区 itself: its user sees the park's projects, not all of 咸安区's."""
    xa_user = _scope.make((XIANAN,), (XA,))
    mine = projects.load(demo_con, county=xa_user)
    assert len(mine) and set(mine["park_id"]) == {XA}
    assert len(mine) < len(projects.load(demo_con, county=COUNTY_USER))
    assert reporting_units.load(demo_con, county=xa_user).empty  # the county's unit (and its targets) are not the park's


def test_parks_factories_metrics_units_of_the_park_only(demo_con):
    assert list(parks.load(demo_con, county=PARK_USER)["park_id"]) == [GX]
    assert {XA, GX} <= set(parks.load(demo_con, county=COUNTY_USER)["park_id"])
    factories = standard_factories.load(demo_con, county=PARK_USER)
    assert len(factories) and set(factories["park_id"]) == {GX}
    assert {GX, XA} <= set(standard_factories.load(demo_con, county=COUNTY_USER)["park_id"])
    assert set(park_metrics.load(demo_con, county=PARK_USER)["park_id"]) == {GX}
    assert list(reporting_units.load(demo_con, county=PARK_USER)["unit_id"]) == [GX_UNIT]
    assert set(reporting_units.load(demo_con, county=COUNTY_USER)["unit_id"]) == {GX_UNIT, XIANAN}


def test_no_idle_assets_and_the_boundaries_of_their_county(demo_con):
    assert idle_assets.load(demo_con, county=PARK_USER).empty
    assert len(idle_assets.load(demo_con, county=COUNTY_USER))
    assert list(regions.load(demo_con, county=PARK_USER)["adcode"]) == [XIANAN]
    assert list(regions.load(demo_con, county=PARK_USER, family="421200")["adcode"]) == [XIANAN]
    assert list(regions.load(demo_con, county=("park:" + GX,))["adcode"]) == [XIANAN]  # no county given: the park's own


def test_map_aggregates_count_the_parks_features_only(demo_con):
    located = projects.load(demo_con, county=PARK_USER)
    assert aggregates.located_count(demo_con, "projects", county=PARK_USER) == int(located.geometry.notna().sum())
    assert aggregates.located_count(demo_con, "assets", county=PARK_USER) == 0
    assert list(aggregates.by_park(demo_con, "factories", county=PARK_USER)["park_id"]) == [GX]
    assert list(aggregates.by_park(demo_con, "projects", county=PARK_USER)["park_id"]) == [GX]
    cells = aggregates.grid(demo_con, "factories", 0.05, county=PARK_USER)
    assert int(cells["n"].sum()) == len(standard_factories.load(demo_con, county=PARK_USER))
    assert set(aggregates.by_county(demo_con, "projects", county=COUNTY_USER)["county_adcode"]) == {XIANAN}


def test_frozen_and_live_months_follow_the_park(demo_con):
    frozen, is_frozen = months.month_frame(demo_con, "2018-05", county=PARK_USER)
    assert is_frozen and len(frozen)
    names = set(parks.load(demo_con)[lambda f: f["park_id"] == GX]["name"])
    assert ((frozen["unit_id"] == GX_UNIT) | frozen["park_name"].isin(names)).all()
    assert not frozen["park_name"].eq("咸安经济开发区").any()
    live, is_frozen = months.month_frame(demo_con, "2018-06", county=PARK_USER)
    assert not is_frozen and len(live)
    ids = set(projects.load(demo_con, county=PARK_USER)["project_id"])
    assert set(live["project_id"]) <= ids
    assert set(months.comparison_frame(demo_con, "2018-06", county=PARK_USER)["project_id"]) <= ids
    assert list(months.month_units(demo_con, "2018-05", county=PARK_USER)["unit_id"]) == [GX_UNIT]
    assert set(months.month_units(demo_con, "2018-05", county=COUNTY_USER)["unit_id"]) == {GX_UNIT, XIANAN}
    snap = project_history.load_snapshot(demo_con, "2018-05", county=COUNTY_USER)
    assert set(snap["county_adcode"]) == {XIANAN}


def test_the_month_report_of_a_park_user_is_the_parks(demo_con):
    report = monthly.collect(demo_con, "2018-06", county=PARK_USER)
    assert list(report.units.loc[~report.units["outside"], "unit_id"]) == [GX_UNIT]  # outside: labels of other reporters
    assert list(report.units.loc[report.units["outside"], "name"]) == ["咸安区填报（园区内）"]
    assert list(report.regions["adcode"]) == [XIANAN]
    ids = set(projects.load(demo_con, county=PARK_USER)["project_id"])
    assert set(report.projects["project_id"]) <= ids
    gx = next(u for u in report.summary["by_unit"] if u["unit_id"] == GX_UNIT)
    city = next(u for u in monthly.collect(demo_con, "2018-06").summary["by_unit"] if u["unit_id"] == GX_UNIT)
    assert gx["signed"] == city["signed"] > 0  # the park's own unit counts exactly as in the city's report
    assert "咸安经济开发区" not in set(report.projects["park_name"].dropna())


def test_capacity_inputs_of_the_park(demo_con):
    park_frame, project_frame = capacity.load_inputs(demo_con, PARK_USER)
    assert list(park_frame["park_id"]) == [GX] and set(project_frame["park_id"]) == {GX}


def test_frame_mask_is_the_pandas_twin_of_the_sql_rule(demo_con):
    every = pd.DataFrame(projects.load(demo_con).drop(columns="geometry"))
    for scope in (PARK_USER, COUNTY_USER, None, ()):
        mask = _scope.frame_mask(demo_con, every, scope, table="projects")
        assert set(every[mask]["project_id"]) == set(projects.load(demo_con, county=scope)["project_id"])


def test_a_park_user_cannot_change_a_state_asset(demo_copy):
    asset = idle_assets.load(demo_copy, county=COUNTY_USER).iloc[0]
    with pytest.raises(asset_cases.CaseError, match="没有编号为"):
        asset_cases.change_stage(demo_copy, asset["asset_id"], "制定方案", on=date(2018, 6, 30), user="高新区", counties=PARK_USER)
    with pytest.raises(asset_cases.CaseError, match="没有编号为"):
        asset_cases.add_task(demo_copy, asset["asset_id"], "核查", user="高新区", counties=PARK_USER)
    assert idle_assets.load(demo_copy).set_index("asset_id").at[asset["asset_id"], "stage"] == asset["stage"]
    task = asset_cases.add_task(demo_copy, asset["asset_id"], "核查", user="咸安区", counties=COUNTY_USER)
    assert not asset_cases.set_task_done(demo_copy, task, done=True, on=date(2018, 6, 30), user="高新区", counties=PARK_USER)
    assert asset_cases.set_task_done(demo_copy, task, done=True, on=date(2018, 6, 30), user="咸安区", counties=COUNTY_USER)


# --- writes: the import pipeline (imports/pipeline.py _in_scope) ------------------------------------------------------


def ledger(header, *rows) -> bytes:
    lines = ["台账（截至2018年6月30日）", ",".join(header), *(",".join("" if v is None else str(v) for v in r) for r in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_a_park_users_ledger_rows_of_another_park_are_rejected_by_row(demo_copy):
    from imports import kinds, pipeline

    xa_project = projects.load(demo_copy, county=_scope.make((XIANAN,), (XA,))).iloc[0]
    before = projects.load(demo_copy).set_index("project_id")
    header = ["项目名称", "县（市、区）", "所在园区", "合同投资（万元）", "项目进度", "签约时间"]
    raw = ledger(header,
                 ["高新区新材料项目", "咸宁高新区", "咸宁高新技术产业开发区", 12000, "已签约", "2018-06-15"],
                 ["咸安纺织项目", "咸安区", "咸安经济开发区", 8000, "已签约", "2018-06-16"],
                 ["咸安入驻高新区项目", "咸安区", "咸宁高新技术产业开发区", 5000, "已签约", "2018-06-17"],
                 [xa_project["name"], "咸安区", "咸宁高新技术产业开发区", 9000, None, None],  # another park's record: no take-over
                 ["嘉鱼项目", "嘉鱼县", None, 3000, "已签约", "2018-06-18"])
    report = pipeline.run(demo_copy, kinds.get("projects"), raw, user="高新区招商局", filename="a.csv",
                          options=pipeline.Options(counties=PARK_USER))
    assert report.imported == 2 and report.updated == 0
    assert [(r.row, r.column, r.reason) for r in report.rejected] == [
        (4, "所在园区", "不在本账号可填报的园区范围内（咸安经济开发区）"),
        (6, "所在园区", "不在本账号可填报的园区范围内（咸安经济开发区）"),
        (7, "所在园区", "不在本账号可填报的园区范围内（嘉鱼县）"),
    ]
    after = projects.load(demo_copy).set_index("project_id")
    assert after.loc[xa_project["project_id"], "park_id"] == XA and after.loc[xa_project["project_id"], "row_version"] == \
        before.loc[xa_project["project_id"], "row_version"]
    new = after[~after.index.isin(before.index)]
    assert sorted(new["name"]) == ["咸安入驻高新区项目", "高新区新材料项目"] and set(new["park_id"]) == {GX}
    orphans = "SELECT count(*) FROM project_stage_history WHERE project_id NOT IN (SELECT project_id FROM projects)"
    assert demo_copy.execute(orphans).fetchone() == (0,)
    # the same file by the 咸安区 user: every 咸安区 row is theirs, 嘉鱼县's is not
    report = pipeline.run(demo_copy, kinds.get("projects"), raw, user="咸安区招商局", filename="a.csv",
                          options=pipeline.Options(counties=COUNTY_USER))
    assert [(r.row, r.reason) for r in report.rejected] == [(7, "不在本账号可填报的范围内（嘉鱼县）")]


def test_a_park_user_writes_only_their_parks_capacity(demo_copy):
    from imports import kinds, pipeline

    before = parks.load(demo_copy).set_index("park_id")["available_land_mu"]
    raw = ledger(["园区名称", "可供地（亩）"], ["咸宁高新技术产业开发区", 1234], ["咸安经济开发区", 4321])
    report = pipeline.run(demo_copy, kinds.get("park_capacity"), raw, user="高新区", filename="c.csv",
                          options=pipeline.Options(counties=PARK_USER))
    assert report.updated == 1 and [(r.row, r.reason) for r in report.rejected] == [(4, "不在本账号可填报的园区范围内（咸安经济开发区）")]
    after = parks.load(demo_copy).set_index("park_id")["available_land_mu"]
    assert after[GX] == 1234 and after[XA] == before[XA]


def test_a_park_user_imports_no_state_assets(demo_copy):
    from imports import kinds, pipeline

    count = len(idle_assets.load(demo_copy))
    raw = ledger(["资产名称", "县（市、区）", "资产类型", "建筑面积（㎡）"], ["老粮站", "咸安区", "闲置厂房", 2000])
    report = pipeline.run(demo_copy, kinds.get("assets"), raw, user="高新区", filename="d.csv", options=pipeline.Options(counties=PARK_USER))
    assert report.imported == 0 and len(report.rejected) == 1 and "园区范围" in report.rejected[0].reason
    assert len(idle_assets.load(demo_copy)) == count


def test_a_project_of_the_parks_own_unit_without_a_park_yet_is_the_parks(demo_copy):
    import geopandas as gpd

    row = {"project_id": "T-1", "name": "高新区待选址项目", "unit_id": GX_UNIT, "county_adcode": XIANAN, "park_id": None, "stage": "在谈"}
    projects.insert(demo_copy, gpd.GeoDataFrame([row], geometry=[None], crs="EPSG:4326"), user="测试")
    assert "T-1" in set(projects.load(demo_copy, county=PARK_USER)["project_id"])
    assert "T-1" not in set(projects.load(demo_copy, county=_scope.make((XIANAN,), (XA,)))["project_id"])
    frame = pd.DataFrame(projects.load(demo_copy).drop(columns="geometry"))
    assert "T-1" in set(frame[_scope.frame_mask(demo_copy, frame, PARK_USER, table="projects")]["project_id"])


def test_problems_are_records_of_their_project_for_scoped_lookups(demo_copy):
    """The audit trail and attachments of a scoped user reach a project's 问题/困难 through the project's scope."""
    from layers import project_issues

    frame = projects.load(demo_copy)
    mine = frame[frame["park_id"] == GX]["project_id"].iloc[0]
    other = frame[frame["county_adcode"] != XIANAN]["project_id"].iloc[0]
    ids = {p: project_issues.add(demo_copy, p, "用地手续未办结", user="测试", raised_on=date(2018, 6, 1)) for p in (mine, other)}
    sql, params = _scope.records_sql("project_issues", PARK_USER)
    assert {r[0] for r in demo_copy.execute(sql, params).fetchall()} == {ids[mine]}
    sql, params = _scope.records_sql("project_issues", (XIANAN,))
    assert ids[other] not in {r[0] for r in demo_copy.execute(sql, params).fetchall()}


def test_a_park_users_month_report_names_the_county_that_reported_in_the_park(demo_con):
    """The projects in 高新区 reported by 咸安区's unit are labelled 「咸安区填报（园区内）」 everywhere in the park user's
    month report (ranking, lights, 督办), never by the code 421202, and 咸安区's targets are not looked up for them."""
    report = monthly.collect(demo_con, "2018-06", county=PARK_USER)
    reporters = set(report.projects["unit_id"])
    assert XIANAN in reporters  # the demo has such projects: the test means something
    ranked = set(report.rankings["signed"]["unit"])
    assert "咸安区填报（园区内）" in ranked and XIANAN not in ranked
    assert XIANAN not in set(report.supervision["unit"]) and XIANAN not in set(report.late.get("unit", []))
    assert set(report.completion["unit_id"]) <= {GX_UNIT, "ALL"}  # ALL: the scope as a whole
