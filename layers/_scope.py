"""The access scope every layer accepts: which records a user may see and write (issue 13).

**The scope value** is what pages pass as ``county=`` to every ``load`` (and as the key of every cached loader, so it
must differ between users who see different records — ``st.cache_data`` is shared by all users):

- ``None``: everything (市级, 系统管理员, 领导 without a county);
- a tuple of county adcodes, e.g. ``("421202",)``: a county user (县级填报, 国资 …) — the records of those counties;
- a tuple holding **park tokens** ``"park:<park_id>"``, e.g. ``("421202", "park:P-GX")``: a park user (园区填报) — only
  the records of those parks; the adcodes beside them name the counties whose boundaries are shown (context, not
  records; without any, the parks' own counties);
- an empty tuple: nothing at all (an account without a scope).

A plain tuple of strings hashes by value, so a 咸安区 user's ``("421202",)`` and a 高新区 user's
``("421202", "park:P-GX")`` never share a cache entry. Build it with :func:`make`, read it with :func:`split`.

**The park rule**, per table (:data:`PARK_RULES`): a park user sees

- ``projects``: those with ``park_id`` in the parks, or whose reporting unit (``unit_id``) is a park's own reporting
  unit — ``parks.unit_id`` when that unit is of kind ``park`` (咸宁高新区 reports like a county); a park that reports
  through its county (``unit_id`` = the county's unit) does not open the county's projects;
- ``standard_factories``, ``park_metrics``: those of the parks; ``parks``: the parks themselves;
- ``saved_requirements`` (投资需求库): those saved for the parks (their ``requirement_acks`` with them);
- ``reporting_units``: the parks' own reporting units (kind ``park``), so targets and rankings are theirs;
- ``project_snapshots`` (frozen months, which keep no ``park_id``): rows whose ``park_name`` is a park's name as
  frozen, or whose unit is a park's own unit;
- ``regions``: the boundaries of their counties (:func:`region_clause`);
- every other table — ``idle_assets`` (state assets belong to 国资 / the counties) and any table without a rule —:
  nothing. A new table is closed to park users until it is given a rule here.

Writes follow the same rule: ``imports.pipeline._in_scope`` rejects by row any record outside it, and
``layers.asset_cases`` refuses park users. Pandas-side filters use :func:`frame_mask`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

PARK = "park:"
#: table → (park id column, reporting-unit column, park-name column) the park rule reads; None = not used
PARK_RULES: dict[str, tuple[str | None, str | None, str | None]] = {
    "projects": ("park_id", "unit_id", None),
    "standard_factories": ("park_id", None, None),
    "parks": ("park_id", None, None),
    "park_metrics": ("park_id", None, None),
    "reporting_units": (None, "unit_id", None),
    "project_snapshots": (None, "unit_id", "park_name"),
    "saved_requirements": ("park_id", None, None),
}
#: the parks' own reporting units (of kind ``park``): one ``?`` list of park ids to fill in
_PARK_UNITS = ("SELECT p.unit_id FROM parks p JOIN reporting_units u ON u.unit_id = p.unit_id "
               "WHERE u.kind = 'park' AND p.park_id IN ({marks})")
_PARK_NAMES = "SELECT name FROM parks WHERE park_id IN ({marks})"
_PARK_COUNTIES = "SELECT county_adcode FROM parks WHERE park_id IN ({marks})"


def make(counties: Iterable[str] | None, parks: Iterable[str] | None = None) -> tuple[str, ...] | None:
    """The scope value for ``counties`` (None: every county) and, for a park user, ``parks`` (None: not a park user;
    empty: a park user without parks, who sees nothing). Sorted, so one user's value is always the same."""
    if parks is not None:
        parks = list(parks)
        if not parks:  # a park user without parks: nothing at all (never their whole county)
            return ()
        return tuple(sorted({str(c) for c in counties or ()})) + tuple(PARK + p for p in sorted({str(p) for p in parks}))
    if counties is None:
        return None
    return tuple(sorted({str(c) for c in counties}))


