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
import shutil
import sqlite3
import tempfile
import time
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


#: Limits of an MBTiles import: zoom 0–22 (beyond any imagery a county holds), tiles and bytes extracted.
MAX_TILE_ZOOM = 22
MAX_TILES = 1_000_000
MAX_TILE_BYTES = 4 * 1024 * 1024
MAX_TILESET_BYTES = 4 * 1024 * 1024 * 1024
#: Seconds the checking queries may run (a view in a hostile file can be made arbitrarily slow).
CHECK_SECONDS = 60
_SQLITE = b"SQLite format 3\x00"
_BAD_POSITIONS = ("SELECT COUNT(*) FROM tiles WHERE typeof(zoom_level) != 'integer' OR typeof(tile_column) != 'integer' "
                  "OR typeof(tile_row) != 'integer' OR zoom_level < 0 OR zoom_level > ? OR tile_column < 0 OR tile_row < 0 "
                  "OR tile_column >= (1 << zoom_level) OR tile_row >= (1 << zoom_level)")


def _open_mbtiles(src: Path) -> sqlite3.Connection:
    """A read-only connection to ``src`` after checking it is an SQLite file with MBTiles' two tables."""
    with open(src, "rb") as fh:
        if fh.read(len(_SQLITE)) != _SQLITE:
            raise TileImportError(f"“{src.name}”不是 MBTiles 文件（MBTiles 是 SQLite 数据库，该文件不是）")
    con = sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True)
    try:
        con.execute("PRAGMA trusted_schema = OFF")
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    except sqlite3.DatabaseError:
        con.close()
        raise
    if not {"tiles", "metadata"} <= names:
        con.close()
        raise TileImportError(f"“{src.name}”是 SQLite 数据库，但不是 MBTiles 文件（缺少 tiles 或 metadata 表）")
    return con


def _check_tiles(con: sqlite3.Connection, src: Path) -> int:
    """The tile count, after refusing absurd positions, too many tiles or bytes; within CHECK_SECONDS."""
    deadline = time.monotonic() + CHECK_SECONDS
    con.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        count = con.execute("SELECT COUNT(*) FROM tiles").fetchone()[0]
        if count > MAX_TILES:
            raise TileImportError(f"瓦片数量过多（{count:,} 张，上限 {MAX_TILES:,} 张）：请只导出本县范围和所需级别的瓦片")
        if con.execute(_BAD_POSITIONS, (MAX_TILE_ZOOM,)).fetchone()[0]:
            raise TileImportError(f"“{src.name}”中有编号无效的瓦片（级别应为 0–{MAX_TILE_ZOOM} 的整数，行列号不超出该级别范围），已拒绝")
        biggest, total = con.execute("SELECT MAX(LENGTH(tile_data)), SUM(LENGTH(tile_data)) FROM tiles").fetchone()
    except sqlite3.OperationalError as exc:
        if "interrupt" in str(exc).lower():
            raise TileImportError(f"检查“{src.name}”超过 {CHECK_SECONDS} 秒仍未完成，文件结构异常，已拒绝") from None
        raise
    finally:
        con.set_progress_handler(None, 0)
    if (biggest or 0) > MAX_TILE_BYTES or (total or 0) > MAX_TILESET_BYTES:
        raise TileImportError(f"瓦片数据过大（单张上限 {MAX_TILE_BYTES // 1024 // 1024} MB，合计上限 "
                              f"{MAX_TILESET_BYTES // 1024 // 1024 // 1024} GB），已拒绝")
    return count


def _tile_path(root: Path, z, x, row, data, fmt: str) -> Path:
    """Where one tile goes (XYZ row), after checking its numbers and size again: a view may answer differently twice.

    The bytes are not checked against the format: real imagery sets often mix JPEG tiles into a "png" set."""
    if not all(type(v) is int for v in (z, x, row)) or not 0 <= z <= MAX_TILE_ZOOM or not (0 <= x < 1 << z and 0 <= row < 1 << z):
        raise TileImportError(f"有编号无效的瓦片（级别 {z!r}，列 {x!r}，行 {row!r}），已拒绝")
    if not isinstance(data, bytes) or len(data) > MAX_TILE_BYTES:
        raise TileImportError(f"第 {z} 级 {x}/{row} 号瓦片的数据无效或过大，已拒绝")
    return root / str(z) / str(x) / f"{(1 << z) - 1 - row}.{fmt}"


def import_mbtiles(path: str | os.PathLike, name: str, *, crs: str = "wgs84", label: str | None = None,
                   folder: Path = TILES_DIR) -> dict:
    """Extract the raster tiles of an MBTiles file to ``folder/name/{z}/{x}/{y}.<ext>`` (XYZ rows).

    MBTiles stores rows bottom-up (TMS); they are flipped here so Leaflet reads them as usual. Tiles are written to a
    temporary folder beside the target and moved into place only when all are good (a re-import replaces the set);
    nothing is ever written outside ``folder/name``. Refused (:class:`TileImportError`, Chinese): a file that is not
    SQLite or not MBTiles, vector tiles, tile numbers outside zoom 0–22 or their zoom's range, more than
    :data:`MAX_TILES` tiles or :data:`MAX_TILESET_BYTES` bytes, tile data that is not a blob or is too large.
    Returns ``{"name", "tiles", "minzoom", "maxzoom", "format"}``.
    """
    from geo.coords import parse_crs

    if not NAME.match(name):
        raise TileImportError(f"瓦片集名称只能包含字母、数字、下划线和短横线：{name}")
    src = Path(path)
    if not src.is_file():
        raise TileImportError(f"找不到瓦片文件：{src.name}")
    crs_name = parse_crs(crs)
    target = folder / name
    folder.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder))
    try:
        with closing(_open_mbtiles(src)) as con:
            meta = {str(k): str(v)[:200] for k, v in con.execute("SELECT name, value FROM metadata LIMIT 1000")}
            fmt = TILE_FORMATS.get(meta.get("format", "png").lower())
            if fmt is None:
                raise TileImportError(f"只支持栅格瓦片（png/jpg/webp），该文件为 {meta.get('format')}（矢量瓦片请先渲染为栅格）")
            _check_tiles(con, src)
            zooms: set[int] = set()
            count = 0
            for z, x, row, data in con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
                out = _tile_path(partial, z, x, row, data, fmt)
                count += 1
                if count > MAX_TILES:
                    raise TileImportError(f"瓦片数量过多（上限 {MAX_TILES:,} 张）：请只导出本县范围和所需级别的瓦片")
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
                zooms.add(z)
        if not count:
            raise TileImportError(f"MBTiles 文件中没有瓦片：{src.name}")
        info = {"name": name, "label": label or meta.get("name") or name, "format": fmt, "crs": crs_name,
                "minzoom": min(zooms), "maxzoom": max(zooms), "tiles": count, "source": src.name}
        (partial / "tileset.json").write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        partial.rename(target)
    except sqlite3.DatabaseError as exc:
        raise TileImportError(f"不是有效的 MBTiles 文件：{src.name}（文件已损坏或不是 SQLite 数据库）") from exc
    finally:
        if partial.exists():
            shutil.rmtree(partial, ignore_errors=True)
    return info
