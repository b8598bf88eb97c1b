"""同比 / 环比 for the KPI cards (``widgets.kpi_cards``): the same indicators for the same period a year earlier and for
the period of equal length just before (:meth:`analysis.kpis.Period.last_year` / :meth:`~analysis.kpis.Period.before`).

总览 counts each period as the projects stood at its end (:func:`ui.data.kpi_summary`, as the overview itself does);
项目进度 compares a month's year-to-date figures with those of the months that end the earlier periods, as their
月通报 gives them (frozen: what was published; otherwise as they stand).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.kpis import Period, summarize
from analysis.ranking import ytd
from layers import months
from ui import data

TTL = 300


def _shifted(period: Period) -> dict[str, tuple[str, str] | None]:
    return {"yoy": (period.last_year() or Period()).months(), "mom": (period.before() or Period()).months()}


def period_comparison(first: str, last: str, counties: tuple[str, ...] | None) -> dict:
    """``{"yoy": summary | None, "mom": summary | None}`` for 总览's months ``first`` … ``last``."""
    return {which: data.kpi_summary(*span, counties) if span else None
            for which, span in _shifted(Period.from_months(first, last)).items()}


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def _month_figures(first: str, last: str, counties: tuple[str, ...] | None) -> dict:
    """Totals for signings ``first`` … ``last`` counted on ``last``'s month frame (frozen if frozen)."""
    with data.cursor() as con:
        frame, _ = months.month_frame(con, last, county=counties)
        units = months.month_units(con, last, county=counties)
    return summarize(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")), Period.from_months(first, last), units)


def month_comparison(month: str, counties: tuple[str, ...] | None) -> dict:
    """``{"yoy": …, "mom": …}`` for 项目进度's year-to-date figures of ``month``."""
    return {which: _month_figures(*span, counties) if span else None for which, span in _shifted(ytd(month)).items()}
