"""The county scope filter every layer accepts (the county is the unit of access control)."""

from __future__ import annotations

from collections.abc import Sequence


def scope_clause(column: str, county: str | Sequence[str] | None) -> tuple[list[str], list]:
    """WHERE fragments and params limiting ``column`` to one adcode or a list of adcodes (None = all)."""
    if county is None:
        return [], []
    codes = [county] if isinstance(county, str) else list(county)
    if not codes:
        return ["FALSE"], []
    return [f"{column} IN ({', '.join('?' for _ in codes)})"], [str(c) for c in codes]


def in_clause(column: str, values: Sequence | None) -> tuple[list[str], list]:
    """Same as :func:`scope_clause` for any attribute filter."""
    return scope_clause(column, values)
