"""地图工作台: our own bidirectional Streamlit component (Leaflet from ``static/vendor``, no CDN).

Python side: :func:`map_layers` builds the encoded layers (cached), :func:`workbench_map` renders them and
returns what the user did, in WGS-84 whatever the basemap:

``clicked``   ``{"layer", "id"}`` of the clicked feature, or None;
``position``  ``(lon, lat)`` of the last click (WGS-84);
``shape``     the drawn selection: ``{"type": "polygon", "coords": [(lon, lat), …]}`` or
              ``{"type": "circle", "center": (lon, lat), "radius_m": r}``, or None;
``measure``   ``{"coords": [...], "length_m": m}`` of the last measured line, or None;
``view``      ``{"bounds": (w, s, e, n), "zoom": z}`` after the last pan/zoom, or None;
``visible``   names of the layers switched on in the map's own panel.

Data travel once: the browser reports the layer versions it holds (``have``) and later runs send only
versions. On a GCJ-02 basemap the layers are shifted for display here and every position coming back is
shifted to WGS-84 with :mod:`geo.coords` before the page sees it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st
import streamlit.components.v1 as components

from analysis import aggregation, lights
from analysis.kpis import Period
from geo import coords
from layers import LAYER_LABELS, vocab
from layers import regions as region_layer
from layers.vocab import ASSET_COLORS, FACTORY_COLORS, PARK_STYLE, STAGE_COLORS
from ui import data
from ui.basemaps import NONE, Basemap
from ui.mapkit import linking, payload
from ui.text import t

FRONTEND = Path(__file__).resolve().parent / "frontend"


def _component():
    """The component, declared where it is used: Streamlit registers a component only while a script runs, and
    the server's warm-up (ui.warmup) imports this module before any run."""
    return components.declare_component("workbench_map", path=str(FRONTEND))


LIGHT_COLORS = {"红灯": "#e74c3c", "黄灯": "#f1c40f", "绿灯": "#27ae60"}
CHOROPLETH = ("#fff5eb", "#fdd0a2", "#fd8d3c", "#d94801", "#7f2704")
REGION_STYLE = dict(vocab.REGION_STYLE, fillOpacity=0.25)  # lighter than print: the points lie on it
POINT_STYLES = {  # layer → (key column, category column, colours, radius, cell colour)
    "factories": ("factory_id", "status", FACTORY_COLORS, 4, "#7f8c8d"),
    "assets": ("asset_id", "stage", ASSET_COLORS, 6, "#8e44ad"),
    "projects": ("project_id", "stage", STAGE_COLORS, 4, "#2980b9"),
}
TEXT_KEYS = ("layers_title", "aggregated", "basemap_failed", "cell_count", "zoom_in", "map_error", "legend_show", "legend_hide")


#: A layer sent as grid cells shows its own features once the view is zoomed in this far and holds few enough.
DETAIL_ZOOM = 9
DETAIL_BUDGET = 20_000
DETAIL_STATE = "_mapkit_detail_documents"  # session state: the view documents sent to this user, by version
DETAIL_KEEP = 12
LINK_STATE = "_mapkit_links"  # session state: map key → the linking.Link of its map and table


@dataclass(frozen=True)
class DetailSource:
    """Where a point layer sent as grid cells finds its features for a zoomed-in view (see :func:`view_detail`)."""

    name: str
    counties: tuple[str, ...] | None
    project_style: str = "stage"
    legend: tuple[tuple[str, str], ...] = ()  # the features' colours, shown in the panel beside the cells'


