"""ui.problem_views: the project card's 问题/困难 section (record one, change its status — under the page user) and the
triaged 督办 list on 项目进度 (filters by 包抓领导 / 责任单位, the ranking rule, the per-leader export)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
from streamlit.testing.v1 import AppTest

from analysis import supervision as sv
from layers import accounts
from ui import data, identity
from ui import problem_views as pvw
from ui.safe_html import md

ROOT = Path(__file__).resolve().parents[2]


def card(project_id: str) -> None:
    from ui import problem_views

    problem_views.project_section(project_id, None)


def late_project() -> tuple[str, str]:
    with data.cursor() as con:
        return con.execute("SELECT project_id, leader FROM projects WHERE stage = '签约' AND planned_start < DATE '2018-03-01' "
                           "ORDER BY project_id LIMIT 1").fetchone()


def stored(issue_id: str) -> tuple:
    with data.cursor() as con:
        return con.execute("SELECT status, resolved_on, updated_by, created_by, owner FROM project_issues WHERE issue_id = ?",
                           [issue_id]).fetchone()


def test_the_card_records_a_problem_and_changes_its_status(demo_copy_env):
    pid, _ = late_project()
    key = f"issues-{pid}"
    at = AppTest.from_function(card, args=(pid,), default_timeout=60).run()
    assert not at.exception
    assert any(c.value == "暂无登记的问题/困难。" for c in at.caption)
    at.text_area(key=f"{key}-text").input("用地报批未完成")
    at.text_input(key=f"{key}-owner").input("市自然资源局")
    at.date_input(key=f"{key}-raised").set_value(date(2018, 3, 1))
    next(b for b in at.button if b.label == "登记").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已登记问题/困难"]
    table = next(d.value for d in at.dataframe if "编号" in d.value.columns)
    assert table.iloc[0][["编号", "内容", "责任人/单位", "状态", "升级", "已提出（天）"]].tolist() == [
        f"{pid}-Q001", "用地报批未完成", "市自然资源局", "未解决", "🔴 红", 121]  # 121 days open at 2018-06-30
    assert stored(f"{pid}-Q001") == ("未解决", None, identity.PAGE_USER, identity.PAGE_USER, "市自然资源局")

    at.selectbox(key=f"{key}-new").set_value("已解决")
    at.date_input(key=f"{key}-on").set_value(date(2018, 6, 20))
    next(b for b in at.button if b.label == "保存状态").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [md(f"{pid}-Q001 已改为已解决")]  # shown as text, not Markdown
    status, resolved_on, who, _, _ = stored(f"{pid}-Q001")
    assert (status, resolved_on, who) == ("已解决", date(2018, 6, 20), identity.PAGE_USER)
    table = next(d.value for d in at.dataframe if "编号" in d.value.columns)
    assert table.iloc[0]["升级"] == "" and table.iloc[0]["解决日期"] == "2018-06-20"


def test_the_card_shows_a_refusal_in_chinese(demo_copy_env):
    pid, _ = late_project()
    key = f"issues-{pid}"
    at = AppTest.from_function(card, args=(pid,), default_timeout=60).run()
    next(b for b in at.button if b.label == "登记").click().run()  # no text
    assert [e.value for e in at.error] == ["问题/困难的内容不能为空"]
    at.text_area(key=f"{key}-text").input("环评")
    at.date_input(key=f"{key}-raised").set_value(date(2018, 5, 1))
    at.date_input(key=f"{key}-due").set_value(date(2018, 4, 1))
    next(b for b in at.button if b.label == "登记").click().run()
    assert [e.value for e in at.error] == [md("办结时限 2018-04-01 早于提出日期 2018-05-01")]
    assert pvw.load_problems(None).empty


def test_read_only_accounts_see_the_list_without_forms(demo_copy_env, monkeypatch):
    pid, _ = late_project()
    assert pvw.add_problem(pid, "用地", kind="问题", owner=None, raised_on=date(2018, 5, 1), due_on=None) is None
    monkeypatch.setattr(identity, "current", lambda: accounts.Account("领导", "领导", "leader", (), ()))
    assert pvw.add_problem(pid, "再一个", kind="问题", owner=None, raised_on=date(2018, 5, 1), due_on=None) == \
        "当前账号（领导）无权修改或导入数据"
    assert pvw.change_status(f"{pid}-Q001", "已解决", on=date(2018, 6, 1), note=None, version=None) == "当前账号（领导）无权修改或导入数据"
    assert stored(f"{pid}-Q001")[0] == "未解决"


def progress_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.switch_page("pages/3_项目进度.py")
    return at


def test_the_progress_page_lists_the_triaged_items_filters_and_exports(demo_copy_env):
    pid, leader = late_project()
    assert pvw.add_problem(pid, "=1+1 用地报批", kind="问题", owner="市自然资源局", raised_on=date(2018, 3, 1), due_on=None) is None
    at = progress_page().run()
    assert not at.exception
    items = pvw.triaged("2018-06", None)
    assert any(t.label == f"督办清单（{len(items)}）" for t in at.tabs)
    shown = next(d.value for d in at.dataframe if "排名" in d.value.columns)
    assert len(shown) == len(items) and shown["排名"].tolist() == list(range(1, len(items) + 1))
    assert "问题/困难" in set(shown["督办事项"])
    assert any("排序规则：涉及金额（万元）× 逾期月数" in c.value for c in at.caption)
    assert [d.proto.label for d in at.get("download_button") if "督办" in d.proto.label] == ["导出督办清单（按包抓领导分表）"]

    at.multiselect(key="sup-leaders-2018-06").set_value([leader]).run()
    assert not at.exception
    shown = next(d.value for d in at.dataframe if "排名" in d.value.columns)
    assert set(shown["包抓领导"]) == {leader} and len(shown) == len(sv.filter_items(items, leaders=[leader]))
    assert pid in set(items.loc[items["problem_id"].notna(), "project_id"])
    at.multiselect(key="sup-units-2018-06").set_value(["市自然资源局"]).run()
    shown = next(d.value for d in at.dataframe if "排名" in d.value.columns)
    assert shown["督办事项"].tolist() == ["问题/困难"] and shown["情况"].iloc[0].startswith("问题：=1+1 用地报批")

    wb = openpyxl.load_workbook(io.BytesIO(pvw.export("2018-06", None, (leader,), ())))
    assert wb.sheetnames == ["汇总", leader]
