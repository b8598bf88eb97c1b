"""红黄绿灯 and the 督办 list, with thresholds from ``config/lights.toml``.

* late start (per project): signed, not started, and the planned start month (计划开工时间) is over — yellow;
  ``red_months`` or more months late — red.
* slow funding (per project): ``after_months`` after signing, 资金到位率 below ``yellow_below`` — yellow,
  below ``red_below`` — red.
* slow progress (per unit and indicator): annual-target completion against the time schedule (序时进度 =
  month / 12), ``yellow_points``–``red_points`` percentage points behind — yellow, more — red.

Everything is evaluated "as of" the end of a report month, so the lights of a month can be reproduced from
its snapshot. 督办 collects the red items with the responsible leader and unit and a deadline.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from analysis.lifecycle import stage_rank
from layers.targets import INDICATORS as TARGET_INDICATORS

CONFIG = Path(__file__).resolve().parent.parent / "config" / "lights.toml"
LIGHTS = ("红灯", "黄灯", "绿灯")
ORDER = {"红灯": 0, "黄灯": 1, "绿灯": 2}
ACTIVE = ("签约", "注册", "开工", "投产", "停滞")  # 终止 is no longer supervised


@dataclass(frozen=True)
class Rules:
    late_yellow_months: int = 0
    late_red_months: int = 3
    progress_yellow_points: float = 10
    progress_red_points: float = 30
    progress_indicators: tuple[str, ...] = tuple(TARGET_INDICATORS)
    funding_after_months: int = 6
    funding_yellow_below: float = 0.30
    funding_red_below: float = 0.10
    funding_min_investment_wan: float = 0
    deadline_days: int = 15
    top_per_leader: int = 20
    problem_yellow_days: int = 30
    problem_red_days: int = 60


def load_rules(path: Path | None = None) -> Rules:
    """The rules in ``config/lights.toml`` (or ``path``); missing keys keep the defaults above."""
    with open(path or CONFIG, "rb") as fh:
        cfg = tomllib.load(fh)
    late, prog, fund, sup, prob = (cfg.get(k, {}) for k in ("late_start", "progress", "funding", "supervision", "problems"))
    d = Rules()
    return Rules(
        late_yellow_months=int(late.get("yellow_months", d.late_yellow_months)),
        late_red_months=int(late.get("red_months", d.late_red_months)),
        progress_yellow_points=float(prog.get("yellow_points", d.progress_yellow_points)),
        progress_red_points=float(prog.get("red_points", d.progress_red_points)),
        progress_indicators=tuple(prog.get("indicators", d.progress_indicators)),
        funding_after_months=int(fund.get("after_months", d.funding_after_months)),
        funding_yellow_below=float(fund.get("yellow_below", d.funding_yellow_below)),
        funding_red_below=float(fund.get("red_below", d.funding_red_below)),
        funding_min_investment_wan=float(fund.get("min_investment_wan", d.funding_min_investment_wan)),
        deadline_days=int(sup.get("deadline_days", d.deadline_days)),
        top_per_leader=int(sup.get("top_per_leader", d.top_per_leader)),
        problem_yellow_days=int(prob.get("yellow_days", d.problem_yellow_days)),
        problem_red_days=int(prob.get("red_days", d.problem_red_days)),
    )


def _ym(day) -> str:
    ts = pd.Timestamp(day)
    return f"{ts.year}年{ts.month}月"


def _months(later: pd.Period, earlier: pd.Series) -> pd.Series:
    """Whole months from each date's month to ``later`` (NaN where no date)."""
    dates = pd.to_datetime(earlier)
    return (later.year - dates.dt.year) * 12 + (later.month - dates.dt.month)


PROJECT_COLUMNS = ["project_id", "name", "unit_id", "stage", "leader", "responsible_unit"]


