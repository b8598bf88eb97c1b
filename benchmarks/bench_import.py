"""Ledger import through the one pipeline: a new N-row project ledger (.csv and .xlsx), its preview, an unchanged
re-import and a re-import that changes every row, against two floors measured in the same process on the same file:
a plain ``pandas.read_csv``/``pandas.read_excel`` + INSERT (issue 16's baseline: the import should stay within 2× of
it and above 10k rows/s) and, for CSV, DuckDB's own ``read_csv`` + INSERT. Prints seconds, rows/s and the ratios.

    .venv/bin/python benchmarks/bench_import.py --rows 10000 50000 --formats csv xlsx
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import layers  # noqa: E402
import store  # noqa: E402
from imports.projects import import_projects  # noqa: E402
from layers import regions  # noqa: E402

HEADER = "项目名称,县（市、区）,合同投资（万元）,到位资金（万元）,项目进度,签约时间,包抓领导\n"
COUNTIES = ("商州区", "洛南县", "丹凤县", "商南县", "山阳县", "镇安县", "柞水县")


TITLE = "商洛市2024年1-6月招商项目台账"


def _row(i: int, funds: int) -> list:
    return [f"项目{i:06d}", COUNTIES[i % len(COUNTIES)], 1000 + i, funds + i % 7, "已开工" if i % 3 else "已签约",
            date(2024, 1 + i % 6, 15), f"领导{i % 50}"]


def ledger(path: Path, rows: int, funds: int) -> Path:
    """The same ledger as a county sends it: a title line, the header, ``rows`` projects (.csv or .xlsx by suffix)."""
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("项目台账")
        sheet.append([TITLE])
        sheet.append(HEADER.strip().split(","))
        for i in range(rows):
            sheet.append(_row(i, funds))
        book.save(path)
        return path
    lines = [",".join(str(c) for c in _row(i, funds)) for i in range(rows)]
    path.write_text(TITLE + "\n" + HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


FLOOR_TABLE = ("CREATE TEMP TABLE floor_rows (name VARCHAR, county VARCHAR, investment DOUBLE, funds DOUBLE, stage VARCHAR, "
               "signed DATE, leader VARCHAR)")


def duckdb_floor(con, path: Path) -> float:
    """DuckDB reads the same CSV and inserts it into a plain table: what any import costs at least."""
    con.execute(FLOOR_TABLE)
    seconds, _ = timed(lambda: con.execute(
        f"INSERT INTO floor_rows SELECT * FROM read_csv('{path.as_posix()}', skip=2, header=false, "
        "columns={'a': 'VARCHAR', 'b': 'VARCHAR', 'c': 'DOUBLE', 'd': 'DOUBLE', 'e': 'VARCHAR', 'f': 'DATE', 'g': 'VARCHAR'})"))
    con.execute("DROP TABLE floor_rows")
    return seconds


def pandas_floor(con, path: Path) -> float:
    """A plain ``pandas.read_csv``/``read_excel`` of the same file (default engine) and an INSERT of the frame."""
    import pandas as pd

    def load() -> None:
        frame = pd.read_excel(path, skiprows=1, engine="openpyxl") if path.suffix == ".xlsx" else pd.read_csv(path, skiprows=1)
        frame.columns = ["name", "county", "investment", "funds", "stage", "signed", "leader"]
        frame["signed"] = pd.to_datetime(frame["signed"]).dt.date
        con.register("floor_frame", frame)
        con.execute("INSERT INTO floor_rows SELECT * FROM floor_frame")
        con.unregister("floor_frame")

    con.execute(FLOOR_TABLE)
    seconds, _ = timed(load)
    con.execute("DROP TABLE floor_rows")
    return seconds


def run(rows: int, folder: Path, suffix: str) -> dict:
    db = folder / f"import_{rows}{suffix}.duckdb"
    con = store.connect(db)
    layers.create_all(con)
    regions.import_region(con, "商洛市", user="bench")
    first, second = ledger(folder / f"a_{rows}{suffix}", rows, 100), ledger(folder / f"b_{rows}{suffix}", rows, 200)
    out = {"pandas_s": pandas_floor(con, first)}
    if suffix == ".csv":
        out["duckdb_s"] = duckdb_floor(con, first)
    out["preview_s"], preview = timed(lambda: import_projects(con, first, user="bench", dry_run=True))
    out["new_s"], report = timed(lambda: import_projects(con, first, user="bench"))
    out["unchanged_s"], again = timed(lambda: import_projects(con, first, user="bench"))
    out["changed_s"], changed = timed(lambda: import_projects(con, second, user="bench"))
    assert preview.imported == report.imported == rows and again.unchanged == rows and changed.updated == rows, \
        (preview.summary_zh(), report.summary_zh(), again.summary_zh(), changed.summary_zh())
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", nargs="+", type=int, default=[10_000])
    parser.add_argument("--formats", nargs="+", choices=["csv", "xlsx"], default=["csv", "xlsx"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parkmap-import-") as folder:
        for rows in args.rows:
            for fmt in args.formats:
                r = run(rows, Path(folder), f".{fmt}")
                print(f"\n== {rows:,} rows, .{fmt}")
                for key in ("pandas_s", "duckdb_s", "preview_s", "new_s", "unchanged_s", "changed_s"):
                    if key not in r:
                        continue
                    rate = f"{rows / r[key]:,.0f} rows/s" if r[key] else ""
                    ratio = f"{r[key] / r['pandas_s']:5.1f}× pandas" if key != "pandas_s" else ""
                    if "duckdb_s" in r and key not in ("pandas_s", "duckdb_s"):
                        ratio += f"  {r[key] / r['duckdb_s']:5.0f}× duckdb"
                    print(f"  {key:12s} {r[key]:8.2f} s  {rate:>16s}  {ratio}")


if __name__ == "__main__":
    main()
