"""Lists out of the product, as files: GeoJSON of any layer frame (WGS-84, stored attributes as properties, null geometry
kept), and what a page shows — a table with its Chinese headers and the rows' geometry (:func:`shown`) — as Excel
(:func:`excel_sheet`, through the one writer :mod:`layers.xlsx`, with 经度/纬度 columns), GeoJSON and a zipped
Shapefile (:func:`to_shapefile`).

A record without a position (a 位置待定 project) stays in the Excel list and the GeoJSON (null geometry); a Shapefile
cannot hold it, so it is left out and the zip's 说明.txt says how many were.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from layers import xlsx


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


# --- what a page shows ----------------------------------------------------------------------------------------------

LON, LAT = "经度（WGS-84）", "纬度（WGS-84）"


def shown(table: pd.DataFrame, geometry, crs="EPSG:4326") -> gpd.GeoDataFrame:
    """The rows of ``table`` (as a page shows them, Chinese headers) with the geometry of the same rows, in WGS-84
    (``geometry``: a GeoSeries in its own CRS, or shapes in ``crs``)."""
    if isinstance(geometry, gpd.GeoSeries) and geometry.crs is not None:
        geometry = geometry.to_crs("EPSG:4326")
    elif crs is not None and not _same_crs(crs, "EPSG:4326"):
        geometry = gpd.GeoSeries(list(geometry), crs=crs).to_crs("EPSG:4326")
    geoms = list(geometry)
    if len(geoms) != len(table):
        raise ValueError("表格行数与要素数不一致")
    table = pd.DataFrame(table).reset_index(drop=True)
    table.columns = _distinct([str(c) for c in table.columns])
    return gpd.GeoDataFrame(table, geometry=geoms, crs="EPSG:4326")


def _distinct(labels: list[str]) -> list[str]:
    """Column labels made distinct (a second 县（市、区） becomes 县（市、区）（2）): files need one name per column."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label}（{seen[label]}）")
    return out


def _same_crs(a, b) -> bool:
    return gpd.GeoSeries([], crs=a).crs.equals(b)


def _has_position(geometry: gpd.GeoSeries) -> np.ndarray:
    return (geometry.notna() & ~geometry.is_empty).to_numpy()


def pending(frame: gpd.GeoDataFrame) -> int:
    """How many rows have no position (no geometry, or an empty one)."""
    return int((~_has_position(frame.geometry)).sum())


