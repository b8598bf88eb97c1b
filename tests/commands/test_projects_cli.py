"""cli.py import projects / report / summary / export on imported data."""

from __future__ import annotations

import contextlib
import io
import json

import openpyxl
import pytest

import cli
from geo import coords


def run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def shangluo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("projects_cli")
    db = folder / "sl.duckdb"
    assert run(["load-region", "商洛市", "--db", db])[0] == 0
    lon, lat = coords.convert(109.94, 33.87, "wgs84", "bd09")
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["填报单位：商州区", None, "填报时间：2024年6月30日"],
                ["序号", "项目名称", "合同投资（亿元）", "到位资金（亿元）", "项目进度", "签约时间", "县区", "经度", "纬度"],
                [1, "甲项目", 1.5, 0.3, "已开工", "2024.3.15", "商州", lon, lat],
                [2, "乙项目", "8000万", None, "已签约", None, "镇安", None, None],
                [3, "丙项目", "??", None, "已签约", "2024.3.1", "商州区", None, None],
                ["合计", None, 2.3]):
        ws.append(row)
    wb.save(folder / "ledger.xlsx")
    return db, folder


def test_import_projects_json_with_crs(shangluo):
    db, folder = shangluo
    code, out, err = run(["import", "projects", folder / "ledger.xlsx", "--crs", "bd09", "--json", "--db", db])
    assert code == 0, err
    report = json.loads(out)
    assert (report["imported"], report["updated"], report["skipped_summary"], report["rejected_rows"]) == (2, 0, 1, 1)
    assert report["rejected"] == [{"row": 5, "column": "合同投资（亿元）", "reason": "金额无法识别：“??”"}]
    assert report["crs"] == "bd09"
    code, out, _ = run(["import", "projects", folder / "ledger.xlsx", "--crs", "bd09", "--json", "--db", db])
    assert (json.loads(out)["updated"], json.loads(out)["imported"], json.loads(out)["unchanged"]) == (0, 0, 2)


def test_summary_and_export_cover_imported_data(shangluo):
    db, folder = shangluo
    run(["import", "projects", folder / "ledger.xlsx", "--crs", "bd09", "--json", "--db", db])
    code, out, _ = run(["summary", "--json", "--db", db])
    result = json.loads(out)
    assert result["signed"] == 2 and result["investment_total_yi"] == 2.3  # 乙项目 has no signing date: still counted
    by_unit = {u["unit"]: u["signed"] for u in result["by_unit"] if u["signed"]}
    assert by_unit == {"商州区": 1, "镇安县": 1}
    code, out, _ = run(["export", "projects", "--db", db])
    features = {f["properties"]["name"]: f for f in json.loads(out)["features"]}
    assert features["乙项目"]["geometry"] is None
    lon, lat = features["甲项目"]["geometry"]["coordinates"]
    assert coords.haversine_m(lon, lat, 109.94, 33.87) < 1.0


def test_ledger_errors_exit_2_in_chinese(shangluo, tmp_path):
    db, folder = shangluo
    code, out, err = run(["import", "projects", folder / "ledger.xlsx", "--db", db])  # coordinates without a CRS
    assert code == 2 and out == "" and err.startswith("错误：无法确定坐标系")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = run(["import", "projects", tmp_path / "x.csv", "--db", db])
    assert code == 2 and err.startswith("错误：没有找到表头")
    code, _, err = run(["import", "projects", tmp_path / "missing.xlsx", "--db", db])
    assert code == 2 and "找不到文件" in err


def test_report_command(shangluo, tmp_path):
    db, folder = shangluo
    run(["import", "projects", folder / "ledger.xlsx", "--crs", "bd09", "--db", db])
    out_file, html_file = tmp_path / "r.xlsx", tmp_path / "r.html"
    code, out, err = run(["report", "--month", "2024-06", "--json", "--db", db])
    assert code == 0, err
    live = json.loads(out)
    assert live["frozen"] is False and live["signed"] == 1  # 2024 Jan–Jun: 乙项目 has no signing date
    code, out, err = run(["freeze", "--month", "2024-06", "--json", "--db", db])
    assert code == 0 and json.loads(out)["already"] is False, err
    code, out, err = run(["report", "--month", "2024-06", "--out", out_file, "--html", html_file, "--json", "--db", db])
    assert code == 0, err
    summary = json.loads(out)
    assert summary["frozen"] is True and summary["signed"] == 1
    assert {k: v for k, v in summary.items() if k not in ("frozen", "files")} == {k: v for k, v in live.items() if k not in ("frozen", "files")}
    first = out_file.read_bytes()
    assert first[:2] == b"PK" and "<svg" in html_file.read_text(encoding="utf-8")
    run(["import", "projects", folder / "ledger.xlsx", "--crs", "wgs84", "--db", db])  # a later edit (positions move)
    run(["report", "--month", "2024-06", "--out", out_file, "--db", db])
    assert out_file.read_bytes() == first
    code, _, err = run(["report", "--month", "2024-06", "--db", db])
    assert code == 2 and "请至少指定一个输出" in err
    with pytest.raises(SystemExit):
        run(["report", "--month", "2024-13", "--out", out_file, "--db", db])
