"""招商项目 investment projects: points, polygons or no site yet (location pending, still counted).

Money is in 万元; ``investment_wan`` is the contract (or agreement) investment, ``funds_in_place_wan``
the 到位资金 so far. Stage dates are kept on the row; every change is also in ``project_stage_history``.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import geopandas as gpd

from layers._scope import in_clause, scope_clause
from store import tables

SPEC = tables.TableSpec(
    table="projects",
    key="project_id",
    columns=(
        ("project_id", "VARCHAR"),
        ("name", "VARCHAR NOT NULL"),
        ("investor", "VARCHAR"),
        ("source", "VARCHAR"),  # 签约活动 / 以商招商 / 驻点招商 …
        ("origin", "VARCHAR"),  # 省外 / 市外省内 / 市内
        ("industry_chain", "VARCHAR"),
        ("category", "VARCHAR"),  # 工业 / 非工业
        ("sign_type", "VARCHAR"),  # 合同 / 协议 / 框架协议
        ("investment_wan", "DOUBLE"),
        ("funds_in_place_wan", "DOUBLE"),
        ("unit_id", "VARCHAR"),  # reporting unit
        ("county_adcode", "VARCHAR"),
        ("park_id", "VARCHAR"),
        ("park_name", "VARCHAR"),
        ("land_mu", "DOUBLE"),
        ("power_kva", "DOUBLE"),
        ("water_t_d", "DOUBLE"),
        ("energy_tce", "DOUBLE"),
        ("leader", "VARCHAR"),  # 包抓领导
        ("responsible_unit", "VARCHAR"),  # 责任单位
        ("fortune500", "BOOLEAN"),
        ("national_code", "VARCHAR"),  # 24-digit 投资项目代码
        ("stage", "VARCHAR NOT NULL"),
        ("signed_on", "DATE"),
        ("registered_on", "DATE"),
        ("started_on", "DATE"),
        ("produced_on", "DATE"),
        ("planned_start", "DATE"),
    ),
)
insert, update, delete = tables.writers(SPEC)


def load(
    con: duckdb.DuckDBPyConnection,
    *,
    county: str | Sequence[str] | None = None,
    units: Sequence[str] | None = None,
    stages: Sequence[str] | None = None,
    signed_from: str | None = None,
    signed_to: str | None = None,
) -> gpd.GeoDataFrame:
    """Projects in EPSG:4326; ``signed_from``/``signed_to`` are inclusive ISO dates on ``signed_on``.

    Location-pending projects are returned with a null geometry.
    """
    where, params = scope_clause("county_adcode", county, table=SPEC.table)
    for column, values in (("unit_id", units), ("stage", stages)):
        w, p = in_clause(column, values)
        where += w
        params += p
    if signed_from:
        where.append("signed_on >= CAST(? AS DATE)")
        params.append(signed_from)
    if signed_to:
        where.append("signed_on <= CAST(? AS DATE)")
        params.append(signed_to)
    return tables.load(con, SPEC, where, params)
