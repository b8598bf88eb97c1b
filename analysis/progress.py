"""Project progress: the stage funnel, monthly trends from snapshots, the rates of DOMAIN.md for any period and
unit, and the priority-industry share.

Rates are fractions (0–1, 4 decimals; ``None`` when nothing was signed). Money in 万元 in, 亿元 out.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from analysis import indicators
from analysis.kpis import Period, rate, reached, signed_in, totals
from layers.vocab import PROJECT_MAIN_STAGES, SIGNED_STAGES, WAN_PER_YI

CONFIG = Path(__file__).resolve().parent.parent / "config" / "indicators.toml"
ALL_TIME = Period()
FUNNEL_LABELS = {"线索": "线索", "在谈": "在谈", "签约": "签约", "注册": "注册", "开工": "开工", "投产": "投产/竣工"}


def rates(projects: pd.DataFrame, period: Period = ALL_TIME, unit_id: str | None = None) -> dict:
    """Every rate of the registry (注册率/开工率/投产率/落地率/履约率/资金到位率 …) for projects signed in ``period``
    (of one unit, or all), with the counts they are made of.

    履约率 (实施率) counts projects implemented, i.e. 开工 or later; 落地率 those registered or later.
    Seed 000: 110 implemented of 148 signed → 0.7432 (74.3%).
    """
    signed = signed_in(projects, period)
    if unit_id is not None:
        signed = signed[signed["unit_id"] == unit_id]
    t = totals(signed)
    out = {"signed": t["signed"], **{m: t[m] for m in ("registered", "started", "in_production")}}
    out.update({i.key: t[i.key] for i in indicators.all_() if i.kind == "rate"})
    return out


def priority_industries(path: Path | None = None) -> tuple[str, ...]:
    """The configured priority industries (``config/indicators.toml``)."""
    with open(path or CONFIG, "rb") as fh:
        return tuple(tomllib.load(fh).get("priority_industries", ()))


def priority_share(projects: pd.DataFrame, period: Period = ALL_TIME, industries: tuple[str, ...] | None = None,
                   unit_id: str | None = None) -> dict:
    """Share of signed projects (count and money) whose 产业链 is a priority industry.

    Seed 000: 298 of 545 projects → 0.5468.
    """
    industries = priority_industries() if industries is None else industries
    signed = signed_in(projects, period)
    if unit_id is not None:
        signed = signed[signed["unit_id"] == unit_id]
    mine = signed[signed["industry_chain"].isin(industries)]
    money = float(signed["investment_wan"].fillna(0).sum())
    mine_money = float(mine["investment_wan"].fillna(0).sum())
    return {"projects": len(mine), "signed": len(signed), "share": rate(len(mine), len(signed)),
            "investment_yi": round(mine_money / WAN_PER_YI, 2), "investment_share": rate(mine_money, money)}


def funnel(projects: pd.DataFrame, period: Period = ALL_TIME) -> pd.DataFrame:
    """Projects that reached each main stage (线索 → 投产), with their money; signed stages limited to ``period``.

    The pipeline (线索/在谈 not yet signed) has no date and is always included. ``now`` is how many sit at
    exactly that stage today; ``reached`` counts those at it or beyond (side exits count up to their dated milestones).
    """
    signed = signed_in(projects, period)
    pipeline = projects[~projects["stage"].isin(SIGNED_STAGES) & projects["signed_on"].isna()]
    rows = []
    for stage in PROJECT_MAIN_STAGES:
        if stage in ("线索", "在谈"):
            later = pipeline if stage == "线索" else pipeline[pipeline["stage"] != "线索"]
            frame = pd.concat([later, signed])
        elif stage == "签约":
            frame = signed
        else:
            milestone = {"注册": "registered", "开工": "started", "投产": "in_production"}[stage]
            frame = signed[reached(signed, milestone)] if len(signed) else signed
        now = pipeline if stage in ("线索", "在谈") else signed
        rows.append({"stage": stage, "label": FUNNEL_LABELS[stage], "reached": len(frame),
                     "now": int((now["stage"] == stage).sum()),
                     "investment_yi": round(float(frame["investment_wan"].fillna(0).sum()) / WAN_PER_YI, 2)})
    return pd.DataFrame(rows)


def monthly_trend(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per month (``YYYY-MM`` → that month's snapshot frame): signings, starts and money signed in the month,
    plus the year-to-date totals as they were reported then. Oldest month first."""
    rows = []
    for month in sorted(frames):
        frame = frames[month]
        p = pd.Period(month, freq="M")
        in_month = Period(p.start_time.date(), p.end_time.date())
        ytd = Period(pd.Period(f"{p.year}-01", freq="M").start_time.date(), p.end_time.date())
        signed = signed_in(frame, in_month)
        started = pd.to_datetime(frame["started_on"])
        year = totals(signed_in(frame, ytd))
        rows.append({
            "month": month,
            "signed": len(signed),
            "investment_yi": round(float(signed["investment_wan"].fillna(0).sum()) / WAN_PER_YI, 2),
            "started": int(((started >= pd.Timestamp(in_month.start)) & (started <= pd.Timestamp(in_month.end))).sum()),
            "ytd_signed": year["signed"],
            "ytd_investment_yi": year["investment_total_yi"],
            "ytd_start_rate": year["start_rate"],
            "funds_in_place_yi": round(float(frame.loc[frame["stage"].isin(SIGNED_STAGES), "funds_in_place_wan"].fillna(0).sum())
                                       / WAN_PER_YI, 2),
        })
    return pd.DataFrame(rows, columns=["month", "signed", "investment_yi", "started", "ytd_signed", "ytd_investment_yi",
                                       "ytd_start_rate", "funds_in_place_yi"])
