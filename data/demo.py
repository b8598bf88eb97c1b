"""Build the demo database: 咸宁市 (421200) with real county boundaries and deterministic data.

Reproduces seed 003's 2018 H1 table exactly (391 projects, 845.6亿; per reporting unit), plus the 2017
cohort, the negotiation pipeline, monthly stage history and snapshots (2017-01 … 2018-06), 2017/2018
targets, 9 parks with capacity figures, ~150 standard factories and 30 idle state assets.
Every geometry lies inside its county. Run with ``python cli.py init-demo``.
"""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd

import layers
from data import demo_asset_cases, demo_assets, demo_park_metrics, demo_projects
from data import demo_catalog as cat
from data.demo_geometry import park_polygon, points_in
from layers import (
    dataset,
    idle_assets,
    months,
    parks,
    project_history,
    projects,
    regions,
    reporting_units,
    standard_factories,
    targets,
)
from store import audit, geometry

SEED = 20180630
USER = "演示数据"
DEMO_MONTHS = pd.period_range("2017-01", "2018-06", freq="M")
EVENT_DATE = {"签约": "signed_on", "注册": "registered_on", "开工": "started_on", "投产": "produced_on"}


def _units() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"unit_id": u, "name": n, "short_name": s, "kind": k, "county_adcode": c, "city_adcode": cat.CITY_ADCODE, "sort_order": i}
            for i, (u, n, s, k, c, *_rest) in enumerate(cat.UNITS)
        ]
    )


