"""厂房匹配 page support: the cached candidate frame (county scope tuple), candidate and vacancy maps, occupancy tables,
the Excel shortlist and the one-page printable brief (HTML, A4, inline SVG location map drawn from our own data).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis import occupancy, requirement_alerts
from analysis.matching import Requirement, with_places
from layers.vocab import FACTORY_COLORS, PARK_STYLE
from layers.xlsx import Sheet, to_bytes
from ui import assets, data, maps
from ui.safe_html import text

TTL = data.TTL
FEASIBLE_COLOR, NEAR_COLOR = "#27ae60", "#e67e22"
SHORTLIST = {"rank": "排名", "name": "厂房", "county_name": "县（市、区）", "park_name": "园区", "floor_area_m2": "面积（㎡）",
             "clear_height_m": "层高（m）", "floor_load_kn_m2": "承重（kN/㎡）", "power_kva": "配电（kVA）", "crane_t": "行车（t）",
             "rent_yuan_m2_month": "租金（元/㎡·月）", "status": "状态", "lease_end": "租约到期", "score": "得分"}
OCCUPANCY = {"county_name": "县（市、区）", "park_name": "园区", "count": "厂房（处）", "area_m2": "总面积（㎡）", "leased_n": "已出租（处）",
             "leased_m2": "已出租（㎡）", "vacant_n": "空置（处）", "vacant_m2": "空置（㎡）", "negotiating_n": "意向洽谈（处）",
             "renovating_n": "装修改造（处）", "occupancy": "出租率", "ending_3m_n": "3个月内到期", "ending_6m_n": "6个月内到期",
             "ending_12m_n": "12个月内到期", "overdue_n": "已到期未更新"}


@st.cache_data(ttl=TTL, max_entries=8)
def load_candidates(counties: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    """Factories in scope with park positioning and county names (EPSG:4326). A factory without its own position is
    placed at its park's representative point (``approx_location`` = True), so it still shows on maps."""
    factories = data.load_layer("factories", counties)
    parks = data.load_layer("parks", counties)
    regions = data.load_home_regions(counties)
    frame = with_places(factories, parks, regions[regions["level"] == "county"])
    park_points = dict(zip(parks["park_id"], parks.geometry.representative_point()))
    missing = frame.geometry.isna() | frame.geometry.is_empty
    frame["approx_location"] = missing & frame["park_id"].isin(park_points)
    geoms = [park_points[p] if approx else g for g, p, approx in zip(frame.geometry, frame["park_id"], frame["approx_location"])]
    frame["geometry"] = gpd.GeoSeries(geoms, index=frame.index, crs="EPSG:4326")
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def _points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")


def candidate_map(regions: gpd.GeoDataFrame, parks: gpd.GeoDataFrame, feasible: pd.DataFrame, near: pd.DataFrame) -> folium.Map:
    """Boundaries, parks, ranked candidates (green, top first) and near misses (orange); tooltips escaped."""
    m = maps.base_map(regions.total_bounds if len(regions) else maps.DEFAULT_BOUNDS)
    base = folium.FeatureGroup(name="行政区与园区").add_to(m)
    maps.add_boundaries(base, regions)
    maps.add_polygons(base, maps.feature_collection(parks, "parks", "park_id", ["name", "positioning"], lambda r: ""), PARK_STYLE)
    for frame, name, color, radius in ((near, "接近的厂房", NEAR_COLOR, 6), (feasible, "符合的厂房", FEASIBLE_COLOR, 8)):
        shown = _points(frame.assign(label=[f"第 {r} 名" if ok else "接近" for r, ok in zip(frame["rank"], frame["feasible"])],
                                     score_text=[f"{s:.1f} 分" for s in frame["score"]])) if len(frame) else _points(frame)
        group = folium.FeatureGroup(name=name).add_to(m)
        if len(shown):
            maps.add_points(group, maps.feature_collection(shown, "factories", "factory_id", ["label", "name", "park_name", "score_text"],
                                                           lambda r, c=color: c), radius)
    maps.add_legend(m, [("符合的厂房", FEASIBLE_COLOR), ("接近的厂房", NEAR_COLOR)], key="factory-candidates")
    folium.LayerControl(collapsed=False).add_to(m)
    return assets.localise(m)


