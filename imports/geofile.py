"""Boundary files from users (GeoJSON, a zipped Shapefile, GeoPackage, a .shp beside its parts) as a GeoDataFrame.

The format comes from the bytes. A zip is checked before anything is inflated and extracted by
:mod:`imports.archive` into a temporary folder only (zip bombs and ``../`` names are refused); a Shapefile must
have its .shx and .dbf. A .dbf without a .cpg is often GBK (Chinese ArcGIS/SuperMap exports): names read as
mojibake are read again as GB18030. When a file holds several layers, the first polygon layer is read and the
others' names are left in ``frame.attrs["other_layers"]`` for the caller to mention; nothing is merged. Geometry
problems (bow-ties, empty polygons) are the caller's (:mod:`imports.parks`). Errors are
:class:`imports.sheet.LedgerError` with a Chinese sentence that never shows a temporary path.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path, PurePosixPath

import geopandas as gpd

from imports import archive
from imports.sheet import MAX_UPLOAD_BYTES, LedgerError

SPATIAL = (".shp", ".gpkg", ".geojson", ".json")
#: Side files extracted with a Shapefile; anything else in a zip is left packed.
SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".fix", ".shp.xml")
FORMATS = "GeoJSON（.geojson/.json）、Shapefile（.shp/.shx/.dbf/.prj 压缩成一个 .zip）或 GeoPackage（.gpkg）"
_SHP_MAGIC = b"\x00\x00\x27\x0a"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GARBLED = set(range(0x80, 0x100)) | {0xFFFD}


def _refuse(name: str, why: str) -> LedgerError:
    return LedgerError(f"无法读取边界文件“{name}”：{why}")


def _kind(raw: bytes, name: str) -> str:
    """"zip", "gpkg", "geojson" from the content; a bare .shp and other files are refused."""
    if raw[:2] == b"PK":
        return "zip"
    if raw.startswith(_SQLITE_MAGIC):
        return "gpkg"
    if raw.startswith(_SHP_MAGIC):
        raise _refuse(name, "只上传了 .shp，缺少 .shx、.dbf 等配套文件；请把同名的 .shp、.shx、.dbf、.prj（和 .cpg）一起压缩成一个 .zip 上传")
    head = raw[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return "geojson"
    what = "这是 KML 文件" if head.startswith(b"<") and b"<kml" in raw[:4096].lower() else "无法识别的文件格式"
    raise _refuse(name, f"{what}；请上传 {FORMATS}")


def _geojson_bytes(raw: bytes, name: str, encoding: str | None) -> bytes:
    """UTF-8 GeoJSON text (a GBK-saved file is re-encoded), refused when it is not JSON at all."""
    try:
        text = raw.decode(encoding or "utf-8-sig")
    except (UnicodeDecodeError, LookupError):
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise _refuse(name, "文件编码无法识别（GeoJSON 应为 UTF-8 编码）") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refuse(name, f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列附近有错误），请确认文件完整、未被截断") from None
    except RecursionError:
        raise _refuse(name, "JSON 嵌套层数过多，不是正常的 GeoJSON") from None
    if not isinstance(data, dict) or data.get("type") not in ("FeatureCollection", "Feature", "Polygon", "MultiPolygon",
                                                              "GeometryCollection"):
        raise _refuse(name, "JSON 内容不是 GeoJSON（缺少 \"type\": \"FeatureCollection\"）")
    return text.encode("utf-8")


def _layers(path: Path) -> list[tuple[str, str]]:
    """(layer, geometry type) of each spatial layer in ``path`` (tables without geometry left out)."""
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's complaints about a damaged file, naming our temp path
        return [(str(name), str(kind)) for name, kind in pyogrio.list_layers(path) if kind is not None]


def _read(path: Path, layer: str | None, encoding: str | None, shown: str) -> gpd.GeoDataFrame:
    kwargs = {"engine": "pyogrio", **({"layer": layer} if layer is not None else {}), **({"encoding": encoding} if encoding else {})}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return gpd.read_file(path, **kwargs)
    except Exception as exc:  # pyogrio/GDAL raise many kinds for a damaged file; their text names our temp path
        raise _refuse(shown, "文件已损坏、不完整或格式不受支持") from exc


def _garbled(frame: gpd.GeoDataFrame) -> bool:
    """Text columns that hold Latin-1 mojibake or U+FFFD and no CJK: a GBK .dbf decoded with the wrong code page."""
    texts = [v for c in frame.columns if c != frame.geometry.name for v in frame[c].head(200) if isinstance(v, str)]
    texts += [str(c) for c in frame.columns]
    odd = any(ord(ch) in _GARBLED for t in texts for ch in t)
    cjk = any("\u4e00" <= ch <= "\u9fff" for t in texts for ch in t)
    return odd and not cjk


def _pick_layer(found: list[tuple[Path, str, str]], shown: str) -> tuple[Path, str, list[str]]:
    """The first polygon layer (else the first spatial layer) and the names of the others."""
    if not found:
        raise _refuse(shown, f"没有空间图层；请上传 {FORMATS}")
    chosen = next((f for f in found if "polygon" in f[2].lower()), found[0])
    others = [layer if p.suffix.lower() == ".gpkg" else p.name for p, layer, _ in found if (p, layer) != chosen[:2]]
    return chosen[0], chosen[1], others


def _read_path(path: Path, shown: str, encoding: str | None) -> gpd.GeoDataFrame:
    """Read ``path`` (.shp with parts beside it, .gpkg or .geojson): first polygon layer, GBK fallback for .dbf."""
    try:
        found = [(path, layer, kind) for layer, kind in _layers(path)]
    except Exception as exc:  # GDAL cannot even list the layers
        raise _refuse(shown, "文件已损坏、不完整或格式不受支持") from exc
    return _read_layers(found, shown, encoding)


def _read_layers(found: list[tuple[Path, str, str]], shown: str, encoding: str | None) -> gpd.GeoDataFrame:
    path, layer, others = _pick_layer(found, shown)
    multi_layer_file = path.suffix.lower() == ".gpkg"
    frame = _read(path, layer if multi_layer_file else None, encoding, shown)
    if encoding is None and path.suffix.lower() == ".shp" and _garbled(frame):
        frame = _read(path, None, "GB18030", shown)
    frame.attrs = {"other_layers": others, "layer": layer}
    return frame


def _shapefile_parts(shp: Path, files: set[str], shown: str) -> None:
    stem = str(shp.with_suffix("")).lower()
    missing = [ext for ext in (".shx", ".dbf") if stem + ext not in files]
    if missing:
        raise _refuse(shown, f"{shp.name} 缺少 {'、'.join(missing)} 文件（Shapefile 至少需要同名的 .shp、.shx、.dbf 三个文件，"
                             "请一起压缩成 .zip 上传）")


def _wanted(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    lower = name.lower()
    return (not any(p.startswith(("__MACOSX", "._")) for p in parts)
            and lower.endswith(SPATIAL + SIDECARS))


def _read_zip(raw: bytes, shown: str, encoding: str | None, folder: Path) -> gpd.GeoDataFrame:
    try:
        zf = archive.open_zip(raw)
        unsafe = [i.filename for i in zf.infolist() if archive.safe_name(i.filename) is None]
        if unsafe:
            raise archive.UnsafeArchive(f"压缩包内含有不安全的路径“{unsafe[0]}”（指向压缩包以外），已拒绝")
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
        spatial = sorted(n for n in names if _wanted(n) and n.lower().endswith(SPATIAL))
        if not spatial:
            nested = any(n.lower().endswith((".zip", ".rar", ".7z")) for n in names)
            raise LedgerError(f"压缩包“{shown}”中没有 .shp/.gpkg/.geojson 文件"
                              + ("（里面还套着压缩包，请解压后只压缩一层）" if nested else f"；请上传 {FORMATS}"))
        files = {n.lower() for n in names}
        for n in spatial:
            if n.lower().endswith(".shp"):
                _shapefile_parts(Path(n), files, shown)
        archive.extract(raw, zf, folder, keep=_wanted)
    except archive.UnsafeArchive as exc:
        raise _refuse(shown, str(exc)) from None
    found = []
    for n in spatial:
        path = folder / archive.safe_name(n)
        try:
            found += [(path, layer, kind) for layer, kind in _layers(path)]
        except Exception as exc:  # a damaged member makes the upload unreadable: say which (a stray .json is skipped)
            if not n.lower().endswith(".json"):
                raise _refuse(shown, f"压缩包中的 {path.name} 已损坏或格式不受支持") from exc
    return _read_layers(found, shown, encoding)


def read_geofile(source: str | Path | bytes, filename: str | None = None, encoding: str | None = None) -> gpd.GeoDataFrame:
    """The features of an uploaded boundary file, in the file's own CRS (None when it has none).

    Parameters
    ----------
    source : path or bytes
        GeoJSON, a .zip holding a Shapefile (or a .gpkg/.geojson), a GeoPackage, or the path of a .shp whose
        .shx/.dbf lie beside it. At most :data:`imports.sheet.MAX_UPLOAD_BYTES`.
    filename : str, optional
        The name as uploaded, for messages.
    encoding : str, optional
        The .dbf's text encoding (e.g. ``"GBK"``), overriding its .cpg and the GB18030 fallback.

    Returns
    -------
    geopandas.GeoDataFrame
        ``attrs["layer"]`` is the layer read, ``attrs["other_layers"]`` the names of layers left unread.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw, path = bytes(source), None
    else:
        path = Path(source)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise LedgerError(f"无法打开文件“{path.name}”：文件不存在或没有读取权限") from exc
        if size > MAX_UPLOAD_BYTES:
            raise _refuse(path.name, f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）")
        if path.suffix.lower() == ".shp":
            siblings = {str(p).lower() for p in path.parent.iterdir()}
            _shapefile_parts(path, siblings, path.name)
            return _read_path(path, path.name, encoding)
        raw = path.read_bytes()
    shown = Path(filename or (path.name if path else "上传文件")).name
    if len(raw) > MAX_UPLOAD_BYTES:
        raise _refuse(shown, f"文件过大（{len(raw) / 1024 / 1024:.1f} MB，上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）")
    if not raw.strip():
        raise _refuse(shown, "文件是空的")
    kind = _kind(raw, shown)
    with tempfile.TemporaryDirectory(prefix="parkmap-geo-") as tmp:
        folder = Path(tmp)
        if kind == "zip":
            return _read_zip(raw, shown, encoding, folder)
        target = folder / ("upload.gpkg" if kind == "gpkg" else "upload.geojson")
        target.write_bytes(raw if kind == "gpkg" else _geojson_bytes(raw, shown, encoding))
        return _read_path(target, shown, encoding)
