"""cli.py import --as, review list / show / approve / return on 商洛市: a county's ledger waits for the city; `summary`
counts it only once approved."""

from __future__ import annotations

import io
import sys

import pytest

from tests.commands.test_admin_cli import LEDGER, run, run_json


@pytest.fixture
def city(tmp_path, monkeypatch):
    db = tmp_path / "sl.duckdb"
    assert run("load-region", "商洛市", "--db", db)[0] == 0
    for name, role, extra in (("shangzhou", "county", ["--county", "商州区"]), ("city", "city", []), ("leader", "leader", [])):
        monkeypatch.setattr(sys, "stdin", io.StringIO("Shangluo2024\n"))
        assert run("user", "add", name, "--role", role, *extra, "--password-stdin", "--db", db)[0] == 0
    (tmp_path / "六月.csv").write_text(LEDGER.format(funds=3000), encoding="utf-8")
    return db, tmp_path / "六月.csv"


def signed(db) -> int:
    return run_json("summary", "--from", "2024-01", "--to", "2024-06", "--json", "--db", db)["signed"]


def test_a_county_import_waits_until_the_city_approves(city):
    db, ledger = city
    made = run_json("import", "projects", ledger, "--as", "shangzhou", "--json", "--db", db)
    assert made["status"] == "待审核" and made["imported"] == 1  # 山阳县's row is outside the account: rejected by row
    assert [r["reason"] for r in made["rejected"]] == ["不在本账号可填报的范围内（山阳县）"]
    assert signed(db) == 0
    listed = run_json("review", "list", "--status", "待审核", "--json", "--db", db)
    assert [(r["id"], r["submitted_by"], r["month"]) for r in listed] == [(made["submission"], "shangzhou", "2024-06")]
    code, out, _ = run("review", "show", made["submission"], "--db", db)
    assert code == 0 and "新增 核桃深加工项目" in out and "合同投资：（空） → 12000" in out
    code, _, err = run("review", "approve", made["submission"], "--as", "leader", "--db", db)
    assert code == 2 and "无权审核" in err
    assert signed(db) == 0
    done = run_json("review", "approve", made["submission"], "--as", "city", "--comment", "同意", "--db", db)
    assert done["status"] == "已通过" and done["batch"].startswith("B")
    assert signed(db) == 1
    batches = run_json("batches", "--json", "--db", db)
    assert batches[0]["user"] == "shangzhou" and "city 审核通过" in batches[0]["label"]


def test_a_returned_import_keeps_the_comment(city):
    db, ledger = city
    made = run_json("import", "projects", ledger, "--as", "shangzhou", "--json", "--db", db)
    code, _, err = run("review", "return", made["submission"], "--as", "city", "--db", db)
    assert code == 2 and "退回意见" in err
    run_json("review", "return", made["submission"], "--as", "city", "--comment", "请补充到位资金", "--db", db)
    (mine,) = run_json("review", "list", "--user", "shangzhou", "--json", "--db", db)
    assert (mine["status"], mine["comment"], mine["reviewer"]) == ("已退回", "请补充到位资金", "city")
    assert signed(db) == 0


def test_a_city_import_as_a_city_user_writes_at_once(city):
    db, ledger = city
    report = run_json("import", "projects", ledger, "--as", "city", "--json", "--db", db)
    assert report["imported"] == 2 and "submission" not in report
    assert signed(db) == 2
    code, _, err = run("import", "projects", ledger, "--as", "nobody", "--db", db)
    assert code == 2 and "没有可用的账号" in err
