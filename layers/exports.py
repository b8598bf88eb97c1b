"""GeoJSON out of any layer frame: WGS-84, stored attributes as properties, null geometry kept."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def _plain(value):
    """A JSON-safe Python value (dates as ISO text, NaN/NaT as null, numpy scalars unwrapped)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.isoformat(sep=" ") if (value.hour or value.minute or value.second) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def to_geojson(frame: gpd.GeoDataFrame) -> dict:
    """A FeatureCollection (EPSG:4326, lon/lat) with every non-geometry column as a property."""
    frame = frame.to_crs("EPSG:4326") if frame.crs and not frame.crs.equals("EPSG:4326") else frame
    columns = [c for c in frame.columns if c != frame.geometry.name]
    features = []
    for geom, *values in zip(frame.geometry, *(frame[c] for c in columns)):
        has_geom = geom is not None and not shapely.is_empty(geom)
        features.append({
            "type": "Feature",
            "geometry": shapely.geometry.mapping(geom) if has_geom else None,
            "properties": {c: _plain(v) for c, v in zip(columns, values)},
        })
    return {"type": "FeatureCollection", "features": features}