def split(scope: str | Sequence[str] | None) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """``(counties, parks)`` of a scope value: counties None = every county; parks None = not limited to parks."""
    if scope is None:
        return None, None
    items = [scope] if isinstance(scope, str) else [str(s) for s in scope]
    parks = tuple(s[len(PARK):] for s in items if s.startswith(PARK))
    counties = tuple(s for s in items if not s.startswith(PARK))
    return counties, (parks or None)


def parks_of(scope) -> tuple[str, ...] | None:
    """The park ids a park user's scope is limited to (None: not a park scope)."""
    return split(scope)[1]


def is_park_scope(scope) -> bool:
    return parks_of(scope) is not None


def narrow(scope, county: str | None) -> tuple[str, ...] | None:
    """The scope limited further to one county (a page's county picker): never wider than ``scope`` — a park user
    keeps their parks, a county outside the scope gives nothing."""
    if county is None:
        return scope
    counties, parks = split(scope)
    county = str(county)
    if parks is not None:
        return make((county,), parks) if not counties or county in counties else ()
    if counties is not None and county not in counties:  # a county outside the scope: nothing
        return ()
    return (county,)


def _marks(values: Sequence) -> str:
    return ", ".join("?" for _ in values)


def scope_clause(column: str, county: str | Sequence[str] | None, *, table: str | None = None, park_column: str | None = None,
                 unit_column: str | None = None, park_name_column: str | None = None) -> tuple[list[str], list]:
    """WHERE fragments and params limiting a table to the scope (None = all): ``column`` (the county adcode) IN the
    scope's counties; for a park scope instead the park rule — of ``table`` (:data:`PARK_RULES`) or the columns given
    — and ``FALSE`` for a table without one."""
    if county is None:
        return [], []
    counties, parks = split(county)
    if parks is None:
        if not counties:
            return ["FALSE"], []
        return [f"{column} IN ({_marks(counties)})"], list(counties)
    if table is not None:
        park_column, unit_column, park_name_column = PARK_RULES.get(table, (None, None, None))
    terms, params = [], []
    if park_column:
        terms.append(f"{park_column} IN ({_marks(parks)})")
        params += parks
    if unit_column:
        terms.append(f"{unit_column} IN ({_PARK_UNITS.format(marks=_marks(parks))})")
        params += parks
    if park_name_column:
        terms.append(f"{park_name_column} IN ({_PARK_NAMES.format(marks=_marks(parks))})")
        params += parks
    if not terms:
        return ["FALSE"], []
    return [" OR ".join(f"({t})" for t in terms)], params


def region_clause(column: str, county: str | Sequence[str] | None) -> tuple[list[str], list]:
    """Boundaries in scope: the scope's counties; for a park scope without counties, the parks' counties."""
    counties, parks = split(county)
    if parks is None or counties:
        return scope_clause(column, counties)
    return [f"{column} IN ({_PARK_COUNTIES.format(marks=_marks(parks))})"], list(parks)


def in_clause(column: str, values: Sequence | None) -> tuple[list[str], list]:
    """``column IN (values)`` for any attribute filter (None = no filter, empty = nothing); values are taken as they
    are (no park tokens)."""
    if values is None:
        return [], []
    values = [values] if isinstance(values, str) else list(values)
    if not values:
        return ["FALSE"], []
    return [f"{column} IN ({_marks(values)})"], [str(v) for v in values]


