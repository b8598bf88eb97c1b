"""Cached data access for pages. The connection is a resource; every loader takes the user's scope.

``st.cache_data`` is shared across users, so anything county-scoped takes the scope as an argument
(a tuple of adcodes, or None for the whole city).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

import layers
import store
from analysis.kpis import Period, summarize
from analysis.targets import completion
from layers import dataset, reporting_units, targets

TTL = 300


@dataclass(frozen=True)
class Scope:
    """Counties a user may see (adcodes), or None for everything."""

    counties: tuple[str, ...] | None = None


@st.cache_resource
def _connection():
    con = store.connect()
    layers.create_all(con)
    return con


def cursor():
    # DuckDB connections are not thread-safe; a cursor is a cheap per-call connection to the same file.
    return _connection().cursor()


def store_ready() -> bool:
    """Whether the store already holds data (the first run builds the demo)."""
    with cursor() as con:
        return layers.is_initialised(con)


def build_demo_store() -> None:
    """Fill an empty store with the demo (first run of the app on a fresh machine)."""
    from data import demo

    with cursor() as con:
        demo.build(con)
    st.cache_data.clear()


@st.cache_data(ttl=TTL, max_entries=4)
def dataset_info() -> dict[str, str]:
    with cursor() as con:
        return dataset.get_info(con)


def as_of() -> pd.Timestamp:
    """The dataset's 数据截至 date (the demo: 2018-06-30), else today; midnight."""
    return pd.Timestamp(dataset_info().get("as_of") or pd.Timestamp.today()).normalize()


@st.cache_data(ttl=TTL, max_entries=32)
def load_layer(name: str, counties: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    """One layer (see ``layers.LAYERS``) limited to ``counties``."""
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


@st.cache_data(ttl=TTL, max_entries=32)
def kpi_summary(first: str | None, last: str | None, counties: tuple[str, ...] | None) -> dict:
    """KPIs for signings between two months (``YYYY-MM``) within the scope."""
    projects = load_layer("projects", counties)
    return summarize(pd.DataFrame(projects.drop(columns="geometry")), Period.from_months(first, last), load_units(counties))


@st.cache_data(ttl=TTL, max_entries=32)
def target_completion(year: int, first: str, last: str, counties: tuple[str, ...] | None) -> pd.DataFrame:
    """目标完成率 per unit and indicator for ``year`` (actuals for the chosen months)."""
    units = tuple(load_units(counties)["unit_id"])
    with cursor() as con:
        wanted = targets.load(con, year=year, units=units)
    return completion(kpi_summary(first, last, counties), wanted)
