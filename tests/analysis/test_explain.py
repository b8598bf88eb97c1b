"""analysis.explain: the projects behind a figure, each with its reason, agreeing exactly with the registry."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import explain, indicators
from analysis.kpis import Period, summarize
from layers import projects
from tests.analysis.test_kpis import frame, project

H1 = Period.from_months("2018-01", "2018-06")


@pytest.fixture(scope="module")
def demo_projects(demo_con):
    return pd.DataFrame(projects.load(demo_con).drop(columns="geometry"))


@pytest.mark.parametrize("period", [H1, Period()], ids=["2018H1", "all"])
def test_every_indicator_agrees_with_the_registry_on_the_demo(demo_projects, period):
    summary = summarize(demo_projects, period)
    unit = summary["by_unit"][0]["unit_id"] if summary["by_unit"] else demo_projects["unit_id"].iloc[0]
    by_unit = summarize(demo_projects[demo_projects["unit_id"] == unit], period)
    for indicator in indicators.all_():
        table = explain.explain(demo_projects, indicator.key, period)
        assert len(table) == len(demo_projects)  # every project is considered
        assert explain.figure(table, indicator.key) == summary[indicator.key], indicator.key
        if indicator.kind == "count":
            assert int(table["counted"].sum()) == summary[indicator.key], indicator.key  # counted rows == the KPI
        if indicator.kind == "rate" and indicators.get(indicator.denominator).kind == "count":
            assert int(table["denominator"].sum()) == summary[indicator.denominator]
            assert int(table["numerator"].sum()) == summary[indicator.numerator]
        mine = explain.explain(demo_projects, indicator.key, period, unit)
        assert set(mine["unit_id"]) == {unit} and explain.figure(mine, indicator.key) == by_unit[indicator.key], indicator.key
    assert summary["signed"] == (391 if period == H1 else summary["signed"])  # seed 003


def test_reasons_in_chinese():
    rows = frame([
        project("in", signed=date(2018, 3, 2), inv=8_000.0, stage="开工", started=date(2018, 4, 1)),
        project("big", signed=date(2018, 5, 1), inv=12_000.0),
        project("old", signed=date(2017, 11, 2)),
        project("talk", stage="在谈", signed=None),
        project("nodate", stage="签约", signed=None),
        project("stage", signed=date(2018, 2, 1), stage="投产"),
    ])
    why = lambda key: dict(zip(*explain.explain(rows, key, H1)[["project_id", "reason"]].T.values, strict=True))  # noqa: E731
    one = why("projects_1yi")
    assert one["in"] == "签约日期 2018-03-02 在统计期内；投资额 8,000 万元 < 1 亿元"
    assert one["big"] == "签约日期 2018-05-01 在统计期内；投资额 12,000 万元 ≥ 1 亿元"
    assert one["old"] == "签约日期 2017-11-02 不在统计期（2018-01-01 至 2018-06-30）"
    assert one["talk"] == "阶段为在谈，未签约"
    assert one["nodate"] == "阶段为签约，未填签约日期，不计入统计期"
    started = why("start_rate")
    assert started["in"].endswith("已开工（开工日期 2018-04-01）")
    assert started["stage"].endswith("阶段为投产，已开工（未填开工日期）")
    assert started["big"].endswith("未开工（阶段为签约，未填开工日期）")
    money = why("investment_total_yi")
    assert money["big"] == "签约日期 2018-05-01 在统计期内；合同投资额计 12,000 万元"
    assert why("signed")["nodate"] == "阶段为签约，未填签约日期，不计入统计期"
    assert explain.explain(rows, "signed", Period())["reason"].str.contains("不限").sum() == 5  # all but the 在谈 one


def test_counted_first_and_rate_membership():
    rows = frame([project("a", stage="签约"), project("b", stage="开工", started=date(2018, 4, 1)),
                  project("x", stage="在谈", signed=None)])
    table = explain.explain(rows, "start_rate", H1)
    assert list(table["project_id"]) == ["a", "b", "x"] and list(table["counted"]) == [True, True, False]
    assert list(table["numerator"]) == [False, True, False] and list(table["denominator"]) == [True, True, False]
    assert explain.figure(table, "start_rate") == 0.5
    funds = explain.explain(frame([project("a", inv=1_000.0, funds=250.0)]), "funds_in_place_rate", H1)
    assert (funds["numerator_value"].iloc[0], funds["denominator_value"].iloc[0]) == (250.0, 1_000.0)
    assert explain.figure(funds, "funds_in_place_rate") == 0.25
