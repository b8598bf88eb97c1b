"""analysis.ranking: ranks, ties, undefined values, rank change against the previous month, from snapshots."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analysis import ranking
from layers import project_history

UNITS = pd.DataFrame({"unit_id": ["A", "B", "C"], "name": ["甲县", "乙县", "丙县"]})


def snap(rows) -> pd.DataFrame:
    """rows: (project_id, unit, signed_on, stage, investment 万元)."""
    return pd.DataFrame([{"project_id": p, "unit_id": u, "county_adcode": "990101", "category": "工业", "sign_type": "合同", "stage": s,
                          "investment_wan": inv, "funds_in_place_wan": 0.0, "signed_on": d, "registered_on": None,
                          "started_on": None, "produced_on": None} for p, u, d, s, inv in rows])


APRIL = snap([("a1", "A", date(2018, 4, 2), "签约", 1000.0), ("b1", "B", date(2018, 3, 2), "签约", 5000.0),
              ("b2", "B", date(2018, 4, 9), "开工", 5000.0)])
MAY = pd.concat([APRIL.assign(stage=["开工", "签约", "开工"]),
                 snap([("a2", "A", date(2018, 5, 2), "签约", 20_000.0), ("a3", "A", date(2018, 5, 3), "签约", 1000.0),
                       ("c1", "C", date(2018, 5, 8), "签约", 2000.0)])])


def test_rank_with_change():
    r = ranking.ranking(MAY, APRIL, "2018-05", "signed", UNITS)
    assert r[["unit", "value", "rank", "previous_rank", "change"]].values.tolist() == [
        ["甲县", 3, 1, 2, 1], ["乙县", 2, 2, 1, -1], ["丙县", 1, 3, 3, 0]]
    assert [ranking.change_label(c) for c in r["change"]] == ["↑1", "↓1", "—"]


def test_ties_share_the_better_rank_and_undefined_values_go_last():
    r = ranking.ranking(APRIL, None, "2018-04", "start_rate", UNITS)
    assert r["unit_id"].tolist() == ["B", "A", "C"]
    assert r["rank"].tolist()[:2] == [1, 2] and pd.isna(r["rank"].iloc[2])  # 丙县 signed nothing: no rate, no rank
    assert r["previous_rank"].isna().all() and ranking.change_label(r["change"].iloc[0]) == ""
    tie = ranking.ranking(MAY, APRIL, "2018-05", "start_rate", UNITS)
    assert dict(zip(tie["unit_id"], tie["rank"], strict=True)) == {"B": 1, "A": 2, "C": 3}
    money = ranking.rank(__import__("analysis.kpis", fromlist=["summarize"]).summarize(MAY, ranking.ytd("2018-05"), UNITS),
                         "investment_total_yi")
    assert money["unit_id"].tolist() == ["A", "B", "C"] and money["value"].tolist() == [2.2, 1.0, 0.2]


def test_ranking_by_target_completion():
    targets = pd.DataFrame({"unit_id": ["A", "B", "C"], "indicator": ["signed_projects"] * 3, "target_value": [30.0, 4.0, 2.0]})
    r = ranking.ranking(MAY, APRIL, "2018-05", "completion:signed_projects", UNITS, targets)
    assert r[["unit_id", "value", "rank"]].values.tolist() == [["B", 0.5, 1], ["C", 0.5, 1], ["A", 0.1, 3]]


def test_unknown_indicator():
    with pytest.raises(KeyError, match="未知指标"):
        ranking.ranking(MAY, APRIL, "2018-05", "happiness", UNITS)


def test_ytd_and_previous_month():
    assert ranking.previous_month("2018-01") == "2017-12"
    assert ranking.ytd("2018-05").label() == "2018-01-01 至 2018-05-31"


def test_past_month_ranking_is_reproducible_from_snapshots(demo_copy):
    """The published May ranking is recomputed identically after the data change."""
    from layers import projects, reporting_units

    units = reporting_units.load(demo_copy)

    def may():
        return ranking.ranking(project_history.load_snapshot(demo_copy, "2018-05"), project_history.load_snapshot(demo_copy, "2018-04"),
                               "2018-05", "signed", units)

    before = may()
    assert before["value"].sum() == 340  # 2018 Jan–May signings in the demo's May snapshot
    assert before["change"].notna().all()
    top = before.iloc[-1]["unit_id"]
    current = projects.load(demo_copy)
    moved = current[(current["unit_id"] == top) & (current["signed_on"].isna())]["project_id"].head(40).tolist()
    for pid in moved:
        projects.update(demo_copy, pid, {"stage": "签约", "signed_on": date(2018, 5, 20)}, user="编辑")
    pd.testing.assert_frame_equal(may(), before)
    live = ranking.ranking(projects.load(demo_copy), None, "2018-05", "signed", units).set_index("unit_id")
    assert len(moved) > 10 and live.at[top, "value"] == before.iloc[-1]["value"] + len(moved)  # the live data did change