def _parks(rng: np.random.Generator, counties: dict) -> gpd.GeoDataFrame:
    rows = []
    for park_id, name, level, county, unit, positioning, centre, radius in cat.PARKS:
        poly = park_polygon(rng, counties[county], centre, radius)
        mu = float(geometry.area_m2(gpd.GeoSeries([poly], crs=geometry.STORAGE_CRS)).iloc[0]) / 666.67
        power = float(round(mu * rng.uniform(25, 45), -3))
        water = float(round(mu * rng.uniform(3, 8), -2))
        energy = float(round(mu * rng.uniform(15, 40), -2))
        rows.append({
            "park_id": park_id, "name": name, "level": level, "county_adcode": county, "unit_id": unit,
            "positioning": positioning, "planned_area_mu": round(mu, 0), "built_area_mu": round(mu * rng.uniform(0.55, 0.8), 0),
            "available_land_mu": round(mu * rng.uniform(0.08, 0.2), 0),
            "power_total_kva": power, "power_used_kva": round(power * rng.uniform(0.5, 0.8), -2),
            "water_total_t_d": water, "water_used_t_d": round(water * rng.uniform(0.4, 0.75), -1),
            "gas_total_m3_d": float(round(mu * rng.uniform(20, 60), -2)), "gas_used_m3_d": float(round(mu * rng.uniform(8, 20), -2)),
            "energy_quota_tce": energy, "energy_used_tce": round(energy * rng.uniform(0.45, 0.8), -1),
            "green_power": bool(rng.random() < 0.4), "manager_unit": f"{name}管委会",
            "contact_phone": f"0715-8{int(rng.integers(100000, 999999))}", "geometry": poly,
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=geometry.STORAGE_CRS)


def _place_projects(rng: np.random.Generator, records: list[dict], counties: dict, park_frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Put each project in a park of its unit (高新区: always; counties: most industrial ones) or elsewhere in its county."""
    unit_parks = {u: list(g["park_id"]) for u, g in park_frame.groupby("unit_id")}
    county_parks = {c: list(g["park_id"]) for c, g in park_frame.groupby("county_adcode")}
    park = park_frame.set_index("park_id")
    geoms = []
    for rec in records:
        own = unit_parks.get(rec["unit_id"], [])
        pid = None
        if rec["unit_id"] == cat.GX_UNIT or (own and rec["category"] == "工业" and rng.random() < 0.7):
            pid = own[int(rng.integers(len(own)))]
        elif rng.random() < 0.08 and county_parks.get(rec["county_adcode"]):
            nearby = county_parks[rec["county_adcode"]]
            pid = nearby[int(rng.integers(len(nearby)))]
        rec["park_id"] = pid
        rec["park_name"] = None if pid is None else park.at[pid, "name"]
        pending = rng.random() < 0.06 and rec["investment_wan"] < 100_000
        area = counties[rec["county_adcode"]] if pid is None else park.at[pid, "geometry"]
        geoms.append(None if pending else points_in(rng, area, 1, margin=0.005 if pid is None else 0.0008)[0])
    frame = pd.DataFrame(records).drop(columns=["stage_changed_on"], errors="ignore")
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=geometry.STORAGE_CRS), crs=geometry.STORAGE_CRS)


def _events(rng: np.random.Generator, records: list[dict]) -> pd.DataFrame:
    """Stage history: 在谈 before signing, each dated step, side exits; pipeline projects get their first event."""
    rows = []
    for rec in records:
        pid = rec["project_id"]
        steps: list[tuple[str, date]] = []
        if rec["signed_on"] is not None:
            steps.append(("在谈", rec["signed_on"] - timedelta(days=int(rng.integers(20, 120)))))
            steps += [(stage, rec[col]) for stage, col in EVENT_DATE.items() if rec[col] is not None]
            if rec["stage"] in ("停滞", "终止"):
                steps.append((rec["stage"], rec["stage_changed_on"]))
        else:
            first = date(2018, 1, 1) + timedelta(days=int(rng.integers(0, 170)))
            steps.append((rec["stage"], first))
        for i, (stage, day) in enumerate(steps, start=1):
            rows.append({"event_id": f"{pid}#{i}", "project_id": pid, "stage": stage, "changed_on": day,
                         "evidence": "签约合同扫描件" if stage == "签约" else None, "note": None})
    return pd.DataFrame(rows)


def snapshot_frame(frame: pd.DataFrame, events: pd.DataFrame, month: pd.Period) -> pd.DataFrame:
    """Projects as they stood at the end of ``month``: later dates blanked, stage from the history."""
    end = month.end_time.date()
    seen = events[pd.to_datetime(events["changed_on"]).dt.date <= end]
    last = seen.sort_values(["project_id", "changed_on", "event_id"]).groupby("project_id").tail(1).set_index("project_id")["stage"]
    rows = frame[frame["project_id"].isin(last.index)].copy()
    rows["stage"] = rows["project_id"].map(last)
    for col in EVENT_DATE.values():
        rows[col] = rows[col].where(rows[col].map(lambda d: d is not None and d <= end), None)
    signed = pd.to_datetime(rows["signed_on"])
    as_of = pd.Timestamp(cat.AS_OF)
    elapsed = ((pd.Timestamp(end) - signed) / (as_of - signed).clip(lower=pd.Timedelta(days=1))).clip(0, 1).fillna(0)
    rows["funds_in_place_wan"] = (rows["funds_in_place_wan"] * elapsed).round(1)
    return rows


def _targets() -> pd.DataFrame:
    rows = []
    for unit, _name, _short, _kind, _county, n, total in cat.UNITS:
        big1, big10, funds = cat.TARGETS_2018[unit]
        values = {"signed_projects": round(n * 1.7), "signed_investment_yi": round(total / 10_000 * 1.8),
                  "projects_1yi": big1, "projects_10yi": big10, "funds_in_place_yi": funds, "started_projects": round(n * 0.8)}
        for year, factor in ((2017, 0.9), (2018, 1.0)):
            for indicator, value in values.items():
                rows.append({"target_id": targets.target_id(year, unit, indicator), "year": year, "unit_id": unit,
                             "indicator": indicator, "target_value": float(round(value * factor))})
    return pd.DataFrame(rows)


class DemoRefused(RuntimeError):
    """The store already holds data: the demo is only ever built into a new or entirely empty store."""


def build(con, *, seed: int = SEED, user: str = USER, force: bool = False) -> dict:
    """Create the schema and load the whole demo in one transaction. Returns row counts per table.

    Refuses (:class:`DemoRefused`) a store that holds any row, unless ``force`` (then every table is emptied first;
    the caller makes a backup — ``cli.py init-demo --force`` does).
    """
    rng = np.random.default_rng(seed)
    layers.create_all(con)
    with audit.batch(con, user=user, kind="demo", label=f"演示数据（{cat.CITY_NAME}）"):
        counts = {t: n for t, n in layers.row_counts(con).items() if n}
        if counts and not force:
            held = "、".join(f"{t} {n} 行" for t, n in counts.items())
            raise DemoRefused(f"数据库中已有数据（{held}），不能生成演示数据：演示数据只写入全新的空数据库")
        for spec in reversed(layers.SPECS):
            con.execute(f"DELETE FROM {spec.table}")
        regions.import_region(con, cat.CITY_ADCODE, user=user)
        county_frame = regions.load(con, level="county", parent=cat.CITY_ADCODE)
        counties = dict(zip(county_frame["adcode"], county_frame.geometry))
        reporting_units.insert(con, _units(), user=user)
        park_frame = _parks(rng, counties)
        parks.insert(con, park_frame, user=user)
        records = demo_projects.generate(seed)
        project_frame = _place_projects(rng, records, counties, park_frame)
        projects.insert(con, project_frame, user=user)
        events = _events(rng, records)
        project_history.insert_events(con, events, user=user)
        for month in DEMO_MONTHS:
            project_history.write_snapshot(con, str(month), snapshot_frame(project_frame, events, month), user=user)
        park_geoms = {r.park_id: (r.name, r.county_adcode, r.geometry) for r in park_frame.itertuples()}
        standard_factories.insert(con, pd.DataFrame(demo_assets.factories(rng, park_geoms)).pipe(gpd.GeoDataFrame, crs=geometry.STORAGE_CRS), user=user)
        idle_assets.insert(con, gpd.GeoDataFrame(demo_assets.idle_assets(rng, counties), crs=geometry.STORAGE_CRS), user=user)
        demo_asset_cases.insert(con, seed=seed, user=user)
        targets.insert(con, _targets(), user=user)
        demo_park_metrics.write(con, user=user)
        dataset.set_info(con, demo="true", label=f"演示数据（{cat.CITY_NAME}，虚构项目）", region=cat.CITY_ADCODE,
                         as_of=cat.AS_OF, seed=str(seed), user=user)
        for month in DEMO_MONTHS[:-1]:  # published history; the demo's own month (2018-06) is left for freezing
            months.freeze_stored(con, str(month), user=user)
    return layers.row_counts(con)
