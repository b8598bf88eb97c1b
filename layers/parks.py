"""园区 parks: polygons with level, positioning and the supply side of the capacity ledger."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import geopandas as gpd

from layers._scope import in_clause, scope_clause
from store import tables

SPEC = tables.TableSpec(
    table="parks",
    key="park_id",
    columns=(
        ("park_id", "VARCHAR"),
        ("name", "VARCHAR NOT NULL"),
        ("level", "VARCHAR"),  # 国家级 / 省级 / 市级
        ("county_adcode", "VARCHAR"),
        ("unit_id", "VARCHAR"),  # reporting unit it belongs to
        ("positioning", "VARCHAR"),  # 主导产业, "、"-separated
        ("planned_area_mu", "DOUBLE"),
        ("built_area_mu", "DOUBLE"),
        ("available_land_mu", "DOUBLE"),  # 可供地/待建地
        ("power_total_kva", "DOUBLE"),
        ("power_used_kva", "DOUBLE"),
        ("water_total_t_d", "DOUBLE"),
        ("water_used_t_d", "DOUBLE"),
        ("gas_total_m3_d", "DOUBLE"),
        ("gas_used_m3_d", "DOUBLE"),
        ("energy_quota_tce", "DOUBLE"),  # 用能指标, 吨标准煤
        ("energy_used_tce", "DOUBLE"),
        ("green_power", "BOOLEAN"),
        ("manager_unit", "VARCHAR"),  # 管委会
        ("contact_phone", "VARCHAR"),
    ),
)
insert, update, delete = tables.writers(SPEC)


def load(
    con: duckdb.DuckDBPyConnection,
    *,
    county: str | Sequence[str] | None = None,
    park_ids: Sequence[str] | None = None,
    level: str | None = None,
) -> gpd.GeoDataFrame:
    """Parks in EPSG:4326 (polygons), optionally limited to counties, ids or a level."""
    where, params = scope_clause("county_adcode", county, table=SPEC.table)
    w, p = in_clause("park_id", park_ids)
    where += w
    params += p
    if level:
        where.append("level = ?")
        params.append(level)
    return tables.load(con, SPEC, where, params)
