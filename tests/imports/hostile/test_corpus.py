"""Every hostile or malformed upload of tests/imports/hostile/corpus.py through the readers (imports.sheet,
imports.geofile, ui.basemaps.import_mbtiles) and end to end through the public importers.

For each file: a Chinese refusal (LedgerError/TileImportError: CJK text, no traceback, no file system path) or a
correct read in which every data row is imported/updated or rejected by its row number (no silent row loss), within
a time bound that catches hangs (not a benchmark).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest

import store
from imports import assets, factories, parks, projects
from imports.geofile import read_geofile
from imports.ledger import read_ledger
from imports.sheet import MAX_ROWS, BadCell, LedgerError, read_cells
from tests.imports.hostile import corpus
from ui import basemaps

BOUND_S = 30.0
CJK = re.compile(r"[\u4e00-\u9fff]")
#: A temporary file of ours or of GDAL (a member name from the user's own zip may legitimately be shown).
TEMP_PATH = re.compile(re.escape(tempfile.gettempdir()) + r"/(tmp|parkmap-|pytest-)")
ROOT = Path(__file__).resolve().parents[3]


def params(cases, *, only=None):
    return [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow else []) for c in cases if only is None or only(c)]


def assert_refusal(exc: BaseException, case: corpus.Case, tmp_path: Path) -> None:
    text = str(exc)
    assert CJK.search(text), text
    assert case.match in text, text
    for leak in ("Traceback", "File \"", str(tmp_path), str(ROOT), "Error:", "errno", "sqlite3_"):
        assert leak not in text, (leak, text)
    assert not TEMP_PATH.search(text), text


def timed(call):
    start = time.monotonic()
    try:
        return call(), None, time.monotonic() - start
    except (LedgerError, basemaps.TileImportError) as exc:
        return None, exc, time.monotonic() - start


@pytest.fixture
def con(shangluo_file, tmp_path):
    """A writable copy of the 商洛市 store, for files that import rows."""
    path = tmp_path / "db.duckdb"
    shutil.copyfile(shangluo_file, path)
    connection = store.connect(path)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def refusing_con(shangluo_file, tmp_path_factory):
    """One copy of the 商洛市 store shared by the files that must be refused (a refusal writes nothing)."""
    path = tmp_path_factory.mktemp("refusals") / "db.duckdb"
    shutil.copyfile(shangluo_file, path)
    connection = store.connect(path)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each corpus file built once per module: ``built(case) -> path`` (tests only read them)."""
    cache: dict[str, Path] = {}

    def build(case: corpus.Case) -> Path:
        if case.name not in cache:
            folder = tmp_path_factory.mktemp("corpus")
            cache[case.name] = case.build(folder)
        return cache[case.name]

    return build


def accounted(report, case: corpus.Case) -> None:
    """Every data row of the file is imported/updated or rejected with its row: nothing lost silently."""
    rejected = {r.row for r in report.rejected}
    assert rejected <= set(case.rows), (sorted(rejected), case.rows)
    stored = report.imported + report.updated + getattr(report, "unchanged", 0)
    assert stored + len(rejected) == len(case.rows), report.to_dict()


# --- ledgers -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", params(corpus.LEDGERS, only=lambda c: not c.slow))  # big_200k: its own test below
def test_ledger_reader(case, tmp_path, built):
    path = built(case)
    rows, exc, seconds = timed(lambda: read_cells(path.read_bytes(), filename=path.name))
    assert seconds < BOUND_S
    if case.expect == "refuse":
        assert exc is not None, f"{case.name} was read"
        assert_refusal(exc, case, tmp_path)
    elif case.expect == "read":
        assert exc is None, exc
        assert len(rows) >= max(case.rows, default=1)
        assert all(len(r) <= 500 for r in rows)


@pytest.mark.parametrize("case", params(corpus.LEDGERS, only=lambda c: not c.slow))
def test_ledger_end_to_end(case, tmp_path, built, request):
    path = built(case)
    con = request.getfixturevalue("refusing_con" if case.expect == "refuse" else "con")
    report, exc, seconds = timed(lambda: projects.import_projects(con, path.read_bytes(), filename=path.name))
    assert seconds < BOUND_S
    if case.expect == "refuse":
        assert exc is not None
        assert_refusal(exc, case, tmp_path)
    elif exc is None:
        accounted(report, case)
    else:
        assert case.expect == "either" or not case.rows, exc
        assert_refusal(exc, corpus.Case(case.name, case.build), tmp_path)


