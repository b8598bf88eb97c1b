"""Conversion between the coordinate systems used by Chinese map providers.

Three geographic systems are handled, always as ``(lon, lat)`` in degrees:

* ``"wgs84"`` -- WGS-84 (EPSG:4326), GPS, 天地图. CGCS2000 (EPSG:4490) differs
  from WGS-84 by centimetres and is treated as identical.
* ``"gcj02"`` -- GCJ-02 "火星坐标", used by 高德 (AMap) and 腾讯 (Tencent).
* ``"bd09"`` -- BD-09 (bd09ll), used by 百度 (Baidu).

Forward transforms use the standard published formulas (Krasovsky ellipsoid
offset for GCJ-02, the usual rotation/scale for BD-09). The reverse transforms
are solved iteratively against the exact forward formulas, so a round trip
is reproduced to well under a millimetre. All functions are numpy-vectorised
and broadcast their inputs. Validation (:func:`check_in_china`) is separate
from the maths and is applied by :func:`convert` and the geometry helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

if TYPE_CHECKING:
    import geopandas as gpd

CRS_NAMES = ("wgs84", "gcj02", "bd09")

_ALIASES = {
    **dict.fromkeys(("wgs84", "wgs-84", "wgs 84", "gps", "epsg:4326", "4326", "cgcs2000",
                     "epsg:4490", "4490", "天地图", "tianditu"), "wgs84"),
    **dict.fromkeys(("gcj02", "gcj-02", "高德", "amap", "gaode", "腾讯", "tencent",
                     "火星"), "gcj02"),
    **dict.fromkeys(("bd09", "bd-09", "百度", "baidu", "bd09ll"), "bd09"),
}

# China's bounding box (extremes 73.50E-135.08E, 3.86N-53.56N) plus a margin that
# also covers the < 1.2 km GCJ-02/BD-09 shifts of border points.
_LON_RANGE = (73.0, 135.5)
_LAT_RANGE = (3.5, 54.0)

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # Krasovsky first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_EARTH_RADIUS_M = 6371008.8  # IUGG mean Earth radius
_TOL_DEG = 1e-9  # ~0.1 mm
_MAX_ITER = 30


class CoordinateError(ValueError):
    """Invalid coordinates or coordinate-system name (message in Chinese)."""


def parse_crs(name: str) -> str:
    """Return the canonical CRS name (one of :data:`CRS_NAMES`) for an alias.

    Matching ignores case and surrounding whitespace, e.g. ``"GPS"``,
    ``"EPSG:4490"``, ``"高德"``, ``"Baidu"``.

    Raises
    ------
    CoordinateError
        If the name is not a known alias.
    """
    key = str(name).strip().lower()
    if key not in _ALIASES:
        raise CoordinateError(
            f"未知坐标系：{name}；可选 wgs84（GPS/天地图/CGCS2000）、gcj02（高德/腾讯）、bd09（百度）"
        )
    return _ALIASES[key]


def _as_float(values: Any) -> np.ndarray:
    """Float64 array from a scalar, sequence, numpy or pandas object (NA -> NaN)."""
    try:
        if hasattr(values, "to_numpy"):
            return values.to_numpy(dtype="float64", na_value=np.nan)
        return np.asarray(values, dtype="float64")
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"坐标必须是数字：{exc}") from None


def _prepare(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    lon_a, lat_a = _as_float(lon), _as_float(lat)
    scalar = lon_a.ndim == 0 and lat_a.ndim == 0
    lon_b, lat_b = np.broadcast_arrays(lon_a, lat_a)
    return lon_b, lat_b, scalar


def _finish(lon: np.ndarray, lat: np.ndarray, scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(lon), float(lat)
    return np.array(lon, dtype="float64"), np.array(lat, dtype="float64")


def _fmt(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _inside(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return ((lon >= _LON_RANGE[0]) & (lon <= _LON_RANGE[1])
            & (lat >= _LAT_RANGE[0]) & (lat <= _LAT_RANGE[1]))


def _outside(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where a point is outside China; NaN (missing) points are never outside."""
    return ~_inside(lon, lat) & ~(np.isnan(lon) | np.isnan(lat))


def _first_bad(lon: np.ndarray, lat: np.ndarray) -> tuple[int, int]:
    """(index of the first point outside China or -1, number of such points)."""
    bad = _outside(lon, lat)
    count = int(bad.sum())
    return (int(np.argmax(bad)) if count else -1), count


def _point_error(index: int, lon: float, lat: float, what: str = "点", count: int = 1) -> CoordinateError:
    """Chinese message for the ``index``-th (0-based) offending point."""
    x, y = _fmt(lon), _fmt(lat)
    if _inside(np.float64(lat), np.float64(lon)):
        return CoordinateError(
            f"经纬度可能颠倒：第 {index + 1} 个{what} ({x}, {y}) 像是 (纬度, 经度)，请按 经度,纬度 顺序提供"
        )
    more = f"（共 {count} 个{what}超出）" if count > 1 else ""
    return CoordinateError(f"坐标超出中国范围：第 {index + 1} 个{what} (经度 {x}, 纬度 {y}){more}")


