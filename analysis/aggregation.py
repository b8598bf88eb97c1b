"""Aggregation for zoomed-out maps and choropleths: grid cells, county and park totals, county KPIs.

Counting happens in DuckDB (:mod:`layers.aggregates`); KPIs per county reuse :mod:`analysis.kpis`.
Cell sizes are degrees (EPSG:4326); money in 万元 unless the KPI name says ``_yi``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd

from analysis import indicators
from analysis.kpis import Period, signed_in, totals
from layers import aggregates

#: layer → (table, summed value column, unit)
POINT_LAYERS = aggregates.POINT_LAYERS
#: Cell sizes offered, in degrees (0.01° ≈ 1 km).
CELL_SIZES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


def county_kpis() -> dict[str, str]:
    """KPIs a county choropleth can show: every indicator of the registry shown on the cards → its heading."""
    return {i.key: i.heading for i in indicators.cards()}


#: KPI key → heading (「签约金额（亿元）」), for the choropleth choices: a live view of :func:`county_kpis`
COUNTY_KPIS: Mapping[str, str] = indicators.Live(county_kpis)


def cell_size(bounds: Sequence[float], cells_across: int = 48) -> float:
    """The smallest offered cell size that covers ``bounds`` (minx, miny, maxx, maxy) in at most ``cells_across``
    cells along its longer side."""
    minx, miny, maxx, maxy = bounds
    span = max(maxx - minx, maxy - miny, 1e-6)
    return next((c for c in CELL_SIZES if span / c <= cells_across), CELL_SIZES[-1])


def grid_cells(con: duckdb.DuckDBPyConnection, layer: str, bounds: Sequence[float], *,
               county: str | Sequence[str] | None = None, cells_across: int = 48) -> pd.DataFrame:
    """Features of a point layer counted per grid cell sized for ``bounds``: ``gx, gy, n, total, x, y``."""
    return aggregates.grid(con, layer, cell_size(bounds, cells_across), county=county)


def located_count(con: duckdb.DuckDBPyConnection, layer: str, *, county: str | Sequence[str] | None = None) -> int:
    """How many features of ``layer`` have a position."""
    return aggregates.located_count(con, layer, county=county)


def county_totals(con: duckdb.DuckDBPyConnection, layer: str, *, county: str | Sequence[str] | None = None) -> pd.DataFrame:
    """``county_adcode, n, total`` of a point layer (DuckDB group-by)."""
    return aggregates.by_county(con, layer, county=county)


def park_totals(con: duckdb.DuckDBPyConnection, layer: str, *, county: str | Sequence[str] | None = None) -> pd.DataFrame:
    """``park_id, n, total`` of projects or factories (DuckDB group-by)."""
    return aggregates.by_park(con, layer, county=county)


def county_kpi(projects: pd.DataFrame, kpi: str, period: Period | None = None) -> pd.Series:
    """One KPI of :func:`county_kpis` per ``county_adcode`` for projects signed in ``period``.

    Rates are fractions (0–1) and None where nothing was signed; counties without projects are absent.
    """
    if kpi not in indicators.REGISTRY:
        raise KeyError(f"未知指标：{kpi}")
    signed = signed_in(projects, period or Period())
    values = {code: totals(group)[kpi] for code, group in signed.groupby("county_adcode", sort=True)}
    return pd.Series(values, name=kpi, dtype="object")


def format_kpi(kpi: str, value) -> str:
    """A KPI value as shown on the map (rates as percent)."""
    return indicators.get(kpi).show(value)