#: tables whose records the rule applies to directly: table → (key, county column)
RECORD_TABLES = {
    "projects": ("project_id", "county_adcode"),
    "standard_factories": ("factory_id", "county_adcode"),
    "idle_assets": ("asset_id", "county_adcode"),
    "parks": ("park_id", "county_adcode"),
    "reporting_units": ("unit_id", "county_adcode"),
    "saved_requirements": ("requirement_id", "county_adcode"),
}
#: tables whose rows belong to another table's records (in scope with them): table → (key, owner column, owner table)
CHILD_TABLES = {
    "project_stage_history": ("event_id", "project_id", "projects"),
    "asset_stage_history": ("event_id", "asset_id", "idle_assets"),
    "asset_tasks": ("task_id", "asset_id", "idle_assets"),
    "park_metrics": ("metric_id", "park_id", "parks"),
    "targets": ("target_id", "unit_id", "reporting_units"),
    "project_issues": ("issue_id", "project_id", "projects"),
    "requirement_acks": ("ack_id", "requirement_id", "saved_requirements"),
}


def records_sql(table: str, county) -> tuple[str, list]:
    """``SELECT <key> FROM <table> WHERE …``: the keys of ``table``'s records within the scope (for a table whose rows
    point at records of any table — attachments, the audit trail — and for write checks). A table without a rule here
    gives no key at all for a limited scope."""
    if table in RECORD_TABLES:
        key, column = RECORD_TABLES[table]
        where, params = scope_clause(column, county, table=table)
        return f"SELECT {key} FROM {table}" + (" WHERE " + " AND ".join(f"({w})" for w in where) if where else ""), params
    if table in CHILD_TABLES:
        key, owner, owner_table = CHILD_TABLES[table]
        sql, params = records_sql(owner_table, county)
        return f"SELECT {key} FROM {table} WHERE {owner} IN ({sql})", params
    if county is None:
        raise KeyError(f"没有范围规则的表：{table}")
    return "SELECT NULL WHERE FALSE", []


def record_in_scope(con, table: str, record_id: str, county) -> bool:
    """Whether the stored record ``record_id`` of ``table`` exists within the scope (a write path's check: outside, the
    record is treated as absent)."""
    if county is None:
        key = (RECORD_TABLES.get(table) or CHILD_TABLES[table])[0]
        return con.execute(f"SELECT count(*) FROM {table} WHERE {key} = ?", [str(record_id)]).fetchone()[0] > 0
    sql, params = records_sql(table, county)
    return con.execute(f"SELECT count(*) FROM ({sql}) AS s(k) WHERE CAST(k AS VARCHAR) = ?", [*params, str(record_id)]).fetchone()[0] > 0


def park_units(con, parks: Sequence[str]) -> list[str]:
    """The parks' own reporting units (kind ``park``)."""
    if not parks:
        return []
    return [u for (u,) in con.execute(_PARK_UNITS.format(marks=_marks(parks)), list(parks)).fetchall()]


def park_names(con, parks: Sequence[str]) -> list[str]:
    if not parks:
        return []
    return [n for (n,) in con.execute(_PARK_NAMES.format(marks=_marks(parks)), list(parks)).fetchall()]


def frame_mask(con, frame: pd.DataFrame, county, *, column: str = "county_adcode", table: str | None = None,
               park_column: str | None = None, unit_column: str | None = None,
               park_name_column: str | None = None) -> np.ndarray:
    """The rows of ``frame`` in scope (a boolean array): the pandas twin of :func:`scope_clause` for frames built in
    memory (a month reconstructed live, a frozen month's units). ``con`` is read only for a park scope."""
    n = len(frame)
    if county is None:
        return np.ones(n, dtype=bool)
    counties, parks = split(county)
    if parks is None:
        return frame[column].astype(object).isin(list(counties)).to_numpy(dtype=bool) if n else np.zeros(0, dtype=bool)
    if table is not None:
        park_column, unit_column, park_name_column = PARK_RULES.get(table, (None, None, None))
    mask = np.zeros(n, dtype=bool)
    for name, values in ((park_column, lambda: list(parks)), (unit_column, lambda: park_units(con, parks)),
                         (park_name_column, lambda: park_names(con, parks))):
        if name and name in frame.columns and n:
            mask |= frame[name].astype(object).isin(values()).to_numpy(dtype=bool)
    return mask
