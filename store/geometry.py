"""All conversion between DuckDB geometry and shapely/GeoPandas happens here (WKB both ways).

Stored geometry is EPSG:4326 (lon, lat). Metric work (areas in ㎡, distances in m) uses
:data:`METRIC_CRS`, a CGCS2000-compatible equal-area projection for China.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

STORAGE_CRS = "EPSG:4326"
#: Albers equal-area for China (standard parallels 25°N/47°N), good for areas anywhere in the country.
METRIC_CRS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"
WKB_COLUMN = "geom_wkb"


def select_sql(column: str = "geom") -> str:
    """SQL expression that reads a geometry column as WKB into :data:`WKB_COLUMN`."""
    return f"ST_AsWKB({column}) AS {WKB_COLUMN}"


def insert_sql(column: str = WKB_COLUMN) -> str:
    """SQL expression that turns a WKB column of an incoming frame into a geometry."""
    return f"ST_GeomFromWKB({column})"


def to_wkb(geoms) -> list[bytes | None]:
    """WKB for each shapely geometry (None and empty stay None)."""
    arr = np.asarray(geoms, dtype=object)
    out: list[bytes | None] = []
    for g in arr:
        out.append(None if g is None or (isinstance(g, float) and np.isnan(g)) or g.is_empty else shapely.to_wkb(g))
    return out


def frame_from_wkb(df: pd.DataFrame, column: str = WKB_COLUMN) -> gpd.GeoDataFrame:
    """Turn a frame whose ``column`` holds WKB into a GeoDataFrame in EPSG:4326."""
    raw = df[column].to_numpy(dtype=object) if column in df else np.full(len(df), None, dtype=object)
    cleaned = np.array([None if w is None or w is pd.NA or (isinstance(w, float) and np.isnan(w)) else bytes(w) for w in raw], dtype=object)
    geoms = shapely.from_wkb(cleaned) if len(cleaned) else np.array([], dtype=object)
    rest = df.drop(columns=[column], errors="ignore").reset_index(drop=True)
    return gpd.GeoDataFrame(rest, geometry=gpd.GeoSeries(geoms, crs=STORAGE_CRS), crs=STORAGE_CRS)


def area_m2(gs: gpd.GeoSeries) -> pd.Series:
    """Area of each geometry in ㎡ (computed in :data:`METRIC_CRS`)."""
    return gs.to_crs(METRIC_CRS).area
