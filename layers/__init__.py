"""Registry of the spatial layers and of every table the product stores.

``LAYERS`` maps the public layer names used by the CLI, the map and exports to their modules; each
module has the same shape: ``SPEC``, ``load(con, *, county=None, …)`` → GeoDataFrame (EPSG:4326) and
``insert`` / ``update`` / ``delete`` with bound parameters.
"""

from __future__ import annotations

import duckdb

from layers import (
    asset_cases,
    dataset,
    idle_assets,
    park_metrics,
    parks,
    project_history,
    projects,
    regions,
    reporting_units,
    standard_factories,
    targets,
)
from store import tables

LAYERS = {
    "regions": regions,
    "parks": parks,
    "factories": standard_factories,
    "assets": idle_assets,
    "projects": projects,
}
LAYER_LABELS = {"regions": "行政区", "parks": "园区", "factories": "标准化厂房", "assets": "闲置国有资产", "projects": "招商项目"}
SPECS = (
    regions.SPEC,
    reporting_units.SPEC,
    parks.SPEC,
    park_metrics.SPEC,
    standard_factories.SPEC,
    idle_assets.SPEC,
    asset_cases.EVENTS,
    asset_cases.TASKS,
    projects.SPEC,
    project_history.EVENTS,
    project_history.SNAPSHOTS,
    targets.SPEC,
    dataset.SPEC,
)


def create_all(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table (idempotent)."""
    tables.create(con, SPECS)


def is_initialised(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store has the schema and at least one region."""
    names = {n for (n,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not {s.table for s in SPECS} <= names:
        return False
    return con.execute("SELECT count(*) FROM regions").fetchone()[0] > 0