@pytest.mark.parametrize("importer", [factories.import_factories, assets.import_assets, parks.import_park_capacity],
                         ids=["factories", "assets", "park_capacity"])
@pytest.mark.parametrize("case", params(corpus.LEDGERS, only=lambda c: c.expect == "refuse" and not c.slow))
def test_every_ledger_importer_refuses_in_chinese(case, importer, tmp_path, built, refusing_con):
    path = built(case)
    _, exc, seconds = timed(lambda: importer(refusing_con, path.read_bytes(), filename=path.name))
    assert seconds < BOUND_S
    assert exc is not None
    assert_refusal(exc, case, tmp_path)


def case_named(cases, name: str) -> corpus.Case:
    return next(c for c in cases if c.name == name)


def rejected_columns(report) -> dict[int, str]:
    return {r.row: r.column for r in report.rejected}


def test_formula_without_cached_value_is_rejected_naming_the_column(tmp_path, con):
    path = case_named(corpus.LEDGERS, "formula_no_cache.xlsx").build(tmp_path)
    assert read_cells(path)[1][3] == BadCell("公式没有计算结果，请在 Excel 中打开并保存后再导入")
    report = projects.import_projects(con, path.read_bytes(), filename=path.name)
    assert rejected_columns(report) == {2: "合同投资（万元）"}
    assert "公式没有计算结果" in report.rejected[0].reason and report.imported == 2


def test_cached_formula_values_are_read(tmp_path):
    path = case_named(corpus.LEDGERS, "formula_cached.xlsx").build(tmp_path)
    assert read_cells(path)[1][3] == 200


def test_excel_errors_are_rejected_naming_the_column(tmp_path, con):
    path = case_named(corpus.LEDGERS, "ref_error.xlsx").build(tmp_path)
    report = projects.import_projects(con, path.read_bytes(), filename=path.name)
    assert rejected_columns(report) == {2: "签约时间", 3: "合同投资（万元）"}
    assert "#REF!" in report.rejected[0].reason and "#DIV/0!" in report.rejected[1].reason
    assert report.imported == 2


def test_nan_number_cell_is_rejected(tmp_path):
    path = case_named(corpus.LEDGERS, "nan_number.xlsx").build(tmp_path)
    assert isinstance(read_cells(path)[1][3], BadCell)


def test_1904_workbook_dates_read_as_dates_are_right(tmp_path):
    path = case_named(corpus.LEDGERS, "date1904.xlsx").build(tmp_path)
    rows = read_cells(path)
    assert rows.date1904 and [r[5] for r in rows[1:]] == [dt.date(2024, 3, 15)] * 3
    frame, _ = read_ledger(path, projects.SCHEMA)
    assert frame["signed_on"].tolist() == [dt.date(2024, 3, 15)] * 3


def test_1904_workbook_plain_number_serials(tmp_path):
    """A date serial left as a General number: 1904 serial of 2024-03-15 is 43904 (1900: 45366)."""
    raw = corpus.xlsx_bytes([("台账", corpus.sheet_xml([corpus.HEADER, [1, "甲", "商州区", 1, "已签约", 43904]]))], date1904=True)
    rows = read_cells(raw)
    assert rows.date1904 and rows[1][5] == 43904  # not shifted by the reader: the number is what the cell holds
    frame, _ = read_ledger(raw, projects.SCHEMA, filename="d.xlsx")
    assert frame["signed_on"].tolist() == [dt.date(2024, 3, 15)]  # read_ledger counts it from 1904


def test_merged_cells_fill_every_covered_cell(tmp_path):
    path = case_named(corpus.LEDGERS, "merged.xlsx").build(tmp_path)
    rows = read_cells(path)
    assert rows[1][:5] == ["序号", "项目名称", "县区", "合同投资", "到位资金"]
    assert rows[0][3] == rows[0][4] == "投资额（亿元）"
    assert rows[2][2] == rows[3][2] == "商州区"
    frame, _ = read_ledger(path, projects.SCHEMA)
    assert frame["unit"].tolist() == ["商州区", "商州区"] and frame["investment_wan"].tolist() == [12_000.0, 5_000.0]


