"""Occupancy of standard factories: leased / vacant area and counts by park or county, and leases running out.

Input is the ``standard_factories`` frame (columns ``status``, ``floor_area_m2`` ㎡, ``lease_end``, plus the
grouping columns). Occupancy = leased area / total area (DOMAIN.md); 意向洽谈 and 装修改造 are neither leased
nor vacant and are counted on their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

STATUS_COLUMNS = {"已出租": "leased", "空置": "vacant", "意向洽谈": "negotiating", "装修改造": "renovating"}
HORIZONS = (3, 6, 12)


def _area(frame: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(frame["floor_area_m2"], errors="coerce").fillna(0.0)


def summarize(factories: pd.DataFrame, by: str | Sequence[str]) -> pd.DataFrame:
    """Per group of ``by`` columns: ``count``, ``area_m2`` and, per status, ``{leased,vacant,negotiating,renovating}_n``
    and ``_m2``; ``occupancy`` = leased ㎡ / total ㎡ and ``vacancy`` = vacant ㎡ / total ㎡ (None when no area).
    Groups with a null key (e.g. a park not in the store) are kept. Sorted by total area, largest first.
    """
    keys = [by] if isinstance(by, str) else list(by)
    frame = pd.DataFrame({k: factories[k].astype(object) for k in keys})
    frame["count"] = 1
    frame["area_m2"] = _area(factories)
    for status, name in STATUS_COLUMNS.items():
        hit = (factories["status"] == status).fillna(False).astype(bool)
        frame[f"{name}_n"] = hit.astype(int)
        frame[f"{name}_m2"] = frame["area_m2"].where(hit, 0.0)
    if frame.empty:
        columns = [*keys, "count", "area_m2", *(f"{n}_{u}" for n in STATUS_COLUMNS.values() for u in ("n", "m2")), "occupancy", "vacancy"]
        return pd.DataFrame(columns=columns)
    out = frame.groupby(keys, dropna=False, sort=False).sum().reset_index()
    total = out["area_m2"].where(out["area_m2"] > 0)
    out["occupancy"] = (out["leased_m2"] / total).round(4).astype(object).where(total.notna(), None)
    out["vacancy"] = (out["vacant_m2"] / total).round(4).astype(object).where(total.notna(), None)
    return out.sort_values(["area_m2", *keys], ascending=[False, *[True] * len(keys)], kind="stable").reset_index(drop=True)


def totals(factories: pd.DataFrame) -> dict:
    """The same figures as :func:`summarize` for the whole frame, as a dict."""
    frame = factories.assign(_all="全部")
    row = summarize(frame, "_all")
    return {k: v for k, v in row.iloc[0].items() if k != "_all"} if len(row) else {"count": 0, "area_m2": 0.0}


def _add_months(day: dt.date, months: int) -> dt.date:
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def expiring(factories: pd.DataFrame, as_of: dt.date, months: int) -> pd.DataFrame:
    """Leased factories whose lease ends after ``as_of`` and within ``months`` months of it, soonest first."""
    end = pd.to_datetime(factories["lease_end"], errors="coerce")
    leased = (factories["status"] == "已出租").fillna(False).astype(bool)
    hit = leased & (end > pd.Timestamp(as_of)) & (end <= pd.Timestamp(_add_months(as_of, months)))
    return factories[hit.to_numpy()].assign(_end=end[hit]).sort_values(["_end", "factory_id"]).drop(columns="_end")


def leases_ending(factories: pd.DataFrame, as_of: dt.date, by: str | Sequence[str],
                  horizons: Sequence[int] = HORIZONS) -> pd.DataFrame:
    """Per group: leases ending within each horizon (``ending_{n}m_n`` count and ``ending_{n}m_m2`` area; cumulative,
    so 6 months includes 3) and ``overdue_n``: still 已出租 with a lease that ended on or before ``as_of``."""
    keys = [by] if isinstance(by, str) else list(by)
    end = pd.to_datetime(factories["lease_end"], errors="coerce")
    leased = (factories["status"] == "已出租").fillna(False).astype(bool)
    frame = pd.DataFrame({k: factories[k].astype(object) for k in keys})
    area = _area(factories)
    for n in horizons:
        hit = leased & (end > pd.Timestamp(as_of)) & (end <= pd.Timestamp(_add_months(as_of, n)))
        frame[f"ending_{n}m_n"] = hit.astype(int)
        frame[f"ending_{n}m_m2"] = area.where(hit, 0.0)
    frame["overdue_n"] = (leased & (end <= pd.Timestamp(as_of))).astype(int)
    if frame.empty:
        return frame
    return frame.groupby(keys, dropna=False, sort=False).sum().reset_index()
