"""Matching 10,000 standard factories: the vectorised engine against a naive row-by-row loop (same process, same data).

    .venv/bin/python benchmarks/bench_matching.py [--rows 10000] [--runs 15]

Prints medians in milliseconds; no assertions (the goal in issue 4 is ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.matching import Requirement, Weights, match  # noqa: E402

REQ = Requirement(min_area_m2=3000, max_area_m2=9000, min_clear_height_m=8, min_floor_load_t_m2=3, min_power_kva=630,
                  max_rent_yuan_m2_month=16, industry="电子信息", move_in=dt.date(2018, 12, 1), excluded_counties=("C07",))


def factories(n: int, seed: int = 20180630) -> pd.DataFrame:
    """``n`` factories with demo-like specs (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    single = rng.random(n) < 0.6
    status = rng.choice(["已出租", "空置", "意向洽谈", "装修改造"], size=n, p=[0.55, 0.3, 0.1, 0.05])
    lease_end = pd.Timestamp("2018-06-30") + pd.to_timedelta(rng.integers(30, 1600, n), unit="D")
    return pd.DataFrame({
        "factory_id": [f"F{i:05d}" for i in range(n)],
        "name": [f"{i}#标准化厂房" for i in range(n)],
        "park_id": [f"P{k:02d}" for k in rng.integers(0, 40, n)],
        "park_name": [f"第{k}园区" for k in rng.integers(0, 40, n)],
        "county_adcode": [f"C{k:02d}" for k in rng.integers(0, 10, n)],
        "positioning": rng.choice(["电子信息、食品饮料", "新材料、装备制造", "纺织服装", "电子信息材料、生物医药"], n),
        "floor": np.where(rng.random(n) < 0.2, 2.0, np.nan),
        "unit_no": None,
        "floor_area_m2": np.round(np.where(single, rng.uniform(2000, 12000, n), rng.uniform(4000, 15000, n)), -1),
        "clear_height_m": np.where(single, rng.choice([8.0, 9.0, 10.0, 12.0], n), np.round(rng.uniform(5.5, 7.5, n), 1)),
        "floor_load_kn_m2": np.where(single, rng.choice([30.0, 40.0, 50.0], n), rng.choice([7.8, 9.8, 12.0, 14.7], n)),
        "power_kva": np.where(single, rng.choice([400, 630, 800, 1000, 1250, 1600, 2000], n), rng.choice([250, 400, 630, 800], n)),
        "crane_t": np.where(single, rng.choice([0.0, 5.0, 10.0, 16.0], n), 0.0),
        "rent_yuan_m2_month": np.round(rng.uniform(8, 20, n), 1),
        "status": status,
        "lease_end": pd.Series(lease_end).where(status == "已出租"),
    })


def naive(frame: pd.DataFrame, req: Requirement) -> list[tuple[float, str]]:
    """The same feasibility and score, one row at a time in plain Python (the baseline)."""
    w = Weights()
    move_in = pd.Timestamp(req.move_in)
    load = req.floor_load_kn_m2
    out = []
    lo, hi = req.min_area_m2, req.max_area_m2
    target = (lo + hi) / 2
    for _, row in frame.iterrows():
        leased_out = row["status"] == "已出租" and pd.notna(row["lease_end"]) and row["lease_end"] < move_in
        ok = (row["status"] == "空置" or leased_out) and row["county_adcode"] not in req.excluded_counties
        ok = ok and lo <= row["floor_area_m2"] <= hi and row["clear_height_m"] >= req.min_clear_height_m
        ok = ok and row["floor_load_kn_m2"] >= load and row["power_kva"] >= req.min_power_kva
        ok = ok and row["rent_yuan_m2_month"] <= req.max_rent_yuan_m2_month
        if not ok:
            continue
        parts = [(w.area, max(0.0, 1 - abs(row["floor_area_m2"] - target) / target)),
                 (w.clear_height, min(1.0, max(0.0, (row["clear_height_m"] - req.min_clear_height_m) / req.min_clear_height_m / 0.5))),
                 (w.floor_load, min(1.0, max(0.0, (row["floor_load_kn_m2"] - load) / load / 0.5))),
                 (w.power, min(1.0, max(0.0, (row["power_kva"] - req.min_power_kva) / req.min_power_kva / 0.5))),
                 (w.rent, min(1.0, max(0.0, (req.max_rent_yuan_m2_month - row["rent_yuan_m2_month"]) / req.max_rent_yuan_m2_month / 0.3))),
                 (w.industry, 1.0 if req.industry in row["positioning"] else 0.0),
                 (w.ready, 1.0 if row["status"] == "空置" else 0.0)]
        out.append((round(100 * sum(a * b for a, b in parts) / sum(a for a, _ in parts), 1), row["factory_id"]))
    return sorted(out, key=lambda x: -x[0])


def timed(fn, runs: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU milliseconds (CPU time is steadier on a shared machine) and the last result."""
    wall, cpu, result = [], [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu), result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=15)
    args = p.parse_args()
    frame = factories(args.rows)
    match(frame, REQ, limit=50)  # warm-up (imports, numpy dispatch)
    top, top_cpu, result = timed(lambda: match(frame, REQ, limit=50), args.runs)
    full, full_cpu, full_result = timed(lambda: match(frame, REQ), args.runs)
    slow, slow_cpu, baseline = timed(lambda: naive(frame, REQ), max(3, args.runs // 5))
    same = {f for _, f in baseline} == set(full_result.feasible["factory_id"])
    print(f"厂房 {args.rows:,} 处；符合 {result.feasible_total:,} 处，接近 {result.near_miss_total:,} 处；中位数（墙钟 / CPU），{args.runs} 次")
    print(f"向量化匹配（排序全部，解释前 50 名及前 50 个接近项）: {top:7.1f} ms / {top_cpu:7.1f} ms")
    print(f"向量化匹配（解释全部 {full_result.feasible_total:,} 个符合项及全部接近项）:  {full:7.1f} ms / {full_cpu:7.1f} ms")
    print(f"逐行 Python 循环（只判定和打分，不解释）:            {slow:7.1f} ms / {slow_cpu:7.1f} ms")
    print(f"倍数（循环 / 向量化前 50 名，CPU）: {slow_cpu / top_cpu:.0f}×；两者符合集合一致：{'是' if same else '否'}")


if __name__ == "__main__":
    main()
