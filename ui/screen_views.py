"""大屏展示, the meeting-room wall screen (``pages/13_大屏.py``): the query parameters read into :class:`Settings`,
which panel a step of the rotation shows, the KPI card list, and each panel drawn as one HTML block — large type on a
dark background, sized in viewport units so that 1920×1080 and 1280×720 both show a whole panel, and no widget.

The figures are the ones the other pages show, from the same loaders: the KPI cards are 总览's (``ui.data.kpi_summary``
and ``target_completion``, the year to date of the data's current month), the ranking is the 月通报's
(``project_views.ranking_table``), the lights are 项目进度's (``project_views.light_tables``) and the map is drawn as a
static SVG from our own data (county outlines, parks, projects by stage: nothing is fetched). Every text from data is
escaped with :func:`ui.safe_html.text`. The renderers are pure (frames in, HTML out); :func:`panel` gathers a panel's
data through the cached loaders, so it follows their refresh (``TTL``, cleared after every write).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import shapely
import streamlit as st

from analysis import indicators
from analysis.ranking import INDICATORS
from layers.vocab import STAGE_COLORS
from ui import data, kpi_views
from ui import project_views as pv
from ui.safe_html import text as esc
from ui.text import t

PANELS = ("kpi", "ranking", "map", "lights")
DEFAULT_ROTATE, MIN_ROTATE, MAX_ROTATE = 15, 5, 600
#: the two 月通报 rankings shown side by side
RANKED = ("investment_total_yi", "start_rate")
TOP_RED = 8
LIGHTS = ("红灯", "黄灯")
LIGHT_KINDS = ("开工滞后", "资金到位滞后", "目标进度")


@dataclass(frozen=True)
class Settings:
    """What the screen shows: the panels in order, seconds per panel, one reporting unit (None: every unit in scope)."""

    panels: tuple[str, ...] = PANELS
    rotate: int = DEFAULT_ROTATE
    unit: str | None = None


def settings(params: Mapping[str, str], units: Mapping[str, str]) -> Settings:
    """Read ``?panels=kpi,map&rotate=20&unit=…`` (``units``: unit id → name, the units in the user's scope). As with
    every link (``ui.links``), a value that is not valid is ignored: unknown panels are dropped (none left: all four),
    ``rotate`` is whole seconds kept between 5 and 600, ``unit`` names a unit in scope by id or by name."""
    wanted = [p.strip() for p in str(params.get("panels") or "").split(",")]
    panels = tuple(dict.fromkeys(p for p in wanted if p in PANELS)) or PANELS
    try:
        rotate = min(max(int(str(params.get("rotate", DEFAULT_ROTATE)).strip()), MIN_ROTATE), MAX_ROTATE)
    except ValueError:
        rotate = DEFAULT_ROTATE
    raw = str(params.get("unit") or "").strip()
    unit = raw if raw in units else next((uid for uid, name in units.items() if name == raw), None)
    return Settings(panels, rotate, unit)


def panel_at(step: int, panels: Sequence[str]) -> str:
    """The panel shown at ``step`` (0 on the first run; one step per rotation)."""
    return panels[step % len(panels)]


# --- KPI cards -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Card:
    label: str
    value: str
    unit: str = ""
    note: str = ""  # 达成 of the annual target
    change: str = ""  # 同比 / 环比


def kpi_cards(summary: dict, completion: pd.DataFrame, unit: str | None = None, compared: Mapping | None = None) -> list[Card]:
    """The screen's KPI cards (the city's, or ``unit``'s): one per card indicator of the registry
    (:func:`analysis.indicators.cards`, as 总览's), with the annual-target completion where a target exists and, given
    ``compared`` (``{"yoy": summary | None, "mom": summary | None}``, ``ui.kpi_views``), 同比 and 环比."""
    def own(figures: dict | None) -> dict | None:
        if figures is None or not unit:
            return figures
        return next((u for u in figures["by_unit"] if u["unit_id"] == unit), None)

    now = own(summary) or {}
    before = {which: own(figures) for which, figures in (compared or {}).items()}
    done = completion[completion["unit_id"] == (unit or "ALL")] if len(completion) else completion
    rates = done.set_index("indicator")["completion"] if len(done) else pd.Series(dtype=float)

    def against(target: str | None) -> str:
        value = rates.get(target) if target else None
        return t("of_target", pct=_pct(value)) if value is not None and not pd.isna(value) else ""

    def versus(indicator, which: str) -> str:
        earlier = before.get(which)
        return indicators.change(indicator, now.get(indicator.key), None if earlier is None else earlier.get(indicator.key))

    return [Card(i.label, i.show(now.get(i.key)), "" if i.kind == "rate" else i.unit, against(i.target),
                 t("screen_change", yoy=versus(i, "yoy"), mom=versus(i, "mom")) if compared else "")
            for i in indicators.cards()]


def cards_html(cards: Sequence[Card]) -> str:
    """The cards four to a row, the type smaller when they take three rows or more."""
    rows = max(math.ceil(len(cards) / 4), 1)
    cells = "".join(
        f'<div class="sc-card"><div class="sc-label">{esc(c.label)}</div>'
        f'<div class="sc-value" style="--sc-fit: {min(1.0, 6 / max(len(c.value), 1)):.2f}">{esc(c.value)}'
        f'<span class="sc-unit">{esc(c.unit)}</span></div>'
        + (f'<div class="sc-note">{esc(c.note)}</div>' if c.note else "") + f'<div class="sc-change">{_parts(c.change)}</div></div>'
        for c in cards)
    return f'<div class="sc-cards" style="--sc-rows: {rows}; --sc-k: {min(1.0, 2.2 / rows):.2f}">{cells}</div>'


# --- ranking ---------------------------------------------------------------------------------------------------------

def ranking_html(tables: Mapping[str, pd.DataFrame], highlight: str | None = None) -> str:
    """The rankings side by side (indicator key → ``project_views.ranking_table``); the row of ``highlight`` (a unit
    name) is marked."""
    blocks = []
    for indicator, frame in tables.items():
        label, unit = INDICATORS[indicator]
        values = list(frame["数值"]) if unit == "%" else _numbers(frame["数值"])
        rows = [[r["位次"], r["单位"], v, r["位次变化"]] for (_, r), v in zip(frame.iterrows(), values, strict=True)]
        head = t("screen_rank_of", label=label) + ("" if unit == "%" else f"（{unit}）")
        blocks.append(f'<div class="sc-block"><h2>{esc(head)}</h2>'
                      f'{_table(["位次", "单位", "数值", "变化"], rows, numeric=(0, 2), highlight=highlight, key=1)}</div>')
    return f'<div class="sc-row" style="{_row_size(max((len(f) for f in tables.values()), default=0))}">{"".join(blocks)}</div>'


# --- lights ----------------------------------------------------------------------------------------------------------

def lights_html(tables: Mapping[str, pd.DataFrame], units: Sequence[str], unit: str | None = None) -> str:
    """Red and yellow lights per unit (开工滞后, 资金到位滞后, 目标进度; ``tables`` as ``project_views.light_tables``)
    and the red projects longest late; ``unit`` (a name) limits both to that unit. The rows are the reporting units
    (and any unit a list names that is not one, such as a park user's 咸安区填报（园区内）), not the city's own
    目标进度 row (全市): 合计 adds up the rows above it."""
    kinds = [k for k in LIGHT_KINDS if k in tables]
    listed = [n for k in kinds[:2] for n in tables[k]["单位"].dropna()]
    names = [unit] if unit else list(dict.fromkeys([*units, *listed]))
    counts = {(k, light): tables[k][tables[k]["灯"] == light]["单位"].value_counts() for k in kinds for light in LIGHTS}
    rows = [[name, *(int(counts[k, light].get(name, 0)) for k in kinds for light in LIGHTS)] for name in names]
    if not unit:
        rows.append(["合计", *(sum(r[i] for r in rows) for i in range(1, 1 + 2 * len(kinds)))])
    head = ["单位", *(light for _k in kinds for light in LIGHTS)]
    groups = [("", 1), *((k, len(LIGHTS)) for k in kinds)]
    left = (f'<div class="sc-block sc-fit"><h2>{esc(t("screen_lights_units"))}</h2>'
            f'{_table(head, rows, numeric=tuple(range(1, len(head))), groups=groups, lights=True)}</div>')
    late = tables.get("开工滞后", pd.DataFrame(columns=["灯", "项目名称", "单位", "逾期（月）", "包抓领导"]))
    red = late[late["灯"] == "红灯"]
    red = red[red["单位"] == unit] if unit else red
    red = red.sort_values(["逾期（月）", "项目名称"], ascending=[False, True]).head(TOP_RED)
    if len(red):
        top = _table(["项目名称", "单位", "逾期（月）", "包抓领导"],
                     [[r["项目名称"], r["单位"], r["逾期（月）"], r["包抓领导"]] for _, r in red.iterrows()], numeric=(2,), wrap=(0,))
    else:
        top = f'<p class="sc-note">{esc(t("screen_lights_none"))}</p>'
    right = f'<div class="sc-block sc-wide"><h2>{esc(t("screen_lights_top"))}</h2>{top}</div>'
    return f'<div class="sc-row" style="{_row_size(max(len(rows) + 1, len(red)))}">{left}{right}</div>'


# --- map -------------------------------------------------------------------------------------------------------------

def map_svg(regions, parks, projects: pd.DataFrame, *, width: int = 1000) -> str:
    """County outlines and names, park outlines and the projects (points at ``lon``/``lat``, WGS-84, coloured by
    ``stage``) as an SVG for a dark background; lon is scaled by cos(lat) (a local equirectangular view)."""
    shown = [g for g in (regions.geometry if len(regions) else []) if g is not None and not g.is_empty]
    points = projects.dropna(subset=["lon", "lat"])
    if shown:
        minx, miny, maxx, maxy = shapely.GeometryCollection(shown).bounds
    elif len(points):
        minx, miny, maxx, maxy = points["lon"].min(), points["lat"].min(), points["lon"].max(), points["lat"].max()
    else:
        return ""
    kx = math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = max((maxx - minx) * kx, 1e-6), max(maxy - miny, 1e-6)
    pad = 20
    scale = (width - 2 * pad) / span_x
    height = int(span_y * scale) + 2 * pad

    def pt(x: float, y: float) -> tuple[float, float]:
        return pad + (x - minx) * kx * scale, pad + (maxy - y) * scale

    def rings(geom) -> list[str]:
        simple = shapely.simplify(geom, 0.002, preserve_topology=True)
        out = []
        for poly in getattr(simple, "geoms", [simple]):
            if getattr(poly, "exterior", None) is not None:
                out.append(" ".join("{:.1f},{:.1f}".format(*pt(x, y)) for x, y in poly.exterior.coords))
        return out

    font = max(width / 30, 12)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet" '
             f'role="img" aria-label="{esc(t("screen_panel_map"))}">']
    for geom in shown:
        parts += [f'<polygon points="{r}" fill="#16263a" stroke="#6f8bab" stroke-width="1.5"/>' for r in rings(geom)]
    for geom in (parks.geometry if len(parks) else []):
        if geom is not None and not geom.is_empty and geom.geom_type in ("Polygon", "MultiPolygon"):
            parts += [f'<polygon points="{r}" fill="#e74c3c" fill-opacity="0.3" stroke="#ff7b6b" stroke-width="2"/>'
                      for r in rings(geom)]
    r = max(width / 220, 2.5)
    for lon, lat, stage in zip(points["lon"], points["lat"], points["stage"], strict=True):
        x, y = pt(lon, lat)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{STAGE_COLORS.get(stage, "#95a5a6")}" '
                     f'stroke="#dfe8f1" stroke-width="0.6"/>')
    if len(regions) and "name" in regions:
        for name, geom in zip(regions["name"], regions.geometry, strict=True):
            if geom is not None and not geom.is_empty:
                x, y = pt(*geom.representative_point().coords[0])
                parts.append(f'<text x="{x:.1f}" y="{y:.1f}" font-size="{font:.0f}" font-weight="700" text-anchor="middle" '
                             f'fill="#ffffff" stroke="#0b1420" stroke-width="{font / 6:.1f}" paint-order="stroke">{esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def map_html(regions, parks, projects: pd.DataFrame) -> str:
    """The map with its legend: each stage's colour and count, the projects with a position, those 位置待定."""
    svg = map_svg(regions, parks, projects)
    counts = projects["stage"].value_counts()
    legend = "".join(f'<div class="sc-legend-row"><span class="sc-dot" style="background:{color}"></span>{esc(stage)}'
                     f'<b>{int(counts.get(stage, 0)):,}</b></div>' for stage, color in STAGE_COLORS.items() if counts.get(stage, 0))
    if len(parks):
        legend += f'<div class="sc-legend-row"><span class="sc-park"></span>{esc(t("screen_map_parks"))}<b>{len(parks):,}</b></div>'
    placed = int(projects[["lon", "lat"]].notna().all(axis=1).sum()) if len(projects) else 0
    notes = (f'<div class="sc-note">{esc(t("screen_map_points", n=f"{placed:,}"))}</div>'
             f'<div class="sc-note">{esc(t("screen_map_pending", n=f"{len(projects) - placed:,}"))}</div>')
    image = f'<img alt="{esc(t("screen_panel_map"))}" src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}"/>' if svg else ""
    return f'<div class="sc-map"><div class="sc-svg">{image}</div><div class="sc-legend">{legend}{notes}</div></div>'


# --- gathering a panel (cached loaders) -----------------------------------------------------------------------------

def panel(name: str, month: str, counties: tuple[str, ...] | None, unit: str | None = None) -> str:
    """Panel ``name`` for ``month`` (the year to date up to it) within the scope value ``counties``; ``unit`` (a
    reporting unit id in scope) shows that unit's cards, marks its ranking rows and limits the map and the lights."""
    units = data.load_units(counties)
    unit_name = dict(zip(units["unit_id"], units["name"], strict=True)).get(unit)
    year = int(month[:4])
    if name == "kpi":
        first = f"{year}-01"
        return cards_html(kpi_cards(data.kpi_summary(first, month, counties), data.target_completion(year, first, month, counties), unit,
                                    kpi_views.period_comparison(first, month, counties)))
    if name == "ranking":
        return ranking_html({k: pv.ranking_table(month, counties, k) for k in RANKED}, unit_name)
    if name == "map":
        report = pv.month_report(month, counties)
        projects = report.projects if unit is None else report.projects[report.projects["unit_id"] == unit]
        return map_html(report.regions, data.load_layer("parks", counties), projects)
    return lights_html(pv.light_tables(month, counties), list(units["name"]), unit_name)


def title() -> str:
    """The screen's title: the dataset's name (the product's for the demo, whose banner names it) · 大屏展示."""
    info = data.dataset_info()
    label = info.get("label") if info.get("demo") != "true" else None
    return f"{label or t('app_title')} · {t('screen_title')}"


def subtitle(month: str, counties: tuple[str, ...] | None, unit: str | None = None) -> str:
    """Whose figures (the unit; a limited scope's units; 全部单位), the period (year to date of ``month``), 数据截至."""
    names = dict(zip(*(data.load_units(counties)[c] for c in ("unit_id", "name")), strict=True))
    who = names.get(unit) or (t("screen_all_units") if counties is None or not names else who_of(list(names.values())))
    p = pd.Period(month, freq="M")
    period = f"{p.year}年1—{p.month}月" if p.month > 1 else f"{p.year}年1月"
    live = "" if pv.freeze_state(month)["frozen"] else t("screen_live")
    return t("screen_sub", who=who, period=period, as_of=data.as_of().date(), live=live)


def who_of(names: Sequence[str], shown: int = 3) -> str:
    """The units of a limited scope, as the subtitle names them: up to ``shown`` names, else the first and a count."""
    return "、".join(names) if len(names) <= shown else t("screen_units_n", first="、".join(names[:2]), n=len(names))


def empty_store() -> None:
    """An empty store on the wall screen: one large sentence (the first-run choice is made at a desk, not here)."""
    st.html(f"<style>{css()}</style>")
    st.title(t("screen_title"), anchor=False)
    st.html(message_html(t("screen_empty_store")))


# --- frame -----------------------------------------------------------------------------------------------------------

def header_html(subtitle: str, panels: Sequence[str], current: str) -> str:
    """What and when the figures are, and the panels of the rotation with the one shown marked."""
    marks = "".join(f'<span class="sc-mark{" sc-on" if p == current else ""}">{esc(t(f"screen_panel_{p}"))}</span>' for p in panels)
    return (f'<div class="sc-head" data-panel="{esc(current)}"><div class="sc-sub">{esc(subtitle)}</div>'
            f'<div class="sc-marks">{marks}</div></div>')


def message_html(message: str) -> str:
    """One large sentence in the middle of the screen (no data to show)."""
    return f'<div class="sc-message">{esc(message)}</div>'


def css() -> str:
    """The screen's look, on this page only: Streamlit's sidebar, header, toolbar and footer hidden, a dark page, type
    sized by the viewport (vh/vw) so a panel fits 1920×1080 and 1280×720 alike, no fading while a rotation reruns."""
    return """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
.stCacheSpinner, [data-testid="stSpinner"], footer { display: none !important; }
.stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] { background: #0b1420 !important; color: #e8eef5; }
[data-testid="stMainBlockContainer"] { padding: 1.6vh 2.2vw 0 2.2vw !important; max-width: none !important; }
[data-testid="stMain"] [data-stale="true"], [data-testid="stMain"] .stale-element { opacity: 1 !important; }
[data-testid="stMain"] h1 { color: #ffffff; font-size: 4.4vh !important; line-height: 1.2; padding: 0 !important; margin: 0; }
[data-testid="stVerticalBlock"] { gap: 0.8vh; }
[data-testid="stAlert"] { padding: 0; }
[data-testid="stAlert"] > div { background: #1b2a3d !important; color: #c7d3e0 !important; padding: 0.6vh 1vw !important;
  font-size: 1.8vh; }
.sc-head { display: flex; justify-content: space-between; align-items: flex-end; gap: 2vw;
  border-bottom: 0.3vh solid #2f4a68; padding-bottom: 1vh; margin-bottom: 1.6vh; }
.sc-title { font-size: 3.6vh; font-weight: 700; color: #7fc4ff; white-space: nowrap; }
.sc-sub { font-size: 2.6vh; color: #a9bacb; margin-top: 0.4vh; }
.sc-marks { display: flex; gap: 0.8vw; flex-shrink: 0; }
.sc-mark { font-size: 2vh; padding: 0.4vh 0.9vw; border-radius: 2vh; color: #7d91a6; border: 0.15vh solid #2f4a68; white-space: nowrap; }
.sc-mark.sc-on { color: #0b1420; background: #7fc4ff; border-color: #7fc4ff; font-weight: 700; }
.sc-cards { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); grid-template-rows: repeat(var(--sc-rows, 2), 1fr);
  gap: calc(var(--sc-k, 1) * 2.2vh) 1.6vw; height: 70vh; }
.sc-card { background: #13233a; border: 0.15vh solid #2f4a68; border-radius: 1.2vh; padding: 0.8vh 1.4vw; min-width: 0;
  display: flex; flex-direction: column; justify-content: center; }
.sc-label { font-size: calc(max(var(--sc-k, 1), 0.85) * min(3vh, 1.9vw)); color: #a9bacb; white-space: nowrap; }
.sc-value { font-size: calc(var(--sc-fit, 1) * var(--sc-k, 1) * min(9.5vh, 5.4vw)); font-weight: 700; color: #ffffff; line-height: 1.15; white-space: nowrap;
  font-variant-numeric: tabular-nums; }
.sc-unit { font-size: min(3vh, 1.9vw); font-weight: 400; color: #a9bacb; margin-left: 0.4vw; }
.sc-note { font-size: min(2.6vh, 1.7vw); color: #ffd43b; white-space: nowrap; margin-top: 0.6vh; }
.sc-card .sc-note { font-size: calc(max(var(--sc-k, 1), 0.85) * min(2.6vh, 1.7vw)); margin-top: 0.3vh; }
.sc-change { font-size: calc(max(var(--sc-k, 1), 0.85) * min(2.4vh, 1.5vw)); color: #a9bacb; display: flex; flex-wrap: wrap;
  column-gap: 1vw; min-height: 1.4em; }
.sc-change span { white-space: nowrap; }
.sc-row { display: flex; gap: 2.4vw; align-items: flex-start; }
.sc-block { flex: 1 1 0; min-width: 0; }
.sc-block.sc-fit { flex: 0 0 auto; }
.sc-block.sc-wide .sc-table { font-size: calc(0.9 * var(--sc-size, 3vh)); }
.sc-block h2 { font-size: 3.2vh; color: #7fc4ff; margin: 0 0 1vh 0; padding: 0; font-weight: 700; }
.sc-table { width: 100%; border-collapse: collapse; font-size: var(--sc-size, 3vh); }
.sc-table th { color: #a9bacb; font-weight: 400; text-align: left; border-bottom: 0.2vh solid #2f4a68; padding: 0.5vh 0.6vw;
  white-space: nowrap; font-size: 0.8em; }
.sc-table td { padding: 0.55vh 0.6vw; border-bottom: 0.1vh solid #1f3550; white-space: nowrap; color: #e8eef5; }
.sc-table td.sc-wrap { white-space: normal; }
.sc-table th.sc-group { text-align: center; color: #7fc4ff; border-bottom: 0.1vh solid #2f4a68; }
.sc-table .sc-num { text-align: right; font-variant-numeric: tabular-nums; }
.sc-table tr.sc-hl td { background: #24466b; color: #ffffff; font-weight: 700; }
.sc-table tr.sc-total td { border-top: 0.2vh solid #6f8bab; font-weight: 700; }
.sc-red { color: #ff5c5c !important; font-weight: 700; }
.sc-yellow { color: #ffd43b !important; font-weight: 700; }
.sc-map { display: flex; gap: 2vw; height: 76vh; }
.sc-svg { flex: 1 1 0; min-width: 0; height: 100%; }
.sc-svg img { width: 100%; height: 100%; display: block; object-fit: contain; }
.sc-legend { flex: 0 0 auto; font-size: 2.8vh; color: #e8eef5; display: flex; flex-direction: column; gap: 1vh; }
.sc-legend-row { display: flex; align-items: center; gap: 0.8vw; white-space: nowrap; }
.sc-legend-row b { margin-left: auto; padding-left: 1.2vw; font-variant-numeric: tabular-nums; }
.sc-dot { width: 2.2vh; height: 2.2vh; border-radius: 50%; display: inline-block; border: 0.15vh solid #dfe8f1; }
.sc-park { width: 2.2vh; height: 2.2vh; display: inline-block; background: rgba(231, 76, 60, 0.3); border: 0.25vh solid #ff7b6b; }
.sc-message { font-size: 5vh; line-height: 1.5; color: #ffffff; text-align: center; margin: 22vh 8vw 0 8vw; }
"""


# --- helpers ---------------------------------------------------------------------------------------------------------

def _pct(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1%}"


def _number(value, digits: int = 1) -> str:
    """千分位 and ``digits`` decimals; "—" for no value."""
    return "—" if value is None or pd.isna(value) else f"{float(value):,.{digits}f}"


def _numbers(values: Sequence) -> list[str]:
    """A column of figures with one number of decimals, the fewest (up to two) that shows every value as it is: counts
    as integers ("31", never "31.0"), 亿元 as 170.8 and 133.0 alike."""
    present = [float(v) for v in values if v is not None and not pd.isna(v)]
    digits = next((d for d in (0, 1) if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 for v in present)), 2)
    return [_number(v, digits) for v in values]


def _parts(change: str) -> str:
    """「同比 …　环比 …」 as two pieces that move to a second line together rather than run past the card."""
    return "".join(f"<span>{esc(part)}</span>" for part in change.split("　") if part) or "&nbsp;"


def _row_size(rows: int) -> str:
    """Table type that lets ``rows`` rows (plus the heading) fit under the header: 3.4vh for a few, less for many."""
    return f"--sc-size: {min(3.4, 56 / max(rows + 2, 1)):.2f}vh"


def _table(head: Sequence[str], rows: Sequence[Sequence], *, numeric: Sequence[int] = (), highlight: str | None = None,
           key: int = 0, lights: bool = False, groups: Sequence[tuple[str, int]] = (), wrap: Sequence[int] = ()) -> str:
    """A static table; ``groups`` (label, columns spanned) is a header row above ``head``; with ``lights`` a non-zero
    count under 红灯/黄灯 is drawn in its colour; the columns in ``wrap`` break a long text over lines rather than widen
    the table past the screen."""
    top = "".join(f'<th colspan="{n}" class="sc-group">{esc(label)}</th>' for label, n in groups)
    header = "".join(f'<th class="{"sc-num" if i in numeric else ""}">{esc(h)}</th>' for i, h in enumerate(head))
    body = []
    for row in rows:
        marks = " ".join(c for c, on in (("sc-hl", highlight is not None and row[key] == highlight), ("sc-total", row[0] == "合计")) if on)
        cells = []
        for i, value in enumerate(row):
            classes = [c for c, on in (("sc-num", i in numeric), ("sc-wrap", i in wrap)) if on]
            if lights and i and value:
                classes.append("sc-red" if head[i] == "红灯" else "sc-yellow")
            shown = "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else value
            cells.append(f'<td class="{" ".join(classes)}">{esc(shown)}</td>')
        body.append(f'<tr class="{marks}">{"".join(cells)}</tr>')
    thead = (f"<tr>{top}</tr>" if groups else "") + f"<tr>{header}</tr>"
    return f'<table class="sc-table"><thead>{thead}</thead><tbody>{"".join(body)}</tbody></table>'
