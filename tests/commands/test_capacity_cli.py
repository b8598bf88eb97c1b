"""``cli.py capacity`` / ``site`` / ``import parks`` / ``import park-capacity`` in-process on a copy of the demo."""

from __future__ import annotations

import importlib.util
import json
import shutil

import geopandas as gpd
import pytest
from shapely.geometry import box

import cli
import store

RESOURCES = ("land", "power", "water", "gas", "energy")
#: A project ledger for 赤壁经济开发区 (P-CB): 签约 and 开工 reserve (开工 all but its land, granted before construction:
#: config/capacity.toml), 在谈 only "if it lands", 投产 is in the used figures.
LEDGER = """项目名称,县（市、区）,所在园区,项目进度,签约时间,合同投资（万元）,用地面积（亩）,用电需求（kVA）,用水需求（吨/日）,用能需求（吨标准煤）
测试电子模组项目,赤壁市,赤壁经开区,签约,2018-05-10,30000,100,3000,200,1500
测试精密机械项目,赤壁市,赤壁经开区,开工,2018-03-01,12000,50,2000,100,500
测试在谈光电项目,赤壁市,赤壁经开区,在谈,,8000,30,700,40,300
测试已投产项目,赤壁市,赤壁经开区,投产,2017-02-01,5000,999,9999,999,999
"""
ADDED = {"land": 100.0, "power": 5000.0, "water": 300.0, "gas": 0.0, "energy": 2000.0}
NEGOTIATING = {"land": 30.0, "power": 700.0, "water": 40.0, "gas": 0.0, "energy": 300.0}


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(demo_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_file, path)
    return path


def capacity(capsys, db) -> dict[str, dict]:
    code, out, err = run(capsys, "capacity", "--json", "--db", db)
    assert code == 0, err
    return {p["park_id"]: p for p in json.loads(out)}


def balance(block: dict) -> float:
    """Signed balance: remaining (≥ 0) minus the over-commitment (≥ 0)."""
    return block["remaining"] - block["over_committed"]


def import_projects(capsys, db, path) -> None:
    if importlib.util.find_spec("commands.projects") is not None:
        code, _, err = run(capsys, "import", "projects", path, "--json", "--db", db)
        assert code == 0, err
    else:  # the CLI import is another feature; the importer is what matters here
        from imports.projects import import_projects as importer

        con = store.connect(db)
        try:
            report = importer(con, path)
        finally:
            con.close()
        assert report.imported == 4 and report.rejected == []


def test_capacity_json_shape(capsys, db):
    parks = capacity(capsys, db)
    assert len(parks) == 9
    cb = parks["P-CB"]
    assert (cb["park"], cb["county"]) == ("赤壁经济开发区", "赤壁市")
    for key in RESOURCES:
        block = cb[key]
        assert {"supply", "occupied", "reserved", "remaining", "if_negotiating_lands", "over_committed", "unit"} <= set(block)
        assert block["remaining"] >= 0 and block["over_committed"] >= 0
        assert balance(block) == pytest.approx(block["supply"] - block["occupied"] - block["reserved"])
        assert sum(block["reserved_by_stage"].values()) == pytest.approx(block["reserved"])
    assert cb["land"] == {**cb["land"], "supply": 2903.0, "occupied": 0.0, "reserved": 116.0, "remaining": 2787.0, "unit": "亩"}


def test_import_ledger_changes_remaining_exactly_by_the_needs(capsys, db, tmp_path):
    before = capacity(capsys, db)
    path = tmp_path / "projects.csv"
    path.write_text(LEDGER, encoding="utf-8")
    import_projects(capsys, db, path)
    after = capacity(capsys, db)
    for key in RESOURCES:
        assert balance(after["P-CB"][key]) == pytest.approx(balance(before["P-CB"][key]) - ADDED[key]), key
        assert after["P-CB"][key]["if_negotiating_lands"] == pytest.approx(before["P-CB"][key]["if_negotiating_lands"] + NEGOTIATING[key])
    assert after["P-CB"]["land"]["remaining"] == pytest.approx(2787.0 - 100)
    for park_id in set(before) - {"P-CB"}:
        assert after[park_id] == before[park_id]