def vacancy_map(regions: gpd.GeoDataFrame, parks: gpd.GeoDataFrame, factories: gpd.GeoDataFrame) -> folium.Map:
    """Parks with their occupancy in the tooltip and every factory coloured by status."""
    by_park = occupancy.summarize(factories, "park_id").set_index("park_id")
    parks = parks.assign(occupancy_text=[f"出租率 {by_park.at[p, 'occupancy'] * 100:.0f}%，空置 {by_park.at[p, 'vacant_m2']:,.0f} ㎡"
                                         if p in by_park.index and by_park.at[p, "occupancy"] is not None else "" for p in parks["park_id"]])
    m = maps.base_map(regions.total_bounds if len(regions) else maps.DEFAULT_BOUNDS)
    base = folium.FeatureGroup(name="行政区与园区").add_to(m)
    maps.add_boundaries(base, regions)
    maps.add_polygons(base, maps.feature_collection(parks, "parks", "park_id", ["name", "occupancy_text"], lambda r: ""), PARK_STYLE)
    group = folium.FeatureGroup(name="标准化厂房").add_to(m)
    shown = factories.assign(area_text=[f"{a:,.0f} ㎡" if pd.notna(a) else "" for a in factories["floor_area_m2"]])
    maps.add_points(group, maps.feature_collection(shown, "factories", "factory_id", ["name", "status", "area_text", "tenant"],
                                                   lambda r: FACTORY_COLORS.get(r.status, "#7f8c8d")), 5)
    maps.add_legend(m, list(FACTORY_COLORS.items()), key="factory-vacancy", title="厂房状态")
    folium.LayerControl(collapsed=False).add_to(m)
    return assets.localise(m)


def shortlist_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The candidates as shown: Chinese headers, reasons joined."""
    out = frame.reindex(columns=list(SHORTLIST)).rename(columns=SHORTLIST)
    out["租约到期"] = [None if pd.isna(d) else pd.Timestamp(d).date() for d in frame.get("lease_end", pd.Series(index=frame.index))]
    out["理由" if frame["feasible"].all() else "不满足"] = ["；".join(r) for r in (frame["reasons"] if frame["feasible"].all() else frame["fails"])]
    # 得分 and the reasons next to the name: at 1280 px the specs to their right run off the table's edge
    first = ["排名", "厂房", "得分", out.columns[-1]]
    return out[first + [c for c in out.columns if c not in first]]


def occupancy_tables(factories: pd.DataFrame, as_of: dt.date | None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(by county, by park, totals) with Chinese headers; lease columns only when the data date is known."""
    tables = []
    for keys in (["county_name"], ["county_name", "park_name"]):
        frame = factories.assign(county_name=factories["county_name"].fillna("（未定）"))
        summary = occupancy.summarize(frame, keys)
        if as_of is not None:
            summary = summary.merge(occupancy.leases_ending(frame, as_of, keys), on=keys, how="left")
        summary["occupancy"] = [None if v is None else f"{v * 100:.1f}%" for v in summary["occupancy"]]
        tables.append(summary.reindex(columns=[c for c in OCCUPANCY if c in summary]).rename(columns=OCCUPANCY))
    return tables[0], tables[1], occupancy.totals(factories)


def expiring_table(factories: pd.DataFrame, as_of: dt.date, months: int = 12) -> pd.DataFrame:
    """Leases ending within ``months`` of the data date, soonest first, with Chinese headers."""
    rows = occupancy.expiring(factories, as_of, months)
    columns = {"name": "厂房", "county_name": "县（市、区）", "park_name": "园区", "floor_area_m2": "面积（㎡）", "tenant": "承租企业",
               "lease_end": "租约到期", "contact_unit": "联系单位"}
    out = rows.reindex(columns=list(columns)).rename(columns=columns)
    out["租约到期"] = [pd.Timestamp(d).date() for d in rows["lease_end"]]
    return out.astype(object).where(out.notna(), "")  # a blank cell, not a grey "None"


def xlsx(sheets: dict[str, pd.DataFrame], title: str, subtitle: str | None = None) -> bytes:
    """An .xlsx with one sheet per frame under ``title``, written by the one Excel writer (:mod:`layers.xlsx`): text is
    never a formula, 得分 with two decimals, dates as dates."""
    return to_bytes([Sheet(name, frame, title, subtitle) for name, frame in sheets.items()], title=title)


def requirement_text(req: Requirement) -> str:
    """The requirement in one Chinese line (for exports and briefs), without its county limits (the brief names the
    factory's place): :func:`analysis.requirement_alerts.describe`."""
    return requirement_alerts.describe(dataclasses.replace(req, counties=(), preferred_counties=(), excluded_counties=()))


def _svg_path(geom, project) -> str:
    polys = getattr(geom, "geoms", [geom])
    out = []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            pts = [project(x, y) for x, y in ring.coords]
            out.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + " Z")
    return " ".join(out)


