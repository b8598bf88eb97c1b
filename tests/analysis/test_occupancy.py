"""Occupancy by park and county, and leases ending, on a hand-built frame."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.occupancy import expiring, leases_ending, summarize, totals

AS_OF = dt.date(2018, 6, 30)


@pytest.fixture
def factories() -> pd.DataFrame:
    rows = [
        # id, park, county, status, area, lease end
        ("F1", "甲园", "A", "已出租", 1000.0, dt.date(2018, 8, 15)),  # within 3 months
        ("F2", "甲园", "A", "已出租", 2000.0, dt.date(2018, 12, 31)),  # one day after 6 months (Dec 30): within 12
        ("F3", "甲园", "A", "空置", 3000.0, None),
        ("F4", "乙园", "B", "已出租", 4000.0, dt.date(2019, 6, 30)),  # exactly 12 months: included
        ("F5", "乙园", "B", "意向洽谈", 500.0, None),
        ("F6", "乙园", "B", "已出租", 600.0, dt.date(2018, 6, 1)),  # ended before the data date: overdue
        ("F7", None, "B", "装修改造", 700.0, None),  # park not in the store
        ("F8", "甲园", "A", "空置", None, None),  # area not reported
    ]
    f = pd.DataFrame(rows, columns=["factory_id", "park_name", "county_adcode", "status", "floor_area_m2", "lease_end"])
    f["lease_end"] = pd.to_datetime(f["lease_end"])
    return f


def test_summary_by_county(factories):
    out = summarize(factories, "county_adcode").set_index("county_adcode")
    a, b = out.loc["A"], out.loc["B"]
    assert (a["count"], a["area_m2"], a["leased_n"], a["leased_m2"], a["vacant_n"], a["vacant_m2"]) == (4, 6000, 2, 3000, 2, 3000)
    assert (b["count"], b["area_m2"], b["leased_m2"], b["negotiating_m2"], b["renovating_n"]) == (4, 5800, 4600, 500, 1)
    assert a["occupancy"] == 0.5 and a["vacancy"] == 0.5
    assert b["occupancy"] == pytest.approx(round(4600 / 5800, 4)) and b["vacancy"] == 0
    assert list(out.index) == ["A", "B"]  # largest total area first


def test_summary_by_park_keeps_unknown_parks(factories):
    out = summarize(factories, ["park_name"])
    assert len(out) == 3 and out["park_name"].isna().sum() == 1
    assert out["count"].sum() == len(factories)
    unknown = out[out["park_name"].isna()].iloc[0]
    assert unknown["renovating_m2"] == 700 and unknown["occupancy"] == 0


def test_totals(factories):
    t = totals(factories)
    assert (t["count"], t["area_m2"], t["leased_m2"], t["vacant_m2"]) == (8, 11800, 7600, 3000)
    assert t["occupancy"] == pytest.approx(round(7600 / 11800, 4))
    assert totals(factories.iloc[:0]) == {"count": 0, "area_m2": 0.0}


def test_leases_ending_cumulative_and_overdue(factories):
    out = leases_ending(factories, AS_OF, "county_adcode").set_index("county_adcode")
    assert (out.loc["A", "ending_3m_n"], out.loc["A", "ending_6m_n"], out.loc["A", "ending_12m_n"]) == (1, 1, 2)
    assert (out.loc["B", "ending_3m_n"], out.loc["B", "ending_6m_n"], out.loc["B", "ending_12m_n"]) == (0, 0, 1)
    assert out.loc["A", "ending_6m_m2"] == 1000 and out.loc["A", "ending_12m_m2"] == 3000 and out.loc["B", "ending_12m_m2"] == 4000
    assert (out.loc["A", "overdue_n"], out.loc["B", "overdue_n"]) == (0, 1)


def test_expiring_list(factories):
    assert list(expiring(factories, AS_OF, 3)["factory_id"]) == ["F1"]
    assert list(expiring(factories, AS_OF, 12)["factory_id"]) == ["F1", "F2", "F4"]
    assert expiring(factories, dt.date(2019, 7, 1), 12).empty
