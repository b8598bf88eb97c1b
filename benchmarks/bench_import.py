"""Ledger import through the one pipeline: a new N-row project ledger, its preview, an unchanged re-import and a
re-import that changes every row, against DuckDB's own CSV reader + INSERT of the same file (the floor) in the same
process. Prints seconds, rows/s and the ratio to the floor.

    .venv/bin/python benchmarks/bench_import.py --rows 10000 50000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import layers  # noqa: E402
import store  # noqa: E402
from imports.projects import import_projects  # noqa: E402
from layers import regions  # noqa: E402

HEADER = "项目名称,县（市、区）,合同投资（万元）,到位资金（万元）,项目进度,签约时间,包抓领导\n"
COUNTIES = ("商州区", "洛南县", "丹凤县", "商南县", "山阳县", "镇安县", "柞水县")


def ledger(path: Path, rows: int, funds: int) -> Path:
    lines = [f"项目{i:06d},{COUNTIES[i % len(COUNTIES)]},{1000 + i},{funds + i % 7},{'已开工' if i % 3 else '已签约'},"
             f"2024-{1 + i % 6:02d}-15,领导{i % 50}" for i in range(rows)]
    path.write_text("商洛市2024年1-6月招商项目台账\n" + HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def floor(con, path: Path) -> float:
    """DuckDB reads the same CSV and inserts it into a plain table: what any import costs at least."""
    con.execute("CREATE TEMP TABLE floor_rows (name VARCHAR, county VARCHAR, investment DOUBLE, funds DOUBLE, stage VARCHAR, "
                "signed DATE, leader VARCHAR)")
    seconds, _ = timed(lambda: con.execute(
        f"INSERT INTO floor_rows SELECT * FROM read_csv('{path.as_posix()}', skip=2, header=false, "
        "columns={'a': 'VARCHAR', 'b': 'VARCHAR', 'c': 'DOUBLE', 'd': 'DOUBLE', 'e': 'VARCHAR', 'f': 'DATE', 'g': 'VARCHAR'})"))
    con.execute("DROP TABLE floor_rows")
    return seconds


def run(rows: int, folder: Path) -> dict:
    db = folder / f"import_{rows}.duckdb"
    con = store.connect(db)
    layers.create_all(con)
    regions.import_region(con, "商洛市", user="bench")
    first, second = ledger(folder / f"a_{rows}.csv", rows, 100), ledger(folder / f"b_{rows}.csv", rows, 200)
    out = {"floor_s": floor(con, first)}
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parkmap-import-") as folder:
        for rows in args.rows:
            r = run(rows, Path(folder))
            print(f"\n== {rows:,} rows")
            for key in ("floor_s", "preview_s", "new_s", "unchanged_s", "changed_s"):
                rate = f"{rows / r[key]:,.0f} rows/s" if r[key] else ""
                ratio = f"{r[key] / r['floor_s']:.0f}× floor" if key != "floor_s" else ""
                print(f"  {key:12s} {r[key]:8.2f} s  {rate:>16s}  {ratio}")


if __name__ == "__main__":
    main()