def with_coordinates(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """The rows without geometry but with WGS-84 经度/纬度 (a footprint's representative point; blank when pending)."""
    wgs = frame.to_crs("EPSG:4326") if frame.crs and not frame.crs.equals("EPSG:4326") else frame
    out = pd.DataFrame(wgs.drop(columns=wgs.geometry.name))
    located = _has_position(wgs.geometry)
    points = wgs.geometry[located].representative_point()
    lon, lat = np.full(len(wgs), np.nan), np.full(len(wgs), np.nan)
    lon[located], lat[located] = points.x.round(6).to_numpy(), points.y.round(6).to_numpy()
    out[LON], out[LAT] = lon, lat
    return out


def excel_sheet(frame: gpd.GeoDataFrame, *, name: str, title: str, subtitle: str | None = None, kinds: dict | None = None,
                light: str | None = None) -> xlsx.Sheet:
    """A list sheet of ``frame`` (see :func:`shown`) with 经度/纬度 columns; a note counts the rows without a position."""
    n = pending(frame)
    note = f"其中 {n} 条位置待定（无坐标），经度、纬度为空；Shapefile 中不含这些记录。" if n else None
    return xlsx.Sheet(name, with_coordinates(frame), title, subtitle, note=note, kinds=kinds or {}, light=light)


def to_excel(frames: dict[str, gpd.GeoDataFrame], *, title: str, subtitle: str | None = None) -> bytes:
    """An .xlsx with one list sheet per frame (sheet name → frame), written by :mod:`layers.xlsx`."""
    return xlsx.to_bytes([excel_sheet(f, name=name, title=title if len(frames) == 1 else f"{title} · {name}", subtitle=subtitle)
                          for name, f in frames.items()], title=title)


# --- Shapefile --------------------------------------------------------------------------------------------------------

#: the most a dBASE text field holds (bytes)
DBF_TEXT_BYTES = 254
_FAMILIES = {"Point": "点", "MultiPoint": "点", "LineString": "线", "MultiLineString": "线", "Polygon": "面", "MultiPolygon": "面"}
_ASCII_NAME = re.compile(r"[^A-Za-z0-9_]")


def field_names(columns: list[str], keys: dict[str, str] | None = None) -> dict[str, str]:
    """Column → a dBASE field name (ASCII, ≤ 10 characters, distinct ignoring case): from the column's stored key where
    ``keys`` (column → key) gives one or the column is ASCII itself, else ``F01``, ``F02``… in column order."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for i, column in enumerate(columns, start=1):
        source = (keys or {}).get(column, column)
        base = _ASCII_NAME.sub("", str(source).replace("-", "_"))[:10] if str(source).isascii() else ""
        base = base if base and not base[0].isdigit() else f"F{i:02d}"
        name, n = base, 1
        while name.upper() in taken:
            n += 1
            name = f"{base[:10 - len(str(n)) - 1]}_{n}"
        taken.add(name.upper())
        out[column] = name
    return out


def _dbf_text(value) -> str | None:
    """A value as dBASE text (UTF-8, at most :data:`DBF_TEXT_BYTES` bytes, never cut inside a character)."""
    value = xlsx.cell_value(value)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.strftime("%Y-%m-%d %H:%M") if value.time() != dt.time(0, 0) else value.strftime("%Y-%m-%d")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    return str(value).encode("utf-8")[:DBF_TEXT_BYTES].decode("utf-8", errors="ignore")


def _dbf_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as float (missing: null), everything else as text (dates yyyy-mm-dd, lists joined, 是/否)."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
            out[column] = pd.to_numeric(values, errors="coerce").astype("float64").replace([np.inf, -np.inf], np.nan)
        else:
            out[column] = pd.Series([_dbf_text(v) for v in values], index=frame.index, dtype=object)
    return pd.DataFrame(out, index=frame.index)


def _parts(name: str, frame: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    """One shapefile per geometry family (a shapefile holds one): ``name``, or ``name_点`` / ``name_面`` when mixed."""
    located = frame[_has_position(frame.geometry)]
    families = located.geometry.geom_type.map(lambda t: _FAMILIES.get(t, "其他"))
    kinds = [k for k in ("点", "线", "面", "其他") if (families == k).any()]
    if len(kinds) <= 1:
        return [(name, located)] if len(located) else []
    return [(f"{name}_{k}", located[(families == k).to_numpy()]) for k in kinds if k != "其他"]


def to_shapefile(frames: dict[str, gpd.GeoDataFrame], *, title: str, keys: dict[str, str] | None = None) -> bytes:
    """A zip of Shapefiles (``.shp .shx .dbf .prj .cpg``, UTF-8, WGS-84), one per frame (name → frame; split by geometry
    type when a frame mixes points and polygons), with 字段说明.csv (field name → full Chinese name) and 说明.txt (what
    was left out: rows without a position). ``keys`` maps a column to its stored key, for readable field names."""
    buffer = io.BytesIO()
    notes = [title, "", "坐标系：WGS-84（EPSG:4326）；编码：UTF-8（见 .cpg）。", "字段名不超过 10 个字符，完整中文名见 字段说明.csv。", ""]
    fields_rows = []
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in frames.items():
            safe = re.sub(r'[\\/:*?"<>|\s]', "_", name) or "layer"
            frame = frame.to_crs("EPSG:4326") if frame.crs and not frame.crs.equals("EPSG:4326") else frame
            columns = [c for c in frame.columns if c != frame.geometry.name]
            names = field_names(columns, keys)
            fields_rows += [(safe, names[c], str(c)) for c in columns]
            left_out = pending(frame)
            notes.append(f"{name}：{len(frame)} 条记录" + (f"，其中 {left_out} 条位置待定（无坐标），未写入 Shapefile，Excel 中保留。"
                                                    if left_out else "，全部写入。"))
            for part, rows in _parts(safe, frame):
                table = _dbf_columns(pd.DataFrame(rows[columns])).rename(columns=names)
                out = gpd.GeoDataFrame(table, geometry=list(rows.geometry), crs="EPSG:4326")
                path = Path(tmp) / f"{part}.shp"
                pyogrio.write_dataframe(out, path, driver="ESRI Shapefile", encoding="UTF-8")
                for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                    archive.writestr(_entry(f"{part}{suffix}"), (Path(tmp) / f"{part}{suffix}").read_bytes())
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(["图层", "字段名", "中文名称"])
        writer.writerows(fields_rows)
        archive.writestr(_entry("字段说明.csv"), "\ufeff" + text.getvalue())  # the BOM: Excel opens it as UTF-8
        archive.writestr(_entry("说明.txt"), "\r\n".join(notes) + "\r\n")
    return buffer.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # fixed: the same list gives the same zip
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