@pytest.mark.parametrize("name", ["utf8.csv", "utf8_bom.csv", "gbk.csv", "utf16le.csv", "utf16be.csv", "semicolon.csv",
                                  "xlsx_named.csv", "csv_named.xlsx", "legacy.xls", "macro.xlsm", "hidden_first_sheet.xlsx",
                                  "trailing_empty_columns.xlsx", "trailing_commas.csv"])
def test_readable_ledgers_come_out_right(name, tmp_path):
    rows = read_cells(case_named(corpus.LEDGERS, name).build(tmp_path))
    assert [str(c) for c in rows[0]] == corpus.HEADER
    assert [r[1] for r in rows[1:]] == [f"测试项目{i:06d}" for i in range(1, len(rows))]
    assert all(len(r) == len(corpus.HEADER) for r in rows)


def test_legacy_xls_values(tmp_path):
    rows = read_cells(case_named(corpus.LEDGERS, "legacy.xls").build(tmp_path))
    assert rows[1] == [1, "测试项目000001", "商州区", 101, "已签约", dt.date(2024, 3, 15)]


def test_gb18030_only_characters(tmp_path):
    rows = read_cells(case_named(corpus.LEDGERS, "gb18030.csv").build(tmp_path))
    assert rows[1][1] == "𠀀扩展字项目"


@pytest.mark.parametrize("name", ["zip_bomb.xlsx", "lying_zip_bomb.xlsx"])
def test_zip_bomb_refused_fast_in_bounded_memory(name, built):
    raw = built(case_named(corpus.LEDGERS, name)).read_bytes()
    tracemalloc.start()
    try:
        start = time.monotonic()
        with pytest.raises(LedgerError, match="疑似恶意"):
            read_cells(raw, filename=name)
        seconds = time.monotonic() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seconds < 2.0 and peak < 16 * 1024 * 1024, (seconds, peak)


def test_absurd_values_are_rejected_by_row(tmp_path, con):
    """Negative, 1e308, "NaN" and "1.2亿万" amounts are refused with their row; the "其中：" sub-row is skipped and named."""
    case = case_named(corpus.LEDGERS, "absurd_values.xlsx")
    path = case.build(tmp_path)
    report = projects.import_projects(con, path.read_bytes(), filename=path.name)
    accounted(report, case)
    assert {r.row for r in report.rejected} == {2, 3, 4, 5}
    assert report.skipped_summary == 1 and any("其中" in w and "第 6 行" in w for w in report.warnings), report.warnings
    assert report.imported == 1  # 正常项目


@pytest.mark.slow
def test_200k_rows_read_in_bounded_time_and_memory(built):
    """Real provincial ledgers reach 200,000 rows: read, not refused, in a fresh process so its peak RSS is its own."""
    path = built(case_named(corpus.LEDGERS, "big_200k.xlsx"))
    script = ("import resource, sys, time\n"
              "from imports.sheet import read_cells\n"
              "t = time.monotonic(); rows = read_cells(sys.argv[1]); s = time.monotonic() - t\n"
              "print(len(rows), len(rows[1]), s, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n")
    out = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    rows, width, seconds, peak_mb = out.stdout.split()
    assert (int(rows), int(width)) == (200_001, 20)
    assert float(seconds) < 90 and int(peak_mb) < 2048, out.stdout


def test_row_limit_counts_only_rows_with_values():
    rows = [corpus.HEADER, *corpus.project_rows(2)] + [[]] * (MAX_ROWS + 10)
    assert len(read_cells(corpus.csv_bytes(rows), filename="x.csv")) == 3


# --- boundary files ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", params(corpus.GEOFILES))
def test_geofile_reader(case, tmp_path, built):
    path = built(case)
    frame, exc, seconds = timed(lambda: read_geofile(path.read_bytes(), filename=path.name))
    assert seconds < BOUND_S
    if case.expect == "refuse":
        assert exc is not None, f"{case.name} was read"
        assert_refusal(exc, case, tmp_path)
    else:
        assert exc is None, exc
        assert len(frame) == len(case.rows)
        assert set(frame.attrs) <= {"layer", "other_layers"} and len(repr(frame.attrs)) < 1000


