"""``cli.py problem`` and ``cli.py supervision`` in-process on a copy of the demo database."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest

import cli
import store
from commands import CLI_USER


@pytest.fixture
def db(demo_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_file, path)
    return path


def run(capsys, argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(capsys, argv):
    code, out, err = run(capsys, argv)
    assert code == 0, err
    return json.loads(out)


def sql(db, query, params=()):
    con = store.connect(db, read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def late_project(db) -> tuple[str, str]:
    return sql(db, "SELECT project_id, leader FROM projects WHERE stage = '签约' AND planned_start < DATE '2018-03-01' "
                   "ORDER BY project_id LIMIT 1")[0]


def test_problems_from_the_command_line_reach_the_list(db, capsys, tmp_path):
    pid, leader = late_project(db)
    before = run_json(capsys, ["report", "--db", db, "--month", "2018-06", "--json"])["supervision"]
    code, out, _ = run(capsys, ["problem", "--db", db, "--project", pid, "--text", "用地报批未完成", "--owner", "市自然资源局",
                                "--on", "2018-03-01", "--due", "2018-05-31"])
    assert (code, out.strip()) == (0, f"已登记 {pid}-Q001")
    run(capsys, ["problem", "--db", db, "--project", pid, "--text", "电力接入", "--kind", "困难", "--on", "2018-05-20"])
    assert sql(db, "SELECT issue_id, kind, status, created_by FROM project_issues ORDER BY issue_id") == [
        (f"{pid}-Q001", "问题", "未解决", CLI_USER), (f"{pid}-Q002", "困难", "未解决", CLI_USER)]

    month = run_json(capsys, ["report", "--db", db, "--month", "2018-06", "--json"])["supervision"]
    assert month == before + 1  # the red problem; the yellow one is not on the 月通报
    result = run_json(capsys, ["supervision", "--db", db, "--json"])
    assert (result["month"], result["as_of"], result["items"]) == ("2018-06", "2018-06-30", month + 1)
    scores = [row["score"] for row in result["list"]]
    assert scores == sorted(scores, reverse=True)
    assert all(row["score"] == pytest.approx(row["money_wan"] * row["months_late"], abs=0.01) for row in result["list"])
    problems = [row for row in result["list"] if row["item"] == "问题/困难"]
    assert [(r["problem_id"], r["light"], r["leader"]) for r in problems] == [(f"{pid}-Q001", "红灯", leader),
                                                                              (f"{pid}-Q002", "黄灯", leader)]

    mine = run_json(capsys, ["supervision", "--db", db, "--leader", leader, "--json"])
    assert {row["leader"] for row in mine["list"]} == {leader} and [s["leader"] for s in mine["leaders"]] == [leader]
    owner = run_json(capsys, ["supervision", "--db", db, "--unit", "市自然资源局", "--json"])
    assert [row["problem_id"] for row in owner["list"]] == [f"{pid}-Q001"]

    target = tmp_path / "督办.xlsx"
    code, out, _ = run(capsys, ["supervision", "--db", db, "--top", "3", "--to", target])
    assert code == 0 and "其余" in out and str(target) in out
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[0] == "汇总" and leader in wb.sheetnames and len(wb.sheetnames) == len(result["leaders"]) + 1
    sheet = [r for r in wb[leader].iter_rows(values_only=True) if r[0] is not None]
    assert len([r for r in sheet if isinstance(r[0], int)]) == 3 and sheet[-1][0].startswith("其余 ")

    code, _, err = run(capsys, ["problem", "--db", db, "--id", f"{pid}-Q001", "--status", "已解决"])
    assert code == 2 and "标记为已解决时请填写解决日期" in err
    code, out, _ = run(capsys, ["problem", "--db", db, "--id", f"{pid}-Q001", "--status", "已解决", "--on", "2018-06-10"])
    assert code == 0 and sql(db, "SELECT status, updated_by FROM project_issues WHERE issue_id = ?", [f"{pid}-Q001"]) == [
        ("已解决", CLI_USER)]
    assert run_json(capsys, ["supervision", "--db", db, "--json"])["items"] == month  # solved: off the list


def test_unknown_names_and_bad_input(db, capsys):
    code, out, err = run(capsys, ["supervision", "--db", db, "--leader", "无此人", "--json"])
    assert code == 0 and json.loads(out)["items"] == 0 and "没有包抓领导“无此人”的事项" in err
    code, _, err = run(capsys, ["supervision", "--db", db, "--month", "六月"])
    assert code == 2 and "月份格式应为 YYYY-MM" in err
    code, _, err = run(capsys, ["problem", "--db", db, "--project", "XN-0000", "--text", "x"])
    assert code == 2 and "没有编号为 XN-0000 的项目" in err
    code, _, err = run(capsys, ["problem", "--db", db, "--text", "x"])
    assert code == 2 and "--project" in err
