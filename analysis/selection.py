"""Features inside a drawn polygon or circle, their totals, search by name, and exports (Excel, GeoJSON).

Shapes and frames are EPSG:4326 (lon, lat). A circle is given by its centre and radius in metres and
turned into a polygon in an azimuthal equidistant projection centred on it, so the radius is exact.
Point layers count a feature when its point (or its footprint's representative point) lies inside;
parks and regions when they intersect the shape. Money in 万元, areas in ㎡ or 亩 as the column says.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Polygon

from layers import LAYER_LABELS, LAYERS, exports, xlsx
from layers.exports import to_geojson as layer_geojson
from store.geometry import METRIC_CRS

#: layer → (column, label) summed for a selection
SUMS = {
    "projects": (("investment_wan", "总投资（万元）"), ("funds_in_place_wan", "到位资金（万元）"), ("land_mu", "用地需求（亩）"),
                 ("power_kva", "用电需求（kVA）")),
    "factories": (("floor_area_m2", "建筑面积（㎡）"),),
    "assets": (("floor_area_m2", "建筑面积（㎡）"), ("land_mu", "占地面积（亩）"), ("book_value_wan", "账面价值（万元）")),
    "parks": (("planned_area_mu", "规划面积（亩）"), ("available_land_mu", "可供地（亩）")),
    "regions": (),
}
POINT_LAYERS = ("projects", "factories", "assets")


def shape_geometry(shape: dict) -> Polygon:
    """A drawn shape as a WGS-84 polygon: ``{"type": "polygon", "coords": [(lon, lat), …]}`` or
    ``{"type": "circle", "center": (lon, lat), "radius_m": r}``."""
    if shape.get("type") == "circle":
        lon, lat = (float(v) for v in shape["center"])
        radius = float(shape["radius_m"])
        if not radius > 0:
            raise ValueError("圆的半径必须大于 0")
        local = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
        disc = gpd.GeoSeries([shapely.Point(0, 0).buffer(radius, quad_segs=32)], crs=local)
        return disc.to_crs("EPSG:4326").iloc[0]
    ring = [(float(x), float(y)) for x, y in shape.get("coords") or []]
    if len(ring) < 3:
        raise ValueError("多边形至少需要 3 个顶点")
    poly = shapely.make_valid(Polygon(ring))
    if poly.geom_type != "Polygon":  # a self-crossing ring: keep all its pieces
        poly = shapely.union_all([g for g in getattr(poly, "geoms", [poly]) if g.geom_type in ("Polygon", "MultiPolygon")])
    return poly


def area_m2(geom) -> float:
    """Area of a WGS-84 shape in ㎡."""
    return float(gpd.GeoSeries([geom], crs="EPSG:4326").to_crs(METRIC_CRS).area.iloc[0])


def features_within(frames: dict[str, gpd.GeoDataFrame], geom) -> dict[str, gpd.GeoDataFrame]:
    """Rows of each frame inside ``geom`` (see the module docstring for the rule per layer)."""
    out = {}
    for name, frame in frames.items():
        present = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        if present.empty:
            out[name] = present
            continue
        if name in POINT_LAYERS:
            points = present.geometry.where(present.geometry.geom_type == "Point", present.geometry.representative_point())
            mask = points.within(geom)
        else:
            mask = present.geometry.intersects(geom)
        out[name] = present[mask.to_numpy()]
    return out


def totals(selected: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """One row per layer and measure: 图层, 指标, 合计 (the feature count first)."""
    rows = []
    for name, frame in selected.items():
        label = LAYER_LABELS.get(name, name)
        rows.append({"图层": label, "指标": "数量（个）", "合计": float(len(frame))})
        for column, what in SUMS.get(name, ()):
            if column in frame:
                rows.append({"图层": label, "指标": what, "合计": round(float(pd.to_numeric(frame[column], errors="coerce").sum()), 2)})
        if name == "factories" and "status" in frame:
            vacant = frame.loc[frame["status"] == "空置", "floor_area_m2"]
            rows.append({"图层": label, "指标": "其中空置面积（㎡）", "合计": round(float(vacant.sum()), 2)})
    return pd.DataFrame(rows, columns=["图层", "指标", "合计"])


def search(frames: dict[str, gpd.GeoDataFrame], query: str, limit: int = 20) -> pd.DataFrame:
    """Features whose name (or id) contains ``query`` (case-insensitive): 图层 key ``layer``, ``id``, ``name``."""
    text = (query or "").strip().lower()
    rows = []
    if text:
        for name, frame in frames.items():
            key = LAYERS[name].SPEC.key
            names = frame["name"].astype(str)
            hit = names.str.lower().str.contains(text, regex=False) | frame[key].astype(str).str.lower().str.contains(text, regex=False)
            for fid, label in zip(frame.loc[hit, key].astype(str), names[hit]):
                rows.append({"layer": name, "id": fid, "name": label})
    out = pd.DataFrame(rows, columns=["layer", "id", "name"])
    out = out.assign(_len=out["name"].str.len()).sort_values(["_len", "name", "layer", "id"], kind="stable")  # closest first
    return out.drop(columns="_len").head(limit).reset_index(drop=True)


def to_geojson(selected: dict[str, gpd.GeoDataFrame]) -> dict:
    """One FeatureCollection (WGS-84) of every selected feature, with a ``layer`` property."""
    features = []
    for name, frame in selected.items():
        for feature in layer_geojson(frame)["features"]:
            feature["properties"] = {"layer": name, **feature["properties"]}
            features.append(feature)
    return {"type": "FeatureCollection", "features": features}


#: bookkeeping columns a reader of the selection does not need
HIDDEN = ("row_version", "geom")


def shape_text(shape: dict | None) -> str:
    """The drawn shape in words (the subtitle of the workbook)."""
    if not shape:
        return "选择范围：当前地图视野"
    if shape.get("type") == "circle" and shape.get("center"):
        lon, lat = (float(v) for v in shape["center"])
        return f"选择范围：圆，中心 {lon:.6f}, {lat:.6f}（WGS-84），半径 {float(shape.get('radius_m') or 0):,.0f} 米"
    return f"选择范围：多边形（{len(shape.get('coords') or [])} 个顶点，WGS-84）"


def to_excel(selected: dict[str, gpd.GeoDataFrame], summary: pd.DataFrame, *, title: str, shape: dict | None = None,
             labels: dict[str, dict[str, str]] | None = None, subtitle: str | None = None) -> bytes:
    """An .xlsx workbook by the one Excel writer (:mod:`layers.xlsx`): 汇总 (totals, the shape in words) then one sheet
    per layer with WGS-84 经度/纬度 columns, columns named by ``labels`` (layer → column → Chinese label).

    Text from data is always written as text: a name starting with ``=`` never becomes a formula; every kind of missing
    value (``pd.NA`` of nullable columns included) is a blank cell.
    """
    lead = "；".join(p for p in (subtitle, shape_text(shape)) if p)
    sheets = [xlsx.Sheet("汇总", summary, title, lead)]
    for name, frame in selected.items():
        label = LAYER_LABELS.get(name, name)
        names = (labels or {}).get(name, {})
        table = pd.DataFrame(frame.drop(columns=[frame.geometry.name, *(c for c in HIDDEN if c in frame.columns)]))
        located = exports.shown(table.rename(columns=names), frame.geometry)
        sheets.append(exports.excel_sheet(located, name=label, title=f"{title} · {label}", subtitle=lead))
    return xlsx.to_bytes(sheets, title=title)