@pytest.mark.parametrize("case", params(corpus.GEOFILES))
def test_geofile_end_to_end(case, tmp_path, built, request):
    path = built(case)
    con = request.getfixturevalue("refusing_con" if case.expect == "refuse" else "con")
    report, exc, seconds = timed(lambda: parks.import_park_polygons(con, path.read_bytes(), filename=path.name, crs=None))
    assert seconds < BOUND_S
    if case.expect == "refuse":
        assert exc is not None
        assert_refusal(exc, case, tmp_path)
    else:
        assert exc is None, exc
        accounted(report, case)


def test_zip_slip_writes_nothing_outside(tmp_path):
    path = case_named(corpus.GEOFILES, "zip_slip.zip").build(tmp_path)
    before = set(Path(tempfile.gettempdir()).iterdir())
    with pytest.raises(LedgerError, match="不安全"):
        read_geofile(path.read_bytes(), filename=path.name)
    created = set(Path(tempfile.gettempdir()).iterdir()) - before
    assert not [p for p in created if "evil" in p.name] and not (Path(tempfile.gettempdir()) / "evil.shp").exists()


def test_gbk_dbf_without_cpg_names_come_out_right(tmp_path):
    raw = case_named(corpus.GEOFILES, "gbk_no_cpg.zip").build(tmp_path).read_bytes()
    assert read_geofile(raw, filename="p.zip")["name"].tolist() == ["商洛高新区", "山阳工业园"]
    assert read_geofile(raw, filename="p.zip", encoding="GBK")["name"].tolist() == ["商洛高新区", "山阳工业园"]


def test_gbk_geojson_names_come_out_right(tmp_path):
    raw = case_named(corpus.GEOFILES, "gbk.geojson").build(tmp_path).read_bytes()
    assert read_geofile(raw, filename="p.geojson")["name"].tolist() == ["商洛高新区"]


@pytest.mark.parametrize(("name", "layer", "others"), [("two_layers.gpkg", "parks", ["points"]),
                                                       ("two_shapefiles.zip", "b_parks", ["a_points.shp"])])
def test_first_polygon_layer_is_read_and_the_others_named(name, layer, others, tmp_path):
    frame = read_geofile(case_named(corpus.GEOFILES, name).build(tmp_path).read_bytes(), filename=name)
    assert frame.attrs == {"layer": layer, "other_layers": others}
    assert set(frame.geometry.geom_type) == {"Polygon"}


def test_shp_path_with_parts_beside_it(tmp_path):
    parts = corpus.gbk_without_cpg(corpus.shapefile_parts(tmp_path, encoding="GBK"))
    for name, data in parts.items():
        (tmp_path / name).write_bytes(data)
    assert read_geofile(tmp_path / "parks.shp")["name"].tolist() == ["商洛高新区", "山阳工业园"]
    (tmp_path / "parks.dbf").unlink()
    with pytest.raises(LedgerError, match=r"缺少 \.dbf"):
        read_geofile(tmp_path / "parks.shp")


# --- MBTiles -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", params(corpus.TILESETS))
def test_mbtiles_import(case, tmp_path, monkeypatch):
    monkeypatch.setattr(basemaps, "CHECK_SECONDS", 2)
    source_dir = tmp_path / "src"
    source_dir.mkdir()
    path = case.build(source_dir)
    tiles = tmp_path / "out" / "static" / "tiles"
    info, exc, seconds = timed(lambda: basemaps.import_mbtiles(path, "county", folder=tiles))
    assert seconds < BOUND_S
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert all(p.is_relative_to(tiles / "county") for p in written), written
    assert not list(tmp_path.rglob("escaped*"))
    if case.expect == "refuse":
        assert exc is not None, f"{case.name} was imported"
        assert_refusal(exc, case, tmp_path)
        assert not written
    else:
        assert exc is None, exc
        assert info["tiles"] == len(case.rows)


def test_failed_reimport_keeps_the_previous_tileset(tmp_path, monkeypatch):
    tiles = tmp_path / "tiles"
    good = case_named(corpus.TILESETS, "good.mbtiles").build(tmp_path)
    basemaps.import_mbtiles(good, "county", folder=tiles)
    bad = case_named(corpus.TILESETS, "zoom_99.mbtiles").build(tmp_path)
    with pytest.raises(basemaps.TileImportError):
        basemaps.import_mbtiles(bad, "county", folder=tiles)
    assert (tiles / "county" / "tileset.json").exists() and (tiles / "county" / "2" / "3" / "2.png").exists()
    assert [p.name for p in tiles.iterdir()] == ["county"]
