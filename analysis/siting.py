"""项目选址: rank parks for a project's needs, with reasons; "what if" it landed in each park; push lists.

A park is **feasible** only when every resource the project needs (> 0) is known and fits in what remains
after the pipeline (:func:`analysis.capacity.capacity`: supply − occupied − 签约/注册/开工 reserve). The
**score** (0–100) = ``slack`` × weighted share of each needed resource's supply still free after the project
+ ``positioning`` × industry match with the park's 主导产业 + ``preference`` × park in a preferred county.
Feasible parks come first, then by score. Nothing here writes to the store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.capacity import BY_KEY, NEED_COLUMNS, capacity

SPLIT = re.compile(r"[、,，/;；\s]+")


@dataclass(frozen=True)
class Need:
    """What a project needs (亩, kVA, 吨/日, 吨标准煤/年, m³/日), its industry and preferred county adcodes."""

    land_mu: float = 0.0
    power_kva: float = 0.0
    water_t_d: float = 0.0
    energy_tce: float = 0.0
    gas_m3_d: float = 0.0
    industry: str | None = None
    counties: tuple[str, ...] = ()

    def amounts(self) -> dict[str, float]:
        """Resource key → amount needed (> 0 only)."""
        values = {"land": self.land_mu, "power": self.power_kva, "water": self.water_t_d, "energy": self.energy_tce,
                  "gas": self.gas_m3_d}
        return {k: float(v) for k, v in values.items() if v and v > 0}


@dataclass(frozen=True)
class Weights:
    """Score points for each part, and how the slack part weighs each resource."""

    slack: float = 50.0
    positioning: float = 30.0
    preference: float = 20.0
    resources: Mapping[str, float] = field(default_factory=lambda: {"land": 0.4, "power": 0.25, "water": 0.1,
                                                                     "energy": 0.2, "gas": 0.05})


def fmt(value: float) -> str:
    """12000.0 → "12,000"; 12.5 → "12.5"; NaN/None → "—"."""
    if value is None or pd.isna(value):
        return "—"
    return f"{value:,.0f}" if abs(value - round(value)) < 0.05 or abs(value) >= 1000 else f"{value:,.1f}"


def positioning_match(industry: str | None, positioning: str | None) -> float:
    """1.0 when the industry is one of the park's 主导产业, 0.7 when one contains the other, else 0."""
    if not industry or not isinstance(positioning, str):
        return 0.0
    terms = [t for t in SPLIT.split(positioning) if t]
    wanted = [w for w in SPLIT.split(industry) if w]
    if any(w == t for w in wanted for t in terms):
        return 1.0
    if any(w in t or t in w for w in wanted for t in terms):
        return 0.7
    return 0.0


def _resource_reason(label: str, unit: str, need: float, row) -> tuple[bool, str]:
    if not row["known"]:
        return False, f"{label}：需 {fmt(need)} {unit}，园区未填报供给或已用量 ✗"
    remaining = row["remaining"]
    if row["over_committed"] > 0:
        return False, f"{label}：需 {fmt(need)} {unit}，已超载 {fmt(row['over_committed'])} {unit}（无剩余）✗"
    if need <= remaining:
        text = f"{label}：需 {fmt(need)} {unit}，剩余 {fmt(remaining)} {unit} ✓"
        if need > row["remaining_if_negotiating"]:
            text += f"（若在谈项目落地仅剩 {fmt(row['remaining_if_negotiating'])} {unit}）"
        return True, text
    return False, f"{label}：需 {fmt(need)} {unit}，剩余 {fmt(remaining)} {unit}，缺 {fmt(need - remaining)} {unit} ✗"


