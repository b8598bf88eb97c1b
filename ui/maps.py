"""folium map builders: county boundaries and the four layers, offline (no tiles), data text escaped.

Every layer is a FeatureGroup listed in the layer control, so users toggle layers in the browser
without a rerun. Features carry only ``id``, ``layer``, ``color`` and an escaped ``tip``.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import shapely

from layers import LAYER_LABELS
from ui import assets
from ui.safe_html import text

STAGE_COLORS = {"线索": "#95a5a6", "在谈": "#f1c40f", "签约": "#2980b9", "注册": "#16a085", "开工": "#e67e22",
                "投产": "#27ae60", "停滞": "#8e44ad", "终止": "#2c3e50"}
FACTORY_COLORS = {"空置": "#e74c3c", "已出租": "#7f8c8d", "意向洽谈": "#f39c12", "装修改造": "#3498db"}
ASSET_COLORS = {"摸底清查": "#bdc3c7", "制定方案": "#9b59b6", "招商推介": "#e67e22", "洽谈对接": "#f1c40f",
                "签约": "#2980b9", "盘活完成": "#27ae60"}
PARK_STYLE = {"color": "#c0392b", "weight": 2, "fillColor": "#e74c3c", "fillOpacity": 0.12}
DISPLAY_TOLERANCE_DEG = 0.0003
DEFAULT_BOUNDS = (113.5, 29.0, 114.9, 30.3)
REGION_STYLE = {"color": "#34495e", "weight": 1.5, "fillColor": "#ecf0f1", "fillOpacity": 0.35, "dashArray": "4 3"}


def feature_collection(frame: gpd.GeoDataFrame, layer: str, key: str, tip: list[str], color) -> dict:
    """A lean FeatureCollection: geometry plus id/layer/color and an escaped tooltip."""
    features = []
    for row in frame.itertuples(index=False):
        geom = row.geometry
        if geom is None or shapely.is_empty(geom):
            continue
        tip_html = "<br>".join(text(getattr(row, c)) for c in tip if getattr(row, c, None) not in (None, ""))
        features.append({
            "type": "Feature",
            "geometry": shapely.geometry.mapping(geom),
            "properties": {"id": text(getattr(row, key)), "layer": layer, "color": color(row), "tip": tip_html},
        })
    return {"type": "FeatureCollection", "features": features}


def add_points(group, collection: dict, radius: int) -> None:
    """Circle markers coloured by each feature's ``color``, with the escaped ``tip`` as tooltip."""
    folium.GeoJson(
        collection,
        marker=folium.CircleMarker(radius=radius, weight=1, fill=True, fill_opacity=0.85),
        style_function=lambda f: {"color": "#ffffff", "fillColor": f["properties"]["color"]},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(group)


def add_polygons(group, collection: dict, style: dict) -> None:
    """Polygons with one style and the escaped ``tip`` as tooltip."""
    folium.GeoJson(collection, style_function=lambda f: style,
                   tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False)).add_to(group)


def base_map(bounds) -> folium.Map:
    """A tile-less map (works with no internet) fitted to ``bounds`` = (minx, miny, maxx, maxy) in lon/lat."""
    minx, miny, maxx, maxy = bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9, tiles=None,
                   control_scale=True, prefer_canvas=True)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def add_boundaries(group, regions: gpd.GeoDataFrame) -> None:
    """County/city outlines (simplified for display) with county name labels."""
    counties = regions[regions["level"] != "province"].copy()
    # Display only: ~30 m simplification keeps boundaries exact to the eye at county scale and the page small.
    counties["geometry"] = counties.geometry.simplify(DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    add_polygons(group, feature_collection(counties, "regions", "adcode", ["name", "adcode"], lambda r: ""), REGION_STYLE)
    for row in counties[counties["level"] == "county"].itertuples():
        p = row.geometry.representative_point()
        folium.Marker([p.y, p.x], icon=folium.DivIcon(
            html=f'<div class="pm-label" style="font:600 13px sans-serif;color:#2c3e50;white-space:nowrap">{text(row.name)}</div>',
            icon_size=(80, 18), icon_anchor=(40, 9))).add_to(group)


def overview_map(regions: gpd.GeoDataFrame, parks: gpd.GeoDataFrame, factories: gpd.GeoDataFrame,
                 assets_frame: gpd.GeoDataFrame, projects: gpd.GeoDataFrame) -> folium.Map:
    """The leaders' one map (EPSG:4326 frames in): boundaries with labels, parks, factories, assets, projects."""
    m = base_map(regions.total_bounds if len(regions) else DEFAULT_BOUNDS)
    groups = {name: folium.FeatureGroup(name=LAYER_LABELS[name], show=True).add_to(m) for name in LAYER_LABELS}
    add_boundaries(groups["regions"], regions)
    add_polygons(groups["parks"], feature_collection(parks, "parks", "park_id", ["name", "level", "positioning"], lambda r: ""),
                 PARK_STYLE)
    add_points(groups["factories"], feature_collection(factories, "factories", "factory_id", ["name", "status", "floor_area_m2"],
                                                       lambda r: FACTORY_COLORS.get(r.status, "#7f8c8d")), 4)
    add_points(groups["assets"], feature_collection(assets_frame, "assets", "asset_id", ["name", "asset_type", "stage"],
                                                    lambda r: ASSET_COLORS.get(r.stage, "#7f8c8d")), 6)
    add_points(groups["projects"], feature_collection(projects, "projects", "project_id", ["name", "stage", "investment_wan"],
                                                      lambda r: STAGE_COLORS.get(r.stage, "#7f8c8d")), 4)
    folium.LayerControl(collapsed=False).add_to(m)
    return assets.localise(m)


def legend_rows() -> list[tuple[str, str, str]]:
    """(layer, category, colour) for the legend beside the map."""
    rows = [("招商项目", s, c) for s, c in STAGE_COLORS.items()]
    rows += [("标准化厂房", s, c) for s, c in FACTORY_COLORS.items()]
    rows += [("闲置国有资产", s, c) for s, c in ASSET_COLORS.items()]
    return rows
