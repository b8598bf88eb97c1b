"""cli.py in-process (``main([...])``) and once as a real ``python cli.py`` subprocess."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

import cli
import store
from geo.boundaries import load_boundaries

ROOT = Path(__file__).resolve().parent.parent
BY_UNIT_2018_H1 = [  # seed 003: unit, signed projects, contract investment 亿元
    ("咸宁高新区", 31, 94.2),
    ("咸安区", 55, 135.5),
    ("嘉鱼县", 68, 170.8),
    ("赤壁市", 59, 91.9),
    ("通城县", 49, 163.8),
    ("崇阳县", 51, 133.0),
    ("通山县", 78, 56.4),
]
SHANGLUO = ["611000", "611002", "611021", "611022", "611023", "611024", "611025", "611026"]


def run(argv) -> tuple[int, str, str]:
    """``cli.main(argv)`` with stdout/stderr captured (usable from module-scoped fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def sql(db: Path, query: str):
    con = store.connect(db, read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    code, out, err = run(["init-demo", "--db", db])
    assert code == 0, err
    return db, json.loads(out)


@pytest.fixture(scope="module")
def shangluo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "shangluo.duckdb"
    code, out, err = run(["load-region", "商洛市", "--db", db])
    assert code == 0, err
    return db, json.loads(out)


# --- init-demo / summary ----------------------------------------------------------------

def test_init_demo_reports_row_counts(demo_db):
    db, report = demo_db
    assert report["db"] == str(db)
    rows = report["rows"]
    assert rows["projects"] == 1216 and rows["regions"] == 7 and rows["parks"] == 9 and rows["idle_assets"] == 30
    assert 140 <= rows["standard_factories"] <= 160
    assert sql(db, "SELECT count(*) FROM projects") == [(1216,)]


def test_summary_json_2018_h1(demo_db):
    db, _ = demo_db
    code, out, err = run(["summary", "--from", "2018-01", "--to", "2018-06", "--json", "--db", db])
    assert code == 0 and err == ""
    result = json.loads(out)
    for key in ("signed", "contract_projects", "investment_total_yi", "funds_in_place_yi", "registered", "started",
                "in_production", "start_rate", "funds_in_place_rate", "by_unit"):
        assert key in result, key
    assert result["signed"] == 391
    assert result["investment_total_yi"] == 845.6
    assert result["period"] == {"from": "2018-01-01", "to": "2018-06-30"}
    assert [(u["unit"], u["signed"], u["investment_total_yi"]) for u in result["by_unit"]] == BY_UNIT_2018_H1
    for u in result["by_unit"]:
        assert {"unit", "signed", "investment_total_yi", "started", "start_rate"} <= set(u)
        assert u["start_rate"] == round(u["started"] / u["signed"], 4)
    assert sum(u["started"] for u in result["by_unit"]) == result["started"]
    assert result["start_rate"] == round(result["started"] / 391, 4)
    assert result["registered"] >= result["started"] >= result["in_production"] >= 2
    assert 0 < result["funds_in_place_rate"] < 1
    assert result["contract_projects"] <= 391


def test_summary_other_periods(demo_db):
    db, _ = demo_db
    _, out, _ = run(["summary", "--to", "2017-12", "--json", "--db", db])
    assert json.loads(out)["signed"] == 551  # 2017 cohort: 401 ≥1亿 + 150 smaller
    _, out, _ = run(["summary", "--from", "2018-01", "--json", "--db", db])
    assert json.loads(out)["signed"] == 391  # nothing signed after the demo date


def test_summary_text(demo_db):
    db, _ = demo_db
    code, out, _ = run(["summary", "--from", "2018-01", "--to", "2018-06", "--db", db])
    assert code == 0
    assert out.startswith("新签约项目数 391 个，签约金额 845.6 亿元，")
    assert "开工率 22.8%" in out.splitlines()[0]
    assert any(line.startswith("  通山县\t78\t56.4\t") for line in out.splitlines())


def test_summary_uses_parkmap_db_env(demo_db, monkeypatch):
    db, _ = demo_db
    monkeypatch.setenv("PARKMAP_DB", str(db))
    code, out, _ = run(["summary", "--from", "2018-01", "--to", "2018-06", "--json"])
    assert code == 0 and json.loads(out)["signed"] == 391


# --- export -----------------------------------------------------------------------------

def test_export_projects_geojson(demo_db):
    db, _ = demo_db
    code, out, _ = run(["export", "projects", "--format", "geojson", "--db", db])
    assert code == 0
    fc = json.loads(out)
    assert fc["type"] == "FeatureCollection"
    [(total, located)] = sql(db, "SELECT count(*), count(geom) FROM projects")
    assert len(fc["features"]) == total == 1216
    nulls = [f for f in fc["features"] if f["geometry"] is None]
    assert len(nulls) == total - located > 0
    assert {f["properties"]["project_id"] for f in fc["features"]} == {r[0] for r in sql(db, "SELECT project_id FROM projects")}
    assert all(f["geometry"]["type"] in ("Point", "Polygon") for f in fc["features"] if f["geometry"])
    lon, lat = next(f["geometry"]["coordinates"] for f in fc["features"] if f["geometry"] and f["geometry"]["type"] == "Point")
    assert 113 < lon < 115 and 28.5 < lat < 30.5  # lon/lat order, inside 咸宁


def test_export_to_file(demo_db, tmp_path):
    db, _ = demo_db
    target = tmp_path / "parks.geojson"
    code, out, _ = run(["export", "parks", "--out", target, "--db", db])
    assert code == 0
    assert json.loads(out) == {"layer": "parks", "features": 9, "out": str(target)}
    fc = json.loads(target.read_text(encoding="utf-8"))
    assert len(fc["features"]) == 9
    assert "咸宁高新技术产业开发区" in {f["properties"]["name"] for f in fc["features"]}


def test_export_regions_has_adcode(demo_db):
    db, _ = demo_db
    _, out, _ = run(["export", "regions", "--db", db])
    props = [f["properties"] for f in json.loads(out)["features"]]
    assert sorted(p["adcode"] for p in props) == ["421200", "421202", "421221", "421222", "421223", "421224", "421281"]
    assert {p["name"] for p in props} >= {"咸宁市", "通山县"}


def test_unknown_layer_is_an_argparse_error(demo_db, capsys):
    db, _ = demo_db
    with pytest.raises(SystemExit) as exc:
        cli.main(["export", "rivers", "--db", str(db)])
    assert exc.value.code == 2
    assert "rivers" in capsys.readouterr().err


# --- load-region ------------------------------------------------------------------------

def test_load_region_offline(shangluo_db):
    db, report = shangluo_db
    assert report["loaded"] == 8
    assert [r["adcode"] for r in report["regions"]] == SHANGLUO
    assert report["regions"][0] == {"adcode": "611000", "name": "商洛市", "level": "city"}
    assert sql(db, "SELECT count(*), count(*) FILTER (WHERE level = 'county') FROM regions") == [(8, 7)]


def test_exported_counties_equal_boundary_package(shangluo_db):
    db, _ = shangluo_db
    code, out, _ = run(["export", "regions", "--db", db])
    assert code == 0
    exported = {f["properties"]["adcode"]: f for f in json.loads(out)["features"]}
    assert sorted(exported) == SHANGLUO
    expected = load_boundaries(SHANGLUO[1:])
    for adcode, name, geom in zip(expected["adcode"], expected["name"], expected.geometry, strict=True):
        feature = exported[adcode]
        assert feature["properties"]["name"] == name
        got = shape(feature["geometry"])
        assert got.geom_type == geom.geom_type == "MultiPolygon"
        assert shapely.equals_exact(got, geom, tolerance=0), adcode


def test_load_region_twice_upserts(shangluo_db):
    db, _ = shangluo_db
    code, out, _ = run(["load-region", "611000", "--db", db])
    assert code == 0 and json.loads(out)["loaded"] == 8
    assert sql(db, "SELECT count(*) FROM regions") == [(8,)]


def test_unknown_region_exits_2_with_chinese_message(tmp_path):
    code, out, err = run(["load-region", "火星市", "--db", tmp_path / "x.duckdb"])
    assert code == 2
    assert out == ""
    assert err.startswith("错误：未找到行政区：火星市")


@pytest.mark.parametrize("month", ["2018-13", "abc", "2018-00"])
def test_bad_month_is_argparse_exit_2(month, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["summary", "--from", month, "--db", str(tmp_path / "x.duckdb")])
    assert exc.value.code == 2
    assert "月份格式应为 YYYY-MM" in capsys.readouterr().err


def test_missing_command_is_argparse_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2


# --- the real entry point -----------------------------------------------------------------

def test_entry_point_subprocess(demo_db):
    db, _ = demo_db
    proc = subprocess.run(
        [sys.executable, "cli.py", "summary", "--from", "2018-01", "--to", "2018-06", "--json", "--db", str(db)],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["signed"], result["investment_total_yi"]) == (391, 845.6)
    assert [(u["unit"], u["signed"], u["investment_total_yi"]) for u in result["by_unit"]] == BY_UNIT_2018_H1
