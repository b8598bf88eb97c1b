"""A3 map sheets (PNG or PDF) of a map view, drawn on the server from our own data (no tiles, no browser).

A sheet has the title, the map of the visible layers inside ``bounds`` (WGS-84 lon/lat, drawn with the
local aspect ratio 1/cos(φ) so shapes are true at the centre), a legend, a scale bar in metres, a north
arrow, the data date and the unit's name. Text from data is drawn with ``parse_math=False``: a name
containing ``$…$`` stays literal text.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import shapely

from layers import LAYER_LABELS
from layers.vocab import ASSET_COLORS, FACTORY_COLORS, PARK_STYLE, REGION_STYLE, STAGE_COLORS

A3_MM = (420.0, 297.0)  # landscape
MM_PER_INCH = 25.4
DEFAULT_DPI = 150
FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT_NAMES = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")
NICE = (1, 2, 5)


class PrintError(RuntimeError):
    """The sheet cannot be made (message in Chinese)."""


@dataclass(frozen=True)
class PrintLayer:
    """One layer on the sheet. Points are coloured by ``category`` through ``colors``; polygons by ``fills``
    (one colour per row, e.g. a choropleth) or ``face``; ``labels`` writes each row's ``name`` at its centre."""

    name: str
    label: str
    frame: gpd.GeoDataFrame
    kind: str  # "points" | "polygons"
    category: str | None = None
    colors: dict = field(default_factory=dict)
    color: str = "#7f8c8d"
    face: str = "none"
    edge: str = "#34495e"
    fills: tuple[str, ...] | None = None
    labels: bool = False
    legend: tuple[tuple[str, str], ...] = ()
    size: float = 14.0
    anchors: bool = False  # polygons too small to see on the sheet get a diamond at a point inside them


#: Point layers as printed: category column and palette (layers.vocab), marker size in points².
POINT_LAYERS = {"assets": ("stage", ASSET_COLORS, 30.0), "factories": ("status", FACTORY_COLORS, 20.0),
                "projects": ("stage", STAGE_COLORS, 20.0)}


def standard_layers(frames: dict, wanted, *, projects: tuple[str, dict] | None = None,
                    region_fills: tuple[str, ...] | None = None, region_legend: tuple = ()) -> list[PrintLayer]:
    """The map's layers in ``wanted`` styled as on screen: regions (optionally a choropleth: ``region_fills``
    per row with ``region_legend``), parks, then assets, factories and projects. ``projects`` overrides the
    projects' (category column, palette), e.g. traffic lights; its frame must hold that column."""
    out = []
    if "regions" in wanted:
        out.append(PrintLayer("regions", LAYER_LABELS["regions"], frames["regions"], "polygons", face=REGION_STYLE["fillColor"],
                              fills=region_fills, labels=True, legend=region_legend))
    if "parks" in wanted:
        out.append(PrintLayer("parks", LAYER_LABELS["parks"], frames["parks"], "polygons", face=PARK_STYLE["fillColor"],
                              edge=PARK_STYLE["color"], anchors=True))
    for name, (category, colours, size) in POINT_LAYERS.items():
        if name not in wanted:
            continue
        if name == "projects" and projects:
            category, colours = projects
        out.append(PrintLayer(name, LAYER_LABELS[name], frames[name], "points", category=category, colors=colours,
                              legend=tuple(colours.items()), size=size))
    return out


def a3_pixels(dpi: int = DEFAULT_DPI) -> tuple[int, int]:
    """Width and height in pixels of an A3 landscape sheet at ``dpi``."""
    return tuple(int(round(mm / MM_PER_INCH * dpi)) for mm in A3_MM)


def _font() -> str:
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for path, name in zip(FONT_FILES, FONT_NAMES):
        if name not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                continue
            known = {f.name for f in font_manager.fontManager.ttflist}
        if name in known:
            return name
    raise PrintError("找不到中文字体，无法打印地图（Debian：apt-get install fonts-noto-cjk）")


def nice_length(max_m: float) -> float:
    """The largest 1/2/5 × 10ⁿ metres not above ``max_m``."""
    exp = 10 ** math.floor(math.log10(max_m))
    return max(n * exp for n in NICE if n * exp <= max_m)


def _length_text(metres: float) -> str:
    return f"{metres / 1000:g} 公里" if metres >= 1000 else f"{metres:g} 米"


