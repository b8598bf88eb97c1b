"""Matching both ways between idle state assets and investors.

1. :func:`offer_assets` — an investor's :class:`analysis.matching.Requirement` against idle buildings (闲置楼宇 /
   闲置厂房): assets are mapped to the factory engine's columns (:func:`as_spaces`) and ranked by
   :func:`analysis.matching.match`. Asset ledgers do not record 层高/承重/配电/行车/租金, so those criteria are not
   used to exclude assets: each becomes a "待核实" line in the reasons instead (to be checked on site).
2. :func:`projects_for_assets` — pipeline projects (在谈 / 签约 / 注册) in the same county whose land need an asset
   could meet and whose category suits the asset type, ranked with reasons.

Units: 亩 (land), ㎡ (floor area), 万元. Assets already 签约 or 盘活完成 are never offered.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from analysis import matching
from analysis.matching import MatchResult, Requirement, Weights

OFFERABLE_STAGES = ("摸底清查", "制定方案", "招商推介", "洽谈对接")
BUILDING_TYPES = ("闲置楼宇", "闲置厂房")
PIPELINE_STAGES = ("在谈", "签约", "注册")
#: Which project categories an asset type suits (厂房 → industry; 楼宇 and 烂尾工程 shells → services; land → both).
TYPE_FIT = {"闲置厂房": ("工业",), "闲置楼宇": ("非工业",), "烂尾工程": ("非工业",), "闲置土地": ("工业", "非工业")}
UNRECORDED = {"min_clear_height_m": "层高", "min_floor_load_kn_m2": "承重", "min_floor_load_t_m2": "承重", "min_power_kva": "配电",
              "crane_t": "行车", "max_rent_yuan_m2_month": "租金"}
#: A project may use an asset whose land is at most this much smaller than its need (ledger land figures are rough).
LAND_TOLERANCE = 0.10
WEIGHTS = {"land": 0.5, "type": 0.3, "unsited": 0.2}
#: Non-industrial chains that need open land, not a building (farms, solar/wind plants).
LAND_ONLY_CHAINS = ("现代农业", "清洁能源")
DEFAULT_WEIGHTS = Weights()


def as_spaces(assets: pd.DataFrame, counties: pd.DataFrame | None = None) -> pd.DataFrame:
    """Idle buildings as rows of the factory engine (columns of :mod:`analysis.matching`).

    ``factory_id`` = asset_id; ``floor_area_m2`` = the vacant floor area (建筑面积 × 空置率, the whole area when the
    share is unknown); ``status`` = 空置 for stages up to 洽谈对接, else 已出租 (committed); whole buildings only.
    """
    frame = assets[assets["asset_type"].isin(BUILDING_TYPES)]
    share = frame["vacancy_share"].where(frame["vacancy_share"].notna(), 1.0)
    out = pd.DataFrame({
        "factory_id": frame["asset_id"], "name": frame["name"], "park_id": None, "park_name": None,
        "county_adcode": frame["county_adcode"], "floor": None, "unit_no": None,
        "floor_area_m2": (frame["floor_area_m2"] * share).round(0),
        "status": np.where(frame["stage"].isin(OFFERABLE_STAGES), matching.VACANT, matching.LEASED), "lease_end": None,
        "asset_type": frame["asset_type"], "stage": frame["stage"], "owner_unit": frame["owner_unit"],
        "responsible_unit": frame["responsible_unit"], "book_value_wan": frame["book_value_wan"],
    })
    if counties is not None and len(counties):
        code = "adcode" if "adcode" in counties else "county_adcode"
        out["county_name"] = out["county_adcode"].map(dict(zip(counties[code], counties["name"], strict=True)))
    if "geometry" in frame.columns:
        out["geometry"] = frame["geometry"]
    return out.reset_index(drop=True)


def offer_assets(assets: pd.DataFrame, req: Requirement, *, counties: pd.DataFrame | None = None,
                 weights: Weights = DEFAULT_WEIGHTS, limit: int | None = None) -> MatchResult:
    """Idle buildings for ``req``, ranked by the factory engine; unrecorded specs are listed as 待核实 reasons."""
    relaxed = dataclasses.replace(req, **{k: None for k in UNRECORDED})
    result = matching.match(as_spaces(assets, counties), relaxed, weights, limit=limit)
    pending = _pending(req)
    for frame in (result.feasible, result.near_misses):
        if len(frame):
            frame["reasons"] = [list(r) + pending for r in frame["reasons"]]
            frame["to_verify"] = [pending] * len(frame)
    return result


def _pending(req: Requirement) -> list[str]:
    lines = []
    if req.min_clear_height_m:
        lines.append(f"？ 层高（要求 ≥ {req.min_clear_height_m:g} m）资产台账未登记，需现场核实")
    if req.floor_load_kn_m2:
        lines.append(f"？ 承重（要求 ≥ {req.floor_load_kn_m2:g} kN/㎡）资产台账未登记，需现场核实")
    if req.min_power_kva:
        lines.append(f"？ 配电（要求 ≥ {req.min_power_kva:g} kVA）资产台账未登记，需现场核实")
    if req.crane_t:
        lines.append(f"？ 行车（要求 {req.crane_t:g} t）资产台账未登记，需现场核实")
    if req.max_rent_yuan_m2_month is not None:
        lines.append(f"？ 租金（上限 {req.max_rent_yuan_m2_month:g} 元/㎡·月）国有资产租金需评估后公开招租确定")
    return lines


def projects_for_assets(assets: pd.DataFrame, projects: pd.DataFrame, *, limit_per_asset: int | None = 10) -> pd.DataFrame:
    """Pipeline projects an idle asset could host, best first per asset.

    Conditions: the asset is not yet 签约/盘活完成; the project is 在谈/签约/注册 in the asset's county; its category
    suits the asset type (:data:`TYPE_FIT`; farms and energy plants only on land); its land need (亩) is at most the asset's land (+10 %), or, for a
    project with no land need, the asset is a building. Score 0–100 = land fit 50 (need / asset land, closer to 1 is
    better), type fit 30, no site yet 20 (no park and no position). ``reasons`` lists each point in Chinese.
    """
    columns = ["asset_id", "asset_name", "asset_type", "asset_land_mu", "asset_floor_area_m2", "county_adcode", "project_id",
               "project_name", "project_stage", "category", "industry_chain", "land_mu", "investment_wan", "park_name",
               "score", "reasons"]
    open_assets = assets[assets["stage"].isin(OFFERABLE_STAGES)]
    pipeline = projects[projects["stage"].isin(PIPELINE_STAGES)]
    if open_assets.empty or pipeline.empty:
        return pd.DataFrame(columns=columns)
    left = pd.DataFrame({"asset_id": open_assets["asset_id"], "asset_name": open_assets["name"],
                         "asset_type": open_assets["asset_type"], "asset_land_mu": open_assets["land_mu"],
                         "asset_floor_area_m2": open_assets["floor_area_m2"], "county_adcode": open_assets["county_adcode"]})
    sited = pipeline["park_id"].notna() | (pipeline.geometry.notna() if "geometry" in pipeline else False)
    right = pd.DataFrame({"project_id": pipeline["project_id"], "project_name": pipeline["name"], "project_stage": pipeline["stage"],
                          "category": pipeline["category"], "industry_chain": pipeline["industry_chain"],
                          "land_mu": pipeline["land_mu"].fillna(0.0), "investment_wan": pipeline["investment_wan"],
                          "park_name": pipeline["park_name"], "_sited": np.asarray(sited, dtype=bool),
                          "county_adcode": pipeline["county_adcode"]})
    pairs = left.merge(right, on="county_adcode")
    fits_type = np.array([c in TYPE_FIT.get(t, ()) and not (t != "闲置土地" and chain in LAND_ONLY_CHAINS)
                          for t, c, chain in zip(pairs["asset_type"], pairs["category"], pairs["industry_chain"], strict=True)], bool)
    land = pairs["asset_land_mu"].fillna(0.0).to_numpy(float)
    need = pairs["land_mu"].to_numpy(float)
    building = pairs["asset_type"].isin(BUILDING_TYPES).to_numpy()
    fits_land = np.where(need > 0, need <= land * (1 + LAND_TOLERANCE), building)
    pairs = pairs[fits_type & fits_land].copy()
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    need, land = pairs["land_mu"].to_numpy(float), pairs["asset_land_mu"].fillna(0.0).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(need > 0, np.minimum(need / land, 1.0), 0.5)
    pairs["score"] = np.round(100 * (WEIGHTS["land"] * np.sqrt(ratio) + WEIGHTS["type"]
                                     + WEIGHTS["unsited"] * ~pairs["_sited"].to_numpy()), 1)
    pairs["reasons"] = [_reasons(r) for r in pairs.to_dict("records")]
    pairs = pairs.sort_values(["asset_id", "score", "investment_wan", "project_id"], ascending=[True, False, False, True])
    if limit_per_asset is not None:
        pairs = pairs.groupby("asset_id", sort=False).head(limit_per_asset)
    return pairs[columns].reset_index(drop=True)


def _reasons(r: dict) -> list[str]:
    need, land = r["land_mu"], r["asset_land_mu"] or 0.0
    lines = [f"同在本县（市、区），项目处于“{r['project_stage']}”阶段"]
    if need > 0:
        lines.append(f"用地需求 {need:,.1f} 亩，资产占地 {land:,.1f} 亩（满足 {min(land / need, 9.99):.0%}）"
                     if land < need else f"用地需求 {need:,.1f} 亩 ≤ 资产占地 {land:,.1f} 亩")
    else:
        area = r["asset_floor_area_m2"] or 0.0
        lines.append(f"项目无新增用地需求，可使用现有建筑 {area:,.0f} ㎡")
    lines.append(f"{r['category']}项目（{r['industry_chain'] or '产业未填报'}）适合{r['asset_type']}")
    park = r["park_name"] if isinstance(r["park_name"], str) else "园区外地块"
    lines.append("项目尚未选址" if not r["_sited"] else f"项目已初选{park}，本资产可作为备选")
    return lines
