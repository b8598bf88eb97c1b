"""analysis.siting.Board ranks exactly as the per-park definition does: the reference below is the plain reading of
the rule (a new capacity table with every reserve so far, then one park at a time), kept as the specification. On
random parks, pipelines and needs, rank_parks and push_list give identical rows, scores and reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import capacity as cap
from analysis import siting
from analysis.siting import Need, Weights, _resource_reason, need_of, positioning_match

COUNTIES = ("990101", "990102", "990103")
NAMES = {"990101": "甲县", "990102": "乙县"}
INDUSTRIES = ("电子信息", "新材料", "食品加工", "现代农业", "装备制造", None)


def reference_rank(tidy, parks_frame, need, *, weights=None, county_names=None):
    weights = weights or Weights()
    amounts = need.amounts()
    names = dict(county_names or {})
    info = parks_frame.set_index("park_id")
    rows = []
    for park_id, part in tidy.groupby("park_id", sort=False):
        part = part.set_index("resource")
        reasons, feasible, fits_negotiating, slack, total = [], True, True, 0.0, 0.0
        for key, amount in amounts.items():
            res = cap.BY_KEY[key]
            ok, text = _resource_reason(res.label, res.unit, amount, part.loc[key])
            reasons.append(text)
            feasible &= ok
            fits_negotiating &= ok and amount <= part.at[key, "remaining_if_negotiating"]
            weight = weights.resources.get(key, 0.0)
            supply = part.at[key, "supply"]
            if ok and supply > 0:
                slack += weight * (part.at[key, "remaining"] - amount) / supply
            total += weight
        if total:
            slack_part = slack / total
        else:
            shares = part["remaining_share"].astype(float).dropna()
            slack_part = float(shares.mean()) if len(shares) else 0.0
        positioning = info.at[park_id, "positioning"]
        positioning = positioning if isinstance(positioning, str) else None  # not reported: 未填报 (it used to print "nan")
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
    out = pd.DataFrame(rows, columns=siting.RANK_COLUMNS)
    return out.sort_values(["feasible", "score", "park_id"], ascending=[False, False, True]).reset_index(drop=True)


def reference_push(parks_frame, projects_frame, candidates, *, county_names=None):
    extra: dict[str, dict[str, float]] = {}
    rows = []
    for project in candidates.sort_values("investment_wan", ascending=False, na_position="last").itertuples(index=False):
        need = need_of(project)
        if isinstance(project.county_adcode, str):
            need = Need(**{**need.__dict__, "counties": (project.county_adcode,)})
        ranked = reference_rank(cap.capacity(parks_frame, projects_frame, extra=extra), parks_frame, need, county_names=county_names)
        best = ranked.iloc[0]
        if best["feasible"]:
            bucket = extra.setdefault(best["park_id"], {})
            for key, amount in need.amounts().items():
                bucket[key] = bucket.get(key, 0.0) + amount
        rows.append((project.project_id, best["park_id"] if best["feasible"] else None, bool(best["feasible"]),
                     float(best["score"]) if best["feasible"] else np.nan, list(best["reasons"])))
    return rows


def random_world(seed: int, n_parks: int = 12, n_projects: int = 60):
    rng = np.random.default_rng(seed)

    def maybe(value):  # a quarter of the figures not reported
        return None if rng.random() < 0.25 else float(value)

    parks = pd.DataFrame([{
        "park_id": f"P{i:02d}", "name": f"园区{i}", "county_adcode": COUNTIES[i % 3],
        "positioning": None if i % 5 == 4 else "、".join(rng.choice([x for x in INDUSTRIES if x], 2, replace=False)),
        "planned_area_mu": 3000.0, "built_area_mu": 1000.0, "available_land_mu": maybe(rng.integers(0, 800)),
        "power_total_kva": maybe(rng.integers(0, 20_000)), "power_used_kva": maybe(rng.integers(0, 8_000)),
        "water_total_t_d": maybe(rng.integers(0, 3_000)), "water_used_t_d": maybe(rng.integers(0, 1_000)),
        "gas_total_m3_d": maybe(rng.integers(0, 500)), "gas_used_m3_d": maybe(rng.integers(0, 200)),
        "energy_quota_tce": maybe(rng.integers(0, 20_000)), "energy_used_tce": maybe(rng.integers(0, 8_000)),
    } for i in range(n_parks)])
    stages = ("在谈", "签约", "注册", "开工", "投产", "线索")
    projects = pd.DataFrame([{
        "project_id": f"X{i:03d}", "name": f"项目{i}", "stage": stages[rng.integers(0, len(stages))],
        "park_id": None if rng.random() < 0.4 else f"P{rng.integers(0, n_parks):02d}",
        "county_adcode": COUNTIES[rng.integers(0, 3)], "investment_wan": float(rng.integers(100, 100_000)),
        "land_mu": float(rng.integers(0, 150)), "power_kva": float(rng.integers(0, 3_000)),
        "water_t_d": float(rng.integers(0, 200)) * (rng.random() < 0.5), "energy_tce": float(rng.integers(0, 2_000)) * (rng.random() < 0.5),
        "industry_chain": INDUSTRIES[rng.integers(0, len(INDUSTRIES))], "category": "工业",
    } for i in range(n_projects)])
    return parks, projects


@pytest.mark.parametrize("seed", range(8))
def test_rank_parks_is_the_per_park_rule(seed):
    parks, projects = random_world(seed)
    rng = np.random.default_rng(seed + 100)
    tidy = cap.capacity(parks, projects)
    for _ in range(10):
        need = Need(land_mu=float(rng.integers(0, 300)) * (rng.random() < 0.8), power_kva=float(rng.integers(0, 5_000)),
                    water_t_d=float(rng.integers(0, 300)) * (rng.random() < 0.5), energy_tce=float(rng.integers(0, 3_000)) * (rng.random() < 0.3),
                    industry=INDUSTRIES[rng.integers(0, len(INDUSTRIES))],
                    counties=tuple(rng.choice(COUNTIES, rng.integers(0, 3), replace=False)))
        got = siting.rank_parks(tidy, parks, need, county_names=NAMES)
        want = reference_rank(tidy, parks, need, county_names=NAMES)
        pd.testing.assert_frame_equal(got, want)


def test_a_need_of_nothing_scores_the_mean_free_share():
    parks, projects = random_world(3)
    tidy = cap.capacity(parks, projects)
    pd.testing.assert_frame_equal(siting.rank_parks(tidy, parks, Need()), reference_rank(tidy, parks, Need()))


@pytest.mark.parametrize("seed", range(6))
def test_push_list_places_as_one_park_at_a_time_would(seed):
    parks, projects = random_world(seed, n_projects=80)
    candidates = siting.candidates_without_park(projects)
    assert len(candidates) > 5
    got = siting.push_list(parks, projects, candidates, county_names=NAMES)
    want = reference_push(parks, projects, candidates, county_names=NAMES)
    rows = [(r.project_id, None if pd.isna(r.park_id) else r.park_id, bool(r.feasible), r.score, list(r.reasons))
            for r in got.itertuples()]
    assert len(rows) == len(want)
    for a, b in zip(rows, want, strict=True):
        assert a[:3] == b[:3] and (a[3] == b[3] or (np.isnan(a[3]) and np.isnan(b[3]))) and a[4] == b[4], (a, b)
    assert any(r[2] for r in rows) and not all(r[2] for r in rows)  # placements and refusals both happen
