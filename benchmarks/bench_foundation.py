"""Foundation benchmark: load, query and render timings at county, province (×20) and national (×200) scale.

Prints figures only (no assertions). Baselines measured in the same process:
- bulk audited insert (``store.tables.insert``) vs a row-by-row ``executemany`` of the same rows;
- KPI summary over the frame vs the same per-unit figures computed with a Python loop.

    .venv/bin/python benchmarks/bench_foundation.py [--scales county province national] [--keep DIR]
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

import pandas as pd  # noqa: E402

import store  # noqa: E402
from analysis.kpis import Period, summarize  # noqa: E402
from benchmarks.scale import build_scaled_store  # noqa: E402
from layers import projects, reporting_units  # noqa: E402
from layers.exports import to_geojson  # noqa: E402


def timed(fn, repeat: int = 3):
    """(median seconds, last result)."""
    runs, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), result


def naive_by_unit(frame: pd.DataFrame, start, end) -> dict:
    out: dict = {}
    for rec in frame.to_dict("records"):
        d = rec["signed_on"]
        if d is None or pd.isna(d) or not (start <= pd.Timestamp(d).date() <= end):
            continue
        u = out.setdefault(rec["unit_id"], [0, 0.0])
        u[0] += 1
        u[1] += rec["investment_wan"] or 0
    return out


def insert_baseline(con, frame: pd.DataFrame) -> tuple[float, float]:
    """Bulk audited insert vs executemany for the same rows (into scratch copies of the projects table)."""
    rows = frame[list(projects.SPEC.names)].head(10_000).copy()
    rows["project_id"] = "B-" + rows["project_id"].astype(str)
    con.execute("CREATE TEMP TABLE bench_rows AS SELECT * FROM projects LIMIT 0")
    cols = list(projects.SPEC.names)
    t = time.perf_counter()
    con.executemany(f"INSERT INTO bench_rows ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                    [[None if pd.isna(v) else v for v in r] for r in rows[cols].itertuples(index=False)])
    naive = time.perf_counter() - t
    con.execute("DROP TABLE bench_rows")

    class Rollback(Exception):
        pass

    try:
        with store.transaction(con):  # measured inside the store's own transaction, then rolled back
            t = time.perf_counter()
            projects.insert(con, rows, user="bench")
            bulk = time.perf_counter() - t
            raise Rollback
    except Rollback:
        pass
    return bulk, naive


def run(scale: str, workdir: Path) -> dict:
    path = workdir / f"{scale}.duckdb"
    t = time.perf_counter()
    counts = build_scaled_store(path, scale)
    build_s = time.perf_counter() - t
    con = store.connect(path)
    load_s, frame = timed(lambda: projects.load(con))
    units = reporting_units.load(con)
    period = Period.from_months("2018-01", "2018-06")
    plain = pd.DataFrame(frame.drop(columns="geometry"))
    kpi_s, _ = timed(lambda: summarize(plain, period, units))
    naive_s, _ = timed(lambda: naive_by_unit(plain, period.start, period.end))
    one_county = units["county_adcode"].iloc[0]
    scoped_s, scoped = timed(lambda: projects.load(con, county=(one_county,)))
    export_s, _ = timed(lambda: to_geojson(frame), repeat=1)
    bulk_s, execmany_s = insert_baseline(con, frame)
    con.close()
    map_s, map_bytes = map_payload(path)
    return {"scale": scale, "projects": int(counts.get("projects", len(frame))), "build_s": build_s, "load_projects_s": load_s,
            "county_scoped_load_s": scoped_s, "county_rows": len(scoped), "kpi_summary_s": kpi_s, "kpi_naive_loop_s": naive_s,
            "geojson_export_s": export_s, "bulk_insert_10k_s": bulk_s, "executemany_10k_s": execmany_s,
            "map_layers_s": map_s, "map_payload_bytes": map_bytes}


def map_payload(path: Path) -> tuple[float, int]:
    """The overview/workbench map's layers as the app encodes them (``ui.mapkit.map_layers`` with empty caches,
    DuckDB grid cells for layers over budget): (seconds, gzip bytes sent to a first visitor)."""
    import streamlit as st

    from ui import data, mapkit
    from ui.mapkit import payload

    os.environ["PARKMAP_DB"] = str(path)
    data._connection.clear()
    st.cache_data.clear()
    seconds, built = timed(lambda: mapkit.map_layers(None), repeat=1)
    blob = payload.bundle([doc for layer in built for doc in layer.documents()], None)
    data._connection.clear()
    return seconds, len(blob)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", nargs="+", default=["county", "province", "national"])
    ap.add_argument("--keep", help="keep generated stores in this folder")
    args = ap.parse_args()
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="parkmap-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for scale in args.scales:
        r = run(scale, workdir)
        print(f"\n== {scale}: {r['projects']:,} projects")
        for key, value in r.items():
            if key in ("scale", "projects"):
                continue
            print(f"  {key:24s} {value:.4f}" if isinstance(value, float) else f"  {key:24s} {value}")
        print(f"  ratio kpi naive/ours       {r['kpi_naive_loop_s'] / r['kpi_summary_s']:.1f}×")
        print(f"  ratio executemany/bulk     {r['executemany_10k_s'] / r['bulk_insert_10k_s']:.1f}×")


if __name__ == "__main__":
    main()
