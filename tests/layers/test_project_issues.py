"""layers.project_issues: 问题/困难 of projects — ids, county scope, audited writes under the user, refusals, conflicts."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

import layers
import store
from layers import project_issues, projects
from layers.project_issues import IssueError
from store import ConflictError

U = "测试员"
STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"


@pytest.fixture
def two(con, toy):
    projects.insert(con, [{"project_id": "P1", "name": "甲项目", "county_adcode": toy.a, "stage": "签约", "investment_wan": 5000.0},
                          {"project_id": "P2", "name": "乙项目", "county_adcode": toy.b, "stage": "签约"}], user=U)
    return toy


def audit_rows(con):
    return con.execute("SELECT a.table_name, a.record_id, a.user_name, b.kind, CAST(a.changes AS VARCHAR) FROM audit_log a "
                       "JOIN batches b USING (batch_id) WHERE a.table_name = 'project_issues' ORDER BY a.audit_id").fetchall()


def test_table_is_registered_and_created(con):
    assert project_issues.SPEC in layers.SPECS
    names = {n for (n,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "project_issues" in names


def test_an_old_store_gets_the_table_when_opened(tmp_path):
    path = tmp_path / "old.duckdb"
    shutil.copyfile(STORES / "shangluo.duckdb", path)
    con = store.connect(path)
    try:
        before = {n for (n,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert "project_issues" not in before  # made by a release before problems existed
        layers.create_all(con)
        assert project_issues.load(con).empty
        (pid,) = con.execute("SELECT project_id FROM projects ORDER BY project_id LIMIT 1").fetchone()
        issue = project_issues.add(con, pid, "用地指标未落实", user=U, raised_on=date(2018, 5, 1))
        assert issue == f"{pid}-Q001"
    finally:
        con.close()


def test_add_numbers_per_project_copies_the_county_and_audits_under_the_user(con, two):
    first = project_issues.add(con, "P1", "  用地报批未完成 ", user=U, raised_on=date(2018, 3, 1), due_on=date(2018, 5, 31),
                               owner="市自然资源局")
    second = project_issues.add(con, "P1", "电力接入", user="李四", kind="困难", raised_on=date(2018, 5, 20))
    other = project_issues.add(con, "P2", "环评", user=U, raised_on=date(2018, 6, 1))
    assert (first, second, other) == ("P1-Q001", "P1-Q002", "P2-Q001")
    frame = project_issues.load(con).set_index("issue_id")
    assert frame.loc["P1-Q001", "text"] == "用地报批未完成"
    assert frame.loc["P1-Q001", "county_adcode"] == two.a and frame.loc["P2-Q001", "county_adcode"] == two.b
    assert list(frame["status"]) == ["未解决"] * 3 and frame.loc["P1-Q002", "kind"] == "困难"
    assert frame.loc["P1-Q002", "created_by"] == "李四"
    rows = audit_rows(con)
    assert [(r[1], r[2], r[3]) for r in rows] == [("P1-Q001", U, "task"), ("P1-Q002", "李四", "task"), ("P2-Q001", U, "task")]
    assert json.loads(rows[0][4])["owner"] == [None, "市自然资源局"]


def test_an_id_still_in_use_is_skipped(con, two):
    project_issues.add(con, "P1", "一", user=U, raised_on=date(2018, 1, 1))
    project_issues.add(con, "P1", "二", user=U, raised_on=date(2018, 1, 2))
    project_issues.delete(con, "P1-Q001", user=U)
    assert project_issues.add(con, "P1", "三", user=U, raised_on=date(2018, 1, 3)) == "P1-Q003"


@pytest.mark.parametrize(("project_id", "text", "kwargs", "message"), [
    ("P1", "  ", {}, "内容不能为空"),
    ("P1", "x", {"kind": "风险"}, "未知的类别"),
    ("P1", "x", {"raised_on": None}, "请填写提出日期"),
    ("P1", "x", {"raised_on": "明天"}, "提出日期不是日期"),
    ("P1", "x", {"due_on": date(2018, 2, 1)}, "办结时限 2018-02-01 早于提出日期 2018-03-01"),
    ("P9", "x", {}, "没有编号为 P9 的项目"),
    ("P2", "x", {"counties": ("990101",)}, "没有编号为 P2 的项目"),  # another county's project: as if absent
    ("P1", "x", {"counties": ("990101", "park:PK9")}, "没有编号为 P1 的项目"),  # a park user: only their parks' projects
])
def test_add_refuses_bad_input_in_chinese(con, two, project_id, text, kwargs, message):
    kwargs = {"raised_on": date(2018, 3, 1), **kwargs}
    with pytest.raises(IssueError, match=message):
        project_issues.add(con, project_id, text, user=U, **kwargs)
    assert project_issues.load(con).empty
    assert issubclass(IssueError, ValueError)


def test_a_park_user_sees_and_writes_the_problems_of_their_parks_projects(con, two):
    projects.insert(con, [{"project_id": "P3", "name": "园区项目", "county_adcode": two.a, "park_id": "PK1", "stage": "签约"}], user=U)
    park = ("990101", "park:PK1")
    project_issues.add(con, "P1", "县里的", user=U, raised_on=date(2018, 1, 1))
    assert project_issues.add(con, "P3", "园区的", user="园区", raised_on=date(2018, 1, 2), counties=park) == "P3-Q001"
    assert list(project_issues.load(con, county=park)["issue_id"]) == ["P3-Q001"]  # not P1's, though in the same county
    assert list(project_issues.load(con, county=(two.a,))["issue_id"]) == ["P1-Q001", "P3-Q001"]
    project_issues.update_status(con, "P3-Q001", "推进中", user="园区", counties=park)
    with pytest.raises(IssueError, match="没有编号为 P1-Q001"):
        project_issues.update_status(con, "P1-Q001", "推进中", user="园区", counties=park)


def test_load_filters_by_county_project_and_open(con, two):
    project_issues.add(con, "P1", "一", user=U, raised_on=date(2018, 1, 1))
    project_issues.add(con, "P1", "二", user=U, raised_on=date(2018, 1, 2))
    project_issues.add(con, "P2", "三", user=U, raised_on=date(2018, 1, 3))
    project_issues.update_status(con, "P1-Q002", "已解决", user=U, on=date(2018, 2, 1))
    assert list(project_issues.load(con, county=two.a)["issue_id"]) == ["P1-Q001", "P1-Q002"]
    assert list(project_issues.load(con, county=[two.b])["issue_id"]) == ["P2-Q001"]
    assert project_issues.load(con, county=[]).empty
    assert list(project_issues.load(con, project_ids=["P2"])["issue_id"]) == ["P2-Q001"]
    assert list(project_issues.load(con, open_only=True)["issue_id"]) == ["P1-Q001", "P2-Q001"]


def test_status_changes_resolve_and_reopen(con, two):
    project_issues.add(con, "P1", "用地", user=U, raised_on=date(2018, 3, 1))
    project_issues.update_status(con, "P1-Q001", "推进中", user="李四", note="已报省厅")
    row = project_issues.load(con).iloc[0]
    assert (row["status"], row["note"], row["updated_by"]) == ("推进中", "已报省厅", "李四")
    project_issues.update_status(con, "P1-Q001", "已解决", user=U, on=date(2018, 6, 10))
    row = project_issues.load(con).iloc[0]
    assert row["status"] == "已解决" and row["resolved_on"].date() == date(2018, 6, 10)
    assert row["resolved_at"] is not None and row["resolved_at"] >= row["created_at"]
    assert row["note"] == "已报省厅"  # no note given: kept
    project_issues.update_status(con, "P1-Q001", "未解决", user=U, note="问题反复")
    row = project_issues.load(con).iloc[0]
    assert row["status"] == "未解决" and row.isna()["resolved_on"] and row.isna()["resolved_at"]
    statuses = [json.loads(r[4]).get("status") for r in audit_rows(con)[1:]]
    assert statuses == [["未解决", "推进中"], ["推进中", "已解决"], ["已解决", "未解决"]]


@pytest.mark.parametrize(("issue", "status", "kwargs", "message"), [
    ("P1-Q001", "办结", {}, "未知的状态"),
    ("P1-Q001", "已解决", {}, "请填写解决日期"),
    ("P1-Q001", "已解决", {"on": date(2018, 2, 1)}, "解决日期 2018-02-01 早于提出日期 2018-03-01"),
    ("P1-Q009", "推进中", {}, "没有编号为 P1-Q009"),
    ("P1-Q001", "推进中", {"counties": ("990102",)}, "没有编号为 P1-Q001"),
])
def test_status_change_refusals(con, two, issue, status, kwargs, message):
    project_issues.add(con, "P1", "用地", user=U, raised_on=date(2018, 3, 1))
    with pytest.raises(IssueError, match=message):
        project_issues.update_status(con, issue, status, user=U, **kwargs)
    assert project_issues.load(con).iloc[0]["status"] == "未解决"


def test_a_stale_form_is_refused(con, two):
    project_issues.add(con, "P1", "用地", user=U, raised_on=date(2018, 3, 1))
    version = int(project_issues.load(con).iloc[0]["row_version"])
    project_issues.update_status(con, "P1-Q001", "推进中", user="李四", expected_version=version)  # drawn at this version: fine
    with pytest.raises(ConflictError):
        project_issues.update_status(con, "P1-Q001", "已解决", user=U, on=date(2018, 6, 1), expected_version=version)
    row = project_issues.load(con).iloc[0]
    assert (row["status"], row["updated_by"]) == ("推进中", "李四")
