"""Every ledger kind the pipeline imports, by key: what the command line (``cli.py import KIND``) and the upload forms
on the pages use, so both run exactly the same import."""

from __future__ import annotations

from imports import assets, factories, parks, projects
from imports.pipeline import Kind

FACTORIES = {
    "projects": projects.kind,
    "factories": factories.kind,
    "assets": assets.kind,
    "park_capacity": parks.capacity_kind,
    "park_polygons": parks.polygon_kind,
}


def get(key: str) -> Kind:
    """The :class:`imports.pipeline.Kind` for ``key`` (projects, factories, assets, park_capacity, park_polygons)."""
    return FACTORIES[key]()
