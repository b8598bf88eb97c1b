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
    if not isinstance(industry, str) or not industry or not isinstance(positioning, str):
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


class Board:
    """Every park's capacity for every resource as arrays (parks in ``tidy`` order), with reserves added on top:
    ranks all parks for a need at once, so a push list of thousands of candidates costs one pass over the parks
    each, not a new :func:`analysis.capacity.capacity` table and a per-park loop (minutes at province scale).

    The arithmetic is :func:`analysis.capacity.capacity`'s, in the same order (balance = supply − occupied −
    (reserved + added)), so a board with ``add`` calls ranks exactly as a table made with ``extra=`` would.
    """

    def __init__(self, tidy: pd.DataFrame, parks_frame: pd.DataFrame, *, county_names: Mapping[str, str] | None = None):
        order = list(dict.fromkeys(tidy["park_id"]))
        self.park_ids = np.array(order, dtype=object)
        self._ids_text = self.park_ids.astype(str)
        self._index = {park_id: i for i, park_id in enumerate(order)}
        first = tidy.drop_duplicates("park_id").set_index("park_id").reindex(order)
        self.names = first["park"].to_numpy(dtype=object)
        self.counties = first["county_adcode"].to_numpy(dtype=object)
        self.county_names = dict(county_names or {})
        info = parks_frame.drop_duplicates("park_id").set_index("park_id")
        self.positioning = (info["positioning"].reindex(order).to_numpy(dtype=object) if "positioning" in info
                            else np.full(len(order), None, dtype=object))
        self._res: dict[str, dict[str, np.ndarray]] = {}
        for key, part in tidy.groupby("resource", sort=False):
            part = part.set_index("park_id").reindex(order)
            self._res[key] = {column: part[column].to_numpy(dtype=float)
                              for column in ("supply", "occupied", "reserved", "if_negotiating_lands")}
        self._added = {key: np.zeros(len(order)) for key in self._res}
        self._match: dict[str | None, np.ndarray] = {}

    def add(self, park_id: str, amounts: Mapping[str, float]) -> None:
        """Reserve ``amounts`` (resource key → amount) in the park, as a push does."""
        i = self._index[park_id]
        for key, amount in amounts.items():
            self._added[key][i] = self._added[key][i] + amount

    def state(self, key: str) -> dict[str, np.ndarray]:
        """known, remaining, over_committed, remaining_if_negotiating, remaining_share for resource ``key``."""
        r = self._res[key]
        balance = r["supply"] - r["occupied"] - (r["reserved"] + self._added[key])
        known = ~np.isnan(balance)
        remaining = np.where(known, np.maximum(balance, 0.0), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(r["supply"] > 0, remaining / r["supply"], 0.0)
        return {"known": known, "remaining": remaining, "supply": r["supply"],
                "over_committed": np.where(known, np.maximum(-balance, 0.0), np.nan),
                "remaining_if_negotiating": np.where(known, np.maximum(balance - r["if_negotiating_lands"], 0.0), np.nan),
                "remaining_share": np.where(known, share, np.nan)}

    def _matches(self, industry: str | None) -> np.ndarray:
        if industry not in self._match:
            self._match[industry] = np.array([positioning_match(industry, p) for p in self.positioning], dtype=float)
        return self._match[industry]

    def scores(self, need: Need, weights: Weights = Weights()) -> dict[str, np.ndarray]:
        """Per park: feasible, fits_if_negotiating, score (rounded to 0.1 as shown) and its three parts."""
        n = len(self.park_ids)
        feasible, negotiating = np.ones(n, dtype=bool), np.ones(n, dtype=bool)
        slack, total = np.zeros(n), 0.0
        for key, amount in need.amounts().items():
            s = self.state(key)
            ok = s["known"] & ~(s["over_committed"] > 0) & (amount <= s["remaining"])
            feasible &= ok
            negotiating &= ok & (amount <= s["remaining_if_negotiating"])
            weight = weights.resources.get(key, 0.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                slack = np.where(ok & (s["supply"] > 0), slack + weight * (s["remaining"] - amount) / s["supply"], slack)
            total += weight
        if total:
            slack_part = slack / total
        else:  # no need stated: the parks' mean free share over the resources they report
            shares = np.column_stack([self.state(key)["remaining_share"] for key in self._res]) if self._res else np.empty((n, 0))
            counted = (~np.isnan(shares)).sum(axis=1)
            sums = np.where(np.isnan(shares), 0.0, shares).sum(axis=1)
            slack_part = np.where(counted > 0, sums / np.maximum(counted, 1), 0.0)
        match = self._matches(need.industry)
        preferred = np.array([bool(need.counties) and c in need.counties for c in self.counties], dtype=bool)
        score = weights.slack * slack_part + weights.positioning * match + weights.preference * preferred
        return {"feasible": feasible, "fits_if_negotiating": feasible & negotiating,
                "score": np.array([round(float(v), 1) for v in score]),
                "slack_score": np.array([round(float(v), 1) for v in weights.slack * slack_part]),
                "positioning_score": np.array([round(float(v), 1) for v in weights.positioning * match]),
                "preference_score": np.array([round(float(v), 1) for v in weights.preference * preferred]),
                "preferred": preferred, "match": match}

    def order(self, scores: Mapping[str, np.ndarray]) -> np.ndarray:
        """Park positions best first: feasible, then score, then park id."""
        return np.lexsort((self._ids_text, -scores["score"], ~scores["feasible"]))

    def reasons(self, i: int, need: Need, scores: Mapping[str, np.ndarray]) -> list[str]:
        """The Chinese sentences for park position ``i``: one per needed resource, then industry and county."""
        out = []
        for key, amount in need.amounts().items():
            res = BY_KEY[key]
            s = self.state(key)
            out.append(_resource_reason(res.label, res.unit, amount, {k: v[i] for k, v in s.items()})[1])
        positioning = self.positioning[i] if isinstance(self.positioning[i], str) else None  # not reported: NaN, NA or None
        if need.industry:
            match = scores["match"][i]
            mark = "✓" if match >= 1 else ("≈" if match > 0 else "✗")
            out.append(f"产业定位：{need.industry} / 主导产业 {positioning or '未填报'} {mark}")
        if need.counties:
            county = self.counties[i]
            out.append(f"意向县区：{self.county_names.get(county, county)} {'✓' if scores['preferred'][i] else '✗'}")
        return out

    def county(self, i: int) -> str:
        return self.county_names.get(self.counties[i], self.counties[i])


RANK_COLUMNS = ["park_id", "park", "county_adcode", "county", "feasible", "score", "slack_score", "positioning_score",
                "preference_score", "fits_if_negotiating", "reasons"]


def rank_parks(tidy: pd.DataFrame, parks_frame: pd.DataFrame, need: Need, *, weights: Weights = Weights(),
               county_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Parks ranked for ``need``: park_id, park, county_adcode, county, feasible, score (0–100), the three
    score parts, ``fits_if_negotiating`` and ``reasons`` (list of Chinese sentences, one per resource first)."""
    board = Board(tidy, parks_frame, county_names=county_names)
    scores = board.scores(need, weights)
    rows = [{"park_id": board.park_ids[i], "park": board.names[i], "county_adcode": board.counties[i], "county": board.county(i),
             "feasible": bool(scores["feasible"][i]), "score": float(scores["score"][i]),
             "slack_score": float(scores["slack_score"][i]), "positioning_score": float(scores["positioning_score"][i]),
             "preference_score": float(scores["preference_score"][i]),
             "fits_if_negotiating": bool(scores["fits_if_negotiating"][i]), "reasons": board.reasons(i, need, scores)}
            for i in board.order(scores)]
    return pd.DataFrame(rows, columns=RANK_COLUMNS).reset_index(drop=True)


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

    industry = get("industry_chain")
    return Need(**{column: amount(column) for column in NEED_COLUMNS.values()},
                industry=industry if isinstance(industry, str) and industry else None)  # a missing value is NaN in a frame


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
    board = Board(capacity(parks_frame, projects_frame), parks_frame, county_names=county_names)
    rows = []
    ordered = candidates.sort_values("investment_wan", ascending=False, na_position="last")
    for project in ordered.itertuples(index=False):
        need = need_of(project)
        county = getattr(project, "county_adcode", None)
        if prefer_own_county and isinstance(county, str):
            need = Need(**{**need.__dict__, "counties": (county,)})
        best = None
        if len(board.park_ids):
            scores = board.scores(need, weights)
            best = int(board.order(scores)[0])
        placed = best is not None and bool(scores["feasible"][best])
        reasons = board.reasons(best, need, scores) if best is not None else ["没有园区数据"]  # before its own reserve
        if placed:
            board.add(board.park_ids[best], need.amounts())
        rows.append({"project_id": project.project_id, "project": project.name, "stage": project.stage,
                     "industry_chain": need.industry, "investment_wan": getattr(project, "investment_wan", np.nan),
                     **{column: getattr(need, column) for column in NEED_COLUMNS.values()},
                     "park_id": board.park_ids[best] if placed else None, "park": board.names[best] if placed else None,
                     "county": board.county(best) if placed else None, "feasible": placed,
                     "score": float(scores["score"][best]) if placed else np.nan,
                     "reasons": reasons})
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
