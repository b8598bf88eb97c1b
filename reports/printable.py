"""Printable 月通报 page: KPI tables, rankings, 督办 list and a static map drawn from our own data (inline SVG of
county boundaries and project points by stage — no tiles, no scripts, no network), with A4/A3 print CSS.
:func:`to_pdf` prints that page to PDF with the local Chromium (headless, offline).
"""

from __future__ import annotations

import html
import math
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import shapely

from analysis import indicators, ranking
from analysis.ranking import change_label
from layers.vocab import STAGE_COLORS
from reports.monthly import APP_TITLE, MonthReport, kpi_columns

PAPER = {"A4": "A4 landscape", "A3": "A3 landscape"}
CSS = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; color: #222; margin: 0 auto; max-width: 1100px; }
h1 { font-size: 20px; text-align: center; margin: 8px 0 2px; } h2 { font-size: 15px; border-left: 4px solid #c0392b;
padding-left: 6px; margin: 14px 0 6px; } .sub { text-align: center; color: #666; font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 11px; margin-bottom: 6px; }
th, td { border: 1px solid #999; padding: 2px 4px; text-align: center; } th { background: #dce6f1; }
td.l { text-align: left; } .red { background: #f8cbad; } .yellow { background: #ffe699; } .green { background: #c6efce; }
.grid { display: flex; gap: 12px; } .grid > div { flex: 1; } .map svg { width: 100%; height: auto; border: 1px solid #ccc; }
.legend span { display: inline-block; margin-right: 10px; font-size: 11px; } .note { color: #c00000; font-size: 12px; }
@media print { body { max-width: none; } .map svg { max-height: 165mm; } h2 { break-after: avoid; } table, .map { break-inside: avoid; } .pagebreak { break-before: page; } }
"""
LIGHT_CLASS = {"红灯": "red", "黄灯": "yellow", "绿灯": "green"}


def _e(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def _pct(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value) * 100:.1f}%"


def _table(headers: list[str], rows: list[list], left: tuple[int, ...] = (), light_col: int | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            cls = "l" if i in left else ""
            if light_col is not None and i == light_col:
                cls = LIGHT_CLASS.get(v, cls)
            cells.append(f'<td class="{cls}">{_e(v)}</td>' if cls else f"<td>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def map_svg(report: MonthReport, width: int = 900) -> str:
    """County outlines, names and the month's projects (coloured by stage) as an SVG; lon/lat scaled by cos(lat)."""
    counties = report.regions
    points = report.projects.dropna(subset=["lon", "lat"])
    if len(counties):
        minx, miny, maxx, maxy = counties.total_bounds
    elif len(points):
        minx, miny, maxx, maxy = points["lon"].min(), points["lat"].min(), points["lon"].max(), points["lat"].max()
    else:
        return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"></svg>'
    kx = math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = max((maxx - minx) * kx, 1e-6), max(maxy - miny, 1e-6)
    scale = (width - 20) / span_x
    height = int(span_y * scale) + 20

    def xy(lon, lat):
        return f"{10 + (lon - minx) * kx * scale:.1f},{10 + (maxy - lat) * scale:.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="项目分布图">']
    for name, geom in zip(counties["name"], counties.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        simple = shapely.simplify(geom, 0.002, preserve_topology=True)
        for poly in getattr(simple, "geoms", [simple]):
            ring = " ".join(xy(x, y) for x, y in poly.exterior.coords)
            parts.append(f'<polygon points="{ring}" fill="#f4f6f7" stroke="#34495e" stroke-width="1" stroke-dasharray="4 3"/>')
        p = geom.representative_point()
        x, y = xy(p.x, p.y).split(",")
        parts.append(f'<text x="{x}" y="{y}" font-size="14" font-weight="600" text-anchor="middle" fill="#2c3e50">{_e(name)}</text>')
    for lon, lat, stage in zip(points["lon"], points["lat"], points["stage"], strict=True):
        x, y = xy(lon, lat).split(",")
        parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{STAGE_COLORS.get(stage, "#7f8c8d")}" stroke="#fff" stroke-width="0.5"/>')
    parts.append("</svg>")
    return "".join(parts)


def render(report: MonthReport, paper: str = "A4") -> str:
    """The printable page as a standalone HTML document (no external resources)."""
    s = report.summary
    names = dict(zip(report.units["unit_id"], report.units["name"], strict=True)) | {"ALL": "全市"}
    columns = kpi_columns(report)

    def shown(values: dict) -> list:
        return [_pct(values[k]) if indicators.get(k).kind == "rate" else values[k] for k, _ in columns]

    kpi_rows = [[u["unit"], *shown(u)] for u in s["by_unit"]]
    kpi_rows.append(["合计", *shown(s)])
    target_rows = [[names.get(r.unit_id, r.unit_id), indicators.by_target(r.indicator).label, r.actual, r.target, _pct(r.completion)]
                   for r in report.completion[report.completion["unit_id"] == "ALL"].itertuples()]
    rankings = []
    for indicator, frame in report.rankings.items():
        label, unit = ranking.choices()[indicator]
        rows = [[r.rank if not pd.isna(r.rank) else "—", r.unit, _pct(r.value) if unit == "%" else r.value, change_label(r.change)]
                for r in frame.itertuples()]
        rankings.append(f"<div><h2>{_e(label)}（{_e(unit)}）</h2>{_table(['位次', '单位', '数值', '变化'], rows, (1,))}</div>")
    counts = {k: int((report.late["light"] == k).sum()) for k in ("红灯", "黄灯")}
    funding = {k: int((report.funding["light"] == k).sum()) for k in ("红灯", "黄灯")}
    sup_rows = [[i, r.item, r.subject, r.unit, r.leader, r.responsible_unit, r.reason, r.deadline]
                for i, r in enumerate(report.supervision.itertuples(), start=1)]
    legend = "".join(f'<span><svg width="10" height="10"><circle cx="5" cy="5" r="4" fill="{c}"/></svg> {_e(s_)}</span>'
                     for s_, c in STAGE_COLORS.items())
    note = "" if report.frozen else '<p class="note">注：本月尚未结束，数据为实时数据，结月后以月末快照为准。</p>'
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(report.title)}</title>
<style>@page {{ size: {PAPER.get(paper, PAPER['A4'])}; margin: 10mm; }}{CSS}</style></head><body>
<h1>{_e(report.title)}</h1><p class="sub">统计期间：{_e(report.period_label)}　金额单位：亿元　{_e(APP_TITLE)}</p>{note}
<h2>主要指标完成情况</h2>
{_table(["单位", *(h for _, h in columns)], kpi_rows, (0,))}
<h2>全市年度目标完成情况</h2>{_table(["单位", "指标", "完成", "年度目标", "目标完成率"], target_rows, (0, 1))}
<h2>项目分布（{_e(report.month)} 月末，共 {len(report.projects)} 个，已定位 {int(report.projects['lon'].notna().sum())} 个）</h2>
<div class="map">{map_svg(report)}</div><div class="legend">{legend}</div>
<div class="pagebreak"></div>{''.join(f'<div class="grid">{"".join(rankings[i:i + 3])}</div>' for i in range(0, len(rankings), 3))}
<h2>红黄灯</h2><p>开工滞后：红灯 {counts['红灯']} 个、黄灯 {counts['黄灯']} 个；资金到位滞后：红灯 {funding['红灯']} 个、黄灯 {funding['黄灯']} 个。</p>
<h2>督办清单（{len(report.supervision)} 项）</h2>
{_table(["序号", "督办事项", "项目/指标", "单位", "责任领导", "责任单位", "情况", "办结时限"], sup_rows, (2, 6))}
</body></html>"""


class PdfUnavailable(RuntimeError):
    """No local Chromium to print the page with (message in Chinese)."""


def to_pdf(page: str, path: str | Path, *, timeout: int = 120) -> Path:
    """Print the HTML ``page`` to ``path`` with headless Chromium (offline: the page has no external resources)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise PdfUnavailable("未找到 Chromium，无法生成 PDF：请安装 chromium，或导出 HTML 后用浏览器“打印 → 另存为 PDF”")
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.html"
        source.write_text(page, encoding="utf-8")
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-extensions", "--no-pdf-header-footer", f"--user-data-dir={tmp}/profile", f"--print-to-pdf={path}",
               source.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0 or not path.exists():
        raise PdfUnavailable(f"Chromium 生成 PDF 失败：{proc.stderr.strip()[-300:]}")
    return path
