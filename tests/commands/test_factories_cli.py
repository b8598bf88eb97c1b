"""``cli.py match`` and ``cli.py import factories`` in-process against a copy of the demo database."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

import cli
import store


@pytest.fixture
def db(demo_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_file, path)
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def factories_in(db) -> pd.DataFrame:
    con = store.connect(db, read_only=True)
    try:
        return con.execute("SELECT factory_id, county_adcode, status, lease_end, floor_area_m2, clear_height_m, floor_load_kn_m2, "
                           "power_kva, rent_yuan_m2_month FROM standard_factories").df()
    finally:
        con.close()


def test_match_returns_exactly_the_feasible_set(db, capsys):
    code, out, err = run(capsys, "match", "--db", db, "--min-area", 3000, "--max-area", 9000, "--min-clear-height", 8,
                         "--min-floor-load-t", 3, "--min-power-kva", 600, "--max-rent", 16, "--county", "咸安", "赤壁市", "通城县",
                         "--move-in", "2018-12-01", "--json")
    assert code == 0 and err == ""
    records = json.loads(out)
    f = factories_in(db)
    available = (f["status"] == "空置") | ((f["status"] == "已出租") & (f["lease_end"] < pd.Timestamp(2018, 12, 1)))
    wanted = f[available & f["floor_area_m2"].between(3000, 9000) & (f["clear_height_m"] >= 8) & (f["floor_load_kn_m2"] >= 29.4)
               & (f["power_kva"] >= 600) & (f["rent_yuan_m2_month"] <= 16) & f["county_adcode"].isin(["421202", "421281", "421222"])]
    feasible = [r for r in records if r["feasible"]]
    assert len(wanted) >= 3  # the requirement is not trivially empty
    assert {r["factory_id"] for r in feasible} == set(wanted["factory_id"])
    assert [r["rank"] for r in feasible] == list(range(1, len(feasible) + 1))
    scores = [r["score"] for r in feasible]
    assert scores == sorted(scores, reverse=True)
    for r in feasible:
        assert r["reasons"] and all(line.startswith("✓") for line in r["reasons"]) and r["fails"] == []
        assert {"name", "park", "county", "area"} <= set(r) and r["county"] in ("咸安区", "赤壁市", "通城县")
    near = [r for r in records if not r["feasible"]]
    assert near and all(r["near_miss"] and len(r["fails"]) == 1 for r in near)
    assert not {r["factory_id"] for r in near} & set(wanted["factory_id"])


def test_load_units_and_county_names_are_equivalent(db, capsys):
    base = ["match", "--db", db, "--min-area", 2000, "--json"]
    _, in_t, _ = run(capsys, *base, "--min-floor-load-t", 2.5, "--county", "嘉鱼")
    _, in_kn, _ = run(capsys, *base, "--min-floor-load-kn", 24.5, "--county", "嘉鱼县")
    assert json.loads(in_t) == json.loads(in_kn) and json.loads(in_t)


def test_match_errors_are_user_errors(db, capsys):
    code, _, err = run(capsys, "match", "--db", db, "--county", "火星县", "--json")
    assert code == 2 and "无法识别的县（市、区）：火星县" in err
    code, _, err = run(capsys, "match", "--db", db, "--min-area", 9000, "--max-area", 100)
    assert code == 2 and "最小面积大于最大面积" in err
    with pytest.raises(SystemExit):
        cli.main(["match", "--db", str(db), "--min-floor-load-t", "3", "--min-floor-load-kn", "30"])
    capsys.readouterr()


def test_import_factories_json_then_match(db, tmp_path, capsys):
    path = tmp_path / "厂房.csv"
    path.write_bytes("\n".join([
        "通城县标准化厂房台账",
        "厂房名称,所在园区,建筑面积（㎡）,首层层高（m）,楼面荷载（吨/㎡）,配电容量（kVA）,租金（元/㎡·月）,状态",
        "隽水智造1号,通城经开区,20000,15,5,4000,9,空置",
        "隽水智造2号,通城经开区,18000,14,48kN,4000,9,空置",
        "隽水智造3号,通城经开区,待核实,14,4,4000,9,空置",
        "合计,,38000,,,,,",
    ]).encode("gb18030"))
    code, out, err = run(capsys, "import", "factories", path, "--db", db, "--json")
    assert code == 0 and err == ""
    report = json.loads(out)
    assert (report["imported"], report["updated"], report["rejected_rows"], report["skipped_summary"]) == (2, 0, 1, 1)
    assert report["rejected"][0]["row"] == 5 and report["rejected"][0]["column"] == "建筑面积（㎡）"
    code, out, _ = run(capsys, "match", "--db", db, "--min-area", 15000, "--min-floor-load-t", 4.9, "--county", "通城", "--json")
    feasible = [r for r in json.loads(out) if r["feasible"]]
    assert [r["name"] for r in feasible] == ["隽水智造1号"]  # 48 kN/㎡ < 4.9 t/㎡ = 48.02 kN/㎡
    near = [r for r in json.loads(out) if not r["feasible"]]
    assert "隽水智造2号" in [r["name"] for r in near]
    code, out, _ = run(capsys, "import", "factories", path, "--db", db, "--json")
    assert (json.loads(out)["imported"], json.loads(out)["updated"], json.loads(out)["unchanged"]) == (0, 0, 2)


def test_import_unreadable_file_is_a_user_error(db, tmp_path, capsys):
    path = tmp_path / "空.csv"
    path.write_text("随便写点什么\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "factories", path, "--db", db, "--json")
    assert code == 2 and "没有找到表头" in err