def rank_parks(tidy: pd.DataFrame, parks_frame: pd.DataFrame, need: Need, *, weights: Weights = Weights(),
               county_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Parks ranked for ``need``: park_id, park, county_adcode, county, feasible, score (0–100), the three
    score parts, ``fits_if_negotiating`` and ``reasons`` (list of Chinese sentences, one per resource first)."""
    amounts = need.amounts()
    names = dict(county_names or {})
    info = parks_frame.set_index("park_id")
    rows = []
    for park_id, part in tidy.groupby("park_id", sort=False):
        part = part.set_index("resource")
        reasons, feasible, fits_negotiating, slack, total = [], True, True, 0.0, 0.0
        for key, amount in amounts.items():
            res = BY_KEY[key]
            ok, text = _resource_reason(res.label, res.unit, amount, part.loc[key])
            reasons.append(text)
            feasible &= ok
            fits_negotiating &= ok and amount <= part.at[key, "remaining_if_negotiating"]
            weight = weights.resources.get(key, 0.0)
            supply = part.at[key, "supply"]
            if ok and supply > 0:
                slack += weight * (part.at[key, "remaining"] - amount) / supply
            total += weight
        slack_part = slack / total if total else float(np.nanmean(part["remaining_share"].astype(float)) if part["known"].any() else 0.0)
        positioning = info.at[park_id, "positioning"] if "positioning" in info else None
        match = positioning_match(need.industry, positioning)
        if need.industry:
            mark = "✓" if match >= 1 else ("≈" if match > 0 else "✗")
            reasons.append(f"产业定位：{need.industry} / 主导产业 {positioning or '未填报'} {mark}")
        county = part["county_adcode"].iloc[0]
        preferred = bool(need.counties) and county in need.counties
        if need.counties:
            reasons.append(f"意向县区：{names.get(county, county)} {'✓' if preferred else '✗'}")
        score = weights.slack * slack_part + weights.positioning * match + weights.preference * preferred
        rows.append({"park_id": park_id, "park": part["park"].iloc[0], "county_adcode": county, "county": names.get(county, county),
                     "feasible": bool(feasible), "score": round(float(score), 1), "slack_score": round(weights.slack * slack_part, 1),
                     "positioning_score": round(weights.positioning * match, 1),
                     "preference_score": round(weights.preference * preferred, 1),
                     "fits_if_negotiating": bool(feasible and fits_negotiating), "reasons": reasons})
    out = pd.DataFrame(rows, columns=["park_id", "park", "county_adcode", "county", "feasible", "score", "slack_score",
                                      "positioning_score", "preference_score", "fits_if_negotiating", "reasons"])
    return out.sort_values(["feasible", "score", "park_id"], ascending=[False, False, True]).reset_index(drop=True)


def what_if(parks_frame: pd.DataFrame, projects_frame: pd.DataFrame, need: Need) -> pd.DataFrame:
    """Every park × resource: remaining now and remaining if the hypothetical project were placed in that park.

    Columns: park_id, park, resource, label, unit, need, remaining_now, remaining_with, over_committed_with,
    fits. Computed in memory; nothing is saved.
    """
    now = capacity(parks_frame, projects_frame)
    amounts = need.amounts()
    extra = {pid: amounts for pid in parks_frame["park_id"]}
    with_it = capacity(parks_frame, projects_frame, extra=extra)
    out = now[["park_id", "park", "resource", "label", "unit", "remaining", "known"]].rename(columns={"remaining": "remaining_now"})
    out["need"] = out["resource"].map(lambda k: amounts.get(k, 0.0))
    out["remaining_with"] = with_it["remaining"].to_numpy()
    out["over_committed_with"] = with_it["over_committed"].to_numpy()
    out["fits"] = (out["need"] == 0) | (out["known"] & (out["over_committed_with"].fillna(np.inf) == 0))
    return out[["park_id", "park", "resource", "label", "unit", "need", "remaining_now", "remaining_with",
                "over_committed_with", "fits"]]


def need_of(project) -> Need:
    """The needs recorded on a project row (mapping or namedtuple with the projects columns)."""
    get = project.get if isinstance(project, Mapping) else (lambda k, d=None: getattr(project, k, d))

    def amount(column: str) -> float:
        value = get(column, 0.0)
        return 0.0 if value is None or pd.isna(value) else float(value)

    return Need(**{column: amount(column) for column in NEED_COLUMNS.values()}, industry=get("industry_chain") or None)


PUSH_LIST_COLUMNS = ["project_id", "project", "stage", "industry_chain", "investment_wan", *NEED_COLUMNS.values(), "park_id", "park",
                     "county", "feasible", "score", "reasons"]


def push_list(parks_frame: pd.DataFrame, projects_frame: pd.DataFrame, candidates: pd.DataFrame, *,
              weights: Weights = Weights(), county_names: Mapping[str, str] | None = None,
              prefer_own_county: bool = True) -> pd.DataFrame:
    """推送台账: each candidate project (largest investment first) → its best feasible park.

    Each push reserves the project's needs in that park before the next candidate is placed, so two projects
    are never pushed onto the same last 100 亩. Candidates with no feasible park are listed with park None and
    the reasons of the best-scoring park. With ``prefer_own_county`` a project's own county is its preference.
    """
    extra: dict[str, dict[str, float]] = {}
    rows = []
    ordered = candidates.sort_values("investment_wan", ascending=False, na_position="last")
    for project in ordered.itertuples(index=False):
        need = need_of(project)
        county = getattr(project, "county_adcode", None)
        if prefer_own_county and isinstance(county, str):
            need = Need(**{**need.__dict__, "counties": (county,)})
        ranked = rank_parks(capacity(parks_frame, projects_frame, extra=extra), parks_frame, need, weights=weights,
                            county_names=county_names)
        best = ranked.iloc[0] if len(ranked) else None
        placed = best is not None and bool(best["feasible"])
        if placed:
            bucket = extra.setdefault(best["park_id"], {})
            for key, amount in need.amounts().items():
                bucket[key] = bucket.get(key, 0.0) + amount
        rows.append({"project_id": project.project_id, "project": project.name, "stage": project.stage,
                     "industry_chain": need.industry, "investment_wan": getattr(project, "investment_wan", np.nan),
                     **{column: getattr(need, column) for column in NEED_COLUMNS.values()},
                     "park_id": best["park_id"] if placed else None, "park": best["park"] if placed else None,
                     "county": best["county"] if placed else None, "feasible": placed,
                     "score": float(best["score"]) if placed else np.nan,
                     "reasons": list(best["reasons"]) if best is not None else ["没有园区数据"]})
    return pd.DataFrame(rows, columns=PUSH_LIST_COLUMNS)


def candidates_without_park(projects_frame: pd.DataFrame, stages: Sequence[str] = ("在谈", "签约"), *,
                            industrial_only: bool = True) -> pd.DataFrame:
    """Projects at ``stages`` with a land or power need but no park yet (industrial ones only, unless told otherwise):
    what a push list is made of."""
    needs = projects_frame[["land_mu", "power_kva"]].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1)
    mask = projects_frame["stage"].isin(stages) & projects_frame["park_id"].isna() & (needs > 0)
    if industrial_only and "category" in projects_frame:
        mask &= projects_frame["category"] == "工业"
    return projects_frame[mask]
