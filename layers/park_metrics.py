"""园区年度指标 park metrics: one row per park and year — tax, output, floor area and fixed investment.

These are the numerators of the 亩均 (per-mu) metrics in :mod:`analysis.intensity`; the land they are
divided by is the park's built area (``parks.built_area_mu``). Money in 万元, floor area in ㎡.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from layers._scope import in_clause, scope_clause
from store import tables

SPEC = tables.TableSpec(
    table="park_metrics",
    key="metric_id",
    columns=(
        ("metric_id", "VARCHAR"),  # "{park_id}|{year}"
        ("park_id", "VARCHAR NOT NULL"),
        ("year", "INTEGER NOT NULL"),
        ("tax_wan", "DOUBLE"),  # 税收收入
        ("output_wan", "DOUBLE"),  # 工业总产值 / 营业收入
        ("floor_area_m2", "DOUBLE"),  # 总建筑面积 (for 容积率)
        ("fixed_investment_wan", "DOUBLE"),  # 累计固定资产投资 on the built land (for 投资强度)
    ),
    has_geometry=False,
)
insert, update, delete = tables.writers(SPEC)


def metric_id(park_id: str, year: int) -> str:
    """The key of one park-year row."""
    return f"{park_id}|{int(year)}"


def load(
    con: duckdb.DuckDBPyConnection,
    *,
    county: str | Sequence[str] | None = None,
    park_ids: Sequence[str] | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Park-year figures, optionally limited to parks of some counties, to park ids or to one year."""
    where, params = [], []
    scope, scope_params = scope_clause("county_adcode", county, table="parks")
    if scope:  # the county (and a park user's parks) belong to the park, not to this table
        where.append(f"park_id IN (SELECT park_id FROM parks WHERE {scope[0]})")
        params += scope_params
    w, p = in_clause("park_id", park_ids)
    where += w
    params += p
    if year is not None:
        where.append("year = ?")
        params.append(int(year))
    frame = tables.load(con, SPEC, where, params, order_by="park_id, year")
    return pd.DataFrame(frame.drop(columns="geometry"))
