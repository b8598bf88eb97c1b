"""招商 KPIs for a period and per reporting unit (formulas of DOMAIN.md).

A project counts as *signed in the period* when its ``signed_on`` date falls in it (签约 or any later
stage, side exits included). Without a period (all time) every project at 签约 or later counts, also an
imported one whose ledger gives no signing date. Later milestones (注册/开工/投产) are counted for those projects as they
stand now, from the milestone date or, when an imported ledger gives no date, from the stage.
Money in 万元 in, 亿元 out (1 亿 = 10,000 万). Rates are fractions (0–1), ``None`` when undefined.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from analysis import indicators
from layers.vocab import SIGNED_STAGES, WAN_PER_YI

#: milestone → (date column, stage) and the stage order, as the registry counts them
MILESTONES = indicators.MILESTONES
STAGE_RANK = indicators.STAGE_RANK
YI_1 = 1 * WAN_PER_YI
YI_10 = 10 * WAN_PER_YI
rate = indicators.rate
reached = indicators.reached


@dataclass(frozen=True)
class Period:
    """Inclusive date range; ``None`` ends are open."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def from_months(cls, first: str | None = None, last: str | None = None) -> Period:
        """``Period.from_months("2018-01", "2018-06")`` → 2018-01-01 … 2018-06-30."""
        start = pd.Period(first, freq="M").start_time.date() if first else None
        end = pd.Period(last, freq="M").end_time.date() if last else None
        return cls(start, end)

    def label(self) -> str:
        if not self.start and not self.end:
            return "全部"
        return f"{self.start or '…'} 至 {self.end or '…'}"

    def months(self) -> tuple[str, str] | None:
        """``("2018-01", "2018-06")`` when both ends are whole months, else None."""
        if not (self.start and self.end) or self.start.day != 1 or pd.Timestamp(self.end) != pd.Period(self.end, freq="M").end_time.normalize():
            return None
        return f"{self.start:%Y-%m}", f"{self.end:%Y-%m}"

    def last_year(self) -> Period | None:
        """The same period a year earlier (同比); None for an open period."""
        if not (self.start and self.end):
            return None
        if whole := self.months():
            return Period.from_months(*(str(pd.Period(m, freq="M") - 12) for m in whole))
        return Period(*((pd.Timestamp(d) - pd.DateOffset(years=1)).date() for d in (self.start, self.end)))

    def before(self) -> Period | None:
        """The period of equal length just before this one (环比): whole months → as many months before; None for an
        open period."""
        if not (self.start and self.end):
            return None
        if whole := self.months():
            first, last = (pd.Period(m, freq="M") for m in whole)
            n = (last - first).n + 1
            return Period.from_months(str(first - n), str(first - 1))
        days = (self.end - self.start).days + 1
        return Period(*((pd.Timestamp(self.start) - pd.Timedelta(days=d)).date() for d in (days, 1)))


def signed_in(projects: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Projects whose signing date lies in ``period``; for an open period also undated ones at 签约 or later."""
    signed = pd.to_datetime(projects["signed_on"])
    mask = signed.notna()
    if not period.start and not period.end:
        mask |= projects["stage"].isin(SIGNED_STAGES)
    if period.start:
        mask &= signed >= pd.Timestamp(period.start)
    if period.end:
        mask &= signed <= pd.Timestamp(period.end)
    return projects[mask]


def totals(signed: pd.DataFrame) -> dict:
    """Every indicator of :data:`analysis.indicators.REGISTRY` for already-filtered signed projects (key → figure)."""
    return indicators.compute(signed)


def summarize(projects: pd.DataFrame, period: Period = Period(), units: pd.DataFrame | None = None,
              names: Mapping[str, str] | None = None) -> dict:
    """City-wide totals for ``period`` plus ``by_unit``: one entry per reporting unit (display order).

    ``units`` (unit_id, name) gives names and order; units with no project still get a row of zeros, and projects
    whose unit is not among them (a park user sees the projects in the park that a county reported) are listed after,
    named from ``names`` (every unit's name, :func:`layers.reporting_units.names`) as 「咸安区填报（园区内）」, else by
    their unit id.
    """
    signed = signed_in(projects, period)
    summary = {"period": {"from": str(period.start) if period.start else None, "to": str(period.end) if period.end else None}}
    summary.update(totals(signed))
    order = list(units["unit_id"]) if units is not None else []
    known = dict(zip(units["unit_id"], units["name"])) if units is not None else {}
    order += [u for u in pd.unique(signed["unit_id"].dropna()) if u not in known]
    # a unit outside ``units`` with a known name: a park user's view of projects in the park another unit reported
    names = {**{u: f"{n}填报（园区内）" for u, n in (names or {}).items()}, **known}
    figures = indicators.compute_by(signed, "unit_id", order)
    summary["by_unit"] = [{"unit": names.get(unit_id, unit_id), "unit_id": unit_id, **figures[unit_id]} for unit_id in order]
    return summary
