"""Basemaps for the workbench map: none by default (fully offline), 天地图, 高德 and local tile sets.

* **无底图** (default): nothing is fetched; boundaries, parks and labels come from our own data.
* **天地图** vector or imagery, each with its label layer. Needs a browser key: ``TIANDITU_KEY`` in the
  environment or ``tianditu_key`` in ``.streamlit/secrets.toml``. WGS-84/CGCS2000: no shift.
* **高德** vector or imagery: GCJ-02, so every layer is shifted to GCJ-02 for display and everything the
  user clicks or draws is shifted back (``crs == "gcj02"``; see ``ui.mapkit``). Set
  ``PARKMAP_AMAP=0`` (or ``amap = false`` in secrets) to hide it on networks that must not call out.
* **本地瓦片**: a tile set the bureau supplies as an MBTiles file, extracted once with
  ``python cli.py tiles import FILE.mbtiles --name N`` to ``static/tiles/N/{z}/{x}/{y}.png`` and served
  by the app itself (``server.enableStaticServing``); its ``tileset.json`` says its CRS (default WGS-84).

A basemap that cannot load never breaks the map: the browser drops it after repeated tile errors and
says so (``ui/mapkit/frontend/workbench.js``).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
TILES_DIR = ROOT / "static" / "tiles"
#: URL of ``static/`` as seen from the component's page (``/component/<name>/index.html``).
STATIC_FROM_COMPONENT = "../../app/static"
NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
TILE_FORMATS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}

_TDT = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}")
_AMAP = "https://{host}0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style={style}&x={x}&y={y}&z={z}"


class TileImportError(ValueError):
    """The tile file cannot be used (message in Chinese)."""


@dataclass(frozen=True)
class Basemap:
    """One basemap choice. ``tiles`` are Leaflet URL templates drawn bottom to top; ``crs`` their coordinate system."""

    key: str
    label: str
    crs: str = "wgs84"
    tiles: tuple[str, ...] = ()
    subdomains: str = ""
    max_zoom: int = 18
    max_native_zoom: int = 18
    online: bool = False

    def to_args(self) -> dict | None:
        """What the browser needs (None for no basemap)."""
        if not self.tiles:
            return None
        return {"tiles": list(self.tiles), "subdomains": self.subdomains, "crs": self.crs, "max_zoom": self.max_zoom,
                "max_native_zoom": self.max_native_zoom}


NONE = Basemap("none", "无底图（离线）")


def _setting(env: str, secret: str) -> str | None:
    value = os.environ.get(env)
    if value:
        return value
    try:
        import streamlit as st

        found = st.secrets.get(secret)
    except Exception:  # no secrets.toml at all: Streamlit raises rather than returning nothing
        return None
    return None if found is None else str(found)


def tianditu_key() -> str | None:
    """The 天地图 browser key from the environment or Streamlit secrets (None when not configured)."""
    key = _setting("TIANDITU_KEY", "tianditu_key")
    return key.strip() if key and key.strip() else None


def tianditu(kind: str, key: str) -> Basemap:
    """天地图 vector (``vec``) or imagery (``img``) with Chinese labels; WGS-84, no shift."""
    base, labels = {"vec": ("vec", "cva"), "img": ("img", "cia")}[kind]
    k = quote(key, safe="")
    tiles = tuple(_TDT.format(layer=layer, key=k, s="{s}", x="{x}", y="{y}", z="{z}") for layer in (base, labels))
    label = {"vec": "天地图 矢量", "img": "天地图 影像"}[kind]
    return Basemap(f"tianditu_{kind}", label, "wgs84", tiles, "01234567", 18, 18, online=True)


def amap(kind: str) -> Basemap:
    """高德 vector (``vec``) or imagery with road labels (``img``); GCJ-02."""
    if kind == "vec":
        tiles = (_AMAP.format(host="webrd", style=8, s="{s}", x="{x}", y="{y}", z="{z}"),)
    else:
        tiles = (_AMAP.format(host="webst", style=6, s="{s}", x="{x}", y="{y}", z="{z}"),
                 _AMAP.format(host="webst", style=8, s="{s}", x="{x}", y="{y}", z="{z}"))
    label = {"vec": "高德 矢量（GCJ-02）", "img": "高德 影像（GCJ-02）"}[kind]
    return Basemap(f"amap_{kind}", label, "gcj02", tiles, "1234", 18, 18, online=True)


def local_tilesets(folder: Path = TILES_DIR) -> list[Basemap]:
    """Tile sets extracted under ``static/tiles`` (each with a ``tileset.json``)."""
    found = []
    for meta_file in sorted(folder.glob("*/tileset.json")) if folder.is_dir() else []:
        name = meta_file.parent.name
        if not NAME.match(name):
            continue
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        ext = TILE_FORMATS.get(str(meta.get("format", "png")).lower(), "png")
        url = f"{STATIC_FROM_COMPONENT}/tiles/{name}/{{z}}/{{x}}/{{y}}.{ext}"
        top = int(meta.get("maxzoom", 18))
        found.append(Basemap(f"local_{name}", f"本地瓦片：{meta.get('label') or name}", meta.get("crs", "wgs84"), (url,),
                             "", 18, top))
    return found


def available(folder: Path = TILES_DIR) -> list[Basemap]:
    """Every basemap this installation offers, the default (no basemap) first."""
    out = [NONE, *local_tilesets(folder)]
    key = tianditu_key()
    if key:
        out += [tianditu("vec", key), tianditu("img", key)]
    if (_setting("PARKMAP_AMAP", "amap") or "1").lower() not in ("0", "false", "no", "off"):
        out += [amap("vec"), amap("img")]
    return out


def by_key(key: str | None, folder: Path = TILES_DIR) -> Basemap:
    """The basemap with ``key``, or no basemap when it is unknown (e.g. a key removed from settings)."""
    return next((b for b in available(folder) if b.key == key), NONE)


def import_mbtiles(path: str | os.PathLike, name: str, *, crs: str = "wgs84", label: str | None = None,
                   folder: Path = TILES_DIR) -> dict:
    """Extract the raster tiles of an MBTiles file to ``folder/name/{z}/{x}/{y}.<ext>`` (XYZ rows).

    MBTiles stores rows bottom-up (TMS); they are flipped here so Leaflet reads them as usual.
    Returns ``{"name", "tiles", "minzoom", "maxzoom", "format"}``.
    """
    from geo.coords import parse_crs

    if not NAME.match(name):
        raise TileImportError(f"瓦片集名称只能包含字母、数字、下划线和短横线：{name}")
    src = Path(path)
    if not src.is_file():
        raise TileImportError(f"找不到瓦片文件：{src}")
    try:
        with closing(sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True)) as con:
            meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
            fmt = TILE_FORMATS.get(str(meta.get("format", "png")).lower())
            if fmt is None:
                raise TileImportError(f"只支持栅格瓦片（png/jpg/webp），该文件为 {meta.get('format')}（矢量瓦片请先渲染为栅格）")
            target = folder / name
            zooms: list[int] = []
            count = 0
            for z, x, row, data in con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
                y = (1 << int(z)) - 1 - int(row)
                out = target / str(z) / str(x) / f"{y}.{fmt}"
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(bytes(data))
                zooms.append(int(z))
                count += 1
    except sqlite3.DatabaseError as exc:
        raise TileImportError(f"不是有效的 MBTiles 文件：{src}（{exc}）") from None
    if not count:
        raise TileImportError(f"MBTiles 文件中没有瓦片：{src}")
    info = {"name": name, "label": label or meta.get("name") or name, "format": fmt, "crs": parse_crs(crs),
            "minzoom": min(zooms), "maxzoom": max(zooms), "tiles": count, "source": src.name}
    (target / "tileset.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return info