def location_svg(point, county_geom, park_geom, *, width: int = 360, height: int = 270, label: str = "") -> str:
    """An inline SVG of the county outline, the park and the factory (equirectangular, north up, with a scale bar)."""
    geoms = [g for g in (county_geom, park_geom) if g is not None and not g.is_empty]
    minx, miny, maxx, maxy = (geoms[0].bounds if geoms else (point.x - 0.05, point.y - 0.05, point.x + 0.05, point.y + 0.05))
    kx = math.cos(math.radians((miny + maxy) / 2))
    span = max((maxx - minx) * kx / width, (maxy - miny) / height) * 1.1 or 1e-3
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2

    def project(x, y):
        return width / 2 + (x - cx) * kx / span, height / 2 - (y - cy) / span

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="位置示意图"><rect width="100%" height="100%" fill="#f8f9f9" stroke="#bdc3c7"/>']
    if county_geom is not None and not county_geom.is_empty:
        parts.append(f'<path d="{_svg_path(county_geom.simplify(0.001), project)}" fill="#ecf0f1" stroke="#34495e" '
                     'stroke-width="1" stroke-dasharray="4 3"/>')
    if park_geom is not None and not park_geom.is_empty:
        parts.append(f'<path d="{_svg_path(park_geom, project)}" fill="#e74c3c" fill-opacity="0.2" stroke="#c0392b" stroke-width="1.5"/>')
    if point is not None and not point.is_empty:
        x, y = project(point.x, point.y)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{FEASIBLE_COLOR}" stroke="#fff" stroke-width="2"/>')
        parts.append(f'<text x="{x + 9:.1f}" y="{y + 4:.1f}" font-size="12" fill="#2c3e50">{text(label)}</text>')
    km_per_px = span * 111.32
    bar_km = next((k for k in (1, 2, 5, 10, 20, 50) if k / km_per_px >= 40), 50)
    bar = bar_km / km_per_px
    parts.append(f'<line x1="10" y1="{height - 12}" x2="{10 + bar:.1f}" y2="{height - 12}" stroke="#2c3e50" stroke-width="2"/>'
                 f'<text x="10" y="{height - 16}" font-size="10" fill="#2c3e50">{bar_km} km</text>'
                 f'<text x="{width - 30}" y="18" font-size="12" fill="#2c3e50">北↑</text></svg>')
    return "".join(parts)


BRIEF_CSS = """@page { size: A4; margin: 15mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #2c3e50; max-width: 180mm; margin: 0 auto; }
h1 { font-size: 20px; margin: 0 0 4px; } .sub { color: #7f8c8d; margin-bottom: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; } td, th { border: 1px solid #bdc3c7; padding: 4px 6px; text-align: left; }
th { background: #f4f6f7; width: 28%; } .cols { display: flex; gap: 12px; align-items: flex-start; } .cols > div { flex: 1; }
ul { padding-left: 18px; font-size: 13px; } .foot { margin-top: 14px; font-size: 11px; color: #7f8c8d; }
@media print { .noprint { display: none; } }"""


def brief_html(rec: dict, county_geom, park_geom, req: Requirement, as_of: str | None) -> str:
    """A one-page printable brief for one candidate (specs, reasons, location, contact); all data text escaped."""
    def val(key, fmt="{}"):
        v = rec.get(key)
        return "—" if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)) else text(fmt.format(v))

    lease = rec.get("lease_end")
    specs = [("所在园区", val("park_name")), ("县（市、区）", val("county_name")), ("建筑面积", val("floor_area_m2", "{:,.0f} ㎡")),
             ("层数", val("floors", "{:.0f}")), ("首层层高", val("clear_height_m", "{:.1f} m")),
             ("楼面荷载", val("floor_load_kn_m2", "{:.1f} kN/㎡")), ("跨度 / 柱距", f"{val('span_m', '{:.0f} m')} / {val('column_grid')}"),
             ("行车", val("crane_t", "{:.0f} t")), ("配电容量", val("power_kva", "{:,.0f} kVA")),
             ("租金", val("rent_yuan_m2_month", "{:.1f} 元/㎡·月")), ("状态", val("status")),
             ("租约到期", "—" if lease is None or pd.isna(lease) else text(f"{pd.Timestamp(lease):%Y-%m-%d}")),
             ("园区主导产业", val("positioning"))]
    rows = "".join(f"<tr><th>{text(k)}</th><td>{v}</td></tr>" for k, v in specs)
    reasons = "".join(f"<li>{text(r)}</li>" for r in rec.get("reasons") or [])
    svg = location_svg(rec.get("geometry"), county_geom, park_geom, label=str(rec.get("name") or ""))
    approx = "（位置按所在园区示意）" if rec.get("approx_location") else ""
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{text(rec.get('name'))} · 厂房推介</title>
<style>{BRIEF_CSS}</style></head><body>
<h1>{text(rec.get('name'))}</h1><div class="sub">标准化厂房推介 · 匹配得分 {val('score', '{:.1f}')} · 需求：{text(requirement_text(req))}</div>
<div class="cols"><div><table>{rows}</table></div><div>{svg}<div class="foot">位置示意{text(approx)}：县界、园区范围与厂房位置均取自本系统数据，无底图。</div></div></div>
<h3>匹配说明</h3><ul>{reasons}</ul>
<h3>联系单位</h3><table><tr><th>联系单位</th><td>{val('contact_unit')}</td></tr><tr><th>联系电话</th><td>{val('contact_phone')}</td></tr></table>
<div class="foot">数据截至 {text(as_of or '—')}；生成于 {dt.date.today():%Y-%m-%d}。以现场踏勘和合同为准。</div>
<button class="noprint" onclick="window.print()">打印</button></body></html>"""
