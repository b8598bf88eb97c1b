"""Import park boundaries (GeoJSON / Shapefile / GeoPackage) and park capacity ledgers (承载力台账) into ``parks``.

Boundaries: any file GDAL reads through pyogrio (``.geojson``/``.json``, ``.shp`` with its side files or a
``.zip`` of them, ``.gpkg``). A file with a coordinate system (a ``.prj``, a GeoPackage SRS; CGCS2000
Gauss-Krüger EPSG:4513–4554 included) is reprojected to EPSG:4326. A file without one is refused unless
the caller names it: an EPSG code (``4547``) or, for lon/lat data, ``wgs84``/``gcj02``/``bd09``
(:mod:`geo.coords`; GCJ-02/BD-09 are converted to WGS-84). Naming a system also overrides the file's own,
which is how AMap-derived GeoJSON labelled EPSG:4326 but really in GCJ-02 is handled. Features are matched to
stored parks by name (:class:`imports.places.ParkMatcher`); unmatched names create parks, placed in the
county that contains them.

Capacity ledgers update the supply/used figures of stored parks (blank cells keep the stored value) and, when a
年度 column is present, the yearly 税收/产值/建筑面积/固定资产投资 of ``park_metrics``. Units written in headers
are converted: 公顷/平方公里 → 亩, MVA/万千伏安 → kVA, 万吨 → 吨, 万立方米 → m³, 万吨标准煤 → tce.
Both imports write in one transaction or not at all.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo import coords
from imports.geofile import read_geofile
from imports.ledger import Field, LedgerSchema
from imports.pipeline import MONEY_MAX_WAN, Kind, Limit, Options, Write, blank, ledger_reader, run, scaled
from imports.places import ParkMatcher, UnitMatcher
from imports.report import ImportReport
from imports.sheet import LedgerError
from imports.values import norm
from layers import park_metrics, parks, regions
from layers.vocab import PARK_LEVELS
from store.tables import CLEAR

IMPORT_USER = "园区导入"
PARK_LABELS = {"name": "园区名称", "level": "园区级别", "positioning": "主导产业", "county_adcode": "所在县区"}
NAME_FIELDS = ("name", "名称", "园区名称", "园区", "开发区名称", "park_name", "park", "yqmc", "mc")
LEVEL_FIELDS = ("level", "级别", "园区级别")
POSITIONING_FIELDS = ("positioning", "主导产业", "产业定位")
NO_CRS = ("文件没有坐标系信息（缺少 .prj 或未定义坐标系），已拒绝导入。请指定坐标系：投影坐标用 EPSG 代码，"
          "如 --crs 4547（CGCS2000 3度带 中央经线114°E）；经纬度数据用 --crs wgs84（GPS/天地图/CGCS2000）、"
          "gcj02（高德/腾讯）或 bd09（百度）")


class ParkImportError(LedgerError):
    """The boundary file as a whole cannot be imported (unreadable, no CRS, no name column); Chinese message."""


def _named_crs(text: str) -> tuple[str, object]:
    """("lonlat", "wgs84"|"gcj02"|"bd09") or ("proj", pyproj.CRS) for a user-given coordinate system."""
    try:
        return "lonlat", coords.parse_crs(text)
    except coords.CoordinateError:
        pass
    code = str(text).strip().upper().removeprefix("EPSG:")
    try:
        crs = pyproj.CRS.from_epsg(int(code)) if code.isdigit() else pyproj.CRS.from_user_input(str(text))
    except (pyproj.exceptions.CRSError, ValueError):
        raise ParkImportError(f"无法识别的坐标系：“{text}”；请用 EPSG 代码（如 4547）或 wgs84/gcj02/bd09") from None
    return ("lonlat", "wgs84") if crs.is_geographic and crs.to_epsg() in (4326, 4490) else ("proj", crs)


def _to_wgs84(frame: gpd.GeoDataFrame, crs: str | None, report: ImportReport) -> gpd.GeoSeries:
    series = frame.geometry
    if crs is None:
        if series.crs is None:
            raise ParkImportError(NO_CRS)
        if series.crs.is_geographic and len(series) and not np.all(np.abs(series.total_bounds) <= [180, 90, 180, 90]):
            raise ParkImportError("文件标注为经纬度，但坐标值像是投影坐标（米）。" + NO_CRS.split("。", 1)[1])
        report.crs = series.crs.to_string()
        out = series.to_crs("EPSG:4326") if series.crs.to_epsg() != 4326 else series
        return coords.transform_geoseries(out, "wgs84", "wgs84")
    kind, named = _named_crs(crs)
    if series.crs is not None and kind == "proj" and pyproj.CRS(series.crs) != named:
        report.warn(f"文件自带坐标系 {series.crs.name}，已按指定的 {named.name} 处理")
    if kind == "proj":
        report.crs = named.to_string()
        return coords.transform_geoseries(series.set_crs(named, allow_override=True).to_crs("EPSG:4326"), "wgs84", "wgs84")
    if series.crs is not None and not series.crs.is_geographic:
        raise ParkImportError(f"文件为投影坐标系（{series.crs.name}），不能按经纬度 {crs} 处理；请用 EPSG 代码或去掉 --crs")
    report.crs = named
    return coords.transform_geoseries(series.set_crs("EPSG:4326", allow_override=True), named, "wgs84")


def _column(frame: pd.DataFrame, wanted: tuple[str, ...], explicit: str | None = None) -> str | None:
    if explicit:
        if explicit not in frame.columns:
            raise ParkImportError(f"文件中没有字段“{explicit}”（现有字段：{'、'.join(map(str, frame.columns.drop('geometry')))}）")
        return explicit
    lookup = {norm(c): c for c in frame.columns if c != "geometry"}
    return next((lookup[norm(w)] for w in wanted if norm(w) in lookup), None)


def read_park_polygons(source, *, filename: str | None = None, crs: str | None = None, name_field: str | None = None,
                       encoding: str | None = None) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Park polygons in EPSG:4326 with ``name`` (and ``level``/``positioning`` when the file has them) plus ``_row``.

    Features without a name or with a non-polygon/empty geometry are rejected in the report.
    """
    name = Path(filename or (str(source) if isinstance(source, (str, Path)) else "上传文件")).name
    report = ImportReport(file=name, kind="园区边界")
    frame = read_geofile(source, filename=filename, encoding=encoding)
    others = frame.attrs.get("other_layers") or []
    if others:
        report.warn(f"文件中有多个图层，只导入了“{frame.attrs.get('layer')}”", detail="、".join(map(str, others)))
    name_col = _column(frame, NAME_FIELDS, name_field)
    if name_col is None:
        raise ParkImportError(f"没有找到园区名称字段（如 name、名称、园区名称）；现有字段：{'、'.join(map(str, frame.columns.drop('geometry')))}，"
                              "可用 --name-field 指定")
    try:
        geoms = _to_wgs84(frame, crs, report)
    except coords.CoordinateError as exc:
        raise ParkImportError(f"{exc}（请确认坐标系，必要时用 --crs 指定）") from exc
    level_col, positioning_col = _column(frame, LEVEL_FIELDS), _column(frame, POSITIONING_FIELDS)
    rows = []
    for i, (geom, label) in enumerate(zip(geoms, frame[name_col], strict=True), start=1):
        text = None if label is None or pd.isna(label) else str(label).strip()
        if not text:
            report.reject(i, name_col, "缺少园区名称")
        elif geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            report.reject(i, "几何", f"不是面状要素：{'空' if geom is None or geom.is_empty else geom.geom_type}")
        else:
            geom = shapely.make_valid(shapely.force_2d(geom)) if not geom.is_valid else shapely.force_2d(geom)
            row = {"_row": i, "name": text, "geometry": geom}
            if level_col and frame[level_col].iloc[i - 1] in PARK_LEVELS:
                row["level"] = frame[level_col].iloc[i - 1]
            if positioning_col and isinstance(frame[positioning_col].iloc[i - 1], str):
                row["positioning"] = frame[positioning_col].iloc[i - 1].strip()
            rows.append(row)
    out = gpd.GeoDataFrame(rows, columns=["_row", "name", "level", "positioning", "geometry"], geometry="geometry", crs="EPSG:4326")
    return out, report


