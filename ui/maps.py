"""folium map builders: county boundaries and the four layers, offline (no tiles), data text escaped.

Every layer is a FeatureGroup listed in the layer control, so users toggle layers in the browser
without a rerun. Features carry only ``id``, ``layer``, ``color`` and an escaped ``tip``.
"""

from __future__ import annotations

import math

import folium
import geopandas as gpd
import shapely

from layers.vocab import REGION_STYLE
from ui.safe_html import text

DISPLAY_TOLERANCE_DEG = 0.0003
#: (west, south, east, north) shown when there is nothing to fit the map to yet
CHINA_BOUNDS = (73.5, 18.0, 135.0, 53.6)
DEFAULT_BOUNDS = (113.5, 29.0, 114.9, 30.3)


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
    """Circle markers coloured by each feature's ``color``, with the escaped ``tip`` as tooltip (nothing for no features:
    folium's tooltip refuses an empty layer)."""
    if not collection["features"]:
        return
    folium.GeoJson(
        collection,
        marker=folium.CircleMarker(radius=radius, weight=1, fill=True, fill_opacity=0.85),
        style_function=lambda f: {"color": "#ffffff", "fillColor": f["properties"]["color"]},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(group)


def add_polygons(group, collection: dict, style: dict) -> None:
    """Polygons with one style and the escaped ``tip`` as tooltip (nothing for no features)."""
    if not collection["features"]:
        return
    folium.GeoJson(collection, style_function=lambda f: style,
                   tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False)).add_to(group)


def base_map(bounds) -> folium.Map:
    """A tile-less map (works with no internet) fitted to ``bounds`` = (minx, miny, maxx, maxy) in lon/lat."""
    if bounds is None or len(bounds) != 4 or any(not math.isfinite(float(b)) for b in bounds):
        bounds = CHINA_BOUNDS  # nothing to fit yet (no boundaries, no features)
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
