"""analysis.lights: late starts, slow funding, slow progress against 序时进度, 督办, thresholds from configuration."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis import lights

RULES = lights.Rules(late_yellow_months=0, late_red_months=3, progress_yellow_points=10, progress_red_points=30,
                     funding_after_months=6, funding_yellow_below=0.3, funding_red_below=0.1, deadline_days=15)


def project(pid, *, stage="签约", planned=None, started=None, signed=date(2018, 1, 10), inv=10_000.0, funds=0.0):
    return {"project_id": pid, "name": f"{pid}项目", "unit_id": "U1", "stage": stage, "leader": "张三", "responsible_unit": "甲县招商局",
            "planned_start": planned, "started_on": started, "produced_on": None, "signed_on": signed, "investment_wan": inv,
            "funds_in_place_wan": funds}


def test_late_start_yellow_when_the_planned_month_is_missed_red_at_three_months():
    frame = pd.DataFrame([
        project("on_time", planned=date(2018, 7, 1)),  # planned after the report month: nothing yet
        project("missed", planned=date(2018, 6, 15)),  # planned this month, not started by its end → yellow
        project("two", planned=date(2018, 4, 1)),  # 2 months late → yellow
        project("three", planned=date(2018, 3, 31)),  # 3 months late → red
        project("started", planned=date(2018, 1, 1), stage="开工", started=date(2018, 5, 1)),
        project("stage_only", planned=date(2018, 1, 1), stage="投产"),  # imported without dates: started by stage
        project("ended", planned=date(2018, 1, 1), stage="终止"),
        project("no_plan"),
    ])
    late = lights.late_starts(frame, "2018-06", RULES).set_index("project_id")
    assert late["light"].to_dict() == {"three": "红灯", "two": "黄灯", "missed": "黄灯"}
    assert late["months_late"].to_dict() == {"three": 3, "two": 2, "missed": 0}
    assert late.loc["three", "reason"] == "计划 2018年3月 开工，已逾期 3 个月"
    stricter = lights.Rules(late_yellow_months=1, late_red_months=2)
    assert lights.late_starts(frame, "2018-06", stricter).set_index("project_id")["light"].to_dict() == {"three": "红灯", "two": "红灯"}


def test_slow_funding():
    frame = pd.DataFrame([
        project("fresh", signed=date(2018, 3, 1), funds=0.0),  # 3 months: not yet checked
        project("low", funds=500.0),  # 5% after 5 months? signed 2018-01 → June = 5 months: not checked
        project("old_low", signed=date(2017, 11, 5), funds=500.0),  # 7 months, 5% → red
        project("old_mid", signed=date(2017, 11, 5), funds=2_000.0),  # 20% → yellow
        project("old_ok", signed=date(2017, 11, 5), funds=3_000.0),  # 30% → fine
    ])
    slow = lights.slow_funding(frame, "2018-06", RULES).set_index("project_id")
    assert slow["light"].to_dict() == {"old_low": "红灯", "old_mid": "黄灯"}
    assert slow.loc["old_low", "reason"] == "签约 7 个月，资金到位率 5.0%"


def test_slow_progress_against_the_time_schedule():
    completion = pd.DataFrame([
        {"unit_id": "U1", "indicator": "signed_projects", "actual": 45, "target": 100, "completion": 0.45},  # 5 behind → green
        {"unit_id": "U2", "indicator": "signed_projects", "actual": 30, "target": 100, "completion": 0.30},  # 20 → yellow
        {"unit_id": "U3", "indicator": "signed_projects", "actual": 10, "target": 100, "completion": 0.10},  # 40 → red
        {"unit_id": "ALL", "indicator": "signed_projects", "actual": 85, "target": 300, "completion": 0.2833},
    ])
    units = pd.DataFrame({"unit_id": ["U1", "U2", "U3"], "name": ["甲县", "乙县", "丙县"]})
    p = lights.slow_progress(completion, "2018-06", RULES, units).set_index("unit_id")
    assert p["light"].to_dict() == {"U3": "红灯", "U2": "黄灯", "ALL": "黄灯", "U1": "绿灯"}
    assert p.loc["U3", "behind_points"] == 40.0 and p.loc["ALL", "unit"] == "全市"
    assert p.loc["U3", "reason"] == "新签约项目数完成 10.0%，序时进度 50.0%，落后 40.0 个百分点"


def test_supervision_list_has_leader_unit_and_deadline():
    frame = pd.DataFrame([project("three", planned=date(2018, 3, 1)), project("old_low", signed=date(2017, 11, 5), funds=100.0),
                          project("two", planned=date(2018, 4, 1))])
    progress = lights.slow_progress(pd.DataFrame([{"unit_id": "U1", "indicator": "signed_projects", "actual": 1, "target": 100,
                                                   "completion": 0.01}]), "2018-06", RULES,
                                    pd.DataFrame({"unit_id": ["U1"], "name": ["甲县"]}))
    sup = lights.supervision(frame, progress, "2018-06", RULES, pd.DataFrame({"unit_id": ["U1"], "name": ["甲县"]}))
    assert sup["item"].tolist() == ["开工滞后", "资金到位滞后", "目标进度滞后"]  # "two" is only yellow: not on the list
    assert sup["subject"].tolist() == ["three项目", "old_low项目", "新签约项目数"]
    assert set(sup["leader"][:2]) == {"张三"} and set(sup["responsible_unit"][:2]) == {"甲县招商局"}
    assert set(sup["deadline"]) == {date(2018, 7, 15)}
    assert sup.iloc[2]["unit"] == "甲县" and sup.iloc[2]["responsible_unit"] == "甲县"


def test_project_lights_worst_wins():
    frame = pd.DataFrame([project("both", planned=date(2018, 5, 1), signed=date(2017, 11, 5), funds=0.0),
                          project("ok", planned=date(2018, 9, 1), signed=date(2018, 5, 1))])
    assert lights.project_lights(frame, "2018-06", RULES).to_dict() == {"both": "红灯", "ok": "绿灯"}


def test_rules_from_configuration(tmp_path):
    shipped = lights.load_rules()
    assert (shipped.late_red_months, shipped.progress_yellow_points, shipped.progress_red_points) == (3, 10, 30)
    cfg = tmp_path / "lights.toml"
    cfg.write_text("[late_start]\nred_months = 6\n[supervision]\ndeadline_days = 10\n", encoding="utf-8")
    rules = lights.load_rules(cfg)
    assert rules.late_red_months == 6 and rules.deadline_days == 10 and rules.funding_red_below == lights.Rules().funding_red_below
    assert lights.deadline("2018-06", rules) == date(2018, 7, 10)