def _polygons(ax, layer: PrintLayer, bounds) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    clip = shapely.box(*bounds)
    for i, geom in enumerate(layer.frame.geometry):
        if geom is None or geom.is_empty or not geom.intersects(clip):
            continue
        parts = [geom] if geom.geom_type == "Polygon" else [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]
        face = layer.fills[i] if layer.fills is not None else layer.face
        for poly in parts:
            verts, codes = [], []
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)[:, :2]
                verts += xy.tolist()
                codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
            ax.add_patch(PathPatch(MplPath(verts, codes), facecolor=face, edgecolor=layer.edge, linewidth=0.9,
                                   alpha=0.85 if layer.fills is not None else 0.6, zorder=1 if layer.name == "regions" else 2))


#: A polygon narrower than this share of the view's width is marked with a diamond (a park on a city sheet, where
#: the points clustered in it would hide its outline; the screen uses 36 px of ~700).
TINY_SHARE = 0.05


def tiny_anchors(layer: PrintLayer, bounds) -> list[tuple[float, float]]:
    """Points inside the polygons of ``layer`` that are too small to see at ``bounds`` (empty without ``anchors``)."""
    if not layer.anchors:
        return []
    limit = (bounds[2] - bounds[0]) * TINY_SHARE
    clip = shapely.box(*bounds)
    out = []
    for geom in layer.frame.geometry:
        if geom is None or geom.is_empty or not geom.intersects(clip):
            continue
        w, s, e, n = geom.bounds
        if max(e - w, n - s) < limit:
            p = geom.representative_point()
            out.append((p.x, p.y))
    return out


def _anchors(ax, layer: PrintLayer, bounds) -> None:
    points = tiny_anchors(layer, bounds)
    if points:
        x, y = zip(*points)
        ax.scatter(x, y, s=42, marker="D", c=layer.edge, edgecolors="white", linewidths=0.8, zorder=4)


def _points(ax, layer: PrintLayer, bounds) -> None:
    geoms = layer.frame.geometry
    ok = geoms.notna() & ~geoms.is_empty
    frame = layer.frame[ok.to_numpy()]
    if frame.empty:
        return
    pts = frame.geometry.where(frame.geometry.geom_type == "Point", frame.geometry.representative_point())
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    inside = (x >= bounds[0]) & (x <= bounds[2]) & (y >= bounds[1]) & (y <= bounds[3])
    cats = frame[layer.category].to_numpy() if layer.category else np.full(len(frame), None)
    colours = [layer.colors.get(c, layer.color) for c in cats[inside]]
    ax.scatter(x[inside], y[inside], s=layer.size, c=colours, edgecolors="white", linewidths=0.4, zorder=3)


def _labels(ax, layer: PrintLayer, bounds, font: str) -> None:
    clip = shapely.box(*bounds)
    for geom, name in zip(layer.frame.geometry, layer.frame["name"]):
        if geom is None or geom.is_empty:
            continue
        piece = geom.intersection(clip)
        if piece.is_empty:
            continue
        p = piece.representative_point()
        ax.text(p.x, p.y, str(name), ha="center", va="center", fontsize=13, fontweight="bold", color="#2c3e50", zorder=4,
                family=font, parse_math=False, clip_on=True)


def _scale_bar(ax, bounds, lat0: float, font: str) -> None:
    from matplotlib.patches import Rectangle

    w, s, e, n = bounds
    metres_per_deg = 111_320 * math.cos(math.radians(lat0))
    length = nice_length((e - w) * metres_per_deg / 4)
    deg = length / metres_per_deg
    x0, y0 = w + (e - w) * 0.04, s + (n - s) * 0.05
    h = (n - s) * 0.008
    for k in range(2):
        ax.add_patch(Rectangle(
            (x0 + k * deg / 2, y0), deg / 2, h, facecolor="#2c3e50" if k == 0 else "white", edgecolor="#2c3e50", zorder=5))
    ax.text(x0, y0 + 2.2 * h, "0", ha="center", fontsize=10, family=font, zorder=5)
    ax.text(x0 + deg, y0 + 2.2 * h, _length_text(length), ha="center", fontsize=10, family=font, zorder=5, parse_math=False)


