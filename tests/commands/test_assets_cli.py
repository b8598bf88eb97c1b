"""``cli.py assets`` and ``cli.py import assets`` in-process on a copy of the demo database.

Expected figures are computed here with plain SQL on the same file (not with analysis.revitalisation).
"""

from __future__ import annotations

import json
import shutil
from datetime import date

import openpyxl
import pytest

import cli
import store
from commands import CLI_USER
from geo import coords

STAGES = ["摸底清查", "制定方案", "招商推介", "洽谈对接", "签约", "盘活完成"]
#: stage of each asset as of a date, from the history alone
STAGE_AT = """
    SELECT h.stage, count(*) FROM (
        SELECT asset_id, arg_max(stage, (changed_on, seq)) AS stage FROM asset_stage_history
        WHERE changed_on <= CAST(? AS DATE) GROUP BY asset_id) h GROUP BY h.stage"""


@pytest.fixture
def db(demo_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_file, path)
    return path


def sql(db, query, params=()):
    con = store.connect(db, read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def run_json(capsys, argv) -> dict:
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_assets_json_on_the_demo(db, capsys):
    result = run_json(capsys, ["assets", "--db", db, "--json"])
    assert result["as_of"] == "2018-06-30"  # the dataset's own date by default
    assert result["assets"] == 30 == sql(db, "SELECT count(*) FROM idle_assets")[0][0]
    assert list(result["by_stage"]) == STAGES
    assert result["by_stage"] == dict(sql(db, "SELECT stage, count(*) FROM idle_assets GROUP BY stage"))
    assert result["by_stage"] == {"摸底清查": 5, "制定方案": 6, "招商推介": 6, "洽谈对接": 5, "签约": 4, "盘活完成": 4}
    (book,) = sql(db, "SELECT sum(book_value_wan) / 10000 FROM idle_assets")[0]
    assert result["book_value_yi"] == pytest.approx(book, abs=1e-4)
    (done, value) = sql(db, "SELECT count(*), sum(realised_value_wan) / 10000 FROM idle_assets WHERE stage = '盘活完成'")[0]
    assert (result["revitalised"], result["revitalised_value_yi"]) == (done, pytest.approx(value, abs=1e-4))
    late = sql(db, """SELECT name, planned_date, responsible_unit, responsible_leader FROM idle_assets
                      WHERE planned_date < DATE '2018-06-30' AND stage <> '盘活完成' ORDER BY planned_date""")
    assert result["overdue"] == len(late) == 6
    cases = result["overdue_cases"]
    assert [(c["name"], c["planned_date"], c["responsible_unit"], c["responsible_leader"]) for c in cases] == [
        (n, d.isoformat(), u, lead) for n, d, u, lead in late]
    assert cases[0]["county"] == "赤壁市" and cases[0]["days_overdue"] == 110
    assert sum(c["assets"] for c in result["by_county"]) == 30


def test_assets_as_of_a_past_date_follows_the_history(db, capsys):
    result = run_json(capsys, ["assets", "--db", db, "--asof", "2018-01-31", "--json"])
    expected = {s: 0 for s in STAGES} | dict(sql(db, STAGE_AT, ["2018-01-31"]))
    assert result["by_stage"] == expected
    assert result["by_stage"] != run_json(capsys, ["assets", "--db", db, "--json"])["by_stage"]
    assert result["assets"] == sum(expected.values())
    before = run_json(capsys, ["assets", "--db", db, "--asof", "2016-12-31", "--json"])
    assert before["assets"] == 0 and before["overdue"] == 0  # the inventory began in 2017


def test_assets_for_one_county_and_plain_text(db, capsys):
    result = run_json(capsys, ["assets", "--db", db, "--county", "通山县", "--json"])
    assert result["assets"] == sql(db, "SELECT count(*) FROM idle_assets WHERE county_adcode = '421224'")[0][0] == 4
    assert cli.main(["assets", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "闲置资产 30 处" in out and "逾期 6 处" in out and "赤壁经开区标准厂房三期" in out
    assert cli.main(["assets", "--db", str(db), "--county", "火星县"]) == 2
    assert "找不到县（市、区）" in capsys.readouterr().err


def test_bad_date_is_a_usage_error(db, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["assets", "--db", str(db), "--asof", "2018-13-01"])
    assert exc.value.code == 2 and "日期格式应为 YYYY-MM-DD" in capsys.readouterr().err


def ledger(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["嘉鱼县闲置资产台账（金额单位：万元）"])
    ws.append(["资产名称", "产权单位", "资产类型", "占地面积（亩）", "建筑面积（㎡）", "账面价值", "盘活阶段", "计划完成时间", "经度", "纬度"])
    points = {"嘉鱼县原粮食局仓库": (113.95, 29.97), "嘉鱼县老汽修厂": (113.93, 29.99)}
    for (name, (lon, lat)), stage in zip(points.items(), ["招商中", "已盘活"], strict=True):
        x, y = coords.wgs84_to_bd09(lon, lat)
        ws.append([name, "嘉鱼县国资公司", "厂房", 12.5, 8000, 900, stage, "2018-05-31", round(x, 7), round(y, 7)])
    ws.append(["合计", None, None, 25, 16000, 1800])
    wb.save(path)
    return path, points


def test_import_assets_then_summary(db, tmp_path, capsys):
    path, points = ledger(tmp_path / "嘉鱼.xlsx")
    assert cli.main(["import", "assets", str(path), "--db", str(db), "--json"]) == 2  # no hint in the header: CRS unknown
    assert "无法确定坐标系" in capsys.readouterr().err
    report = run_json(capsys, ["import", "assets", path, "--db", db, "--crs", "bd09", "--json"])
    assert (report["imported"], report["updated"], report["rejected_rows"], report["skipped_summary"]) == (2, 0, 0, 1)
    assert report["crs"] == "bd09" and report["kind"] == "闲置资产台账"
    rows = sql(db, "SELECT name, county_adcode, ST_X(geom), ST_Y(geom) FROM idle_assets WHERE created_by = ? ORDER BY name", [CLI_USER])
    for name, county, x, y in rows:
        assert county == "421221" and coords.haversine_m(x, y, *points[name]) < 1.0
    # history dated at the dataset's data date (the demo's 2018-06-30), so the default summary includes them
    assert sql(db, "SELECT DISTINCT changed_on, author FROM asset_stage_history WHERE author = ?", [CLI_USER]) == [(date(2018, 6, 30), CLI_USER)]
    summary = run_json(capsys, ["assets", "--db", db, "--json"])
    assert summary["assets"] == 32
    assert summary["by_stage"]["盘活完成"] == 5 and summary["by_stage"]["招商推介"] == 7
    again = run_json(capsys, ["import", "assets", path, "--db", db, "--crs", "bd09", "--json"])
    assert (again["imported"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_import_assets_missing_file(db, capsys):
    assert cli.main(["import", "assets", "/nonexistent/台账.xlsx", "--db", str(db)]) == 2
    assert "找不到文件" in capsys.readouterr().err