def test_site_never_feasible_when_a_resource_lacks(capsys, db):
    parks = capacity(capsys, db)
    code, out, err = run(capsys, "site", "--land-mu", 300, "--power-kva", 5000, "--water-t", 100, "--energy-tce", 800,
                         "--industry", "电子信息", "--county", "赤壁", "--json", "--db", db)
    assert code == 0, err
    ranked = json.loads(out)
    assert [r["rank"] for r in ranked] == list(range(1, 10))
    assert {"park", "feasible", "score", "reasons"} <= set(ranked[0])
    need = {"land": 300, "power": 5000, "water": 100, "energy": 800}
    for r in ranked:
        fits = all(parks[r["park_id"]][k]["known"] and parks[r["park_id"]][k]["remaining"] >= v for k, v in need.items())
        assert r["feasible"] == fits, r
    assert ranked[0]["park"] == "赤壁经济开发区" and ranked[0]["feasible"]
    assert ranked[0]["reasons"][0].startswith("用地：需 300 亩，剩余 2,787 亩 ✓")
    assert ranked[0]["remaining_after"]["land"] == {"remaining": 2487.0, "over_committed": 0.0}


def test_site_oversize_need_none_feasible_with_reasons(capsys, db):
    code, out, _ = run(capsys, "site", "--land-mu", 1_000_000, "--json", "--db", db)
    ranked = json.loads(out)
    assert code == 0 and len(ranked) == 9
    assert not any(r["feasible"] for r in ranked)
    assert all(r["reasons"] and r["reasons"][0].startswith("用地：需 1,000,000 亩") and r["reasons"][0].endswith("✗") for r in ranked)
    code, out, _ = run(capsys, "site", "--land-mu", 1_000_000, "--db", db)
    assert out.startswith("没有满足全部需求的园区")


def test_site_unknown_county_is_a_user_error(capsys, db):
    code, _, err = run(capsys, "site", "--land-mu", 10, "--county", "火星县", "--db", db)
    assert code == 2 and "无法识别的县（市、区）：“火星县”" in err


def test_import_parks_and_capacity_ledger(capsys, db, tmp_path):
    path = tmp_path / "parks.gpkg"
    poly = box(113.90, 29.72, 113.94, 29.75)
    gpd.GeoDataFrame({"园区名称": ["赤壁经开区"]}, geometry=[poly], crs="EPSG:4326").to_crs("EPSG:4547").to_file(path, driver="GPKG")
    code, out, err = run(capsys, "import", "parks", path, "--json", "--db", db)
    assert code == 0, err
    assert json.loads(out)["updated"] == 1
    ledger = tmp_path / "capacity.csv"
    ledger.write_text("园区名称,可供地（亩）,供电容量（kVA）\n赤壁经济开发区,3903,954000\n", encoding="utf-8")
    code, out, err = run(capsys, "import", "park-capacity", ledger, "--json", "--db", db)
    assert code == 0, err
    parks = capacity(capsys, db)
    assert parks["P-CB"]["land"]["remaining"] == pytest.approx(3787.0)
    assert parks["P-CB"]["power"]["remaining"] == pytest.approx(462_720)
    con = store.connect(db, read_only=True)
    try:
        bounds = con.execute("SELECT ST_XMin(geom), ST_YMax(geom) FROM parks WHERE park_id = 'P-CB'").fetchone()
    finally:
        con.close()
    assert bounds == pytest.approx((113.90, 29.75), abs=1e-6)


def test_import_parks_without_crs_exits_2_in_chinese(capsys, db, tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gpd.GeoDataFrame({"name": ["赤壁经开区"]}, geometry=[box(500_000, 3_290_000, 504_000, 3_294_000)]).to_file(folder / "p.shp")
    code, _, err = run(capsys, "import", "parks", folder / "p.shp", "--db", db)
    assert code == 2 and "文件没有坐标系信息" in err and "--crs 4547" in err
    code, _, err = run(capsys, "import", "parks", folder / "p.shp", "--crs", "4547", "--db", db)
    assert code == 0, err
