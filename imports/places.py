"""Match county/unit and park names written in ledgers (short or full form) to what the store holds."""

from __future__ import annotations

import duckdb

from geo.boundaries import short_name
from imports.values import norm
from layers import parks, regions, reporting_units


class UnitMatcher:
    """Reporting units and county regions by full name, short name, unit id or adcode."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.units: dict[str, dict] = {}
        self.new_units: dict[str, dict] = {}
        known = reporting_units.load(con)
        for row in known.to_dict("records"):
            self._add(row, row["name"], row.get("short_name"), row["unit_id"])
        counties = regions.load(con, level="county")
        for row in counties.drop(columns="geometry").to_dict("records"):
            if row["adcode"] in known["unit_id"].values:
                continue
            unit = {"unit_id": row["adcode"], "name": row["name"], "short_name": short_name(row["name"]), "kind": "county",
                    "county_adcode": row["adcode"], "city_adcode": row["parent_adcode"], "sort_order": 100}
            self._add(unit, row["name"], unit["short_name"], row["adcode"], new=True)

    def _add(self, unit: dict, *names, new: bool = False) -> None:
        entry = {**unit, "_new": new}
        for name in (n for n in names if n):
            self.units.setdefault(norm(name), entry)
            self.units.setdefault(norm(short_name(name)), entry)

    def match(self, text: str | None) -> dict | None:
        """The unit for ``text`` (咸安 / 咸安区 / 421202 / 高新区), or None."""
        if not text:
            return None
        key = norm(text)
        hit = self.units.get(key) or self.units.get(norm(short_name(text)))
        if hit is None:  # "咸安区招商局" → 咸安区
            hits = [u for name, u in self.units.items() if len(name) >= 2 and key.startswith(name)]
            hit = max(hits, key=lambda u: len(u["name"]), default=None)
        if hit is None:
            return None
        unit = {k: v for k, v in hit.items() if k != "_new"}
        if hit["_new"]:
            self.new_units[unit["unit_id"]] = unit
        return unit


class ParkMatcher:
    """Parks by exact or normalised name (经开区 ↔ 经济开发区, 高新区 ↔ 高新技术产业开发区)."""

    ABBREVIATIONS = (("经济技术开发区", "经开区"), ("经济开发区", "经开区"), ("高新技术产业开发区", "高新区"), ("工业园区", "工业园"))

    def __init__(self, con: duckdb.DuckDBPyConnection):
        frame = parks.load(con)
        self.by_name = {self._key(n): (pid, n) for pid, n in zip(frame["park_id"], frame["name"], strict=True)}

    def _key(self, name: str) -> str:
        key = norm(name)
        for long, short in self.ABBREVIATIONS:
            key = key.replace(long, short)
        return key

    def match(self, text: str | None) -> tuple[str, str] | None:
        """(park_id, stored name) or None."""
        if not text:
            return None
        key = self._key(text)
        if key in self.by_name:
            return self.by_name[key]
        hits = [v for k, v in self.by_name.items() if key in k or k in key]
        return hits[0] if len(hits) == 1 else None
