"""analysis.revitalisation on hand-built frames: stage counts, the revitalised rule, overdue boundaries, history."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import revitalisation as rv
from layers.vocab import ASSET_MODES, ASSET_STAGES

AS_OF = date(2018, 6, 30)


def assets(*rows) -> pd.DataFrame:
    """(asset_id, stage, planned_date, book 万元, realised 万元, mode, county, owner_unit)."""
    return pd.DataFrame(
        [{"asset_id": a, "name": f"资产{a}", "stage": s, "planned_date": pd.Timestamp(p) if p else pd.NaT, "book_value_wan": b,
          "appraised_value_wan": b * 1.2, "realised_value_wan": r, "mode": m, "county_adcode": c, "owner_unit": o,
          "asset_type": "闲置楼宇", "land_mu": 10.0, "floor_area_m2": 1000.0, "responsible_unit": f"{o}资产部",
          "responsible_leader": "张三"} for a, s, p, b, r, m, c, o in rows])


def events(*rows) -> pd.DataFrame:
    """(asset_id, seq, stage, changed_on)."""
    return pd.DataFrame([{"asset_id": a, "seq": q, "stage": s, "changed_on": pd.Timestamp(d)} for a, q, s, d in rows])


@pytest.fixture
def six():
    return assets(
        ("A", "摸底清查", "2018-12-31", 1000.0, 0.0, "出租", "甲", "城投"),
        ("B", "制定方案", "2018-06-29", 2000.0, 0.0, "出租", "甲", "城投"),  # one day late
        ("C", "洽谈对接", "2018-06-30", 3000.0, 0.0, "并购重组", "乙", "国投"),  # due today: not late
        ("D", "签约", "2018-01-31", 4000.0, 3500.0, "出售/产权转让", "乙", "国投"),  # signed but late
        ("E", "盘活完成", "2018-01-31", 5000.0, 6000.0, "出租", "乙", "国投"),  # done: never late
        ("F", "盘活完成", None, 10000.0, 12000.0, "改造扩建", "甲", "城投"),
        ("G", "招商推介", None, 500.0, None, None, "甲", "城投"),  # no planned date: never late
    )


def test_summary_counts_values_and_the_revitalised_rule(six):
    s = rv.summarize(six, as_of=AS_OF)
    assert s["assets"] == 7
    assert s["by_stage"] == {"摸底清查": 1, "制定方案": 1, "招商推介": 1, "洽谈对接": 1, "签约": 1, "盘活完成": 2}
    assert list(s["by_stage"]) == list(ASSET_STAGES)
    assert s["by_mode"]["出租"] == 3 and set(s["by_mode"]) == set(ASSET_MODES)
    assert s["book_value_wan"] == 25500.0 and s["book_value_yi"] == 2.55
    assert s["revitalised"] == 2  # 盘活完成 only
    assert s["signed"] == 1 and s["signed_value_yi"] == 0.35  # 签约 is in progress, not revitalised
    assert s["in_progress"] == 4 and s["not_started"] == 1
    assert s["revitalised_value_wan"] == 18000.0 and s["revitalised_value_yi"] == 1.8
    assert s["revitalised_share"] == pytest.approx(2 / 7, abs=1e-4)
    assert s["signed_or_done_share"] == pytest.approx(3 / 7, abs=1e-4)
    assert s["revitalised_book_share"] == pytest.approx(15000 / 25500, abs=1e-4)


def test_every_stage_is_listed_even_when_empty():
    s = rv.summarize(assets(("A", "签约", None, 1.0, 1.0, "出租", "甲", "城投")), as_of=AS_OF)
    assert s["by_stage"] == {"摸底清查": 0, "制定方案": 0, "招商推介": 0, "洽谈对接": 0, "签约": 1, "盘活完成": 0}
    empty = rv.summarize(assets(("A", "签约", None, 1.0, 1.0, "出租", "甲", "城投")).iloc[:0], as_of=AS_OF)
    assert empty["assets"] == 0 and empty["revitalised_share"] is None and sum(empty["by_stage"].values()) == 0


def test_unknown_stage_is_counted_apart():
    s = rv.summarize(assets(("A", None, None, 1.0, 0.0, "出租", "甲", "城投")), as_of=AS_OF)
    assert s["by_stage"]["未填写"] == 1 and s["assets"] == 1


def test_overdue_boundaries(six):
    late = rv.overdue(six, AS_OF)
    assert list(late["asset_id"]) == ["D", "B"]  # longest overdue first
    assert list(late["days_overdue"]) == [150, 1]
    assert list(rv.is_overdue(six, AS_OF)) == [False, True, False, True, False, False, False]
    # the day after C's planned date, C is late too
    assert "C" in set(rv.overdue(six, date(2018, 7, 1))["asset_id"])
    # the day B was due it was not yet late
    assert "B" not in set(rv.overdue(six, date(2018, 6, 29))["asset_id"])
    s = rv.summarize(six, as_of=AS_OF)
    assert s["overdue"] == 2
    assert s["overdue_cases"][0] == {"asset_id": "D", "name": "资产D", "county_adcode": "乙", "stage": "签约",
                                     "planned_date": "2018-01-31", "days_overdue": 150, "responsible_unit": "国投资产部",
                                     "responsible_leader": "张三"}


def test_overdue_as_of_a_past_date_uses_the_stage_then():
    frame = assets(("A", "盘活完成", "2018-03-31", 100.0, 90.0, "出租", "甲", "城投"))
    history = events(("A", 1, "摸底清查", "2017-05-01"), ("A", 2, "签约", "2018-02-10"), ("A", 3, "盘活完成", "2018-05-20"))
    assert rv.summarize(frame, as_of=date(2018, 6, 30), events=history)["overdue"] == 0
    then = rv.summarize(frame, as_of=date(2018, 4, 30), events=history)
    assert then["overdue"] == 1 and then["by_stage"]["签约"] == 1 and then["revitalised"] == 0
    assert then["overdue_cases"][0]["days_overdue"] == 30
    # completed on the day: counted as done that very day
    assert rv.summarize(frame, as_of=date(2018, 5, 20), events=history)["revitalised"] == 1


def test_stages_as_of_reconstructs_from_history():
    frame = assets(("A", "签约", None, 1.0, 0.0, "出租", "甲", "城投"), ("B", "制定方案", None, 1.0, 0.0, "出租", "甲", "城投"),
                   ("C", "招商推介", None, 1.0, 0.0, "出租", "甲", "城投"))
    history = events(("A", 1, "摸底清查", "2017-03-01"), ("A", 2, "洽谈对接", "2017-09-01"), ("A", 3, "招商推介", "2017-09-01"),
                     ("A", 4, "签约", "2018-02-01"), ("B", 1, "摸底清查", "2017-12-01"), ("B", 2, "制定方案", "2018-01-15"))
    view = rv.stages_as_of(frame, history, date(2017, 10, 31)).set_index("asset_id")["stage"].to_dict()
    # A: same-day changes resolved by seq; B: not in the ledger yet; C: no history, current stage kept
    assert view == {"A": "招商推介", "C": "招商推介"}
    assert rv.stages_as_of(frame, history, date(2018, 2, 1)).set_index("asset_id")["stage"].to_dict() == {
        "A": "签约", "B": "制定方案", "C": "招商推介"}


def test_breakdown_by_stage_mode_and_county(six):
    by_stage = rv.breakdown(six, "stage", as_of=AS_OF)
    assert list(by_stage["stage"]) == list(ASSET_STAGES)
    assert by_stage.set_index("stage").at["盘活完成", "revitalised_value_yi"] == 1.8
    assert list(by_stage["overdue"]) == [0, 1, 0, 0, 1, 0]
    by_mode = rv.breakdown(six, "mode")
    assert list(by_mode["mode"]) == [*ASSET_MODES, "未填写"] and "overdue" not in by_mode
    assert by_mode.set_index("mode").at["作价入股", "assets"] == 0
    by_county = rv.breakdown(six, "county_adcode", as_of=AS_OF)
    assert list(by_county["county_adcode"]) == ["甲", "乙"]  # 13,500 万 before 12,000 万
    row = by_county.set_index("county_adcode").loc["乙"]
    assert (row["assets"], row["revitalised"], row["signed"], row["overdue"], row["book_value_yi"]) == (3, 1, 1, 1, 1.2)
    assert row["revitalised_share"] == pytest.approx(1 / 3, abs=1e-4)
    by_owner = rv.breakdown(six, "owner_unit")
    assert by_owner.set_index("owner_unit")["assets"].to_dict() == {"城投": 4, "国投": 3}


def test_monthly_trend():
    history = events(("A", 1, "摸底清查", "2018-01-05"), ("A", 2, "制定方案", "2018-02-10"), ("A", 3, "盘活完成", "2018-03-31"),
                     ("B", 1, "摸底清查", "2018-02-01"), ("B", 2, "洽谈对接", "2018-04-01"), ("B", 3, "招商推介", "2018-04-20"))
    trend = rv.monthly_trend(history, as_of=date(2018, 5, 15)).set_index("month")
    assert list(trend.index) == ["2018-01", "2018-02", "2018-03", "2018-04", "2018-05"]
    assert trend.loc["2018-01", "摸底清查"] == 1
    assert trend.loc["2018-02", ["摸底清查", "制定方案"]].tolist() == [1, 1]
    assert trend.loc["2018-03", "盘活完成"] == 1 and trend.loc["2018-03", "newly_revitalised"] == 1
    assert trend.loc["2018-04", ["洽谈对接", "招商推介"]].tolist() == [0, 1]  # went back within the month
    assert trend["changes"].tolist() == [1, 2, 1, 2, 0]
    assert trend.loc["2018-05", list(ASSET_STAGES)].sum() == 2
    assert rv.monthly_trend(history.iloc[:0]).empty


def test_synonyms_only_name_canonical_words():
    assert set(rv.STAGE_SYNONYMS.values()) == set(ASSET_STAGES)
    assert set(rv.MODE_SYNONYMS.values()) == set(ASSET_MODES)
    for word in ("摸底", "清查", "方案", "推介", "招商中", "洽谈", "已签约", "已盘活", "完成"):
        assert word in rv.STAGE_SYNONYMS, word
