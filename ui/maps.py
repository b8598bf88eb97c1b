"""folium map builders: county boundaries and the four layers, offline (no tiles), data text escaped.

Every layer is a FeatureGroup listed in the layer control, so users toggle layers in the browser
without a rerun. Features carry only ``id``, ``layer``, ``color`` and an escaped ``tip``. Every map has a metric
scale bar (:func:`base_map`); :func:`add_legend` adds a legend that folds to its title (kept for the browser tab).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence

import folium
import geopandas as gpd
import jinja2
import shapely
from branca.element import MacroElement

from layers.vocab import REGION_STYLE
from ui.safe_html import text
from ui.text import t

DISPLAY_TOLERANCE_DEG = 0.0003
_COLOUR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
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
                   control_scale=False, prefer_canvas=True, attribution_control=False)  # no tiles: nothing to credit
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    _Scale().add_to(m)
    return m


def _script_json(value) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>`` (no ``</script>``, no ``<!--``)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _Scale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's ``control_scale`` adds miles and feet)."""

    _template = jinja2.Template("""{% macro script(this, kwargs) %}
    L.control.scale({imperial: false, metric: true, maxWidth: 120, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
    {% endmacro %}""")


class _Legend(MacroElement):
    """A legend control (bottom right) whose title folds and unfolds it; the choice is kept per ``key`` in the
    browser tab (sessionStorage). Texts are set with textContent, never as HTML."""

    _template = jinja2.Template("""{% macro script(this, kwargs) %}
    (function (map, spec) {
      var store = "parkmap:legend:" + spec.key;
      var Legend = L.Control.extend({ options: { position: "bottomright" }, onAdd: function () {
        var div = L.DomUtil.create("div", "pm-legend leaflet-control");
        div.style.cssText = "background:rgba(255,255,255,.94);padding:5px 8px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font:12px/1.5 sans-serif;color:#2c3e50;max-width:220px";
        var button = L.DomUtil.create("button", "pm-legend-toggle", div);
        button.type = "button";
        button.style.cssText = "display:block;width:100%;text-align:left;font:700 12px sans-serif;color:#2c3e50;background:none;border:0;padding:0;cursor:pointer";
        var body = L.DomUtil.create("div", "pm-legend-body", div);
        spec.items.forEach(function (item) {
          var row = L.DomUtil.create("div", "pm-legend-item", body);
          var dot = L.DomUtil.create("span", "", row);
          dot.style.cssText = "display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:5px;vertical-align:-1px;background:" + item[1];
          row.appendChild(document.createTextNode(item[0]));
        });
        function show(collapsed) {
          body.style.display = collapsed ? "none" : "";
          div.classList.toggle("pm-collapsed", collapsed);
          button.textContent = (collapsed ? "▸ " : "▾ ") + spec.title;
          button.title = collapsed ? spec.show : spec.hide;
          button.setAttribute("aria-expanded", collapsed ? "false" : "true");
        }
        var collapsed = false;
        try { collapsed = window.sessionStorage.getItem(store) === "1"; } catch (err) { collapsed = false; }
        show(collapsed);
        L.DomEvent.on(button, "click", function (e) {
          L.DomEvent.stop(e);
          collapsed = !collapsed;
          try { window.sessionStorage.setItem(store, collapsed ? "1" : "0"); } catch (err) { /* this view only */ }
          show(collapsed);
        });
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      } });
      new Legend().addTo(map);
    })({{ this._parent.get_name() }}, {{ this.spec }});
    {% endmacro %}""")

    def __init__(self, spec: str):
        super().__init__()
        self._name = "ParkmapLegend"
        self.spec = spec


def legend_spec(items: Sequence[tuple[str, str]], *, key: str, title: str | None = None) -> dict:
    """What :func:`add_legend` sends: (label, colour) pairs (colours are CSS colour literals from our palettes)."""
    bad = [colour for _label, colour in items if not _COLOUR.fullmatch(str(colour))]
    if bad:
        raise ValueError(f"legend colours must be #rgb/#rrggbb literals: {bad}")
    return {"key": str(key), "title": title or t("map_legend"), "show": t("wb_legend_show"), "hide": t("wb_legend_hide"),
            "items": [[str(label), str(colour)] for label, colour in items]}


def add_legend(m: folium.Map, items: Sequence[tuple[str, str]], *, key: str, title: str | None = None) -> folium.Map:
    """A folding legend of ``items`` = (label, colour) in the map's bottom-right corner; ``key`` names the map (its
    folded state is kept under it while the browser tab lives)."""
    _Legend(_script_json(legend_spec(items, key=key, title=title))).add_to(m)
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
