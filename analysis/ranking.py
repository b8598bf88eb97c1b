"""月通报 ranking: reporting units ranked by any indicator, with the change of rank since the previous month.

Figures are year-to-date (January … the month) and come from monthly snapshots, so the ranking published for
a month can be recomputed identically later. Rank 1 is best; ties share the better rank (1, 2, 2, 4);
a unit whose value is undefined (a rate with nothing signed) is listed last without a rank.
``change`` = previous rank − rank: positive means the unit moved up.
"""

from __future__ import annotations

import pandas as pd

from analysis.kpis import Period, summarize
from analysis.targets import ACTUAL_KEYS, completion

#: indicator → (Chinese label, unit of measure). ``completion:<target indicator>`` ranks by 目标完成率.
INDICATORS = {
    "signed": ("新签约项目数", "个"),
    "investment_total_yi": ("签约金额", "亿元"),
    "projects_1yi": ("亿元以上项目数", "个"),
    "projects_10yi": ("10亿元以上项目数", "个"),
    "started": ("开工项目数", "个"),
    "start_rate": ("开工率", "%"),
    "registration_rate": ("注册率", "%"),
    "landing_rate": ("落地率", "%"),
    "production_rate": ("投产率", "%"),
    "funds_in_place_yi": ("到位资金", "亿元"),
    "funds_in_place_rate": ("资金到位率", "%"),
    **{f"completion:{k}": (f"{lbl}目标完成率", "%") for k, lbl in (("signed_projects", "签约项目"), ("signed_investment_yi", "签约金额"),
                                                              ("projects_1yi", "亿元以上项目"), ("funds_in_place_yi", "到位资金"))},
}


def ytd(month: str) -> Period:
    """January of ``month``'s year through the end of ``month``."""
    p = pd.Period(month, freq="M")
    return Period.from_months(f"{p.year}-01", month)


def previous_month(month: str) -> str:
    return str(pd.Period(month, freq="M") - 1)


def values(summary: dict, indicator: str, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """``unit_id, unit, value`` for every unit of a :func:`analysis.kpis.summarize` result."""
    if indicator not in INDICATORS:
        raise KeyError(f"未知指标：{indicator}")
    units = pd.DataFrame([{"unit_id": u["unit_id"], "unit": u["unit"]} for u in summary["by_unit"]], columns=["unit_id", "unit"])
    if indicator.startswith("completion:"):
        target_key = indicator.split(":", 1)[1]
        assert target_key in ACTUAL_KEYS, target_key
        done = completion(summary, targets if targets is not None else pd.DataFrame(columns=["unit_id", "indicator", "target_value"]))
        done = done[done["indicator"] == target_key].set_index("unit_id")["completion"]
        units["value"] = units["unit_id"].map(done)
    else:
        by = {u["unit_id"]: u[indicator] for u in summary["by_unit"]}
        units["value"] = units["unit_id"].map(by)
    units["value"] = pd.to_numeric(units["value"], errors="coerce")
    return units


def rank(summary: dict, indicator: str, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """``unit_id, unit, value, rank`` sorted best first (ties: min rank; undefined values last, rank missing)."""
    frame = values(summary, indicator, targets)
    frame["rank"] = frame["value"].rank(method="min", ascending=False, na_option="keep").astype("Int64")
    order = frame["rank"].astype("Float64").fillna(len(frame) + 1)
    return frame.assign(_o=order).sort_values(["_o", "unit_id"], kind="stable").drop(columns="_o").reset_index(drop=True)


def ranking(current: pd.DataFrame, previous: pd.DataFrame | None, month: str, indicator: str, units: pd.DataFrame,
            targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Ranking for ``month`` from its snapshot frame (``current``) and the previous month's (``previous``, may be
    None or empty: then ``previous_rank`` and ``change`` are missing). ``targets``: that year's targets."""
    now = rank(summarize(current, ytd(month), units), indicator, targets)
    if previous is None or previous.empty:
        before = pd.Series(dtype="Int64")
    else:
        last = previous_month(month)
        last_targets = targets if last[:4] == month[:4] else None
        before = rank(summarize(previous, ytd(last), units), indicator, last_targets).set_index("unit_id")["rank"]
    now["previous_rank"] = now["unit_id"].map(before).astype("Int64")
    now["change"] = (now["previous_rank"] - now["rank"]).astype("Int64")
    return now


def change_label(change) -> str:
    """"↑2", "↓1", "—" (same), "" (no previous rank)."""
    if change is None or pd.isna(change):
        return ""
    change = int(change)
    return "—" if change == 0 else (f"↑{change}" if change > 0 else f"↓{-change}")
