"""cli.py import --dry-run / --as-of, audit, batches, undo and init-demo's refusal, on a new city (商洛市), in-process."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

import cli
import store
from commands import CLI_USER

LEDGER = ("商洛市2024年1-6月招商项目台账\n填报时间：2024年7月3日\n项目名称,县（市、区）,合同投资（万元）,到位资金（万元）,项目进度,签约时间\n"
          "核桃深加工项目,商州区,12000,{funds},已开工,2024-03-15\n光伏支架项目,山阳县,8000,,在建,2024-05-02\n")


def run(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def run_json(*argv):
    code, out, err = run(*argv)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def city(tmp_path):
    db = tmp_path / "sl.duckdb"
    assert run("load-region", "商洛市", "--db", db)[0] == 0
    for name, funds in (("一月.csv", 3000), ("二月.csv", 4500)):
        (tmp_path / name).write_text(LEDGER.format(funds=funds), encoding="utf-8")
    return db, tmp_path


def sql(db, query, params=()):
    con = store.connect(db, read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def test_dry_run_writes_nothing_and_names_the_ledgers_date(city):
    db, folder = city
    preview = run_json("import", "projects", folder / "一月.csv", "--dry-run", "--json", "--db", db)
    assert preview["dry_run"] and preview["imported"] == 2 and preview["batch_id"] is None
    assert preview["as_of"] == "2024-06-30" and "1-6月" in preview["as_of_source"]  # the title's period, not 填报时间 7月3日
    assert [c["action"] for c in preview["changes"]] == ["新增", "新增"]
    assert sql(db, "SELECT count(*) FROM projects") == [(0,)]
    assert sql(db, "SELECT count(*) FROM batches WHERE kind = 'import'") == [(0,)]
    report = run_json("import", "projects", folder / "一月.csv", "--json", "--db", db)
    assert report["imported"] == 2 and report["batch_id"].startswith("B")
    # 已开工 / 在建 without a 开工时间: started by the ledger's date, so June counts them
    assert sql(db, "SELECT DISTINCT stage, changed_on FROM project_stage_history WHERE note LIKE '%数据截至%'") == \
        [("开工", __import__("datetime").date(2024, 6, 30))]
    june = run_json("summary", "--from", "2024-01", "--to", "2024-06", "--json", "--db", db)
    assert (june["signed"], june["started"], june["start_rate"]) == (2, 2, 1.0)
    month = run_json("report", "--month", "2024-06", "--json", "--db", db)
    assert (month["signed"], month["started"], month["start_rate"], month["frozen"]) == (2, 2, 1.0, False)


def test_as_of_overrides_the_ledger(city):
    db, folder = city
    report = run_json("import", "projects", folder / "一月.csv", "--as-of", "2024-05-31", "--json", "--db", db)
    assert report["as_of"] == "2024-05-31" and report["as_of_source"] == "导入时指定"
    assert sql(db, "SELECT value FROM dataset_info WHERE key = 'as_of'") == [("2024-05-31",)]


def test_audit_batches_and_undo(city):
    db, folder = city
    first = run_json("import", "projects", folder / "一月.csv", "--json", "--db", db)
    second = run_json("import", "projects", folder / "二月.csv", "--json", "--db", db)
    assert (second["updated"], second["unchanged"]) == (1, 1)
    entries = run_json("audit", "--layer", "projects", "--batch", second["batch_id"], "--json", "--db", db)
    (entry,) = entries
    assert {"user", "at", "layer", "record", "batch", "changes"} <= set(entry)
    assert entry["user"] == CLI_USER and entry["layer"] == "projects" and entry["batch"] == second["batch_id"]
    assert entry["changes"] == {"funds_in_place_wan": [3000.0, 4500.0]}
    listed = run_json("batches", "--json", "--db", db)
    assert [b["batch"] for b in listed[:2]] == [second["batch_id"], first["batch_id"]]
    code, _, err = run("undo", first["batch_id"], "--db", db)
    assert code == 2 and "之后又被修改" in err  # the second import changed one of its records
    assert run_json("undo", second["batch_id"], "--db", db)["undone"] == second["batch_id"]
    assert sql(db, "SELECT funds_in_place_wan FROM projects WHERE name = '核桃深加工项目'") == [(3000.0,)]
    code, _, err = run("undo", second["batch_id"], "--db", db)
    assert code == 2 and "已经撤销过" in err


def test_init_demo_refuses_a_store_with_data(city):
    db, _ = city
    code, _, err = run("init-demo", "--db", db)
    assert code == 2 and "已有" in err and "--force" in err
    assert sql(db, "SELECT count(*) FROM regions WHERE adcode = '421200'") == [(0,)]


def test_freeze_refuses_a_month_after_the_data(city):
    db, folder = city
    run_json("import", "projects", folder / "一月.csv", "--json", "--db", db)
    code, _, err = run("freeze", "--month", "2024-07", "--db", db)
    assert code == 2 and "尚未结束" in err and "2024-06-30" in err
    done = run_json("freeze", "--month", "2024-06", "--json", "--db", db)
    assert done["already"] is False and run_json("freeze", "--month", "2024-06", "--json", "--db", db)["already"] is True


ASSETS = ("商洛市闲置国有资产台账（截至2024年6月30日）\n资产名称,县（市、区）,资产类型,建筑面积（㎡）,账面价值（万元）,盘活阶段,计划完成时间\n"
          "原粮站仓库,商州区,闲置厂房,6000,800,招商推介,2024-05-31\n老汽修厂,山阳县,闲置厂房,4000,500,盘活完成,2024-03-31\n"
          "旧办公楼,镇安县,闲置楼宇,3000,1200,制定方案,2024-12-31\n")


def test_an_asset_ledger_as_of_june_counts_its_stages_and_overdue_as_of_june(city):
    db, folder = city
    (folder / "资产.csv").write_text(ASSETS, encoding="utf-8")
    report = run_json("import", "assets", folder / "资产.csv", "--json", "--db", db)
    assert report["imported"] == 3 and report["as_of"] == "2024-06-30"
    june = run_json("assets", "--asof", "2024-06-30", "--json", "--db", db)
    assert june["assets"] == 3 and june["revitalised"] == 1 and june["overdue"] == 1  # 原粮站仓库: due 5-31, still 招商推介
    assert (june["by_stage"]["招商推介"], june["by_stage"]["盘活完成"], june["by_stage"]["制定方案"]) == (1, 1, 1)
    assert run_json("assets", "--json", "--db", db)["as_of"] == "2024-06-30"  # the default date is the data's


def test_the_frozen_workbook_publishes_the_same_started_count_and_rate(city, tmp_path):
    import openpyxl

    db, folder = city
    run_json("import", "projects", folder / "一月.csv", "--json", "--db", db)
    live = run_json("report", "--month", "2024-06", "--json", "--db", db)
    run_json("freeze", "--month", "2024-06", "--json", "--db", db)
    out = tmp_path / "月通报.xlsx"
    frozen = run_json("report", "--month", "2024-06", "--out", out, "--json", "--db", db)
    assert frozen["frozen"] and (frozen["started"], frozen["start_rate"]) == (live["started"], live["start_rate"]) == (2, 1.0)
    sheet = openpyxl.load_workbook(out)["指标完成"]
    header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "单位")
    total = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "合计")
    assert total[header.index("开工项目数（个）")] == 2 and total[header.index("开工率")] == 1.0
    first = out.read_bytes()
    (folder / "三月.csv").write_text(LEDGER.format(funds=9999).replace("已开工", "已签约"), encoding="utf-8")
    run_json("import", "projects", folder / "三月.csv", "--json", "--db", db)  # later edits …
    run_json("report", "--month", "2024-06", "--out", out, "--json", "--db", db)
    assert out.read_bytes() == first  # … do not change the published month
