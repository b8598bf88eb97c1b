"""analysis.supervision: problems escalate by age (蓝/黄/红), the 督办 list ranked by money × months late, filters, the
per-leader cap with the total of the rest, and frozen months that do not move."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from analysis import lights
from analysis import supervision as sv

RULES = lights.Rules(late_yellow_months=0, late_red_months=3, funding_after_months=6, funding_yellow_below=0.3,
                     funding_red_below=0.1, deadline_days=15, problem_yellow_days=30, problem_red_days=60)
DAY = date(2018, 6, 30)
UNITS = pd.DataFrame({"unit_id": ["U1", "U2"], "name": ["甲县", "乙县"]})
NO_PROGRESS = pd.DataFrame(columns=["unit_id", "unit", "indicator", "indicator_label", "actual", "target", "completion", "schedule",
                                    "behind_points", "light", "reason"])


def project(pid, *, leader="张三", unit="甲县招商局", planned=None, signed=date(2018, 1, 10), inv=10_000.0, funds=None, unit_id="U1"):
    return {"project_id": pid, "name": f"{pid}项目", "unit_id": unit_id, "stage": "签约", "leader": leader, "responsible_unit": unit,
            "planned_start": planned, "started_on": None, "produced_on": None, "signed_on": signed, "investment_wan": inv,
            "funds_in_place_wan": funds if funds is not None else inv * 0.5}


def problem(iid, pid, raised, *, due=None, resolved=None, owner=None, created=datetime(2018, 1, 1), resolved_at=None, text="用地"):
    return {"issue_id": iid, "project_id": pid, "county_adcode": "990101", "text": text, "kind": "问题", "owner": owner,
            "raised_on": pd.Timestamp(raised), "due_on": pd.Timestamp(due) if due else pd.NaT,
            "status": "已解决" if resolved else "未解决", "resolved_on": pd.Timestamp(resolved) if resolved else pd.NaT,
            "resolved_at": pd.Timestamp(resolved_at) if resolved_at else pd.NaT, "note": None, "created_at": pd.Timestamp(created)}


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


@pytest.mark.parametrize(("raised", "due", "level"), [
    (date(2018, 6, 1), None, "蓝"),  # 29 days
    (date(2018, 5, 31), None, "黄"),  # 30 days
    (date(2018, 5, 2), None, "黄"),  # 59 days
    (date(2018, 5, 1), None, "红"),  # 60 days
    (date(2018, 6, 20), date(2018, 6, 29), "红"),  # 10 days old but past its 办结时限
    (date(2018, 6, 20), date(2018, 6, 30), "蓝"),  # due today: not late yet
])
def test_escalation_by_age_and_due_date(raised, due, level):
    out = sv.escalate(frame(problem("Q", "P", raised, due=due)), DAY, RULES)
    assert out["escalation"].tolist() == [level]
    assert out["age_days"].tolist() == [(DAY - raised).days]


def test_escalation_thresholds_come_from_the_rules():
    rows = frame(problem("Q", "P", date(2018, 6, 10)))  # 20 days
    assert sv.escalate(rows, DAY, lights.Rules(problem_yellow_days=15, problem_red_days=20))["escalation"].tolist() == ["红"]
    assert sv.escalate(rows, DAY, lights.Rules(problem_yellow_days=15, problem_red_days=40))["escalation"].tolist() == ["黄"]


def test_solved_and_future_problems_are_not_open():
    rows = frame(problem("solved", "P", date(2018, 1, 1), resolved=date(2018, 6, 1)),
                 problem("solved_later", "P", date(2018, 1, 1), resolved=date(2018, 7, 5)),  # still open at the end of June
                 problem("future", "P", date(2018, 7, 2)))
    out = sv.escalate(rows, DAY, RULES).set_index("issue_id")
    assert out["open"].to_dict() == {"solved": False, "solved_later": True, "future": False}
    assert out["escalation"].isna().to_dict() == {"solved": True, "solved_later": False, "future": True}
    assert out.loc["solved", "months_late"] == 0


def test_months_late_counts_from_the_due_date_or_the_end_of_blue():
    rows = frame(problem("due", "P", date(2018, 5, 1), due=date(2018, 5, 16)),  # 45 days past due
                 problem("old", "P", date(2018, 4, 1)),  # 90 days old: late since day 30 → 60 days
                 problem("young", "P", date(2018, 6, 20)))
    out = sv.escalate(rows, DAY, RULES).set_index("issue_id")
    assert out["months_late"].to_dict() == {"due": 1.5, "old": 2.0, "young": 0.0}
    assert out.loc["due", "overdue_days"] == 45 and pd.isna(out.loc["old", "overdue_days"])


def test_a_frozen_month_only_knows_what_was_recorded_by_its_freeze():
    frozen_at = datetime(2018, 7, 3, 9, 0)
    rows = frame(problem("known", "P", date(2018, 4, 1), created=datetime(2018, 4, 1)),
                 problem("entered_later", "P", date(2018, 4, 1), created=datetime(2018, 7, 10)),
                 problem("solved_before", "P", date(2018, 4, 1), resolved=date(2018, 6, 20), resolved_at=datetime(2018, 6, 21)),
                 problem("solved_recorded_later", "P", date(2018, 4, 1), resolved=date(2018, 6, 20), resolved_at=datetime(2018, 7, 9)))
    assert sv.open_on(rows, DAY, frozen_at).tolist() == [True, False, False, True]
    assert sv.open_on(rows, DAY).tolist() == [True, True, False, False]  # live: what is known now


def scenario():
    projects = frame(
        project("late4", planned=date(2018, 2, 1), inv=10_000.0),  # 4 months late → 40,000
        project("late3", planned=date(2018, 3, 1), inv=30_000.0, leader="李四", unit="乙县招商局"),  # 3 months → 90,000
        project("poor", signed=date(2017, 10, 1), inv=20_000.0, funds=100.0, leader="李四"),  # signed 8 months: 2 past 6 → 40,000
        project("yellow_only", planned=date(2018, 5, 1), inv=99_000.0),  # 1 month late: yellow light, not on the list
        project("quiet", inv=50_000.0, leader=None),
    )
    problems = frame(problem("quiet-Q001", "quiet", date(2018, 4, 1), owner="市自然资源局"),  # red (90 days)
                     problem("quiet-Q002", "quiet", date(2018, 5, 16)),  # yellow (45 days)
                     problem("quiet-Q003", "quiet", date(2018, 6, 20)),  # blue: not on any list
                     problem("late4-Q001", "late4", date(2018, 3, 1), due=date(2018, 4, 30)))  # red, 61 days past due
    return projects, problems


def test_triage_ranks_by_money_times_months_late():
    projects, problems = scenario()
    items = sv.triage(projects, NO_PROGRESS, "2018-06", RULES, UNITS, problems, as_of=DAY)
    got = list(zip(items["item"], items["project_id"], items["problem_id"].fillna(""), items["score"], strict=True))
    assert got == [
        ("问题/困难", "quiet", "quiet-Q001", 100_000.0),  # 50,000 × 2.0 (90 days old: late since day 30)
        ("开工滞后", "late3", "", 90_000.0),  # 30,000 × 3
        ("资金到位滞后", "poor", "", 40_000.0),  # 20,000 × 2 — ties with late4 (10,000 × 4): the larger sum first
        ("开工滞后", "late4", "", 40_000.0),
        ("问题/困难", "late4", "late4-Q001", 30_000.0),  # 10,000 × 3.0 (late since day 30, before its due date)
        ("问题/困难", "quiet", "quiet-Q002", 25_000.0),  # 50,000 × 0.5 (45 days old)
    ]
    assert items["rank"].tolist() == list(range(1, len(items) + 1))
    assert (items["score"] == (items["money_wan"] * items["months_late"]).round(2)).all()
    assert items["score"].is_monotonic_decreasing
    by_key = {(i, q or p): (m, n) for i, p, q, m, n in zip(items["item"], items["project_id"], items["problem_id"].fillna(""),
                                                           items["money_wan"], items["months_late"], strict=True)}
    assert by_key[("开工滞后", "late4")] == (10_000.0, 4.0)
    assert by_key[("资金到位滞后", "poor")] == (20_000.0, 2.0)
    assert by_key[("问题/困难", "quiet-Q001")] == (50_000.0, 2.0)
    assert set(items["problem_id"].dropna()) == {"quiet-Q001", "quiet-Q002", "late4-Q001"}  # the blue one is not listed
    assert "yellow_only" not in set(items["project_id"])


def test_problem_items_carry_the_project_leader_unit_and_reason():
    projects, problems = scenario()
    items = sv.triage(projects, NO_PROGRESS, "2018-06", RULES, UNITS, problems, as_of=DAY).set_index("problem_id")
    row = items.loc["late4-Q001"]
    assert (row["leader"], row["responsible_unit"], row["unit"], row["light"], row["escalation"]) == ("张三", "甲县招商局", "甲县", "红灯", "红")
    assert row["reason"] == "问题：用地；提出 121 天未解决；办结时限 2018-04-30 已过 61 天"
    assert row["deadline"] == date(2018, 7, 15)
    assert items.loc["quiet-Q001", "owner"] == "市自然资源局" and items.loc["quiet-Q001", "leader"] == ""
    assert items.loc["quiet-Q002", "light"] == "黄灯"


def test_month_list_adds_only_red_problems_after_the_lights_items():
    projects, problems = scenario()
    base = lights.supervision(projects, NO_PROGRESS, "2018-06", RULES, UNITS)
    month = sv.month_list(projects, NO_PROGRESS, "2018-06", RULES, UNITS, problems)
    assert month["item"].tolist()[:len(base)] == base["item"].tolist()
    assert month["problem_id"].dropna().tolist() == ["quiet-Q001", "late4-Q001"]
    assert sv.month_list(projects, NO_PROGRESS, "2018-06", RULES, UNITS)["item"].tolist() == base["item"].tolist()


def test_a_problem_of_a_project_outside_the_list_is_left_out():
    projects, problems = scenario()
    stray = pd.concat([problems, frame(problem("other-Q001", "other", date(2018, 1, 1)))], ignore_index=True)
    items = sv.triage(projects, NO_PROGRESS, "2018-06", RULES, UNITS, stray, as_of=DAY)
    assert "other-Q001" not in set(items["problem_id"].dropna())


def test_unit_progress_items_rank_by_shortfall_times_months_behind():
    progress = lights.slow_progress(pd.DataFrame([
        {"unit_id": "U1", "indicator": "signed_investment_yi", "actual": 10.0, "target": 100.0, "completion": 0.1},
        {"unit_id": "U2", "indicator": "signed_projects", "actual": 1, "target": 100, "completion": 0.01}]), "2018-06", RULES, UNITS)
    items = sv.triage(frame(project("ok")), progress, "2018-06", RULES, UNITS, None, as_of=DAY).set_index("unit")
    # 序时进度 50%: 50 亿 expected, 10 亿 done → 40 亿 = 400,000 万元 short, 40 points behind = 4.8 months
    assert (items.loc["甲县", "money_wan"], items.loc["甲县", "months_late"]) == (400_000.0, 4.8)
    assert items.loc["乙县", "money_wan"] == 0 and items.loc["乙县", "months_late"] == 5.88  # a count: no money
    assert items.loc["甲县", "rank"] == 1


def test_filters_by_leader_and_unit():
    projects, problems = scenario()
    items = sv.triage(projects, NO_PROGRESS, "2018-06", RULES, UNITS, problems, as_of=DAY)
    assert set(sv.filter_items(items, leaders=["李四"])["project_id"]) == {"late3", "poor"}
    assert set(sv.filter_items(items, leaders=[sv.NO_LEADER])["problem_id"]) == {"quiet-Q001", "quiet-Q002"}
    assert set(sv.filter_items(items, units=["乙县招商局"])["project_id"]) == {"late3"}
    assert set(sv.filter_items(items, units=["市自然资源局"])["problem_id"]) == {"quiet-Q001"}  # a problem's own owner
    assert set(sv.filter_items(items, leaders=["李四"], units=["甲县招商局"])["project_id"]) == {"poor"}
    assert len(sv.filter_items(items)) == len(items)
    assert sv.filter_items(items, leaders=["李四"])["rank"].tolist() == [2, 3]  # the overall rank is kept
    leaders, units = sv.choices(items)
    assert leaders == sorted(["张三", "李四", sv.NO_LEADER]) and "市自然资源局" in units


def test_by_leader_caps_each_sheet_and_totals_the_rest():
    projects = frame(*[project(f"P{i}", planned=date(2018, 3, 1), inv=1000.0 * (i + 1)) for i in range(5)],
                     project("Z", planned=date(2018, 3, 1), inv=100.0, leader="李四"))
    problems = frame(problem("P0-Q001", "P0", date(2018, 4, 1)))  # a second item of P0, in the rest
    items = sv.triage(projects, NO_PROGRESS, "2018-06", RULES, UNITS, problems, as_of=DAY)
    sheets = sv.by_leader(items, top=2)
    assert [s.leader for s in sheets] == ["张三", "李四"]  # most at stake first
    zhang = sheets[0]
    assert zhang.shown["project_id"].tolist() == ["P4", "P3"]
    assert zhang.rest == 4  # P2, P1, P0 late starts and P0's problem
    assert zhang.rest_money_wan == 3000.0 + 2000.0 + 1000.0  # P0 counted once
    assert zhang.rest_line == "其余 4 项，合计 6,000.00 万元"
    assert sheets[1].rest == 0 and sheets[1].rest_line is None
    assert sum(len(s.shown) + s.rest for s in sheets) == len(items)


def test_items_without_a_leader_come_last():
    items = sv.triage(frame(project("A", planned=date(2018, 1, 1), inv=9e6, leader=None), project("B", planned=date(2018, 3, 1))),
                      NO_PROGRESS, "2018-06", RULES, UNITS, None, as_of=DAY)
    assert [s.leader for s in sv.by_leader(items, 20)] == ["张三", sv.NO_LEADER]


def test_the_day_of_a_month_and_the_rule_text():
    assert sv.as_of_day("2018-06", date(2026, 1, 1)) == date(2018, 6, 30)
    assert sv.as_of_day("2018-06", date(2018, 6, 12)) == date(2018, 6, 12)  # a month not over yet
    text = sv.rank_rule(lights.Rules(problem_yellow_days=20, problem_red_days=45, funding_after_months=9))
    assert "涉及金额（万元）× 逾期月数" in text and "不足 20 天为蓝，不足 45 天为黄，满 45 天" in text and "签约满 9 个月" in text


def test_problem_and_cap_rules_from_configuration(tmp_path):
    shipped = lights.load_rules()
    assert (shipped.problem_yellow_days, shipped.problem_red_days, shipped.top_per_leader) == (30, 60, 20)
    cfg = tmp_path / "lights.toml"
    cfg.write_text("[problems]\nyellow_days = 10\nred_days = 20\n[supervision]\ntop_per_leader = 5\n", encoding="utf-8")
    rules = lights.load_rules(cfg)
    assert (rules.problem_yellow_days, rules.problem_red_days, rules.top_per_leader) == (10, 20, 5)
    assert rules.late_red_months == lights.Rules().late_red_months
