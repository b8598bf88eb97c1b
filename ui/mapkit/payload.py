"""Compact, versioned layer payloads for the workbench map (no Streamlit here).

What goes over the wire, per layer, is one small JSON document:

* coordinates quantised to 1e-5° (about 1 m) and delta-encoded in Morton (Z-order) order, so nearby
  features follow each other and most deltas are two- or three-digit integers;
* a category index per feature (stage, status …) plus the category colours once per layer;
* names only up to :data:`LABEL_BUDGET` features per layer (the detail card comes from the server);
* never the feature ids: the browser reports *(layer version, index)* and :meth:`EncodedLayer.id_at`
  turns that back into the stored id.

Each layer's ``version`` is a hash of its document, so identical data always has the same version. The
browser keeps documents by version; the server sends a document only when the browser has not
reported holding it (:func:`bundle`). Coordinates are WGS-84 unless ``crs="gcj02"`` (display on an
AMap basemap: shifted here, for display only).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import coords

QUANT = 100_000  # integer units per degree (1e-5° ≈ 1.1 m)
#: Most features of one layer sent in detail; above this the layer is shown as DuckDB grid cells.
BUDGETS = {"projects": 60_000, "factories": 40_000, "assets": 40_000, "parks": 3_000, "regions": 800}
DEFAULT_BUDGET = 20_000
#: Environment setting that lowers every point budget (e.g. for old office PCs): ``PARKMAP_POINT_BUDGET=5000``.
BUDGET_ENV = "PARKMAP_POINT_BUDGET"
#: Names travel with a layer only up to this many features (tooltips); the detail card needs none.
LABEL_BUDGET = 3_000


def budget_for(name: str) -> int:
    """Most features of layer ``name`` sent one by one (:data:`BUDGETS`, capped by ``$PARKMAP_POINT_BUDGET``)."""
    limit = BUDGETS.get(name, DEFAULT_BUDGET)
    override = os.environ.get(BUDGET_ENV, "").strip()
    return min(limit, int(override)) if override.isdigit() and int(override) > 0 else limit


def quantise(values) -> np.ndarray:
    """Degrees → int64 in units of 1e-5°."""
    return np.round(np.asarray(values, dtype="float64") * QUANT).astype("int64")


def deltas(ints: np.ndarray) -> list[int]:
    """First value absolute, then differences (the browser takes the running sum)."""
    ints = np.asarray(ints, dtype="int64")
    if ints.size == 0:
        return []
    return np.diff(ints, prepend=np.int64(0)).tolist()


def undelta(values) -> np.ndarray:
    """Inverse of :func:`deltas` (used by tests and the print export)."""
    return np.cumsum(np.asarray(values, dtype="int64"))


def _spread(v: np.ndarray) -> np.ndarray:
    v = v.astype("uint64") & np.uint64(0xFFFFFFFF)
    for shift, mask in ((16, 0x0000FFFF0000FFFF), (8, 0x00FF00FF00FF00FF), (4, 0x0F0F0F0F0F0F0F0F),
                        (2, 0x3333333333333333), (1, 0x5555555555555555)):
        v = (v | (v << np.uint64(shift))) & np.uint64(mask)
    return v


def morton_order(qx: np.ndarray, qy: np.ndarray, tiebreak) -> np.ndarray:
    """Indices sorting quantised points along a Z-order curve (ties broken by ``tiebreak``, e.g. ids)."""
    if len(qx) == 0:
        return np.zeros(0, dtype="int64")
    code = _spread(qx - qx.min()) | (_spread(qy - qy.min()) << np.uint64(1))
    return np.lexsort((np.asarray(tiebreak, dtype=object).astype(str), code))


def to_display(frame: gpd.GeoDataFrame, crs: str) -> gpd.GeoDataFrame:
    """``frame`` with geometry moved from WGS-84 to the basemap's system (``wgs84`` → unchanged)."""
    if coords.parse_crs(crs) == "wgs84" or frame.empty:
        return frame
    out = frame.copy()
    present = out.geometry.notna() & ~out.geometry.is_empty
    out.loc[present, out.geometry.name] = coords.transform_geoseries(out.geometry[present], "wgs84", crs).values
    return out


