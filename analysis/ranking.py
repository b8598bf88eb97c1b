"""月通报 ranking: reporting units ranked by any indicator, with the change of rank since the previous month.

Figures are year-to-date (January … the month) and come from monthly snapshots, so the ranking published for
a month can be recomputed identically later. Rank 1 is best; ties share the better rank (1, 2, 2, 4);
a unit whose value is undefined (a rate with nothing signed) is listed last without a rank.
``change`` = previous rank − rank: positive means the unit moved up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from analysis import indicators
from analysis.kpis import Period, summarize
from analysis.targets import ACTUAL_KEYS, completion

COMPLETION = "completion:"


def choices() -> dict[str, tuple[str, str]]:
    """Rankable indicator → (Chinese label, unit of measure): every indicator of the registry, then the 目标完成率 of
    each one with an annual target (``completion:<target id>``)."""
    out = {i.key: (i.label, i.unit) for i in indicators.all_()}
    out.update({f"{COMPLETION}{target}": (f"{i.label}目标完成率", "%") for target, i in indicators.targets().items()})
    return out


#: indicator → (Chinese label, unit of measure): a live view of :func:`choices`
INDICATORS: Mapping[str, tuple[str, str]] = indicators.Live(choices)


def label(indicator: str) -> str:
    """「签约金额（亿元）」, 「开工率」, 「签约金额目标完成率」."""
    name, unit = choices()[indicator]
    return name if unit == "%" else f"{name}（{unit}）"


def ytd(month: str) -> Period:
    """January of ``month``'s year through the end of ``month``."""
    p = pd.Period(month, freq="M")
    return Period.from_months(f"{p.year}-01", month)


def previous_month(month: str) -> str:
    return str(pd.Period(month, freq="M") - 1)


def values(summary: dict, indicator: str, targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """``unit_id, unit, value`` for every unit of a :func:`analysis.kpis.summarize` result."""
    if indicator not in choices():
        raise KeyError(f"未知指标：{indicator}")
    units = pd.DataFrame([{"unit_id": u["unit_id"], "unit": u["unit"]} for u in summary["by_unit"]], columns=["unit_id", "unit"])
    if indicator.startswith(COMPLETION):
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


def _summaries(current: pd.DataFrame, previous: pd.DataFrame | None, month: str, units: pd.DataFrame) -> tuple[dict, dict | None]:
    now = summarize(current, ytd(month), units)
    if previous is None or previous.empty:
        return now, None
    return now, summarize(previous, ytd(previous_month(month)), units)


def _ranked(now: dict, before: dict | None, month: str, indicator: str, targets: pd.DataFrame | None) -> pd.DataFrame:
    frame = rank(now, indicator, targets)
    if before is None:
        earlier = pd.Series(dtype="Int64")
    else:
        last = previous_month(month)
        earlier = rank(before, indicator, targets if last[:4] == month[:4] else None).set_index("unit_id")["rank"]
    frame["previous_rank"] = frame["unit_id"].map(earlier).astype("Int64")
    frame["change"] = (frame["previous_rank"] - frame["rank"]).astype("Int64")
    return frame


def ranking(current: pd.DataFrame, previous: pd.DataFrame | None, month: str, indicator: str, units: pd.DataFrame,
            targets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Ranking for ``month`` from its snapshot frame (``current``) and the previous month's (``previous``, may be
    None or empty: then ``previous_rank`` and ``change`` are missing). ``targets``: that year's targets."""
    return _ranked(*_summaries(current, previous, month, units), month, indicator, targets)


def rankings(current: pd.DataFrame, previous: pd.DataFrame | None, month: str, keys: Sequence[str], units: pd.DataFrame,
             targets: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """:func:`ranking` for each indicator of ``keys``, the two months summarised once for all of them."""
    now, before = _summaries(current, previous, month, units)
    return {key: _ranked(now, before, month, key, targets) for key in keys}


def change_label(change) -> str:
    """"↑2", "↓1", "—" (same), "" (no previous rank)."""
    if change is None or pd.isna(change):
        return ""
    change = int(change)
    return "—" if change == 0 else (f"↑{change}" if change > 0 else f"↓{-change}")
