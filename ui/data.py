"""Cached data access for pages. The connection is a resource; every loader takes the user's scope.

``st.cache_data`` is shared across users, so anything scoped takes the scope value as an argument: a plain tuple of
strings (adcodes, plus ``park:<id>`` tokens for a park user), or None for the whole city — see :mod:`layers._scope`.
It hashes by value, so users who see different records never share a cache entry; the layers apply it in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.logger import get_logger

import layers
import store
from analysis.kpis import Period, summarize
from analysis.targets import completion
from layers import _scope, dataset, reporting_units, targets

TTL = 300


@dataclass(frozen=True)
class Scope:
    """What a user may see. ``counties`` is the scope value passed to every loader (:mod:`layers._scope`): None for
    everything, a county user's adcodes, or a park user's counties plus ``park:<id>`` tokens."""

    counties: tuple[str, ...] | None = None

    @property
    def parks(self) -> tuple[str, ...] | None:
        """A park user's park ids (None: not limited to parks)."""
        return _scope.parks_of(self.counties)

    def narrow(self, county: str | None) -> tuple[str, ...] | None:
        """The scope value limited to one picked county (never wider: a park user keeps their parks)."""
        return _scope.narrow(self.counties, county)


@st.cache_resource
def _connection():
    con = store.connect()
    done = layers.create_all(con)
    if done["from"] is not None and done["from"] != done["to"]:
        get_logger(__name__).warning("数据库结构已从版本 %s 升级到 %s，升级前的备份：%s", done["from"], done["to"], done["backup"])
    return con


def cursor():
    """A cursor on the shared connection (DuckDB connections are not thread-safe; a cursor is a cheap per-call
    connection to the same file). A connection DuckDB has invalidated (a write failed on a full disk) is replaced, so
    one failed upload does not leave every other visitor with errors until a restart."""
    con = _connection()
    if not store.usable(con):
        _connection.clear()
        con = _connection()
    return con.cursor()


def written() -> None:
    """After any write: every cached view of the data is stale (figures, maps' encoded layers, month reports)."""
    st.cache_data.clear()


@st.cache_data(ttl=TTL, max_entries=2)
def store_state() -> str:
    """"empty" (no row in any table: the first run offers the demo or a local dataset), "no_regions" (data but no
    boundaries) or "ready"."""
    with cursor() as con:
        if layers.is_empty(con):
            return "empty"
        return "ready" if layers.has_regions(con) else "no_regions"


def build_demo(user: str) -> dict:
    """Fill an entirely empty store with the 咸宁 demo (refused, with a Chinese message, if it holds any row)."""
    from data import demo

    with cursor() as con:
        counts = demo.build(con, user=user)
    written()
    return counts


def start_local(region: str, label: str, *, user: str) -> int:
    """Start a local dataset: load ``region`` (a province, city or county, with its subdivisions) from the offline
    boundaries and record the dataset's name. Returns the number of regions loaded."""
    from store import audit

    with cursor() as con, audit.batch(con, user=user, kind="setup", label=f"建立本地数据：{label}"):
        frame = layers.regions.import_region(con, region, user=user)
        top = frame.sort_values("level", key=lambda s: s.map({"province": 0, "city": 1, "county": 2})).iloc[0]
        dataset.set_info(con, user=user, label=label, region=str(top["adcode"]), demo="false")
    written()
    return len(frame)


@st.cache_data(ttl=TTL, max_entries=4)
def dataset_info() -> dict[str, str]:
    with cursor() as con:
        return dataset.get_info(con)


def load_region(region: str, *, user: str) -> int:
    """Add a region and its subdivisions (offline boundaries) to the store, e.g. a county loaded after the parks.
    Returns the number of regions written; the dataset's home region is set when it had none."""
    from store import audit

    with cursor() as con, audit.batch(con, user=user, kind="region", label=f"加载行政区 {region}"):
        frame = layers.regions.import_region(con, region, user=user)
        if not dataset.get_info(con).get("region"):
            top = frame.sort_values("level", key=lambda s: s.map({"province": 0, "city": 1, "county": 2})).iloc[0]
            dataset.set_info(con, user=user, region=str(top["adcode"]))
    written()
    return len(frame)


@st.cache_data(ttl=TTL, max_entries=2)
def _latest_data_date() -> str | None:
    with cursor() as con:
        row = con.execute("SELECT max(greatest(signed_on, registered_on, started_on, produced_on)) FROM projects").fetchone()
    return str(row[0]) if row and row[0] else None


def as_of() -> pd.Timestamp:
    """The data's date (数据截至: the newest ledger date imported; the demo's 2018-06-30); without one, the latest
    milestone date in the projects; only for a store with neither, today. Midnight."""
    return pd.Timestamp(dataset_info().get("as_of") or _latest_data_date() or pd.Timestamp.today()).normalize()


@st.cache_data(ttl=TTL, max_entries=32)
def load_layer(name: str, counties: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    """One layer (see ``layers.LAYERS``) limited to the scope ``counties`` (adcodes, or a park user's parks)."""
    with cursor() as con:
        return layers.LAYERS[name].load(con, county=counties)


@st.cache_data(ttl=TTL, max_entries=8)
def load_home_regions(counties: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    """The dataset's own region and its children (all regions if the dataset names none), within scope."""
    home = dataset_info().get("region")
    with cursor() as con:
        return layers.regions.load(con, county=counties, family=home)


@st.cache_data(ttl=TTL, max_entries=8)
def load_units(counties: tuple[str, ...] | None) -> pd.DataFrame:
    with cursor() as con:
        return reporting_units.load(con, county=counties)


@st.cache_data(ttl=TTL, max_entries=16)
def month_projects(month: str, counties: tuple[str, ...] | None) -> pd.DataFrame:
    """The projects in scope as they stood at the end of ``month``, live (what an unfrozen 月通报 counts)."""
    with cursor() as con:
        frame = layers.months.live_frame(con, month)
        frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        return frame[_scope.frame_mask(con, frame, counties, table="projects")]


@st.cache_data(ttl=TTL, max_entries=32)
def kpi_summary(first: str | None, last: str | None, counties: tuple[str, ...] | None) -> dict:
    """KPIs for signings between two months (``YYYY-MM``) within the scope, counted as the projects stood at the end of
    ``last`` — the same function over the same data as that month's 月通报 (``cli.py summary --to`` too)."""
    return summarize(month_projects(last, counties), Period.from_months(first, last), load_units(counties), unit_names())


@st.cache_data(ttl=TTL, max_entries=2)
def unit_names() -> dict[str, str]:
    """Every reporting unit's name (not scoped: names only, see :func:`layers.reporting_units.names`)."""
    with cursor() as con:
        return reporting_units.names(con)


@st.cache_data(ttl=TTL, max_entries=32)
def target_completion(year: int, first: str, last: str, counties: tuple[str, ...] | None) -> pd.DataFrame:
    """目标完成率 per unit and indicator for ``year`` (actuals for the chosen months)."""
    units = tuple(load_units(counties)["unit_id"])
    with cursor() as con:
        wanted = targets.load(con, year=year, units=units)
    return completion(kpi_summary(first, last, counties), wanted)