@dataclass(frozen=True)
class EncodedLayer:
    """One layer ready for the browser: ``data`` is its JSON document, ``ids`` the stored ids in wire order."""

    name: str
    label: str
    kind: str  # "points" | "polygons" | "cells"
    data: bytes
    ids: tuple[str, ...]
    legend: tuple[tuple[str, str], ...] = ()
    truncated: bool = False  # more features than the budget: cells instead of points
    version: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "version", hashlib.sha1(self.data).hexdigest()[:12])

    @property
    def count(self) -> int:
        return len(self.ids)

    def meta(self) -> dict:
        """What the browser needs besides the document (small, sent on every run)."""
        return {"name": self.name, "label": self.label, "kind": self.kind, "v": self.version,
                "legend": [list(x) for x in self.legend], "n": self.count, "truncated": self.truncated}

    def id_at(self, index) -> str | None:
        """The stored id of the feature at wire position ``index`` (None when out of range)."""
        try:
            i = int(index)
        except (TypeError, ValueError):
            return None
        return self.ids[i] if 0 <= i < len(self.ids) else None

    def indices(self, ids) -> list[int]:
        """Wire positions of the given stored ids (unknown ids are skipped)."""
        where = {v: i for i, v in enumerate(self.ids)}
        return sorted(where[str(x)] for x in ids if str(x) in where)


def _document(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA else str(value)


def encode_points(name: str, label: str, frame: gpd.GeoDataFrame, *, key: str, category: str | None,
                  colors: dict[str, str], other_color: str = "#7f8c8d", radius: int = 4, crs: str = "wgs84",
                  label_column: str | None = "name", budget: int | None = None,
                  values: list[str] | None = None) -> EncodedLayer | None:
    """Points (footprints become their representative point; rows without geometry are skipped), with
    optional per-feature tooltip texts ``values`` aligned with ``frame``'s rows.

    Returns None when the layer has more located features than its budget: the caller then sends
    grid cells (:func:`encode_cells`) instead.
    """
    keep = (frame.geometry.notna() & ~frame.geometry.is_empty).to_numpy()
    located = frame[keep]
    if len(located) > (budget or budget_for(name)):
        return None
    located = to_display(located, crs)
    geoms = located.geometry.values
    pts = np.asarray([g if g.geom_type == "Point" else g.representative_point() for g in geoms], dtype=object)
    x = shapely.get_x(pts) if len(pts) else np.zeros(0)
    y = shapely.get_y(pts) if len(pts) else np.zeros(0)
    qx, qy = quantise(x), quantise(y)
    ids = located[key].astype(str).to_numpy()
    order = morton_order(qx, qy, ids)
    cats = list(colors)
    categories = located[category].astype(object).to_numpy()[order] if category else np.full(len(order), None)
    index = {c: i for i, c in enumerate(cats)}
    codes = [index.get(v, len(cats)) for v in categories]
    doc = {"x": deltas(qx[order]), "y": deltas(qy[order]), "c": codes,
           "colors": [colors[c] for c in cats] + [other_color], "r": radius}
    if label_column and len(order) <= LABEL_BUDGET:
        doc["names"] = [_text(v) for v in located[label_column].to_numpy()[order]]
    if values is not None:
        doc["values"] = [_text(v) for v in np.asarray(values, dtype=object)[keep][order]]
    legend = tuple((c, colors[c]) for c in cats)
    return EncodedLayer(name, label, "points", _document(doc), tuple(ids[order]), legend)


def _ring(coords_xy: np.ndarray) -> list[int]:
    q = quantise(coords_xy)
    # Interleave x/y deltas: [x0, y0, dx1, dy1, …]; drop the closing vertex (the browser closes rings).
    q = q[:-1] if len(q) > 1 and (q[0] == q[-1]).all() else q
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype="int64"))
    return d.ravel().tolist()


