"""Registry of the spatial layers and of every table the product stores.

``LAYERS`` maps the public layer names used by the CLI, the map and exports to their modules; each
module has the same shape: ``SPEC``, ``load(con, *, county=None, …)`` → GeoDataFrame (EPSG:4326) and
``insert`` / ``update`` / ``delete`` with bound parameters.
"""

from __future__ import annotations

import duckdb

from layers import (
    accounts,
    asset_cases,
    attachments,
    dataset,
    idle_assets,
    months,
    park_metrics,
    parks,
    project_history,
    project_issues,
    projects,
    regions,
    reporting_units,
    saved_requirements,
    standard_factories,
    submissions,
    targets,
)
from store import migrations as store_migrations

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
    attachments.SPEC,
    attachments.BLOBS,
    project_issues.SPEC,
    targets.SPEC,
    months.FROZEN,
    months.TARGET_SNAPSHOTS,
    dataset.SPEC,
    submissions.SPEC,
    saved_requirements.SPEC,
    saved_requirements.ACKS,
)
#: Tables about who may use the store, not data: an empty store may have accounts; the demo never touches them.
ADMIN_SPECS = (accounts.SPEC,)
SPEC_BY_TABLE = {spec.table: spec for spec in (*SPECS, *ADMIN_SPECS)}


def create_all(con: duckdb.DuckDBPyConnection) -> dict:
    """Create every table of a new store, or bring an older store up to date (backed up first); see
    :mod:`store.migrations`. Returns what was done (``{"from": version, "to": version, "backup": path}``)."""
    from layers.migrations import STEPS

    return store_migrations.prepare(con, (*SPECS, *ADMIN_SPECS), STEPS)


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per table of the product (audit and bookkeeping tables left out)."""
    return {spec.table: con.execute(f"SELECT count(*) FROM {spec.table}").fetchone()[0] for spec in SPECS}


def is_empty(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store holds no row at all in any of the product's tables (the only store the demo may fill)."""
    return not any(row_counts(con).values())


def has_regions(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any administrative boundary is loaded (maps and county matching need them)."""
    return con.execute("SELECT count(*) FROM regions").fetchone()[0] > 0