def late_starts(projects: pd.DataFrame, month: str, rules: Rules) -> pd.DataFrame:
    """Signed projects not started by the end of ``month`` although their planned start month is over."""
    m = pd.Period(month, freq="M")
    frame = projects[projects["stage"].isin(ACTIVE)].copy()
    not_started = frame["started_on"].isna() & frame["produced_on"].isna() & (frame["stage"].map(stage_rank) < stage_rank("开工"))
    late = _months(m, frame["planned_start"])
    frame = frame.assign(months_late=late)[not_started & late.notna() & (late >= rules.late_yellow_months)]
    frame["light"] = ["红灯" if x >= rules.late_red_months else "黄灯" for x in frame["months_late"]]
    frame["reason"] = [f"计划 {_ym(p)} 开工，" + (f"已逾期 {int(x)} 个月" if x else "当月未开工")
                       for p, x in zip(frame["planned_start"], frame["months_late"], strict=True)]
    frame["months_late"] = frame["months_late"].astype(int)
    cols = [*PROJECT_COLUMNS, "planned_start", "months_late", "light", "reason"]
    return _sorted(frame.reindex(columns=cols), "months_late")


def slow_funding(projects: pd.DataFrame, month: str, rules: Rules) -> pd.DataFrame:
    """Signed projects whose 资金到位率 is low ``after_months`` after signing."""
    m = pd.Period(month, freq="M")
    frame = projects[projects["stage"].isin(ACTIVE) & (projects["investment_wan"].fillna(0) > 0)].copy()
    frame = frame[frame["investment_wan"] >= rules.funding_min_investment_wan]
    frame["months_signed"] = _months(m, frame["signed_on"])
    frame["funds_rate"] = (frame["funds_in_place_wan"].fillna(0) / frame["investment_wan"]).round(4)
    frame = frame[frame["months_signed"].notna() & (frame["months_signed"] >= rules.funding_after_months)
                  & (frame["funds_rate"] < rules.funding_yellow_below)]
    frame["light"] = ["红灯" if r < rules.funding_red_below else "黄灯" for r in frame["funds_rate"]]
    frame["reason"] = [f"签约 {int(n)} 个月，资金到位率 {r:.1%}" for n, r in zip(frame["months_signed"], frame["funds_rate"], strict=True)]
    frame["months_signed"] = frame["months_signed"].astype(int)
    cols = [*PROJECT_COLUMNS, "investment_wan", "funds_in_place_wan", "funds_rate", "months_signed", "light", "reason"]
    return _sorted(frame.reindex(columns=cols), "months_signed")