def check_in_china(lon: Any, lat: Any) -> None:
    """Check that every point lies inside China's bounding box.

    Parameters
    ----------
    lon, lat : float or array_like
        Longitudes and latitudes in degrees, ``(lon, lat)`` order, any of the
        supported CRS (the box is loose enough for WGS-84, GCJ-02 and BD-09).
        NaN entries (missing positions) are ignored.

    Raises
    ------
    CoordinateError
        For the first offending point (1-based index). If the point would be
        inside China with longitude and latitude exchanged, the message says
        the input looks swapped.
    """
    lon_a, lat_a, _ = _prepare(lon, lat)
    lon_a, lat_a = lon_a.ravel(), lat_a.ravel()
    i, count = _first_bad(lon_a, lat_a)
    if i >= 0:
        raise _point_error(i, lon_a[i], lat_a[i], count=count)


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS-84, in degrees, at the WGS-84 position ``(lon, lat)``."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
            + 0.1 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _wgs_to_gcj(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def _gcj_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_approx(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(forward: Callable, lon: np.ndarray, lat: np.ndarray,
            start: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``forward(x) == (lon, lat)`` by fixed-point iteration from ``start``."""
    x_lon, x_lat = start
    for _ in range(_MAX_ITER):
        f_lon, f_lat = forward(x_lon, x_lat)
        err_lon, err_lat = f_lon - lon, f_lat - lat
        # Converged points are frozen so results don't depend on the batch; NaN compares
        # False, so missing points never count as unconverged.
        active = (np.abs(err_lon) > _TOL_DEG) | (np.abs(err_lat) > _TOL_DEG)
        if not np.any(active):
            break
        x_lon = np.where(active, x_lon - err_lon, x_lon)
        x_lat = np.where(active, x_lat - err_lat, x_lat)
    return x_lon, x_lat


def _gcj_to_wgs(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_offset(lon, lat)
    return _invert(_wgs_to_gcj, lon, lat, (lon - dlon, lat - dlat))


def _bd_to_gcj(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _invert(_gcj_to_bd, lon, lat, _bd_to_gcj_approx(lon, lat))


def _public(name: str, kernel: Callable, summary: str) -> Callable:
    """Wrap an ndarray kernel as a public ``(lon, lat) -> (lon, lat)`` function."""
    def func(lon: Any, lat: Any) -> tuple[Any, Any]:
        lon_a, lat_a, scalar = _prepare(lon, lat)
        return _finish(*kernel(lon_a, lat_a), scalar)

    func.__name__ = func.__qualname__ = name
    func.__doc__ = f"""{summary}

    Parameters
    ----------
    lon, lat : float or array_like
        Degrees, ``(lon, lat)`` order, broadcast together; NaN propagates.

    Returns
    -------
    tuple
        ``(lon, lat)``: floats for scalar input, ndarrays otherwise.
        No range check is made here; see :func:`convert`.
    """
    return func


wgs84_to_gcj02 = _public("wgs84_to_gcj02", _wgs_to_gcj,
                         "WGS-84/CGCS2000 (EPSG:4326/4490) -> GCJ-02 (高德/腾讯).")
gcj02_to_wgs84 = _public("gcj02_to_wgs84", _gcj_to_wgs,
                         "GCJ-02 -> WGS-84, iterative inverse (round trip < 1 mm).")
gcj02_to_bd09 = _public("gcj02_to_bd09", _gcj_to_bd, "GCJ-02 -> BD-09 (百度 bd09ll).")
bd09_to_gcj02 = _public("bd09_to_gcj02", _bd_to_gcj,
                        "BD-09 -> GCJ-02, iterative inverse of :func:`gcj02_to_bd09`.")
wgs84_to_bd09 = _public("wgs84_to_bd09", lambda x, y: _gcj_to_bd(*_wgs_to_gcj(x, y)),
                        "WGS-84 -> BD-09 (via GCJ-02).")
bd09_to_wgs84 = _public("bd09_to_wgs84", lambda x, y: _gcj_to_wgs(*_bd_to_gcj(x, y)),
                        "BD-09 -> WGS-84 (via GCJ-02, both steps iterative).")

_ROUTES: dict[tuple[str, str], Callable] = {
    ("wgs84", "gcj02"): wgs84_to_gcj02, ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("gcj02", "bd09"): gcj02_to_bd09, ("bd09", "gcj02"): bd09_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09, ("bd09", "wgs84"): bd09_to_wgs84,
}


def convert(lon: Any, lat: Any, src: str, dst: str) -> tuple[Any, Any]:
    """Convert ``(lon, lat)`` from ``src`` to ``dst`` after checking they lie in China.

    Parameters
    ----------
    lon, lat : float or array_like
        Degrees, ``(lon, lat)`` order, in CRS ``src``. NaN marks a missing point.
    src, dst : str
        CRS names or aliases accepted by :func:`parse_crs`.

    Returns
    -------
    (lon, lat) : floats for scalar input, ndarrays otherwise, in CRS ``dst``.

    Raises
    ------
    CoordinateError
        Unknown CRS name, non-numeric input, or a point outside China.
    """
    src, dst = parse_crs(src), parse_crs(dst)
    lon_a, lat_a, scalar = _prepare(lon, lat)
    check_in_china(lon_a, lat_a)
    if src == dst:
        return _finish(lon_a, lat_a, scalar)
    return _ROUTES[src, dst](lon_a, lat_a)


def _coordinate_function(src: str, dst: str) -> Callable[[np.ndarray], np.ndarray]:
    route = _ROUTES[src, dst]

    def apply(coords: np.ndarray) -> np.ndarray:
        out = np.array(coords, dtype="float64")
        out[:, 0], out[:, 1] = route(coords[:, 0], coords[:, 1])
        return out  # any z column is carried through unchanged

    return apply


def transform_geometry(geom: shapely.Geometry | None, src: str, dst: str) -> shapely.Geometry | None:
    """Convert every vertex of a shapely geometry from ``src`` to ``dst``.

    Coordinates are ``(lon, lat)`` degrees; z values are kept. ``None`` and empty
    geometries are returned unchanged.

    Raises
    ------
    CoordinateError
        Unknown CRS name or a vertex outside China (index counts vertices).
    """
    src, dst = parse_crs(src), parse_crs(dst)
    if geom is None or geom.is_empty:
        return geom
    coords = shapely.get_coordinates(geom)
    i, count = _first_bad(coords[:, 0], coords[:, 1])
    if i >= 0:
        raise _point_error(i, coords[i, 0], coords[i, 1], what="顶点", count=count)
    if src == dst:
        return geom
    return shapely.transform(geom, _coordinate_function(src, dst), include_z=None)


def transform_geoseries(gs: gpd.GeoSeries | gpd.GeoDataFrame, src: str, dst: str) -> gpd.GeoSeries:
    """Convert all geometries of a GeoSeries (or a GeoDataFrame's geometry) at once.

    Parameters
    ----------
    gs : GeoSeries or GeoDataFrame
        Geometries in ``(lon, lat)`` degrees. Its ``crs`` must be unset or
        geographic (EPSG:4326/4490); GCJ-02/BD-09 data is conventionally
        labelled EPSG:4326 too.
    src, dst : str
        CRS names or aliases accepted by :func:`parse_crs`.

    Returns
    -------
    GeoSeries
        New series, same index and name, ``crs="EPSG:4326"``. Missing/empty
        geometries are kept as they are.

    Raises
    ------
    CoordinateError
        Unknown CRS name, projected input CRS, or a vertex outside China
        (the message gives the 1-based row of the first offending geometry).
    """
    import geopandas as gpd

    series = gs.geometry if isinstance(gs, gpd.GeoDataFrame) else gs
    src, dst = parse_crs(src), parse_crs(dst)
    if series.crs is not None and not series.crs.is_geographic:
        raise CoordinateError(f"几何数据为投影坐标系（{series.crs.name}），请先转换为经纬度 EPSG:4326")
    geoms = np.asarray(series.values, dtype=object)
    coords, rows = shapely.get_coordinates(geoms, return_index=True)
    k, _ = _first_bad(coords[:, 0], coords[:, 1])
    if k >= 0:  # report the first offending vertex against its row
        n_rows = len(np.unique(rows[_outside(coords[:, 0], coords[:, 1])]))
        raise _point_error(int(rows[k]), coords[k, 0], coords[k, 1], what="图形", count=n_rows)
    if src != dst:
        geoms = shapely.transform(geoms, _coordinate_function(src, dst), include_z=None)
    return gpd.GeoSeries(geoms, index=series.index, name=series.name, crs="EPSG:4326")


def haversine_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Great-circle distance in metres between ``(lon1, lat1)`` and ``(lon2, lat2)``.

    Degrees in, any consistent CRS (spherical Earth, R = 6 371 008.8 m).
    Returns a float for scalar input, an ndarray otherwise.
    """
    arrays = [_as_float(v) for v in (lon1, lat1, lon2, lat2)]
    lam1, phi1, lam2, phi2 = np.radians(np.broadcast_arrays(*arrays))
    h = (np.sin((phi2 - phi1) / 2.0) ** 2
         + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2.0) ** 2)
    dist = 2.0 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(dist) if all(a.ndim == 0 for a in arrays) else dist
