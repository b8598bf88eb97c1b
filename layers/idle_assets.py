"""闲置国有资产 idle state assets and their 盘活 case fields (stage, mode, responsibility, result)."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import geopandas as gpd

from layers._scope import in_clause, scope_clause
from store import tables

SPEC = tables.TableSpec(
    table="idle_assets",
    key="asset_id",
    columns=(
        ("asset_id", "VARCHAR"),
        ("name", "VARCHAR NOT NULL"),
        ("owner_unit", "VARCHAR"),
        ("owner_kind", "VARCHAR"),  # 国企 / 行政事业单位
        ("county_adcode", "VARCHAR"),
        ("asset_type", "VARCHAR"),  # 闲置楼宇 / 闲置厂房 / 闲置土地 / 烂尾工程
        ("land_mu", "DOUBLE"),
        ("floor_area_m2", "DOUBLE"),
        ("book_value_wan", "DOUBLE"),
        ("appraised_value_wan", "DOUBLE"),
        ("vacancy_share", "DOUBLE"),  # 0–1
        ("stage", "VARCHAR"),
        ("mode", "VARCHAR"),
        ("responsible_unit", "VARCHAR"),
        ("responsible_leader", "VARCHAR"),
        ("planned_date", "DATE"),
        ("counterpart", "VARCHAR"),
        ("realised_value_wan", "DOUBLE"),
        ("contract_no", "VARCHAR"),  # 盘活合同编号 (or a 盘活合同 attachment)
    ),
)
insert, update, delete = tables.writers(SPEC)


def load(
    con: duckdb.DuckDBPyConnection,
    *,
    county: str | Sequence[str] | None = None,
    stages: Sequence[str] | None = None,
    asset_types: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Idle assets in EPSG:4326 (points or polygons)."""
    where, params = scope_clause("county_adcode", county)
    for column, values in (("stage", stages), ("asset_type", asset_types)):
        w, p = in_clause(column, values)
        where += w
        params += p
    return tables.load(con, SPEC, where, params)
