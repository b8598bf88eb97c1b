"""目标完成率: actual figures against annual targets per reporting unit and indicator."""

from __future__ import annotations

import math

import pandas as pd

from analysis import indicators
from analysis.kpis import rate

#: annual-target id → key in a :func:`analysis.kpis.totals` result (the registry's ``target``)
ACTUAL_KEYS = {target: i.key for target, i in indicators.targets().items()}


def completion(summary: dict, targets: pd.DataFrame) -> pd.DataFrame:
    """One row per (unit, indicator): actual, target, completion (fraction); plus ``unit_id="ALL"`` totals.

    ``summary`` comes from :func:`analysis.kpis.summarize`; ``targets`` from ``layers.targets.load``
    for one year.
    """
    rows = []
    by_unit = {u["unit_id"]: u for u in summary["by_unit"]}
    for indicator, key in ACTUAL_KEYS.items():
        wanted = targets[targets["indicator"] == indicator]
        for unit_id, target in zip(wanted["unit_id"], wanted["target_value"]):
            actual = by_unit.get(unit_id, {}).get(key, 0)
            rows.append({"unit_id": unit_id, "indicator": indicator, "actual": actual, "target": float(target),
                         "completion": rate(actual, float(target))})
        if len(wanted):
            target_sum = float(wanted["target_value"].sum())
            rows.append({"unit_id": "ALL", "indicator": indicator, "actual": summary[key], "target": target_sum,
                         "completion": rate(summary[key], target_sum)})
    return pd.DataFrame(rows, columns=["unit_id", "indicator", "actual", "target", "completion"])


def target_grid(targets: pd.DataFrame, units: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """One row per reporting unit (``unit_id``, ``单位``) and one column per indicator label, for editing a year's
    targets; a missing target is NaN. ``labels``: indicator id → column label (e.g. "签约金额（亿元）")."""
    grid = units[["unit_id", "name"]].rename(columns={"name": "单位"}).reset_index(drop=True)
    values = targets.pivot_table(index="unit_id", columns="indicator", values="target_value", aggfunc="last") if len(targets) else None
    for indicator, label in labels.items():
        grid[label] = grid["unit_id"].map(values[indicator]) if values is not None and indicator in values else float("nan")
    return grid.astype({label: "float64" for label in labels.values()})


def grid_changes(grid: pd.DataFrame, stored: pd.DataFrame, year: int,
                 labels: dict[str, str]) -> tuple[pd.DataFrame, list[str], list[str]]:
    """What an edited :func:`target_grid` changes: (rows to write: year, unit_id, indicator, target_value;
    ``"year|unit|indicator"`` keys to delete (cells emptied); problems in Chinese, one per bad cell — if any, the
    caller writes nothing). ``stored`` is the year's targets as loaded."""
    before = {(u, i): float(v) for u, i, v in zip(stored["unit_id"], stored["indicator"], stored["target_value"])}
    writes, deletes, problems = [], [], []
    for _, row in grid.iterrows():
        for indicator, label in labels.items():
            raw = row.get(label)
            key = (row["unit_id"], indicator)
            if raw is None or (isinstance(raw, float) and pd.isna(raw)) or (isinstance(raw, str) and not raw.strip()):
                if key in before:
                    deletes.append(f"{year}|{row['unit_id']}|{indicator}")
                continue
            try:
                value = float(str(raw).replace(",", "").strip())
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                problems.append(f"{row['单位']}“{label}”不是数字：{raw}")
                continue
            if value < 0:
                problems.append(f"{row['单位']}“{label}”不能为负数：{raw}")
                continue
            if before.get(key) != value:
                writes.append({"year": int(year), "unit_id": row["unit_id"], "indicator": indicator, "target_value": value})
    return pd.DataFrame(writes, columns=["year", "unit_id", "indicator", "target_value"]), deletes, problems
