"""目标完成率: actual figures against annual targets per reporting unit and indicator."""

from __future__ import annotations

import pandas as pd

from analysis.kpis import rate

#: indicator id → key in a :func:`analysis.kpis.totals` result
ACTUAL_KEYS = {
    "signed_projects": "signed",
    "signed_investment_yi": "investment_total_yi",
    "projects_1yi": "projects_1yi",
    "projects_10yi": "projects_10yi",
    "funds_in_place_yi": "funds_in_place_yi",
    "started_projects": "started",
}


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