def park_key(name: str) -> str:
    """Stable id for a park created by an import (same name → same id)."""
    return "PK-" + hashlib.sha1(norm(name).encode("utf-8")).hexdigest()[:10]


def _resolve_polygons(ctx, frame: gpd.GeoDataFrame) -> list[Write]:
    """Stored parks matched by name get the new boundary (and level/positioning when given); unknown names become new
    parks in the county that contains them."""
    report = ctx.report
    matcher = ParkMatcher(ctx.con)
    counties = regions.load(ctx.con, level="county")
    rows, seen = {}, {}
    for rec in frame.to_dict("records"):
        if rec["name"] in seen:
            report.warn("同名要素以后者为准", row=rec["_row"], detail=f"{rec['name']}（第 {seen[rec['name']]} 个要素）")
        seen[rec["name"]] = rec["_row"]
        attrs = {k: rec[k] for k in ("level", "positioning") if isinstance(rec.get(k), str)}
        hit = matcher.match(rec["name"])
        if hit:
            rows[hit[0]] = {"park_id": hit[0], "_row": rec["_row"], "_name": hit[1], "geometry": rec["geometry"], **attrs}
            continue
        point = rec["geometry"].representative_point()
        inside = counties[counties.geometry.contains(point)] if len(counties) else counties
        county = inside["adcode"].iloc[0] if len(inside) else None
        if county is None:
            report.warn("园区不在已加载的任何县（市、区）内，县区留空", row=rec["_row"], detail=rec["name"])
        rows[park_key(rec["name"])] = {"park_id": park_key(rec["name"]), "_row": rec["_row"], "_name": rec["name"], "name": rec["name"],
                                       "county_adcode": county, "geometry": rec["geometry"], **attrs}
    if not rows:
        return []
    out = gpd.GeoDataFrame(pd.DataFrame(list(rows.values())), geometry="geometry", crs="EPSG:4326")
    return [Write(parks.SPEC, out, primary=True)]