def _north_arrow(fig, font: str) -> None:
    ax = fig.add_axes((0.715, 0.80, 0.04, 0.08))
    ax.set_axis_off()
    ax.fill([0.5, 0.25, 0.5], [1.0, 0.0, 0.3], color="#2c3e50")
    ax.fill([0.5, 0.75, 0.5], [1.0, 0.0, 0.3], facecolor="white", edgecolor="#2c3e50")
    ax.text(0.5, 1.08, "北", ha="center", va="bottom", fontsize=16, fontweight="bold", family=font)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.4)


def _legend(fig, layers: list[PrintLayer], font: str) -> None:
    from matplotlib.patches import Rectangle

    ax = fig.add_axes((0.79, 0.12, 0.19, 0.76))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    y = 0.98
    ax.text(0, y, "图  例", fontsize=16, fontweight="bold", family=font, va="top")
    y -= 0.05
    for layer in layers:
        if y < 0.03:
            break
        ax.text(0, y, layer.label, fontsize=12, fontweight="bold", family=font, va="top", parse_math=False)
        y -= 0.032
        entries = layer.legend or ((layer.label, layer.face if layer.kind == "polygons" else layer.color),)
        for text, colour in entries:
            if layer.kind == "points":
                ax.scatter([0.05], [y - 0.01], s=60, c=[colour], edgecolors="white", linewidths=0.5)
            else:
                ax.add_patch(Rectangle(
                    (0.02, y - 0.02), 0.07, 0.02, facecolor=colour if colour != "none" else "white", edgecolor=layer.edge))
            ax.text(0.13, y - 0.01, str(text), fontsize=11, family=font, va="center", parse_math=False)
            y -= 0.028
        y -= 0.012


def render(layers: list[PrintLayer], *, bounds, title: str, unit: str, data_date: str, fmt: str = "png",
           dpi: int = DEFAULT_DPI, printed_on: date | None = None) -> bytes:
    """The sheet as PNG or PDF bytes. ``bounds`` = (w, s, e, n) in WGS-84 degrees (the map view)."""
    from matplotlib.figure import Figure

    if fmt not in ("png", "pdf"):
        raise PrintError(f"不支持的格式：{fmt}（可选 png、pdf）")
    w, s, e, n = (float(v) for v in bounds)
    if not (e > w and n > s):
        raise PrintError("打印范围无效")
    font = _font()
    width_px, height_px = a3_pixels(dpi)
    width_in, height_in = width_px / dpi, height_px / dpi  # whole pixels: the PNG is exactly A3 at ``dpi``
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    fig.text(0.5, 0.955, title, ha="center", va="center", fontsize=26, fontweight="bold", family=font, parse_math=False)
    ax = fig.add_axes((0.03, 0.09, 0.74, 0.82))
    lat0 = (s + n) / 2
    # Widen the view to the axes' shape so the map keeps its true proportions.
    box_w, box_h = 0.74 * width_in, 0.82 * height_in
    aspect = 1 / math.cos(math.radians(lat0))
    span_x, span_y = e - w, (n - s)
    if span_y * aspect / span_x > box_h / box_w:
        span_x = span_y * aspect * box_w / box_h
    else:
        span_y = span_x * box_h / box_w / aspect
    cx, cy = (w + e) / 2, (s + n) / 2
    view = (cx - span_x / 2, cy - span_y / 2, cx + span_x / 2, cy + span_y / 2)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect(aspect)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#f7f9f9")
    for layer in layers:
        (_polygons if layer.kind == "polygons" else _points)(ax, layer, view)
    for layer in layers:  # above the points, as on screen
        _anchors(ax, layer, view)
    for layer in layers:
        if layer.labels:
            _labels(ax, layer, view, font)
    _scale_bar(ax, view, lat0, font)
    _north_arrow(fig, font)
    _legend(fig, layers, font)
    printed = (printed_on or date.today()).isoformat()
    footer = f"制图单位：{unit}      数据截至：{data_date}      坐标系：WGS-84（CGCS2000）      制图日期：{printed}"
    fig.text(0.03, 0.04, footer, fontsize=12, family=font, va="center", parse_math=False)
    fig.text(0.98, 0.04, "内部资料  注意保存", fontsize=11, family=font, ha="right", va="center", color="#7f8c8d")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata={"Title": title})
    return buffer.getvalue()