@dataclass(frozen=True)
class MapLayer:
    """A layer as sent: its features (or cells when over budget), for point layers grid cells for zoomed-out views,
    and for a layer over budget its features within the current view (``view_doc`` covering ``view_box``)."""

    main: payload.EncodedLayer
    cells: payload.EncodedLayer | None = None
    detail: DetailSource | None = None
    view_doc: payload.EncodedLayer | None = None
    view_box: tuple[float, ...] | None = None  # display coordinates (w, s, e, n)

    @property
    def name(self) -> str:
        return self.main.name

    def meta(self) -> dict:
        out = self.main.meta()
        if self.cells is not None and self.cells.version != self.main.version:
            out["vc"] = self.cells.version
        if self.detail is not None:
            out["dl"] = [list(x) for x in self.detail.legend]
        if self.view_doc is not None:
            out["vd"], out["db"] = self.view_doc.version, list(self.view_box)
        return out

    def documents(self) -> list[payload.EncodedLayer]:
        docs = [self.main] + ([self.cells] if self.cells is not None and self.cells.version != self.main.version else [])
        return docs + ([self.view_doc] if self.view_doc is not None else [])


def _bins(values: pd.Series) -> list[float]:
    finite = pd.to_numeric(values, errors="coerce").dropna()
    if finite.empty:
        return []
    return sorted(set(np.quantile(finite, [0.2, 0.4, 0.6, 0.8]).round(4)))


def _choropleth(regions: gpd.GeoDataFrame, kpi: str, first: str | None, last: str | None, counties) -> tuple:
    """Fill colours, tooltip texts and legend of a county KPI (analysis.kpis via analysis.aggregation)."""
    projects = data.load_layer("projects", counties)
    values = aggregation.county_kpi(pd.DataFrame(projects.drop(columns="geometry")), kpi, Period.from_months(first, last))
    per = regions["adcode"].map(values.to_dict())
    cuts = _bins(per)
    colour = [REGION_STYLE["fillColor"] if v is None or pd.isna(v) else CHOROPLETH[int(np.searchsorted(cuts, v, side="right"))]
              for v in per]
    label = aggregation.COUNTY_KPIS[kpi]
    texts = [f"{label}：{aggregation.format_kpi(kpi, v)}" for v in per]
    edges = [None, *cuts, None]
    legend = tuple((f"{aggregation.format_kpi(kpi, lo) if lo is not None else '≤'}–{aggregation.format_kpi(kpi, hi) if hi is not None else ''}",
                    CHOROPLETH[i]) for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])))
    return colour, texts, legend