def _read_polygons(source, filename, options):
    frame, report = read_park_polygons(source, filename=filename, crs=options.crs, name_field=options.name_field,
                                       encoding=options.encoding)
    return frame, report


def polygon_kind() -> Kind:
    """Park boundaries for :func:`imports.pipeline.run` (no ledger date: boundaries do not move 数据截至)."""
    return Kind("park_polygons", "园区边界", "parks", _read_polygons, _resolve_polygons, labels=PARK_LABELS, dated=False)


def import_park_polygons(con: duckdb.DuckDBPyConnection, source, *, filename: str | None = None, crs: str | None = None,
                         name_field: str | None = None, encoding: str | None = None, user: str = IMPORT_USER,
                         dry_run: bool = False, expect: str | None = None) -> ImportReport:
    """Set the boundary of each named park (creating unknown parks); one batch; returns the report."""
    return run(con, polygon_kind(), source, user=user, filename=filename,
               options=Options(crs=crs, name_field=name_field, encoding=encoding), dry_run=dry_run, expect=expect)


# --- capacity ledger ----------------------------------------------------------------------------------------------

LEVELS = {lv: lv for lv in PARK_LEVELS} | {"国家": "国家级", "省": "省级", "市": "市级"}
#: field → ((unit text in the header, factor to the stored unit), …); the first hit wins, so longer units come first.
UNIT_FACTORS = {
    "area": (("平方公里", 1500.0), ("km2", 1500.0), ("km²", 1500.0), ("公顷", 15.0), ("ha", 15.0), ("亩", 1.0)),
    "power": (("万千伏安", 10_000.0), ("万kva", 10_000.0), ("mva", 1000.0), ("兆伏安", 1000.0), ("kva", 1.0), ("千伏安", 1.0)),
    "water": (("万吨", 10_000.0), ("万立方米", 10_000.0), ("万m3", 10_000.0), ("万m³", 10_000.0)),
    "gas": (("万立方米", 10_000.0), ("万m3", 10_000.0), ("万m³", 10_000.0), ("万方", 10_000.0)),
    "energy": (("万吨标准煤", 10_000.0), ("万吨标煤", 10_000.0), ("万tce", 10_000.0)),
    "floor": (("万平方米", 10_000.0), ("万㎡", 10_000.0), ("万m2", 10_000.0)),
}
SUPPLY_FIELDS = {
    "planned_area_mu": "area", "built_area_mu": "area", "available_land_mu": "area",
    "power_total_kva": "power", "power_used_kva": "power", "water_total_t_d": "water", "water_used_t_d": "water",
    "gas_total_m3_d": "gas", "gas_used_m3_d": "gas", "energy_quota_tce": "energy", "energy_used_tce": "energy",
}
METRIC_FIELDS = ("tax_wan", "output_wan", "floor_area_m2", "fixed_investment_wan")
CAPACITY_SCHEMA = LedgerSchema(
    kind="园区承载力台账",
    fields=(
        Field("park_name", "园区名称", ("园区", "开发区名称", "开发区", "园区（开发区）", "产业园名称"), required=True),
        Field("county", "所在县区", ("县（市、区）", "县市区", "县区", "所属县区")),
        Field("level", "园区级别", ("级别", "开发区级别"), kind="choice", choices=LEVELS),
        Field("positioning", "主导产业", ("产业定位", "主导产业定位")),
        Field("planned_area_mu", "规划面积", ("规划用地面积", "规划用地"), kind="number"),
        Field("built_area_mu", "建成面积", ("已建成面积", "建成区面积", "已开发面积"), kind="number"),
        Field("available_land_mu", "可供地", ("可供地面积", "待建地", "可供土地", "可出让土地", "剩余可用地", "可供地/待建地"), kind="number"),
        Field("power_total_kva", "供电容量", ("变电容量", "电力容量", "供电能力", "总用电容量"), kind="number"),
        Field("power_used_kva", "已用电力", ("已用电容量", "已用容量", "已用供电容量"), kind="number"),
        Field("water_total_t_d", "供水能力", ("日供水能力", "供水规模"), kind="number"),
        Field("water_used_t_d", "已用水量", ("日用水量", "已用供水能力"), kind="number"),
        Field("gas_total_m3_d", "供气能力", ("日供气能力", "供气规模"), kind="number"),
        Field("gas_used_m3_d", "已用气量", ("日用气量", "已用供气能力"), kind="number"),
        Field("energy_quota_tce", "用能指标", ("能耗指标", "用能总量指标", "能耗总量指标"), kind="number"),
        Field("energy_used_tce", "已用能耗", ("已用用能指标", "已用能耗指标", "能耗已用"), kind="number"),
        Field("year", "年度", ("年份", "统计年度"), kind="int"),
        Field("tax_wan", "税收", ("税收收入", "税收总额", "实缴税金"), kind="money"),
        Field("output_wan", "产值", ("工业总产值", "总产值", "营业收入"), kind="money"),
        Field("floor_area_m2", "建筑面积", ("总建筑面积", "建筑总面积"), kind="number"),
        Field("fixed_investment_wan", "固定资产投资", ("累计固定资产投资", "累计投资"), kind="money"),
    ),
)


