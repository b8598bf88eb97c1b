"""analysis.indicators: one registry that every figure comes from; formats, labels, comparisons."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import indicators, progress, ranking, targets
from analysis.aggregation import COUNTY_KPIS, format_kpi
from analysis.indicators import Indicator, equals_rule
from analysis.kpis import Period, totals
from layers import targets as target_layer
from tests.analysis.test_kpis import cohort, frame, project

#: the keys README documents for ``summary --json`` (before the registry); they must all stay
DOCUMENTED = {"signed", "contract_projects", "investment_total_yi", "funds_in_place_yi", "registered", "started", "in_production",
              "start_rate", "registration_rate", "production_rate", "landing_rate", "funds_in_place_rate", "projects_1yi",
              "projects_10yi", "industrial", "industrial_investment_yi"}


@pytest.fixture
def fake():
    """A fake indicator registered for one test, then removed."""
    added = indicators.register(Indicator("test_agreements", "测试协议项目", "count", "签约类型为协议的项目个数",
                                          equals_rule("sign_type", "协议", "签约类型")))
    yield added
    indicators.unregister(added.key)
    assert added.key not in indicators.REGISTRY


def test_every_documented_key_and_all_rates_are_computed():
    t = totals(frame(cohort(148, 110)))
    assert DOCUMENTED | {"performance_rate"} <= set(t) == set(indicators.REGISTRY)
    assert t["performance_rate"] == t["start_rate"] == 0.7432  # seed 000: 110 implemented of 148 signed
    assert {k for k, v in indicators.REGISTRY.items() if v.kind == "rate"} >= {"registration_rate", "start_rate",
                                                                                "production_rate", "landing_rate",
                                                                                "performance_rate", "funds_in_place_rate"}


def test_one_label_per_figure():
    labels = [i.label for i in indicators.all_()]
    assert len(labels) == len(set(labels))
    assert indicators.get("investment_total_yi").heading == indicators.get("investment_total_yi").card_label == "签约金额（亿元）"
    assert indicators.get("signed").heading == "新签约项目数（个）" and indicators.get("signed").card_label == "新签约项目数"
    assert indicators.get("start_rate").heading == "开工率"
    # the targets layer (below analysis, so it keeps its own words) says the same as the registry
    for target, (label, unit) in target_layer.INDICATORS.items():
        assert (indicators.by_target(target).label, indicators.by_target(target).unit) == (label, unit)
    assert set(targets.ACTUAL_KEYS) == set(target_layer.INDICATORS)


def test_show_formats_by_kind():
    assert indicators.get("signed").show(1216) == "1,216"
    assert indicators.get("investment_total_yi").show(845.6) == "845.6"
    assert indicators.get("start_rate").show(0.2276) == "22.8%"
    assert indicators.get("start_rate").show(None) == "—" and indicators.get("signed").show(float("nan")) == "—"


def test_change_words():
    count, rate = indicators.get("signed"), indicators.get("start_rate")
    assert indicators.change(count, 110, 100) == "+10.0%"
    assert indicators.change(count, 90, 100) == "-10.0%"
    assert indicators.change(count, 5, 5) == "持平" and indicators.change(count, 0, 0) == "持平"
    assert indicators.change(count, 5, 0) == "—" and indicators.change(count, 5, None) == "—"
    assert indicators.change(rate, 0.30, 0.25) == "+5.0 个百分点"
    assert indicators.change(rate, 0.30, None) == "—"


def test_sentence_is_the_cli_line():
    t = totals(frame(cohort(4, 1)))
    line = indicators.sentence(t)
    assert line.startswith("新签约项目数 4 个，签约金额 0.4 亿元，") and "开工率 25.0%" in line and "履约率 25.0%" in line


def test_rates_and_rankings_and_choropleth_read_the_registry(fake):
    rows = frame([project("a", sign_type="协议"), project("b", sign_type="合同"), project("c", sign_type="协议", started=date(2018, 4, 1))])
    assert totals(rows)["test_agreements"] == 2
    assert progress.rates(rows)["performance_rate"] == round(1 / 3, 4)
    assert ranking.INDICATORS["test_agreements"] == ("测试协议项目", "个")
    assert ranking.label("completion:signed_investment_yi") == "签约金额目标完成率"
    assert COUNTY_KPIS["test_agreements"] == "测试协议项目（个）" and format_kpi("test_agreements", 2) == "2"
    summary = {"by_unit": [{"unit_id": "U1", "unit": "甲", **totals(rows)}]}
    assert ranking.values(summary, "test_agreements")["value"].tolist() == [2]


def test_a_rate_needs_registered_parts():
    with pytest.raises(AssertionError):
        indicators.register(Indicator("test_bad", "坏比率", "rate", "—", numerator="no_such", denominator="signed"))
    assert "test_bad" not in indicators.REGISTRY
    with pytest.raises(KeyError, match="未知指标"):
        indicators.get("no_such")


def test_periods_for_year_on_year_and_previous():
    h1 = Period.from_months("2018-01", "2018-06")
    assert h1.last_year() == Period.from_months("2017-01", "2017-06")
    assert h1.before() == Period.from_months("2017-07", "2017-12")
    assert Period.from_months("2018-03", "2018-03").before() == Period.from_months("2018-02", "2018-02")
    assert Period(date(2018, 3, 5), date(2018, 3, 14)).before() == Period(date(2018, 2, 23), date(2018, 3, 4))
    assert Period().last_year() is None and Period().before() is None and Period().months() is None


def test_totals_unchanged_for_the_documented_keys():
    """The figures before the registry (hand-counted in test_kpis) come out the same through it."""
    df = frame([project("a", inv=150_000.0, funds=30_000.0), project("b", inv=9_999.0, category="非工业", sign_type="协议")])
    t = totals(df)
    assert (t["signed"], t["contract_projects"], t["projects_1yi"], t["projects_10yi"], t["industrial"]) == (2, 1, 1, 1, 1)
    assert t["investment_total_yi"] == 16.0 and t["funds_in_place_rate"] == round(30_000 / 159_999, 4)
    assert pd.isna(totals(frame([]))["start_rate"])


def test_figures_by_unit_are_each_units_own_figures(demo_con):
    """compute_by tests each rule once over the whole frame; every unit's figures equal compute() over that unit's rows
    alone (a unit with no row gets the figures of no projects), on the demo's projects as signed by each half year."""
    from analysis.kpis import Period, signed_in
    from layers import projects

    frame = projects.load(demo_con)
    for period in (Period.from_months("2018-01", "2018-06"), Period.from_months("2017-01", "2017-12"), Period()):
        signed = signed_in(frame, period)
        keys = [*pd.unique(signed["unit_id"].dropna()), "NO-SUCH-UNIT"]
        got = indicators.compute_by(signed, "unit_id", keys)
        want = {k: indicators.compute(signed[signed["unit_id"] == k]) for k in keys}
        assert got == want
        assert got["NO-SUCH-UNIT"]["signed"] == 0 and any(v["signed"] for v in got.values())
