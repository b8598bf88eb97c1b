"""analysis.targets.completion: actual figures against annual targets."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis.kpis import Period, summarize
from analysis.targets import ACTUAL_KEYS, completion
from layers import projects, reporting_units, targets

COLUMNS = ["project_id", "unit_id", "category", "sign_type", "stage", "investment_wan", "funds_in_place_wan",
           "signed_on", "registered_on", "started_on", "produced_on"]


def target_frame(rows):
    return pd.DataFrame(rows, columns=["unit_id", "indicator", "target_value"])


def cell(result: pd.DataFrame, unit_id: str, indicator: str) -> dict:
    rows = result[(result["unit_id"] == unit_id) & (result["indicator"] == indicator)]
    assert len(rows) == 1, (unit_id, indicator)
    return rows.iloc[0].to_dict()


def test_seed_003_completion_on_the_demo(demo_con):
    summary = summarize(projects.load(demo_con), Period.from_months("2018-01", "2018-06"), reporting_units.load(demo_con))
    result = completion(summary, targets.load(demo_con, year=2018))
    big1 = cell(result, "ALL", "projects_1yi")
    assert (big1["actual"], big1["target"], big1["completion"]) == (115, 100.0, 1.15)
    big10 = cell(result, "ALL", "projects_10yi")
    assert (big10["actual"], big10["target"], big10["completion"]) == (21, 10.0, 2.1)
    assert set(result["unit_id"]) == {"ALL", "GX421200", "421202", "421221", "421281", "421222", "421223", "421224"}
    assert len(result) == 6 * 8  # six indicators × (seven units + ALL)


def test_seed_000_funds_completion():
    # two units whose 到位资金 add up to 518.81 亿 against a city target of 615 亿
    projects_frame = pd.DataFrame([
        ["a", "U1", "工业", "合同", "开工", 4_000_000.0, 3_000_000.0, date(2018, 2, 1), None, date(2018, 4, 1), None],
        ["b", "U2", "非工业", "合同", "注册", 3_000_000.0, 2_188_100.0, date(2018, 3, 1), date(2018, 4, 1), None, None],
    ], columns=COLUMNS)
    units = pd.DataFrame({"unit_id": ["U1", "U2"], "name": ["甲", "乙"]})
    summary = summarize(projects_frame, Period.from_months("2018-01", "2018-12"), units)
    assert summary["funds_in_place_yi"] == 518.81
    result = completion(summary, target_frame([("U1", "funds_in_place_yi", 300.0), ("U2", "funds_in_place_yi", 315.0)]))
    total = cell(result, "ALL", "funds_in_place_yi")
    assert (total["actual"], total["target"], total["completion"]) == (518.81, 615.0, 0.8436)
    assert cell(result, "U1", "funds_in_place_yi")["completion"] == 1.0
    assert cell(result, "U2", "funds_in_place_yi")["completion"] == round(218.81 / 315, 4) == 0.6946
    assert set(result["indicator"]) == {"funds_in_place_yi"}  # indicators without targets are not listed


def test_unit_without_projects_and_zero_target():
    summary = {"signed": 3, "by_unit": [{"unit_id": "U1", "signed": 3}]}
    result = completion(summary, target_frame([("U1", "signed_projects", 6), ("U2", "signed_projects", 4), ("U3", "signed_projects", 0)]))
    assert cell(result, "U1", "signed_projects")["completion"] == 0.5
    u2 = cell(result, "U2", "signed_projects")
    assert (u2["actual"], u2["completion"]) == (0, 0.0)
    assert pd.isna(cell(result, "U3", "signed_projects")["completion"])  # undefined for a zero target
    assert cell(result, "ALL", "signed_projects")["completion"] == 0.3
    assert isinstance(cell(result, "ALL", "signed_projects")["target"], float)


def test_no_targets_gives_empty_frame_with_columns():
    result = completion({"by_unit": []}, target_frame([]))
    assert list(result.columns) == ["unit_id", "indicator", "actual", "target", "completion"]
    assert len(result) == 0


def test_every_indicator_maps_to_a_kpi_key():
    from analysis.kpis import totals

    keys = set(totals(pd.DataFrame(columns=COLUMNS)))
    assert set(ACTUAL_KEYS.values()) <= keys
    assert set(ACTUAL_KEYS) == set(targets.INDICATORS)


LABELS = {"signed_projects": "新签约项目数（个）", "signed_investment_yi": "签约金额（亿元）"}
UNITS = pd.DataFrame({"unit_id": ["U1", "U2"], "name": ["甲县", "乙县"]})
STORED = pd.DataFrame({"year": [2024, 2024, 2024], "unit_id": ["U1", "U1", "U2"],
                       "indicator": ["signed_projects", "signed_investment_yi", "signed_projects"], "target_value": [30.0, 80.0, 20.0]})


def test_target_grid_is_one_row_per_unit_and_one_column_per_indicator():
    from analysis.targets import target_grid

    grid = target_grid(STORED, UNITS, LABELS)
    assert list(grid.columns) == ["unit_id", "单位", "新签约项目数（个）", "签约金额（亿元）"]
    assert grid.loc[0, "签约金额（亿元）"] == 80 and pd.isna(grid.loc[1, "签约金额（亿元）"])
    empty = target_grid(STORED.iloc[0:0], UNITS, LABELS)
    assert empty[list(LABELS.values())].isna().all().all() and len(empty) == 2


def test_grid_changes_writes_edits_deletes_cleared_cells_and_keeps_the_rest():
    from analysis.targets import grid_changes, target_grid

    grid = target_grid(STORED, UNITS, LABELS)
    writes, deletes, problems = grid_changes(grid, STORED, 2024, LABELS)
    assert writes.empty and deletes == [] and problems == []  # nothing edited: nothing to do
    grid.loc[0, "新签约项目数（个）"] = 35  # edited
    grid.loc[1, "签约金额（亿元）"] = 40  # new
    grid.loc[1, "新签约项目数（个）"] = None  # cleared
    writes, deletes, problems = grid_changes(grid, STORED, 2024, LABELS)
    assert problems == [] and deletes == ["2024|U2|signed_projects"]
    assert sorted(map(tuple, writes[["unit_id", "indicator", "target_value"]].values.tolist())) == [
        ("U1", "signed_projects", 35.0), ("U2", "signed_investment_yi", 40.0)]


def test_grid_changes_refuses_bad_cells_in_chinese():
    from analysis.targets import grid_changes, target_grid

    grid = target_grid(STORED, UNITS, LABELS).astype({"新签约项目数（个）": object})
    grid.loc[0, "新签约项目数（个）"] = "很多"
    grid.loc[1, "签约金额（亿元）"] = -5
    _, _, problems = grid_changes(grid, STORED, 2024, LABELS)
    assert problems == ["甲县“新签约项目数（个）”不是数字：很多", "乙县“签约金额（亿元）”不能为负数：-5.0"]
