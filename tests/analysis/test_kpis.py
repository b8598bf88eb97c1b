"""analysis.kpis on small hand-built project frames with known answers."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis.kpis import Period, rate, reached, signed_in, summarize, totals

COLUMNS = ["project_id", "unit_id", "category", "sign_type", "stage", "investment_wan", "funds_in_place_wan",
           "signed_on", "registered_on", "started_on", "produced_on"]


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def project(pid, unit="U1", *, stage="签约", signed=date(2018, 3, 1), inv=1_000.0, funds=0.0, category="工业", sign_type="合同",
            registered=None, started=None, produced=None):
    return [pid, unit, category, sign_type, stage, inv, funds, signed, registered, started, produced]


def cohort(n_signed: int, n_started: int, unit="U1", prefix="p"):
    """``n_signed`` projects signed in 2018 H1, ``n_started`` of them started or later (mixing dates and stage-only rows)."""
    rows = []
    for i in range(n_signed):
        if i < n_started:
            kind = i % 4
            if kind == 0:  # started, with dates
                rows.append(project(f"{prefix}{i}", unit, stage="开工", registered=date(2018, 3, 5), started=date(2018, 4, 1)))
            elif kind == 1:  # in production, with dates
                rows.append(project(f"{prefix}{i}", unit, stage="投产", registered=date(2018, 3, 5), started=date(2018, 4, 1),
                                    produced=date(2018, 6, 1)))
            elif kind == 2:  # imported ledger: stage only, no milestone dates
                rows.append(project(f"{prefix}{i}", unit, stage="开工"))
            else:  # stalled after starting: the start date still counts
                rows.append(project(f"{prefix}{i}", unit, stage="停滞", registered=date(2018, 3, 5), started=date(2018, 4, 1)))
        else:
            rows.append(project(f"{prefix}{i}", unit, stage="注册" if i % 2 else "签约", registered=date(2018, 3, 9) if i % 2 else None))
    return rows


H1 = Period.from_months("2018-01", "2018-06")


def test_period_from_months():
    assert Period.from_months("2018-01", "2018-06") == Period(date(2018, 1, 1), date(2018, 6, 30))
    assert Period.from_months("2016-02", "2016-02") == Period(date(2016, 2, 1), date(2016, 2, 29))
    assert Period.from_months(None, "2018-12") == Period(None, date(2018, 12, 31))
    assert Period.from_months("2018-07") == Period(date(2018, 7, 1), None)
    assert Period().label() == "全部"
    assert H1.label() == "2018-01-01 至 2018-06-30"
    with pytest.raises(ValueError):
        Period.from_months("2018-13")


def test_rate():
    assert rate(110, 148) == 0.7432
    assert rate(1, 3) == 0.3333
    assert rate(5, 0) is None
    assert rate(0, 7) == 0.0


def test_seed_000_start_rate():
    result = totals(frame(cohort(148, 110)))
    assert result["signed"] == 148
    assert result["started"] == 110
    assert result["start_rate"] == 0.7432
    assert f"{result['start_rate']:.1%}" == "74.3%"


def test_seed_004_start_rate():
    result = totals(frame(cohort(106, 49)))
    assert (result["signed"], result["started"], result["start_rate"]) == (106, 49, 0.4623)


def test_milestones_from_dates_and_from_stage_only():
    df = frame([
        project("a", stage="投产"),  # stage only: registered, started and producing
        project("b", stage="开工"),  # stage only: registered and started
        project("c", stage="注册"),
        project("d", stage="签约"),
        project("e", stage="停滞", registered=date(2018, 4, 1)),  # side exit keeps the registration date
        project("f", stage="终止"),  # side exit without dates: nothing reached
        project("g", stage="签约", registered=date(2018, 4, 1), started=date(2018, 5, 1)),  # stage lagging behind dates
    ])
    assert reached(df, "registered").tolist() == [True, True, True, False, True, False, True]
    assert reached(df, "started").tolist() == [True, True, False, False, False, False, True]
    assert reached(df, "in_production").tolist() == [True, False, False, False, False, False, False]
    t = totals(df)
    assert (t["registered"], t["started"], t["in_production"]) == (5, 3, 1)
    assert t["registration_rate"] == round(5 / 7, 4) == 0.7143
    assert t["production_rate"] == 0.1429


def test_money_counts_and_funds_in_place_rate():
    df = frame([
        project("a", inv=150_000.0, funds=30_000.0, category="工业"),  # 15亿: ≥10亿 and ≥1亿
        project("b", inv=10_000.0, funds=2_500.0, category="非工业", sign_type="协议"),  # exactly 1亿
        project("c", inv=9_999.0, funds=None, category="工业", sign_type="框架协议"),
        project("d", inv=100_000.0, funds=0.0, category="非工业"),  # exactly 10亿
        project("e", inv=None, funds=None, category="工业"),
    ])
    t = totals(df)
    assert t["signed"] == 5
    assert t["contract_projects"] == 3
    assert t["investment_total_yi"] == 27.0  # 269,999 万 → 26.9999 亿 → 27.00 (2 decimals)
    assert t["funds_in_place_yi"] == 3.25
    assert t["funds_in_place_rate"] == round(32_500 / 269_999, 4) == 0.1204
    assert (t["projects_1yi"], t["projects_10yi"]) == (3, 2)
    assert (t["industrial"], t["industrial_investment_yi"]) == (3, 16.0)


def test_funds_rate_undefined_without_investment():
    t = totals(frame([project("a", inv=0.0, funds=0.0)]))
    assert t["funds_in_place_rate"] is None
    empty = totals(frame([]))
    assert empty["signed"] == 0 and empty["start_rate"] is None and empty["investment_total_yi"] == 0.0


def test_period_boundaries_are_inclusive():
    df = frame([
        project("before", signed=date(2017, 12, 31)),
        project("first", signed=date(2018, 1, 1)),
        project("mid", signed=date(2018, 3, 15)),
        project("last", signed=date(2018, 6, 30)),
        project("after", signed=date(2018, 7, 1)),
        project("unsigned", stage="在谈", signed=None),
    ])
    assert signed_in(df, H1)["project_id"].tolist() == ["first", "mid", "last"]
    assert signed_in(df, Period())["project_id"].tolist() == ["before", "first", "mid", "last", "after"]
    assert signed_in(df, Period(end=date(2018, 1, 1)))["project_id"].tolist() == ["before", "first"]
    assert signed_in(df, Period(start=date(2018, 6, 30)))["project_id"].tolist() == ["last", "after"]


def test_signed_in_accepts_timestamps_and_strings():
    df = frame([project("a", signed=pd.Timestamp("2018-06-30")), project("b", signed="2018-07-01"), project("c", signed=pd.NaT)])
    assert signed_in(df, H1)["project_id"].tolist() == ["a"]


def test_summarize_per_unit_with_zero_rows_and_unknown_units():
    rows = cohort(10, 4, unit="U1", prefix="a") + cohort(5, 5, unit="U2", prefix="b")
    rows.append(project("x", "U9"))  # a unit missing from the unit list
    rows.append(project("old", "U1", signed=date(2017, 6, 1), stage="投产"))  # outside the period
    units = pd.DataFrame({"unit_id": ["U2", "U3", "U1"], "name": ["乙区", "丙县（无项目）", "甲区"]})
    result = summarize(frame(rows), H1, units)
    assert result["period"] == {"from": "2018-01-01", "to": "2018-06-30"}
    assert result["signed"] == 16 and result["started"] == 9
    assert [u["unit_id"] for u in result["by_unit"]] == ["U2", "U3", "U1", "U9"]  # display order, unknown last
    by = {u["unit_id"]: u for u in result["by_unit"]}
    assert by["U2"]["unit"] == "乙区" and (by["U2"]["signed"], by["U2"]["start_rate"]) == (5, 1.0)
    assert (by["U1"]["signed"], by["U1"]["started"], by["U1"]["start_rate"]) == (10, 4, 0.4)
    assert by["U3"]["unit"] == "丙县（无项目）"
    assert (by["U3"]["signed"], by["U3"]["investment_total_yi"], by["U3"]["started"], by["U3"]["start_rate"]) == (0, 0.0, 0, None)
    assert by["U9"]["unit"] == "U9" and by["U9"]["signed"] == 1
    assert sum(u["signed"] for u in result["by_unit"]) == result["signed"]


def test_summarize_without_units_and_open_period():
    rows = cohort(3, 1, unit="U1", prefix="a") + cohort(2, 0, unit="U2", prefix="b")
    result = summarize(frame(rows))
    assert result["period"] == {"from": None, "to": None}
    assert {u["unit_id"]: u["signed"] for u in result["by_unit"]} == {"U1": 3, "U2": 2}


def test_summarize_is_json_serialisable():
    import json

    result = summarize(frame(cohort(4, 2)), H1, pd.DataFrame({"unit_id": ["U1"], "name": ["甲"]}))
    assert json.loads(json.dumps(result, ensure_ascii=False, allow_nan=False))["by_unit"][0]["unit"] == "甲"


def test_units_outside_the_list_are_named_as_reporting_for_the_park():
    """A park user's list of units is the park's own; projects in the park that a county reported are listed after it,
    named 「咸安区填报（园区内）」 rather than by a code, and unknown ids stay as they are."""
    rows = [project("a", "GX"), project("b", "421202"), project("c", "X9")]
    units = pd.DataFrame({"unit_id": ["GX"], "name": ["咸宁高新区"]})
    summary = summarize(frame(rows), H1, units, {"GX": "咸宁高新区", "421202": "咸安区"})
    assert [(u["unit"], u["signed"]) for u in summary["by_unit"]] == [("咸宁高新区", 1), ("咸安区填报（园区内）", 1), ("X9", 1)]
    assert summary["signed"] == 3
