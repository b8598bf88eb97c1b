"""园区承载力: what each park can still host after the project pipeline lands, per resource.

Counting rule (认定口径), the same everywhere in the product:

* **supply** is the park's figure: 可供地/待建地 ``available_land_mu`` for land (planned and built area are shown
  beside it, not used), ``*_total_*`` / ``energy_quota_tce`` for power, water, gas and energy.
* **occupied** is the park's ``*_used_*`` figure: what *operating* enterprises use. Projects in production
  (投产) are operating enterprises, so they are assumed to be in these figures and are not counted again.
  Land has no "used" figure: 可供地 is by definition not yet granted, so land ``occupied`` is 0.
* **reserved** is the sum of the needs of projects located in the park (``park_id``) at 签约, 注册 or 开工
  (:data:`RESERVE_STAGES`), shown by stage. 在谈 projects are shown separately as ``if_negotiating_lands``;
  线索, 停滞 and 终止 projects reserve nothing.
* **land of started projects** is a setting (``config/capacity.toml`` ``[land] started_projects``,
  :data:`STARTED_LAND_RULES`): land is granted (出让/供地) before construction starts, so a 开工 project's land has
  already left 可供地 — counting it again would subtract it twice. The default ``"granted"`` leaves it out of the
  reserve (its amount is shown as ``granted_started``); ``"reserve"`` counts it, for a park whose 可供地 figure still
  includes land granted but not yet built on.
* **remaining** = supply − occupied − reserved, never negative: the shortfall is ``over_committed`` (≥ 0),
  so ``remaining − over_committed`` is the signed balance. When the park has not reported the supply (or the
  used figure) of a resource, remaining is unknown (NaN) and ``known`` is False.

Units: land 亩, power kVA, water 吨/日, gas m³/日, energy 吨标准煤 (tce) a year. Projects carry no gas need.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from layers import park_metrics, parks, projects

#: Stages whose needs are reserved, with the English key used in column names (reserved_signed …).
STAGE_KEYS = {"签约": "signed", "注册": "registered", "开工": "started"}
RESERVE_STAGES = tuple(STAGE_KEYS)
NEGOTIATING_STAGES = ("在谈",)
CONFIG = Path(__file__).resolve().parent.parent / "config" / "capacity.toml"
#: How the land of projects at 开工 counts (``config/capacity.toml`` ``[land] started_projects``), with the sentence
#: the pages show for the rule in force.
STARTED_LAND_RULES = {
    "granted": "开工项目的用地已出让、不在可供地内，不再计入项目储备（避免重复扣减）",
    "reserve": "开工项目的用地仍计入项目储备（适用于可供地含已出让未建设土地的园区）",
}
DEFAULT_STARTED_LAND = "granted"


@dataclass(frozen=True)
class Resource:
    """One capacity resource: park supply/used columns, project need column, unit and column suffix."""

    key: str
    label: str
    unit: str
    suffix: str
    supply: str
    used: str | None
    need: str | None


RESOURCES = (
    Resource("land", "用地", "亩", "mu", "available_land_mu", None, "land_mu"),
    Resource("power", "用电", "kVA", "kva", "power_total_kva", "power_used_kva", "power_kva"),
    Resource("water", "用水", "吨/日", "t_d", "water_total_t_d", "water_used_t_d", "water_t_d"),
    Resource("gas", "用气", "m³/日", "m3_d", "gas_total_m3_d", "gas_used_m3_d", None),
    Resource("energy", "用能", "吨标准煤", "tce", "energy_quota_tce", "energy_used_tce", "energy_tce"),
)
BY_KEY = {r.key: r for r in RESOURCES}
NEED_COLUMNS = {r.key: r.need for r in RESOURCES if r.need}
TIDY_COLUMNS = ("park_id", "park", "county_adcode", "resource", "label", "unit", "supply", "occupied",
                *(f"reserved_{k}" for k in STAGE_KEYS.values()), "reserved", "granted_started", "if_negotiating_lands",
                "remaining", "over_committed", "remaining_if_negotiating", "remaining_share", "known")


def started_land_rule(path: Path | str | None = None) -> str:
    """The configured counting rule for started projects' land (a key of :data:`STARTED_LAND_RULES`); the default
    when the file or the key is absent. An unknown value is refused with a Chinese :class:`ValueError`."""
    path = Path(path) if path is not None else CONFIG
    if not path.exists():
        return DEFAULT_STARTED_LAND
    with path.open("rb") as fh:
        rule = tomllib.load(fh).get("land", {}).get("started_projects", DEFAULT_STARTED_LAND)
    if rule not in STARTED_LAND_RULES:
        raise ValueError(f"{path.name} 中 [land] started_projects = “{rule}” 无法识别，可选：{'、'.join(STARTED_LAND_RULES)}")
    return rule


def load_inputs(con: duckdb.DuckDBPyConnection, county: str | Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(parks, projects) of the store within ``county`` scope, as plain frames (no geometry)."""
    park_frame = pd.DataFrame(parks.load(con, county=county).drop(columns="geometry"))
    project_frame = pd.DataFrame(projects.load(con).drop(columns="geometry"))
    # A project counts where its park is, even if the project's own county differs (cross-county park).
    return park_frame, project_frame[project_frame["park_id"].isin(park_frame["park_id"])]


