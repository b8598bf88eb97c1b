"""Land-use intensity (亩均) per park and per project against 标准地 thresholds from ``config/standards.toml``.

Per park (one year of ``park_metrics``), all over the park's *built* land ``built_area_mu`` (the land the
operating enterprises stand on):

* 投资强度 ``investment_wan_per_mu`` = 累计固定资产投资 / built land (万元/亩)
* 亩均税收 ``tax_wan_per_mu`` = 税收 / built land; 产出强度 ``output_wan_per_mu`` = 产值 / built land
* 容积率 ``floor_area_ratio`` = 建筑面积 ㎡ / (built land × 666.67 ㎡)

Per project: projects carry no output or tax figures, so only the investment intensity is computed:
committed ``investment_wan / land_mu`` (合同投资) and actual ``funds_in_place_wan / land_mu`` (到位资金 as the
measure of investment made). A project in production (投产) whose actual intensity is below
``commitment_share`` × its committed intensity is flagged ``short_of_commitment``. Projects without land
need get no intensity (NaN).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from layers.vocab import MU_M2

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "standards.toml"


@dataclass(frozen=True)
class Thresholds:
    """标准地 minimums (万元/亩; 容积率 unitless) and the share of its commitment a producing project must reach."""

    investment_wan_per_mu: float = 150.0
    tax_wan_per_mu: float = 8.0
    output_wan_per_mu: float | None = None
    floor_area_ratio: float | None = None
    commitment_share: float = 1.0


@dataclass(frozen=True)
class Standards:
    """Default thresholds with per-county (adcode) and per-industry overrides (industry wins over county)."""

    default: Thresholds = Thresholds()
    counties: dict[str, dict] = field(default_factory=dict)
    industries: dict[str, dict] = field(default_factory=dict)

    def for_(self, county: str | None = None, industry: str | None = None) -> Thresholds:
        """Thresholds for a county adcode and an industry (matched when either name contains the other)."""
        out = replace(self.default, **self.counties.get(str(county), {})) if county else self.default
        if industry:
            for name, values in self.industries.items():
                if name in industry or industry in name:
                    return replace(out, **values)
        return out


def _checked(section: dict, where: str) -> dict:
    known = {f.name for f in fields(Thresholds)}
    unknown = set(section) - known
    if unknown:
        raise ValueError(f"标准地配置 {where} 中有未知指标：{sorted(unknown)}（可用：{sorted(known)}）")
    return {k: float(v) for k, v in section.items()}


def load_standards(path: str | Path = DEFAULT_PATH) -> Standards:
    """Read the thresholds file (TOML); a missing file gives the built-in defaults."""
    path = Path(path)
    if not path.exists():
        return Standards()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    default = replace(Thresholds(), **_checked(raw.get("default", {}), "[default]"))
    counties = {str(k): _checked(v, f"[county.{k}]") for k, v in raw.get("county", {}).items()}
    industries = {str(k): _checked(v, f"[industry.{k}]") for k, v in raw.get("industry", {}).items()}
    return Standards(default, counties, industries)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    num = pd.to_numeric(numerator, errors="coerce")
    den = pd.to_numeric(denominator, errors="coerce")
    return (num / den.where(den > 0)).astype(float)


def _meets(value: pd.Series, minimum: pd.Series) -> pd.Series:
    """True/False where both are known, else <NA>."""
    known = value.notna() & minimum.notna()
    return (value >= minimum).astype("boolean").where(known, pd.NA)


def park_intensity(parks_frame: pd.DataFrame, metrics: pd.DataFrame, standards: Standards | None = None,
                   *, year: int | None = None) -> pd.DataFrame:
    """Per park: the four intensities for ``year`` (default: each park's latest year), thresholds and ``meets_*``.

    Parks without figures for the year are listed with NaN intensities.
    """
    standards = standards or load_standards()
    figures = metrics if year is None else metrics[metrics["year"] == year]
    latest = figures.sort_values("year").groupby("park_id").tail(1).set_index("park_id")
    out = parks_frame[["park_id", "name", "county_adcode", "built_area_mu"]].rename(columns={"name": "park"}).reset_index(drop=True)
    for column in ("year", "tax_wan", "output_wan", "floor_area_m2", "fixed_investment_wan"):
        out[column] = out["park_id"].map(latest[column]) if column in latest else np.nan
    land = out["built_area_mu"]
    out["investment_wan_per_mu"] = _ratio(out["fixed_investment_wan"], land)
    out["tax_wan_per_mu"] = _ratio(out["tax_wan"], land)
    out["output_wan_per_mu"] = _ratio(out["output_wan"], land)
    out["floor_area_ratio"] = _ratio(out["floor_area_m2"], land * MU_M2)
    limits = [standards.for_(county=c) for c in out["county_adcode"]]
    for name in ("investment_wan_per_mu", "tax_wan_per_mu", "output_wan_per_mu", "floor_area_ratio"):
        minimum = pd.Series([getattr(t, name) for t in limits], index=out.index, dtype=float)
        out[f"min_{name}"] = minimum
        out[f"meets_{name}"] = _meets(out[name], minimum)
    return out


def project_intensity(projects_frame: pd.DataFrame, standards: Standards | None = None) -> pd.DataFrame:
    """Per project with land: committed/actual 投资强度 (万元/亩), the threshold, ``meets_standard``,
    ``short_of_commitment`` (投产 only) and ``shortfall_wan_per_mu`` (committed × share − actual, ≥ 0)."""
    standards = standards or load_standards()
    columns = ["project_id", "name", "stage", "county_adcode", "park_id", "industry_chain", "land_mu", "investment_wan",
               "funds_in_place_wan"]
    out = projects_frame[[c for c in columns if c in projects_frame]].reset_index(drop=True).copy()
    out["committed_wan_per_mu"] = _ratio(out["investment_wan"], out["land_mu"])
    out["actual_wan_per_mu"] = _ratio(out["funds_in_place_wan"], out["land_mu"])
    limits = [standards.for_(county=c, industry=i if isinstance(i, str) else None)
              for c, i in zip(out["county_adcode"], out.get("industry_chain", pd.Series([None] * len(out))), strict=True)]
    out["min_investment_wan_per_mu"] = [t.investment_wan_per_mu for t in limits]
    out["meets_standard"] = _meets(out["committed_wan_per_mu"], out["min_investment_wan_per_mu"])
    target = out["committed_wan_per_mu"] * pd.Series([t.commitment_share for t in limits], index=out.index)
    producing = out["stage"] == "投产"
    short = producing & out["actual_wan_per_mu"].notna() & (out["actual_wan_per_mu"] < target)
    out["short_of_commitment"] = short
    out["shortfall_wan_per_mu"] = (target - out["actual_wan_per_mu"]).where(short, 0.0).clip(lower=0.0)
    return out


def short_of_commitment(projects_frame: pd.DataFrame, standards: Standards | None = None) -> pd.DataFrame:
    """Projects in production below their committed intensity, largest shortfall first."""
    table = project_intensity(projects_frame, standards)
    return table[table["short_of_commitment"]].sort_values("shortfall_wan_per_mu", ascending=False).reset_index(drop=True)