@st.cache_data(ttl=data.TTL, max_entries=8, show_spinner=False)
def county_regions(counties: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    """The counties in scope (all stored regions when the store has no county level), EPSG:4326."""
    with data.cursor() as con:
        regions = region_layer.load(con, county=counties, level="county")
        return regions if len(regions) else region_layer.load(con, county=counties)


def map_frames(counties: tuple[str, ...] | None) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the map as loaded (cached in ``ui.data``), WGS-84, regions first."""
    frames = {"regions": county_regions(counties)}
    frames.update({name: data.load_layer(name, counties) for name in ("parks", "factories", "assets", "projects")})
    return frames


def _project_colours(frame: gpd.GeoDataFrame, project_style: str) -> tuple[gpd.GeoDataFrame, str, dict]:
    if project_style != "light":
        return frame, "stage", STAGE_COLORS
    light = frame["project_id"].map(lights.project_lights(frame, data.as_of().strftime("%Y-%m"), lights.load_rules()))
    return frame.assign(light=light), "light", LIGHT_COLORS


def _tolerance(bounds) -> float:
    """Display simplification for polygons over ``bounds``: about a quarter pixel at the extent's zoom."""
    return max(0.0002, (bounds[2] - bounds[0]) / 4000)


def _extent(regions: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    return tuple(regions.total_bounds) if len(regions) else (73.0, 18.0, 135.0, 54.0)


def point_layer(name: str, label: str, frame: gpd.GeoDataFrame, *, key: str, category: str | None = None,
                colors: dict[str, str] | None = None, color: str = "#7f8c8d", radius: int = 5,
                values: Sequence[str] | None = None, crs: str = "wgs84") -> MapLayer:
    """A page's own point layer (any name): every located row of ``frame``, coloured by ``category`` through
    ``colors`` (one ``color`` when no category), ``values`` one tooltip line per row. Clicks come back as
    ``{"layer": name, "id": frame[key]}``."""
    if category is None:
        frame, category, colors = frame.assign(_one=label), "_one", {label: color}
    if values is not None and len(frame) > payload.LABEL_BUDGET:
        values = None  # like names: beyond the label budget the tooltip shows layer and category only
    main = payload.encode_points(name, label, frame, key=key, category=category, colors=colors or {}, other_color=color,
                                 radius=radius, crs=crs, budget=len(frame) + 1, values=list(values) if values is not None else None)
    return MapLayer(main)


def _region_layer(regions: gpd.GeoDataFrame, crs: str, fills=None, values=None, legend: tuple = ()) -> MapLayer:
    style = dict(REGION_STYLE, fillOpacity=0.65) if fills is not None else REGION_STYLE
    return MapLayer(payload.encode_polygons("regions", LAYER_LABELS["regions"], regions, key="adcode", style=style, crs=crs,
                                            tolerance_deg=_tolerance(_extent(regions)), show_labels=True, fills=fills,
                                            values=values, legend=legend))


def _park_layer(parks: gpd.GeoDataFrame, crs: str, tolerance: float) -> MapLayer:
    text = [" ".join(str(v) for v in (lvl, pos) if isinstance(v, str) and v) for lvl, pos in zip(parks["level"], parks["positioning"])]
    return MapLayer(payload.encode_polygons("parks", LAYER_LABELS["parks"], parks, key="park_id", style=PARK_STYLE, crs=crs,
                                            tolerance_deg=tolerance / 4, values=text, anchors=True,
                                            legend=((LAYER_LABELS["parks"], PARK_STYLE["color"]),)))


@st.cache_data(ttl=data.TTL, max_entries=16, show_spinner=False)
def context_layers(counties: tuple[str, ...] | None, crs: str = "wgs84", parks: bool = True) -> list[MapLayer]:
    """County outlines with their names (and park boundaries) for a page's own map, below its own layers."""
    regions = county_regions(counties)
    out = [_region_layer(regions, crs)]
    if parks:
        out.append(_park_layer(data.load_layer("parks", counties), crs, _tolerance(_extent(regions))))
    return out


@st.cache_data(ttl=data.TTL, max_entries=16, show_spinner=False)
def map_layers(counties: tuple[str, ...] | None, crs: str = "wgs84", project_style: str = "stage", kpi: str | None = None,
               first: str | None = None, last: str | None = None) -> list[MapLayer]:
    """Regions (optionally a KPI choropleth), parks and the three point layers, encoded for display in ``crs``.

    A point layer over its budget (``payload.BUDGETS``) is sent as DuckDB grid cells only; otherwise as
    points plus grid cells that the browser shows while zoomed out.
    """
    regions = county_regions(counties)
    bounds = _extent(regions)
    with data.cursor() as con:
        counts = {name: aggregation.located_count(con, name, county=counties) for name in POINT_STYLES}
        cells = {name: aggregation.grid_cells(con, name, bounds, county=counties) for name in POINT_STYLES}
    if kpi:
        out = [_region_layer(regions, crs, *_choropleth(regions, kpi, first, last, counties))]
    else:
        out = [_region_layer(regions, crs)]
    out.append(_park_layer(data.load_layer("parks", counties), crs, _tolerance(bounds)))
    for name in ("assets", "factories", "projects"):
        key, category, colours, radius, cell_colour = POINT_STYLES[name]
        unit = aggregation.POINT_LAYERS[name][2]
        cell_layer = payload.encode_cells(name, LAYER_LABELS[name], cells[name], color=cell_colour, crs=crs, value_label=unit)
        if counts[name] > payload.budget_for(name):
            # Too many to send one by one: DuckDB grid cells, and the features of a zoomed-in view on request.
            if name == "projects" and project_style == "light":
                colours = LIGHT_COLORS
            out.append(MapLayer(cell_layer, detail=DetailSource(name, counties, project_style, tuple(colours.items()))))
            continue
        frame = data.load_layer(name, counties)
        if name == "projects":
            frame, category, colours = _project_colours(frame, project_style)
        main = payload.encode_points(name, LAYER_LABELS[name], frame, key=key, category=category, colors=colours,
                                     radius=radius, crs=crs)
        out.append(MapLayer(main, cell_layer))
    return out


def detail_box(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    """The area whose features are sent for a view (WGS-84 w, s, e, n): the view padded by half its size on
    every side and snapped outward to a grid of power-of-two degrees, so that small pans reuse one document."""
    w, s, e, n = (float(v) for v in bounds)
    span = max(e - w, n - s, 1e-4)
    step = 2.0 ** np.ceil(np.log2(span))
    return (float(np.floor((w - span / 2) / step) * step), float(np.floor((s - span / 2) / step) * step),
            float(np.ceil((e + span / 2) / step) * step), float(np.ceil((n + span / 2) / step) * step))


@st.cache_data(ttl=data.TTL, max_entries=8, show_spinner=False)
def _positions(name: str, counties: tuple[str, ...] | None) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of every row of a point layer (its representative point; NaN without geometry)."""
    geoms = data.load_layer(name, counties).geometry.to_numpy()
    points = np.array([g if g is None or g.geom_type == "Point" else g.representative_point() for g in geoms], dtype=object)
    return shapely.get_x(points), shapely.get_y(points)


@st.cache_data(ttl=data.TTL, max_entries=64, show_spinner=False)
def view_detail(source: DetailSource, box: tuple[float, float, float, float], crs: str = "wgs84") -> payload.EncodedLayer | None:
    """The features of ``source`` inside ``box`` (WGS-84), styled as on the map, or None when there are none or
    more than :data:`DETAIL_BUDGET`."""
    x, y = _positions(source.name, source.counties)
    w, s, e, n = box
    inside = (x >= w) & (x <= e) & (y >= s) & (y <= n)
    count = int(inside.sum())
    if count == 0 or count > min(DETAIL_BUDGET, payload.budget_for(source.name)):
        return None
    frame = data.load_layer(source.name, source.counties)[inside]
    key, category, colours, radius, _cell = POINT_STYLES[source.name]
    if source.name == "projects":
        frame, category, colours = _project_colours(frame, source.project_style)
    return payload.encode_points(source.name, LAYER_LABELS[source.name], frame, key=key, category=category, colors=colours,
                                 radius=radius, crs=crs, budget=count + 1)


def _with_view_detail(layers: Sequence[MapLayer], view: dict | None, crs: str) -> list[MapLayer]:
    """``layers`` with the features of the current view attached to each layer sent as cells (zoomed in only)."""
    if not view or (view.get("zoom") or 0) < DETAIL_ZOOM:
        return list(layers)
    box = detail_box(view["bounds"])
    out = []
    for layer in layers:
        doc = view_detail(layer.detail, box, crs) if layer.detail is not None else None
        out.append(replace(layer, view_doc=doc, view_box=tuple(_display_bounds(box, crs))) if doc is not None else layer)
    return out


def held_details() -> list[payload.EncodedLayer]:
    """The view documents this user's maps were sent lately (clicks on their features resolve through them)."""
    return list(st.session_state.get(DETAIL_STATE, {}).values())


def _remember(layers: Sequence[MapLayer]) -> None:
    held = dict(st.session_state.get(DETAIL_STATE, {}))
    for layer in layers:
        if layer.view_doc is not None:
            held.pop(layer.view_doc.version, None)
            held[layer.view_doc.version] = layer.view_doc
    st.session_state[DETAIL_STATE] = dict(list(held.items())[-DETAIL_KEEP:])


def state(key: str, layers: Sequence[MapLayer], crs: str = "wgs84") -> dict:
    """What the user last did on map ``key`` (:func:`normalise` of its value), for a page that needs it before
    drawing the map (e.g. to list the features inside a drawn shape)."""
    return normalise(st.session_state.get(key), layers, crs, held_details())


def print_layers(frames: dict[str, gpd.GeoDataFrame], visible, *, project_style: str = "stage", kpi: str | None = None,
                 first: str | None = None, last: str | None = None, counties=None) -> list:
    """The visible layers styled as on screen, for :func:`reports.map_print.render`."""
    from reports.map_print import standard_layers

    fills = legend = None
    if kpi and "regions" in visible:
        fills, _values, legend = _choropleth(frames["regions"], kpi, first, last, counties)
    projects = None
    if "projects" in visible and project_style == "light":
        frame, category, colours = _project_colours(frames["projects"], project_style)
        frames = dict(frames, projects=frame)
        projects = (category, colours)
    return standard_layers(frames, visible, projects=projects, region_fills=tuple(fills) if fills else None,
                           region_legend=legend or ())


def _to_wgs84(lon, lat, crs: str) -> tuple[float, float]:
    if coords.parse_crs(crs) == "wgs84":
        return float(lon), float(lat)
    x, y = coords.convert(float(lon), float(lat), crs, "wgs84")
    return round(float(x), 7), round(float(y), 7)


def normalise(value: dict | None, layers: Sequence[MapLayer], crs: str = "wgs84",
              details: Sequence[payload.EncodedLayer] = ()) -> dict:
    """The browser's state as the page uses it: ids instead of wire positions, WGS-84 instead of display coordinates.
    ``details``: view documents sent earlier (:func:`held_details`), for clicks on their features."""
    value = value or {}
    out = {"clicked": None, "position": None, "shape": None, "measure": None, "view": None,
           "visible": list(value.get("visible") or [layer.name for layer in layers]), "seq": 0}
    by_version = {doc.version: doc for doc in details}
    by_version.update({layer.main.version: layer.main for layer in layers})
    click = value.get("click") or None
    if click and click.get("lon") is not None:
        out["position"] = _to_wgs84(click["lon"], click["lat"], crs)
        layer = by_version.get(click.get("v"))
        fid = layer.id_at(click.get("i")) if layer is not None and layer.name == click.get("layer") else None
        out["clicked"] = {"layer": layer.name, "id": fid} if fid is not None else None
        out["seq"] = max(out["seq"], int(click.get("seq") or 0))
    shape = value.get("shape") or None
    if shape and shape.get("type") == "circle":
        out["shape"] = {"type": "circle", "center": _to_wgs84(*shape["center"], crs), "radius_m": float(shape["radius_m"])}
    elif shape and shape.get("type") == "polygon" and len(shape.get("coords") or []) >= 3:
        out["shape"] = {"type": "polygon", "coords": [_to_wgs84(x, y, crs) for x, y in shape["coords"]]}
    measure = value.get("measure") or None
    if measure and len(measure.get("coords") or []) >= 2:
        path = [_to_wgs84(x, y, crs) for x, y in measure["coords"]]
        lon, lat = np.array(path).T
        out["measure"] = {"coords": path, "length_m": float(np.sum(coords.haversine_m(lon[:-1], lat[:-1], lon[1:], lat[1:])))}
    view = value.get("view") or None
    if view and view.get("bounds"):
        w, s, e, n = view["bounds"]
        (w, s), (e, n) = _to_wgs84(w, s, crs), _to_wgs84(e, n, crs)
        out["view"] = {"bounds": (w, s, e, n), "zoom": view.get("zoom")}
    return out


def _display_bounds(bounds, crs: str) -> list[float] | None:
    if bounds is None:
        return None
    w, s, e, n = (float(v) for v in bounds)
    if coords.parse_crs(crs) != "wgs84":
        (w, e), (s, n) = coords.convert([w, e], [s, n], "wgs84", crs)
    return [round(float(v), 6) for v in (w, s, e, n)]


def workbench_map(layers: Sequence[MapLayer], *, key: str, basemap: Basemap = NONE, height: int = 620,
                  bounds: Sequence[float] | None = None, highlight: dict[str, Sequence[str]] | None = None,
                  focus: tuple | None = None, visible: Sequence[str] | None = None, tools: bool = True) -> dict:
    """Render the map; ``bounds`` (WGS-84 w, s, e, n) is fitted when it changes, ``highlight`` maps layer → ids,
    ``focus`` = (layer, id) pans to one feature (once per distinct focus: a third element, e.g. a counter, pans to the
    same feature again), ``tools`` shows the draw/measure controls. The legend panel folds; the choice is kept per
    ``key`` in the browser tab. Returns the user's actions (see the module docstring)."""
    previous = st.session_state.get(key) or {}
    have = previous.get("have") if isinstance(previous, dict) else None
    if any(layer.detail is not None for layer in layers):
        layers = _with_view_detail(layers, normalise(previous if isinstance(previous, dict) else None, layers, basemap.crs)["view"],
                                   basemap.crs)
        _remember(layers)
    documents = [doc for layer in layers for doc in layer.documents()]
    by_name = {layer.name: layer.main for layer in layers}
    args = {
        "layers": [layer.meta() for layer in layers],
        "blob": payload.bundle(documents, have),
        # Streamlit re-posts a render only when the JSON arguments change, not the bytes: name what the bytes hold.
        "sent": sorted({doc.version for doc in documents} - set(have or ())),
        "basemap": basemap.to_args(),
        "height": int(height),
        "map_id": str(key),
        "tools": bool(tools),
        "texts": {k: t(f"wb_{k}") for k in TEXT_KEYS},
        "visible": list(visible) if visible is not None else None,
        "highlight": {name: by_name[name].indices(ids) for name, ids in (highlight or {}).items() if name in by_name},
        "focus": None,
    }
    shown = _display_bounds(bounds, basemap.crs)
    args["bounds"] = shown
    args["bounds_key"] = hashlib.sha1(repr((shown, basemap.crs)).encode()).hexdigest()[:10] if shown else None
    if focus and focus[0] in by_name:
        index = by_name[focus[0]].indices([focus[1]])
        if index:
            again = f":{focus[2]}" if len(focus) > 2 else ""
            args["focus"] = {"layer": focus[0], "i": index[0], "key": f"{focus[0]}:{focus[1]}:{basemap.crs}{again}"}
    value = _component()(key=key, default=None, **args)
    return normalise(value if isinstance(value, dict) else None, layers, basemap.crs, held_details())


def fresh_click(map_key: str, layers: Sequence[MapLayer], crs: str = "wgs84") -> dict | None:
    """The feature (``{"layer", "id"}``) clicked on map ``map_key`` when that click is newer than the one its
    :func:`table_link` took in last, else None — e.g. to show the clicked feature's layer in the table first."""
    value = state(map_key, layers, crs)
    link = st.session_state.get(LINK_STATE, {}).get(map_key)
    click = (value["seq"], value["position"]) if value["position"] else None
    return value["clicked"] if click is not None and (link is None or click != link.click) else None


def table_link(map_key: str, table_key: str, layers: Sequence[MapLayer], *, layer: str, ids: Sequence, crs: str = "wgs84") -> linking.Link:
    """The feature selected on map ``map_key`` and in table ``table_key`` (an ``st.dataframe`` with
    ``on_select="rerun", selection_mode="single-row"`` listing the features ``ids`` of ``layer``, in its row order),
    from what each reported last (:func:`linking.reconcile`). Call before drawing either: when a click on the map
    moved the selection, the table's selection is set here so the table shows that row selected. Pass the link's
    ``highlight()`` and ``focus()`` to :func:`workbench_map`."""
    value = state(map_key, layers, crs)
    table = st.session_state.get(table_key) or {}
    rows = list((table.get("selection") or {}).get("rows") or [])
    links = dict(st.session_state.get(LINK_STATE, {}))
    click = (value["seq"], value["position"]) if value["position"] else None
    data = "|".join(str(m.main.version) for m in layers if m.name == layer) or None  # changes when the listed features do
    link = linking.reconcile(links.get(map_key), layer=layer, ids=ids, clicked=value["clicked"], click=click, rows=rows, data=data)
    links[map_key] = link
    st.session_state[LINK_STATE] = links
    if rows != list(link.rows):
        st.session_state[table_key] = link.selection()
    return link
