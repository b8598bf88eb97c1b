"""Server-side aggregation of the point layers in DuckDB: grid cells, county and park totals.

Used by the map when a layer is too large to send feature by feature, and for choropleths. Table and
column names come from :data:`POINT_LAYERS` (never from users); filters are bound parameters.
Positions are each feature's centroid in EPSG:4326 (lon, lat).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from layers._scope import scope_clause

#: layer → (table, value column summed as ``total``, unit of that value)
POINT_LAYERS = {
    "projects": ("projects", "investment_wan", "万元"),
    "factories": ("standard_factories", "floor_area_m2", "㎡"),
    "assets": ("idle_assets", "book_value_wan", "万元"),
}


def _source(layer: str, county) -> tuple[str, str, list]:
    if layer not in POINT_LAYERS:
        raise KeyError(f"不能聚合的图层：{layer}")
    table, value, _unit = POINT_LAYERS[layer]
    where, params = scope_clause("county_adcode", county, table=table)  # a park user: their parks' features only
    where = ["geom IS NOT NULL", *where]
    sql = f"SELECT ST_Centroid(geom) AS p, {value} AS v, county_adcode FROM {table} WHERE " + " AND ".join(f"({w})" for w in where)
    return table, sql, params


def located_count(con: duckdb.DuckDBPyConnection, layer: str, *, county: str | Sequence[str] | None = None) -> int:
    """Features of ``layer`` that have a position (within ``county``)."""
    _table, sql, params = _source(layer, county)
    return int(con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0])


def grid(con: duckdb.DuckDBPyConnection, layer: str, cell_deg: float, *, county: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Counts per square cell of ``cell_deg`` degrees: ``gx, gy`` (cell indices), ``n``, ``total`` (sum of the
    layer's value column) and ``x, y``: the mean position of the cell's features (lon, lat)."""
    if not cell_deg > 0:
        raise ValueError("网格大小必须为正数")
    _table, sql, params = _source(layer, county)
    query = (f"SELECT CAST(floor(ST_X(p) / ?) AS BIGINT) AS gx, CAST(floor(ST_Y(p) / ?) AS BIGINT) AS gy, "
             f"count(*) AS n, sum(v) AS total, avg(ST_X(p)) AS x, avg(ST_Y(p)) AS y FROM ({sql}) GROUP BY gx, gy ORDER BY gx, gy")
    return con.execute(query, [cell_deg, cell_deg, *params]).df()


def by_county(con: duckdb.DuckDBPyConnection, layer: str, *, county: str | Sequence[str] | None = None) -> pd.DataFrame:
    """``county_adcode, n, total`` for every county with located features of ``layer``."""
    _table, sql, params = _source(layer, county)
    return con.execute(f"SELECT county_adcode, count(*) AS n, sum(v) AS total FROM ({sql}) GROUP BY county_adcode "
                       "ORDER BY county_adcode", params).df()


def by_park(con: duckdb.DuckDBPyConnection, layer: str, *, county: str | Sequence[str] | None = None) -> pd.DataFrame:
    """``park_id, n, total`` for projects or factories inside parks (rows without a park are left out)."""
    if layer not in ("projects", "factories"):
        raise KeyError(f"{layer} 没有所属园区字段")
    table, value, _unit = POINT_LAYERS[layer]
    where, params = scope_clause("county_adcode", county, table=table)
    where = ["park_id IS NOT NULL", *where]
    return con.execute(f"SELECT park_id, count(*) AS n, sum({value}) AS total FROM {table} WHERE "
                       + " AND ".join(f"({w})" for w in where) + " GROUP BY park_id ORDER BY park_id", params).df()