def _factor(kind: str, header: str) -> float:
    text = norm(header)
    return next((f for unit, f in UNIT_FACTORS[kind] if norm(unit) in text), 1.0)


def _capacity_units(frame: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    """Capacity figures in the stored units (公顷 → 亩, MVA → kVA …) from the units written in the headers."""
    out = frame.copy()
    for column, kind in (*SUPPLY_FIELDS.items(), ("floor_area_m2", "floor")):
        if column in out:
            out[column] = scaled(out[column], _factor(kind, report.columns.get(column, "")))
    return out


def _resolve_capacity(ctx, frame: pd.DataFrame) -> list[Write]:
    """Stored parks' supply/used figures (a blank keeps the stored figure) and, with a 年度 column, their yearly metrics."""
    report = ctx.report
    matcher, units = ParkMatcher(ctx.con), UnitMatcher(ctx.con)
    supply_columns = [c for c in (*SUPPLY_FIELDS, "level", "positioning") if c in frame]
    metric_columns = [c for c in METRIC_FIELDS if c in frame]
    if metric_columns and "year" not in frame:
        report.warn("台账有税收/产值等指标但没有“年度”列：这些指标未导入")
        metric_columns = []
    park_rows, metrics = {}, {}
    for rec in frame.to_dict("records"):
        hit = matcher.match(rec["park_name"])
        if hit is None:
            report.reject(rec["_row"], report.columns.get("park_name", "园区名称"), f"未找到园区“{rec['park_name']}”：请先导入园区边界")
            continue
        row = {"park_id": hit[0], "_row": rec["_row"], "_name": hit[1], **{c: rec.get(c) for c in supply_columns}}
        county = rec.get("county")
        if county and county is not CLEAR:
            unit = units.match(county)
            if unit is None:
                report.warn("县区无法识别，未修改园区所在县区", row=rec["_row"], detail=str(county))
            else:
                row["county_adcode"] = unit["county_adcode"]
        for total, used in (("power_total_kva", "power_used_kva"), ("water_total_t_d", "water_used_t_d"),
                            ("gas_total_m3_d", "gas_used_m3_d"), ("energy_quota_tce", "energy_used_tce")):
            a, b = row.get(used), row.get(total)
            if isinstance(a, float) and isinstance(b, float) and not (pd.isna(a) or pd.isna(b)) and a > b:
                report.warn("已用量超过总量，请核实", row=rec["_row"], detail=f"{hit[1]} {report.columns.get(used, used)}")
        if hit[0] in park_rows:
            report.warn("园区在台账中出现多次，以后面的行为准", row=rec["_row"], detail=hit[1])
            merged = park_rows[hit[0]]
            merged.update({k: v for k, v in row.items() if not blank(v)})
        else:
            park_rows[hit[0]] = row
        year = rec.get("year")
        figures = {c: rec.get(c) for c in metric_columns}
        if metric_columns and not blank(year) and year is not CLEAR and any(not blank(v) for v in figures.values()):
            key = park_metrics.metric_id(hit[0], year)
            metrics[key] = {"metric_id": key, "park_id": hit[0], "year": int(year), "_row": rec["_row"], "_name": f"{hit[1]} {int(year)}年",
                            **figures}
    writes = []
    if park_rows:
        writes.append(Write(parks.SPEC, pd.DataFrame(list(park_rows.values())), primary=True))
    if metrics:
        writes.append(Write(park_metrics.SPEC, pd.DataFrame(list(metrics.values())), label="园区年度指标"))
    return writes


def capacity_kind() -> Kind:
    """The park capacity ledger for :func:`imports.pipeline.run`."""
    labels = {f.name: f.label for f in CAPACITY_SCHEMA.fields}
    limits = {c: Limit(0, None, labels[c]) for c in SUPPLY_FIELDS} | {c: Limit(0, MONEY_MAX_WAN, labels[c]) for c in METRIC_FIELDS}
    return Kind("park_capacity", CAPACITY_SCHEMA.kind, "parks", ledger_reader(CAPACITY_SCHEMA, _capacity_units), _resolve_capacity,
                labels=labels, limits=limits)


def import_park_capacity(con: duckdb.DuckDBPyConnection, source, *, filename: str | None = None, user: str = IMPORT_USER,
                         as_of=None, dry_run: bool = False, expect: str | None = None) -> ImportReport:
    """Update stored parks' capacity figures (and yearly metrics) from a ledger; one batch; returns the report."""
    return run(con, capacity_kind(), source, user=user, filename=filename, options=Options(as_of=as_of), dry_run=dry_run, expect=expect)
