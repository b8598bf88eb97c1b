"""标准化厂房 standard factories: one row per building or rentable unit, with specs and occupancy.

Floor load is stored in kN/㎡ (ledgers in t/㎡ are converted at import: 1 t/㎡ = 9.8 kN/㎡).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import geopandas as gpd

from layers._scope import in_clause, scope_clause
from store import tables

SPEC = tables.TableSpec(
    table="standard_factories",
    key="factory_id",
    columns=(
        ("factory_id", "VARCHAR"),
        ("name", "VARCHAR NOT NULL"),
        ("park_id", "VARCHAR"),
        ("park_name", "VARCHAR"),  # kept when the park is not in the store yet
        ("county_adcode", "VARCHAR"),
        ("building", "VARCHAR"),  # 楼栋
        ("floor", "INTEGER"),  # 楼层 (NULL = whole building)
        ("unit_no", "VARCHAR"),  # 单元
        ("floor_area_m2", "DOUBLE"),  # 建筑面积
        ("floors", "INTEGER"),  # 层数
        ("clear_height_m", "DOUBLE"),  # 首层层高
        ("floor_load_kn_m2", "DOUBLE"),  # 楼面荷载
        ("span_m", "DOUBLE"),  # 跨度
        ("column_grid", "VARCHAR"),  # 柱距, e.g. "8×9"
        ("crane_t", "DOUBLE"),  # 行车, 0 = none
        ("power_kva", "DOUBLE"),  # 配电容量
        ("rent_yuan_m2_month", "DOUBLE"),
        ("for_rent", "BOOLEAN"),
        ("for_sale", "BOOLEAN"),
        ("status", "VARCHAR"),  # 空置 / 已出租 / 意向洽谈 / 装修改造
        ("tenant", "VARCHAR"),
        ("lease_end", "DATE"),
        ("contact_unit", "VARCHAR"),
        ("contact_phone", "VARCHAR"),
    ),
)
insert, update, delete = tables.writers(SPEC)


def load(
    con: duckdb.DuckDBPyConnection,
    *,
    county: str | Sequence[str] | None = None,
    park_ids: Sequence[str] | None = None,
    status: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Factories in EPSG:4326 (points or footprints)."""
    where, params = scope_clause("county_adcode", county, table=SPEC.table)
    for column, values in (("park_id", park_ids), ("status", status)):
        w, p = in_clause(column, values)
        where += w
        params += p
    return tables.load(con, SPEC, where, params)
