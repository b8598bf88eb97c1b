"""reports.supervision: the triaged 督办清单 export (汇总 + one sheet per 包抓领导, capped, the rest totalled, text never a
formula), and the 月通报's 督办 sheet with open red problems — unchanged for a frozen month by later problems."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import pandas as pd

from analysis import lights
from analysis import supervision as sv
from layers import months, project_issues, projects
from reports import monthly
from reports import supervision as report
from reports.monthly import collect

U = "测试"
DAY = date(2018, 6, 30)
NO_PROGRESS = pd.DataFrame(columns=["unit_id", "unit", "indicator", "indicator_label", "actual", "target", "completion", "schedule",
                                    "behind_points", "light", "reason"])


def project(pid, leader, inv, *, name=None, planned=date(2018, 3, 1)):
    return {"project_id": pid, "name": name or f"{pid}项目", "unit_id": "U1", "stage": "签约", "leader": leader,
            "responsible_unit": "甲县招商局", "planned_start": planned, "started_on": None, "produced_on": None,
            "signed_on": date(2018, 1, 10), "investment_wan": inv, "funds_in_place_wan": inv}


def items_for(rows) -> pd.DataFrame:
    return sv.triage(pd.DataFrame(rows), NO_PROGRESS, "2018-06", lights.Rules(), pd.DataFrame({"unit_id": ["U1"], "name": ["甲县"]}),
                     None, as_of=DAY)


def open_book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def values(ws) -> list[tuple]:
    return [tuple(c for c in row) for row in ws.iter_rows(values_only=True)]


def test_one_sheet_per_leader_capped_with_the_rest_totalled():
    rows = [project(f"A{i}", "张三", 1000.0 * (i + 1)) for i in range(5)] + [project("B1", "李四", 100.0),
                                                                              project("C1", None, 50.0)]
    data = report.to_bytes(items_for(rows), title="督办清单", as_of=DAY, top=3)
    wb = open_book(data)
    assert wb.sheetnames == ["汇总", "张三", "李四", sv.NO_LEADER]
    zhang = values(wb["张三"])
    assert zhang[3][:4] == ("序号", "总排名", "督办事项", "项目/指标")
    listed = [r for r in zhang[4:] if isinstance(r[0], int)]
    assert [r[3] for r in listed] == ["A4项目", "A3项目", "A2项目"]  # 5,000 / 4,000 / 3,000 万元 × 3 months
    assert [r[11] for r in listed] == [15000, 12000, 9000]
    assert zhang[4 + len(listed)][0] == "其余 2 项，合计 3,000.00 万元"  # A1 2,000 + A0 1,000
    assert not any(isinstance(r[0], str) and r[0].startswith("其余") for r in values(wb["李四"]))
    summary = {r[0]: r for r in values(wb["汇总"])[4:] if r[0]}
    assert summary["张三"][1:4] == (5, 2, 15000)
    assert summary["合计"][1] == 7 and summary["合计"][3] == 15150
    assert "涉及金额（万元）× 逾期月数" in values(wb["汇总"])[1][0]


def test_the_cap_comes_from_the_rules_by_default():
    rows = [project(f"A{i:02d}", "张三", 100.0 + i) for i in range(25)]
    wb = open_book(report.to_bytes(items_for(rows), title="督办清单", rules=lights.Rules(top_per_leader=20)))
    listed = [r for r in values(wb["张三"])[4:] if isinstance(r[0], int)]
    assert len(listed) == 20
    assert values(wb["张三"])[24][0].startswith("其余 5 项，合计")


def test_formula_looking_text_stays_text_and_sheet_names_are_valid():
    rows = [project("X1", '=HYPERLINK("http://evil","点我")', 1000.0, name="=1+1"),
            project("X2", "@SUM(A1)/[x]:*?", 900.0, name="+cmd|' /C calc'!A0"),
            project("X3", "a" * 40, 800.0), project("X4", "A" * 40, 700.0)]
    data = report.to_bytes(items_for(rows), title="=督办", as_of=DAY)
    for name in zipfile.ZipFile(io.BytesIO(data)).namelist():
        if name.startswith("xl/worksheets/"):
            xml = zipfile.ZipFile(io.BytesIO(data)).read(name).decode()
            assert "<f>" not in xml and "<f " not in xml
    wb = open_book(data)
    names = wb.sheetnames
    assert len(names) == 5 and len({n.casefold() for n in names}) == 5
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    texts = {c.value: c.data_type for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in ("=1+1", "+cmd|' /C calc'!A0", '=HYPERLINK("http://evil","点我") 包抓督办事项', "=督办"):
        assert texts[text] == "s"
    dated = [c for row in wb[names[1]].iter_rows(min_row=5) for c in row if c.column == 13 and c.value is not None]
    assert dated and dated[0].value.date() == date(2018, 7, 15) and dated[0].number_format == "yyyy-mm-dd"


def test_sheet_names():
    assert report.sheet_names(["张三", "张三", "汇总", "a/b", "'x'", ""]) == ["张三", "张三（2）", "汇总（2）", "a＿b", "x", sv.NO_LEADER]
    long = report.sheet_names(["长" * 40, "长" * 40])
    assert [len(n) for n in long] == [31, 31] and long[0] != long[1]


def test_an_empty_list_still_makes_a_workbook():
    wb = open_book(report.to_bytes(items_for([project("A", "张三", 1.0, planned=date(2018, 9, 1))]), title="督办清单"))
    assert wb.sheetnames == ["汇总"]


def late_project(con) -> pd.Series:
    current = projects.load(con)
    return current[(current["stage"] == "签约") & current["planned_start"].notna()].iloc[0]


def test_the_month_sheet_lists_open_red_problems(demo_copy):
    p = late_project(demo_copy)
    red = project_issues.add(demo_copy, p["project_id"], "=1+1 用地报批未完成", user=U, raised_on=date(2018, 3, 1), owner="市自然资源局")
    yellow = project_issues.add(demo_copy, p["project_id"], "电力接入", user=U, raised_on=date(2018, 5, 20))
    done = project_issues.add(demo_copy, p["project_id"], "已解决的", user=U, raised_on=date(2018, 1, 5))
    project_issues.update_status(demo_copy, done, "已解决", user=U, on=date(2018, 4, 1))
    month = collect(demo_copy, "2018-06")
    assert month.supervision["problem_id"].dropna().tolist() == [red]
    wb = open_book(monthly.to_bytes(month))
    assert values(wb["督办"])[1][0].startswith("红灯事项（含逾期未解决的项目问题/困难），请于 2018-07-15")
    rows = [r for r in values(wb["督办"]) if r[1] == "问题/困难"]
    assert len(rows) == 1 and rows[0][2] == p["name"] and rows[0][6].startswith("问题：=1+1 用地报批未完成；提出 121 天未解决")
    assert next(c for row in wb["督办"].iter_rows() for c in row if c.value == rows[0][6]).data_type == "s"
    listed = report.triaged(month)
    assert {red, yellow} == set(listed["problem_id"].dropna())
    assert len(listed) == len(month.supervision) + 1


def test_a_frozen_month_keeps_its_list_after_problems_are_added_or_solved(demo_copy):
    p = late_project(demo_copy)
    known = project_issues.add(demo_copy, p["project_id"], "用地", user=U, raised_on=date(2018, 3, 1))
    months.freeze(demo_copy, "2018-06", user=U)
    first = collect(demo_copy, "2018-06")
    assert known in set(first.supervision["problem_id"].dropna())
    before = monthly.to_bytes(first)
    project_issues.add(demo_copy, p["project_id"], "补记的问题", user=U, raised_on=date(2018, 2, 1))  # recorded after the freeze
    project_issues.update_status(demo_copy, known, "已解决", user=U, on=date(2018, 6, 15))  # solved in June, recorded later
    again = collect(demo_copy, "2018-06")
    assert monthly.to_bytes(again) == before
    assert report.triaged(again)["problem_id"].dropna().tolist() == [known]
    live = collect(demo_copy, "2018-07")  # the month after, not frozen: what is known now
    assert known not in set(live.supervision["problem_id"].dropna())
    assert len(live.supervision["problem_id"].dropna()) == 1