def load_metrics(con: duckdb.DuckDBPyConnection, county: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Yearly park figures (税收/产值/建筑面积/固定资产投资) within scope."""
    return park_metrics.load(con, county=county)


def pipeline(projects_frame: pd.DataFrame, stages: Sequence[str] = (*RESERVE_STAGES, *NEGOTIATING_STAGES)) -> pd.DataFrame:
    """Needs summed per park and stage: columns park_id, stage, projects, and one column per need (units as named)."""
    needs = list(NEED_COLUMNS.values())
    rows = projects_frame[projects_frame["stage"].isin(stages) & projects_frame["park_id"].notna()]
    frame = rows[["park_id", "stage"]].copy()
    for column in needs:
        frame[column] = pd.to_numeric(rows[column], errors="coerce").fillna(0.0) if column in rows else 0.0
    frame["projects"] = 1
    return frame.groupby(["park_id", "stage"], as_index=False)[["projects", *needs]].sum()


def _number(value) -> float:
    return float(value) if value is not None and not pd.isna(value) else np.nan


def capacity(parks_frame: pd.DataFrame, projects_frame: pd.DataFrame, *, extra: Mapping[str, Mapping[str, float]] | None = None,
             started_land: str | None = None) -> pd.DataFrame:
    """Tidy capacity: one row per park × resource (columns :data:`TIDY_COLUMNS`), values in that resource's ``unit``.

    ``extra`` maps park_id → {resource key: amount} added to that park's reserve (a hypothetical project,
    see :func:`analysis.siting.what_if`); nothing is stored. ``started_land`` is the counting rule for 开工 projects'
    land (:data:`STARTED_LAND_RULES`; None = the configured one, :func:`started_land_rule`): under ``"granted"`` their
    land is in ``granted_started`` and not in ``reserved_started``.
    """
    rule = started_land or started_land_rule()
    if rule not in STARTED_LAND_RULES:
        raise ValueError(f"未知的开工项目用地口径：{rule}")
    needs = pipeline(projects_frame)
    by = {(p, s): row for (p, s), row in needs.set_index(["park_id", "stage"]).iterrows()}
    rows = []
    for park in parks_frame.itertuples(index=False):
        for res in RESOURCES:
            supply = _number(getattr(park, res.supply, None))
            occupied = 0.0 if res.used is None else _number(getattr(park, res.used, None))
            row = {"park_id": park.park_id, "park": park.name, "county_adcode": park.county_adcode, "resource": res.key,
                   "label": res.label, "unit": res.unit, "supply": supply, "occupied": occupied}
            reserved, row["granted_started"] = 0.0, 0.0
            for stage, key in STAGE_KEYS.items():
                amount = float(by[park.park_id, stage][res.need]) if res.need and (park.park_id, stage) in by else 0.0
                if res.key == "land" and stage == "开工" and rule == "granted":
                    row["granted_started"], amount = amount, 0.0
                row[f"reserved_{key}"] = amount
                reserved += amount
            reserved += float((extra or {}).get(park.park_id, {}).get(res.key, 0.0))
            negotiating = sum(float(by[park.park_id, s][res.need]) for s in NEGOTIATING_STAGES
                              if res.need and (park.park_id, s) in by)
            balance = supply - occupied - reserved
            known = not np.isnan(balance)
            row.update(reserved=reserved, if_negotiating_lands=negotiating, known=known,
                       remaining=max(balance, 0.0) if known else np.nan,
                       over_committed=max(-balance, 0.0) if known else np.nan,
                       remaining_if_negotiating=max(balance - negotiating, 0.0) if known else np.nan,
                       remaining_share=(max(balance, 0.0) / supply if supply > 0 else 0.0) if known else np.nan)
            rows.append(row)
    return pd.DataFrame(rows, columns=list(TIDY_COLUMNS))


def wide(tidy: pd.DataFrame, parks_frame: pd.DataFrame) -> pd.DataFrame:
    """One row per park: name, county, positioning, planned/built land, then ``{resource}_{measure}_{unit}`` columns.

    Measures: supply, occupied, reserved, remaining, over_committed, if_negotiating (units in the suffix,
    e.g. ``land_remaining_mu``, ``power_reserved_kva``).
    """
    base = parks_frame[["park_id", "name", "county_adcode", "positioning", "planned_area_mu", "built_area_mu"]]
    out = base.rename(columns={"name": "park"}).reset_index(drop=True)
    measures = {"supply": "supply", "occupied": "occupied", "reserved": "reserved", "remaining": "remaining",
                "over_committed": "over_committed", "if_negotiating_lands": "if_negotiating"}
    for res in RESOURCES:
        part = tidy[tidy["resource"] == res.key].set_index("park_id")
        for column, measure in measures.items():
            out[f"{res.key}_{measure}_{res.suffix}"] = out["park_id"].map(part[column])
    return out


def over_committed(tidy: pd.DataFrame) -> pd.DataFrame:
    """Rows (park × resource) whose reserve exceeds what is left, largest shortfall first."""
    return tidy[tidy["over_committed"] > 0].sort_values("over_committed", ascending=False)


def park_pipeline(projects_frame: pd.DataFrame, park_id: str) -> pd.DataFrame:
    """The park's projects from 在谈 to 开工 (and 停滞) with their needs, in lifecycle order, largest first."""
    order = {s: i for i, s in enumerate(("在谈", *RESERVE_STAGES, "停滞"))}
    rows = projects_frame[(projects_frame["park_id"] == park_id) & projects_frame["stage"].isin(order)].copy()
    rows["_order"] = rows["stage"].map(order)
    rows["reserves"] = rows["stage"].isin(RESERVE_STAGES)
    columns = ["project_id", "name", "stage", "reserves", "industry_chain", "investment_wan", *NEED_COLUMNS.values()]
    return rows.sort_values(["_order", "investment_wan"], ascending=[True, False])[columns].reset_index(drop=True)