def slow_progress(completion: pd.DataFrame, month: str, rules: Rules, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per unit and indicator (rows of :func:`analysis.targets.completion`): points behind 序时进度 and the light
    (green rows included)."""
    schedule = pd.Period(month, freq="M").month / 12
    frame = completion[completion["indicator"].isin(rules.progress_indicators) & completion["completion"].notna()].copy()
    frame["schedule"] = round(schedule, 4)
    frame["behind_points"] = ((schedule - frame["completion"].astype(float)) * 100).round(1)
    frame["light"] = ["红灯" if b > rules.progress_red_points else ("黄灯" if b >= rules.progress_yellow_points else "绿灯")
                      for b in frame["behind_points"]]
    names = dict(zip(units["unit_id"], units["name"], strict=True)) if units is not None else {}
    names["ALL"] = "全市"
    frame["unit"] = frame["unit_id"].map(lambda u: names.get(u, u))
    frame["indicator_label"] = frame["indicator"].map(lambda k: TARGET_INDICATORS.get(k, (k,))[0])
    frame["reason"] = [f"{lbl}完成 {c:.1%}，序时进度 {schedule:.1%}" + (f"，落后 {b:.1f} 个百分点" if b > 0 else "")
                       for lbl, c, b in zip(frame["indicator_label"], frame["completion"], frame["behind_points"], strict=True)]
    cols = ["unit_id", "unit", "indicator", "indicator_label", "actual", "target", "completion", "schedule", "behind_points",
            "light", "reason"]
    out = frame.reindex(columns=cols)
    return out.assign(_o=out["light"].map(ORDER)).sort_values(["_o", "behind_points"], ascending=[True, False], kind="stable") \
        .drop(columns="_o").reset_index(drop=True)


def _sorted(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    return frame.assign(_o=frame["light"].map(ORDER)).sort_values(["_o", by, "project_id"], ascending=[True, False, True],
                                                                   kind="stable").drop(columns="_o").reset_index(drop=True)


def project_lights(projects: pd.DataFrame, month: str, rules: Rules) -> pd.Series:
    """The worst light of each project (index ``project_id``): late start or slow funding, else 绿灯."""
    worst = pd.Series("绿灯", index=pd.Index(projects["project_id"], name="project_id"), dtype=object)
    for frame in (late_starts(projects, month, rules), slow_funding(projects, month, rules)):
        for pid, light in zip(frame["project_id"], frame["light"], strict=True):
            if ORDER[light] < ORDER[worst[pid]]:
                worst[pid] = light
    return worst


def deadline(month: str, rules: Rules) -> date:
    return pd.Period(month, freq="M").end_time.date() + timedelta(days=rules.deadline_days)


def supervision(projects: pd.DataFrame, progress: pd.DataFrame, month: str, rules: Rules,
                units: pd.DataFrame | None = None) -> pd.DataFrame:
    """督办 list: every red item (late start, slow funding, unit progress) with 责任领导, 责任单位 and a deadline.

    Each item also carries ``money_wan`` and ``months_late``, the two factors of its rank on the triaged list
    (:func:`analysis.supervision.triage`): 开工滞后 — 合同投资 (万元) × whole months behind the planned start month;
    资金到位滞后 — 合同投资 × whole months since signing beyond ``funding.after_months``; 目标进度滞后 — for a money
    indicator the shortfall against 序时进度 ((target × schedule − actual) in 万元; 0 for a count) × the months of
    schedule it is behind (落后百分点 × 12 / 100).
    """
    names = dict(zip(units["unit_id"], units["name"], strict=True)) if units is not None else {}
    money = dict(zip(projects["project_id"], projects["investment_wan"], strict=True))
    due = deadline(month, rules)
    rows = []
    for kind, frame in (("开工滞后", late_starts(projects, month, rules)), ("资金到位滞后", slow_funding(projects, month, rules))):
        for r in frame[frame["light"] == "红灯"].to_dict("records"):
            late = r["months_late"] if kind == "开工滞后" else max(0, r["months_signed"] - rules.funding_after_months)
            rows.append({"item": kind, "project_id": r["project_id"], "subject": r["name"], "unit": names.get(r["unit_id"], r["unit_id"]),
                         "leader": r["leader"] or "", "responsible_unit": r["responsible_unit"] or names.get(r["unit_id"], ""),
                         "reason": r["reason"], "deadline": due, "light": "红灯", "money_wan": _money(money.get(r["project_id"])),
                         "months_late": float(late)})
    for r in progress[(progress["light"] == "红灯") & (progress["unit_id"] != "ALL")].to_dict("records"):
        short = (r["target"] * r["schedule"] - r["actual"]) * 10_000 if TARGET_INDICATORS.get(r["indicator"], ("", ""))[1] == "亿元" else 0
        rows.append({"item": "目标进度滞后", "project_id": None, "subject": r["indicator_label"], "unit": r["unit"], "leader": "",
                     "responsible_unit": r["unit"], "reason": r["reason"], "deadline": due, "light": "红灯",
                     "money_wan": round(max(0.0, _money(short)), 2), "months_late": round(r["behind_points"] * 12 / 100, 2)})
    return pd.DataFrame(rows, columns=SUPERVISION_COLUMNS)


SUPERVISION_COLUMNS = ["item", "project_id", "subject", "unit", "leader", "responsible_unit", "reason", "deadline", "light",
                       "money_wan", "months_late"]


def _money(value) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)
