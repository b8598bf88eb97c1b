"""Server time of every page at county, province or national scale, in one process: the first open (empty caches,
as for the first visitor after a change) and a rerun, beside a bare ``st.write`` page as the floor.

    .venv/bin/python -m benchmarks.bench_pages province [--db /tmp/province.duckdb] [--pages 项目选址 项目进度]
    .venv/bin/python -m benchmarks.bench_pages province --push-baseline 40

The store is built by ``benchmarks.scale`` when the file does not exist (province: a few minutes). Pages run in
Streamlit's AppTest (the page script and everything it computes, no browser). ``--push-baseline N`` also times the
推送台账 against the plain per-park reading of the rule (tests/analysis/test_siting_board.py's reference, a new
capacity table per candidate) over the first N candidates, per candidate, with the ratio. No assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = "import streamlit as st\nst.write('bare')\n"


def _page_scripts(only: list[str] | None) -> list[tuple[str, str]]:
    from ui.page import PAGES

    pages = [("app.py", "总览"), *[(s, label) for s, label in PAGES if s != "app.py"]]
    return [(s, label) for s, label in pages if not only or label in only or any(o in s for o in only)]


def _run(script: str, timeout: float) -> tuple[float, int]:
    from streamlit.testing.v1 import AppTest

    started = time.perf_counter()
    if script.startswith("pages/"):  # opened the way the sidebar does, under the real entry point
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
        at.switch_page(script)
    else:
        at = AppTest.from_file(script if Path(script).is_absolute() else str(ROOT / script), default_timeout=timeout)
    at.run()
    elapsed = time.perf_counter() - started
    for shown in at.exception:
        print(f"  {script}: {shown.message}", file=sys.stderr)
    return elapsed, len(at.exception)


def time_pages(db: Path, only: list[str] | None, timeout: float) -> list[tuple[str, float, float, int]]:
    import streamlit as st

    os.environ["PARKMAP_DB"] = str(db)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as bare:
        bare.write(BARE)
    rows = [("（空白页）", *(_run(bare.name, timeout)[0] for _ in range(2)), 0)]
    for script, label in _page_scripts(only):
        st.cache_data.clear()
        first, errors = _run(script, timeout)
        rerun, more = _run(script, timeout)
        rows.append((label, first, rerun, errors + more))
    return rows


def push_baseline(db: Path, n: int) -> None:
    import store
    from analysis import capacity as cap
    from analysis import siting
    from layers import projects as projects_layer
    from tests.analysis.test_siting_board import reference_push

    con = store.connect(db)  # the pages above hold it open in this process, read-write
    try:
        parks, projects = cap.load_inputs(con)
        candidates = siting.candidates_without_park(projects_layer.load(con).drop(columns="geometry"))
    finally:
        con.close()
    head = candidates.sort_values("investment_wan", ascending=False, na_position="last").head(n)
    started = time.perf_counter()
    full = siting.push_list(parks, projects, candidates)
    board_s = time.perf_counter() - started
    started = time.perf_counter()
    reference_push(parks, projects, head)
    reference_s = time.perf_counter() - started
    per_board, per_reference = board_s / max(len(full), 1), reference_s / max(len(head), 1)
    print(f"\n推送台账：{len(parks)} 个园区，{len(full)} 个待推送项目")
    print(f"  Board（本产品）      全部 {len(full)} 个：{board_s:8.2f} s，每个 {per_board * 1000:8.2f} ms")
    print(f"  逐园区参照（基线）   前 {len(head)} 个：{reference_s:8.2f} s，每个 {per_reference * 1000:8.2f} ms"
          f"（全部约 {per_reference * len(full):,.0f} s）")
    print(f"  每个项目快 {per_reference / per_board:,.0f} 倍")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", choices=("county", "province", "national"))
    parser.add_argument("--db", type=Path)
    parser.add_argument("--pages", nargs="*", help="page labels or script names (default: every page)")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--push-baseline", type=int, default=0, metavar="N")
    args = parser.parse_args(argv)
    db = args.db or Path(tempfile.gettempdir()) / f"parkmap-{args.scale}.duckdb"
    if not db.exists():
        from benchmarks.scale import build_scaled_store

        started = time.perf_counter()
        print(f"建立 {args.scale} 规模数据 {db} …", flush=True)
        print(build_scaled_store(db, args.scale), f"{time.perf_counter() - started:.0f} s", flush=True)
    rows = time_pages(db, args.pages, args.timeout)
    floor = statistics.median([rows[0][1], rows[0][2]])
    print(f"\n{'页面':<10}{'首次打开 s':>12}{'重跑 s':>10}{'首次/空白页':>12}{'异常':>6}")
    for label, first, rerun, errors in rows:
        print(f"{label:<10}{first:>12.2f}{rerun:>10.2f}{first / floor:>12.1f}{errors:>6}")
    if args.push_baseline:
        push_baseline(db, args.push_baseline)


if __name__ == "__main__":
    main()