def _polygon_parts(geom) -> list[list[list[int]]]:
    polys = [geom] if geom.geom_type == "Polygon" else [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]
    return [[_ring(np.asarray(p.exterior.coords)[:, :2])] + [_ring(np.asarray(r.coords)[:, :2]) for r in p.interiors]
            for p in polys if not p.is_empty]


def encode_polygons(name: str, label: str, frame: gpd.GeoDataFrame, *, key: str, style: dict, crs: str = "wgs84",
                    tolerance_deg: float = 0.0003, label_column: str | None = "name", fills: list[str] | None = None,
                    values: list[str] | None = None, show_labels: bool = False, anchors: bool = False,
                    legend: tuple[tuple[str, str], ...] = ()) -> EncodedLayer:
    """Polygons simplified for display (``tolerance_deg``), with optional per-feature fill colours
    (choropleth), value texts for the tooltip, name labels at a representative point and, with ``anchors``,
    that point for a marker the browser draws while the polygon is too small to see (zoomed out)."""
    keep = frame.geometry.notna() & ~frame.geometry.is_empty
    located = to_display(frame[keep], crs)
    order = np.argsort(located[key].astype(str).to_numpy(), kind="stable")
    located = located.iloc[order]
    simple = located.geometry.simplify(tolerance_deg, preserve_topology=True)
    doc: dict = {"g": [_polygon_parts(g) for g in simple], "style": style}
    if label_column:
        doc["names"] = [_text(v) for v in located[label_column]]
    if show_labels or anchors:
        points = located.geometry.representative_point()
        xy = quantise(points.x).tolist(), quantise(points.y).tolist()
        if show_labels:
            doc["lx"], doc["ly"] = xy
        if anchors:
            doc["ax"], doc["ay"] = xy
    kept = np.flatnonzero(keep.to_numpy())[order]  # per-feature lists are aligned with ``frame``
    if fills is not None:
        doc["fill"] = [fills[i] for i in kept]
    if values is not None:
        doc["values"] = [values[i] for i in kept]
    return EncodedLayer(name, label, "polygons", _document(doc), tuple(located[key].astype(str)), legend)


def encode_cells(name: str, label: str, cells: pd.DataFrame, *, color: str, crs: str = "wgs84",
                 value_label: str = "") -> EncodedLayer:
    """Grid cells from :func:`analysis.aggregation.grid_cells`: one circle per cell sized by its count."""
    cells = cells.sort_values(["gx", "gy"]).reset_index(drop=True)
    x, y = cells["x"].to_numpy(dtype="float64"), cells["y"].to_numpy(dtype="float64")
    if len(cells) and coords.parse_crs(crs) != "wgs84":
        x, y = coords.convert(x, y, "wgs84", crs)
    doc = {"x": deltas(quantise(x)), "y": deltas(quantise(y)), "n": cells["n"].astype(int).tolist(),
           "total": [round(float(v), 1) for v in cells["total"].fillna(0)], "color": color, "value_label": value_label}
    ids = tuple(f"{gx}:{gy}" for gx, gy in zip(cells["gx"], cells["gy"]))
    return EncodedLayer(name, label, "cells", _document(doc), ids, ((label, color),), truncated=True)


def bundle(layers: list[EncodedLayer], have) -> bytes:
    """gzip of ``{version: document}`` for the layers whose version the browser does not hold (b"" if none)."""
    held = set(have or ())
    missing = [layer for layer in layers if layer.version not in held]
    if not missing:
        return b""
    body = b"{" + b",".join(b'"' + layer.version.encode() + b'":' + layer.data for layer in missing) + b"}"
    return gzip.compress(body, compresslevel=6, mtime=0)


def unbundle(blob: bytes) -> dict:
    """Inverse of :func:`bundle` (tests, benchmarks)."""
    return json.loads(gzip.decompress(blob)) if blob else {}
