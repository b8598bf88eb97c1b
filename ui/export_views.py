"""Export what is on screen: one call puts 导出 Excel / GeoJSON / Shapefile buttons under a list.

A page gives the list as it shows it (Chinese headers, the rows in its order) with the rows' geometry
(:func:`layers.exports.shown`); the files are made only when a button is pressed. Excel goes through the one writer
(:mod:`layers.xlsx`), GeoJSON through :func:`layers.exports.to_geojson`, the Shapefile zip through
:func:`layers.exports.to_shapefile`; a 位置待定 record is kept in Excel and GeoJSON and said to be left out of the
Shapefile.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st

from layers import exports, xlsx
from ui import data, widgets
from ui.text import t

GEOJSON_MIME, ZIP_MIME = "application/geo+json", "application/zip"
#: columns pages add to a layer's frame
ADDED_LABELS = {"light": "红黄灯", "unit": "填报单位", "county_name": "县（市、区）", "approx_location": "位置为园区代表点"}


def located(table: pd.DataFrame, geometry) -> gpd.GeoDataFrame:
    """The shown ``table`` with its rows' geometry (see :func:`layers.exports.shown`)."""
    return exports.shown(table, geometry)


def geojson_bytes(frames: dict[str, gpd.GeoDataFrame]) -> bytes:
    """One FeatureCollection of every frame; with several, each feature names its list in 图层."""
    if len(frames) == 1:
        return json.dumps(exports.to_geojson(next(iter(frames.values()))), ensure_ascii=False).encode("utf-8")
    features = []
    for name, frame in frames.items():
        for feature in exports.to_geojson(frame)["features"]:
            feature["properties"] = {"图层": name, **feature["properties"]}
            features.append(feature)
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode("utf-8")


def buttons(frames: dict[str, gpd.GeoDataFrame] | Callable[[], dict[str, gpd.GeoDataFrame]], *, file: str, title: str,
            subtitle: str | None = None, key: str, keys: dict[str, str] | None = None, excel: Callable[[], bytes] | None = None,
            counts: tuple[int, int] | None = None, formats: tuple[str, ...] = ("excel", "geojson", "shapefile")) -> None:
    """Three download buttons for ``frames`` (sheet/layer name → :func:`located` frame, or a function making them when a
    button is pressed), named ``file``.xlsx / .geojson / _shp.zip, and a caption of the rows (``counts``: rows and rows
    without a position, for ``frames`` given as a function). ``keys`` (column → stored key) gives the Shapefile readable
    field names; ``excel`` replaces the default workbook (one list sheet per frame) where a page's has more; ``formats``
    leaves out a button (a page with its own Excel button keeps it)."""
    made: dict[str, dict] = {}

    def get() -> dict[str, gpd.GeoDataFrame]:
        if "frames" not in made:
            made["frames"] = frames() if callable(frames) else frames
        return made["frames"]

    if counts is None and not callable(frames):
        counts = counts_of(frames)
    if counts is not None:
        st.caption(t("out_caption", n=counts[0]) + (t("out_pending", n=counts[1]) if counts[1] else ""))
    makers = {
        "excel": (t("out_excel"), excel or (lambda: exports.to_excel(get(), title=title, subtitle=subtitle)), ".xlsx", xlsx.MIME),
        "geojson": (t("out_geojson"), lambda: geojson_bytes(get()), ".geojson", GEOJSON_MIME),
        "shapefile": (t("out_shapefile"), lambda: exports.to_shapefile(get(), title=title, keys=keys), "_shp.zip", ZIP_MIME),
    }
    for column, kind in zip(st.columns(len(formats)), formats, strict=True):
        label, make, suffix, mime = makers[kind]
        column.download_button(label, make, file_name=f"{file}{suffix}", mime=mime, on_click="ignore", key=f"{key}-{kind}")


def counts_of(frames: dict[str, gpd.GeoDataFrame]) -> tuple[int, int]:
    """(rows, rows without a position) of ``frames``."""
    return sum(len(f) for f in frames.values()), sum(exports.pending(f) for f in frames.values())


def inverse(labels: dict[str, str]) -> dict[str, str]:
    """Chinese label → stored key (for :func:`buttons` ``keys``) from a column → label mapping."""
    return {label: column for column, label in labels.items()}


def layer_labels(layer: str) -> dict[str, str]:
    """Column → Chinese label of a layer's list (图层数据's, and the columns pages add)."""
    return widgets.column_labels(layer) | {k: v for k, v in ADDED_LABELS.items() if k not in widgets.column_labels(layer)}


def layer_list(frame: gpd.GeoDataFrame, layer: str, counties: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    """A layer's rows as 图层数据 shows them (Chinese headers, bookkeeping left out, counties by name), but dates kept as
    dates for the workbook, with the rows' geometry."""
    units = data.load_units(counties)
    names = dict(zip(units.loc[units["kind"] == "county", "county_adcode"], units.loc[units["kind"] == "county", "name"]))
    if {"county_name", "county_adcode"} <= set(frame.columns):  # the county once, by name (layer_table names the code)
        frame = frame.drop(columns="county_name")
    # a page's own columns labelled first: projects_with_lights' "unit" (the reporting unit's name) is not the ledger's 县
    table = widgets.layer_table(frame.rename(columns={k: v for k, v in ADDED_LABELS.items() if k in frame.columns}), layer, names)
    labels = layer_labels(layer)
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]) and labels.get(column, column) in table.columns:
            table[labels.get(column, column)] = frame[column].to_numpy()
    return located(table, frame.geometry)


def subtitle(filters: dict[str, object], *, as_of=None) -> str:
    """数据截至 and the filters that made the list, in words: 「数据截至 2018-06-30；单位：咸安区、嘉鱼县；阶段：全部」."""
    parts = [f"数据截至 {pd.Timestamp(as_of):%Y-%m-%d}"] if as_of is not None else []
    for label, value in filters.items():
        if isinstance(value, (list, tuple, set)):
            value = "、".join(str(v) for v in value) or t("all")
        parts.append(f"{label}：{value if value not in (None, '') else t('all')}")
    return "；".join(parts)
