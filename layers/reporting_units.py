"""填报单位 reporting units: the counties, plus parks that report like a county (e.g. 咸宁高新区).

Projects, targets and rankings are per reporting unit; a county unit's id is its adcode.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from layers._scope import scope_clause
from store import tables

SPEC = tables.TableSpec(
    table="reporting_units",
    key="unit_id",
    columns=(
        ("unit_id", "VARCHAR"),
        ("name", "VARCHAR NOT NULL"),
        ("short_name", "VARCHAR"),
        ("kind", "VARCHAR NOT NULL"),  # county | park
        ("county_adcode", "VARCHAR NOT NULL"),  # the county it lies in (itself for a county)
        ("city_adcode", "VARCHAR"),
        ("sort_order", "INTEGER"),
    ),
    has_geometry=False,
)
insert, update, delete = tables.writers(SPEC)


def load(con: duckdb.DuckDBPyConnection, *, county: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Reporting units in display order (a plain DataFrame: units have no geometry of their own)."""
    where, params = scope_clause("county_adcode", county, table=SPEC.table)
    frame = tables.load(con, SPEC, where, params, order_by="sort_order, unit_id")
    return pd.DataFrame(frame.drop(columns="geometry"))


def names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every reporting unit's name by id, whatever the scope (a unit's name is not a record: a park user's ranking names
    the county that reported a project in the park instead of showing its code); a county's adcode without a unit
    yet is named from the regions."""
    found = dict(con.execute("SELECT adcode, name FROM regions WHERE level = 'county'").fetchall())
    found.update(con.execute("SELECT unit_id, name FROM reporting_units").fetchall())
    return found


def with_reporters(units: pd.DataFrame, projects: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """``units`` plus, marked ``outside``, the units that reported some of ``projects`` without being among them (a
    park user's view of the projects in the park a county reported), named 「咸安区填报（园区内）」 — for labels only:
    never look up targets for the ``outside`` rows."""
    units = units.assign(outside=False)
    seen = set(units["unit_id"])
    extra = [u for u in dict.fromkeys(projects.get("unit_id", pd.Series(dtype=object)).dropna()) if u not in seen and u in names]
    if not extra:
        return units
    rows = pd.DataFrame({"unit_id": extra, "name": [f"{names[u]}填报（园区内）" for u in extra], "outside": True})
    return pd.concat([units, rows], ignore_index=True)
