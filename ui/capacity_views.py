"""园区承载力 and 项目选址 page support: cached loaders (county scope tuple), the remaining-share choropleth, the
siting map, display tables and the 推送台账 Excel export. Computation lives in ``analysis.capacity``/``siting``."""

from __future__ import annotations

from datetime import date

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis import capacity as cap
from analysis import intensity, siting
from layers import xlsx
from ui import assets as local_assets
from ui import data, maps
from ui.safe_html import text

TTL = data.TTL
#: remaining share of supply → colour (over-committed and unreported have their own).
SHARE_CLASSES = ((0.5, "#1a9850", "≥ 50%"), (0.3, "#91cf60", "30–50%"), (0.15, "#fee08b", "15–30%"), (0.0, "#fc8d59", "< 15%"))
OVER_COLOUR, UNKNOWN_COLOUR = "#d73027", "#bdbdbd"
FEASIBLE_COLOUR, INFEASIBLE_COLOUR = "#1a9850", "#969696"
#: the push list's columns, the park it goes to and why first (at 1280 px the last columns run off the table's edge)
PUSH_COLUMNS = {"project": "项目名称", "park": "推送园区", "score": "评分", "reasons": "理由", "stage": "阶段", "industry_chain": "产业",
                "investment_wan": "投资额（万元）", "land_mu": "用地（亩）", "power_kva": "用电（kVA）", "water_t_d": "用水（吨/日）",
                "energy_tce": "用能（吨标准煤）", "county": "所在县（市、区）"}



@st.cache_data(ttl=TTL, max_entries=8)
def inputs(counties: tuple[str, ...] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(parks, projects located in them) within scope, no geometry."""
    with data.cursor() as con:
        return cap.load_inputs(con, counties)


@st.cache_data(ttl=TTL, max_entries=8)
def county_names(counties: tuple[str, ...] | None) -> dict[str, str]:
    regions = data.load_home_regions(counties)
    return dict(zip(regions["adcode"], regions["name"], strict=True))


@st.cache_data(ttl=TTL, max_entries=8)
def capacity_tables(counties: tuple[str, ...] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tidy park × resource, wide one row per park) — see :mod:`analysis.capacity`."""
    parks, projects = inputs(counties)
    tidy = cap.capacity(parks, projects)
    return tidy, cap.wide(tidy, parks)


@st.cache_data(ttl=TTL, max_entries=8)
def intensity_table(counties: tuple[str, ...] | None) -> pd.DataFrame:
    parks, _ = inputs(counties)
    with data.cursor() as con:
        metrics = cap.load_metrics(con, counties)
    return intensity.park_intensity(parks, metrics)


@st.cache_data(ttl=TTL, max_entries=32)
def ranked(need: siting.Need, counties: tuple[str, ...] | None) -> pd.DataFrame:
    parks, projects = inputs(counties)
    return siting.rank_parks(cap.capacity(parks, projects), parks, need, county_names=county_names(counties))


@st.cache_data(ttl=TTL, max_entries=32)
def what_if(need: siting.Need, counties: tuple[str, ...] | None) -> pd.DataFrame:
    """Every park's remaining capacity with the hypothetical project placed there (nothing is saved)."""
    parks, projects = inputs(counties)
    table = siting.what_if(parks, projects, need)
    return table[table["need"] > 0]


@st.cache_data(ttl=TTL, max_entries=8)
def push_list(counties: tuple[str, ...] | None) -> pd.DataFrame:
    """在谈/签约 projects in scope with needs but no park → best feasible park, reserving as it goes."""
    parks, projects = inputs(counties)
    everyone = pd.DataFrame(data.load_layer("projects", counties).drop(columns="geometry"))
    return siting.push_list(parks, projects, siting.candidates_without_park(everyone), county_names=county_names(counties))


def share_colour(row) -> str:
    if not row["known"]:
        return UNKNOWN_COLOUR
    if row["over_committed"] > 0:
        return OVER_COLOUR
    return next(colour for floor, colour, _ in SHARE_CLASSES if row["remaining_share"] >= floor)


def describe(row) -> str:
    """One line for a park × resource: "剩余 512 / 2,903 亩（18%）" or the over-commitment."""
    if not row["known"]:
        return "未填报"
    unit = row["unit"]
    if row["over_committed"] > 0:
        return f"超载 {siting.fmt(row['over_committed'])} {unit}（供给 {siting.fmt(row['supply'])}）"
    return f"剩余 {siting.fmt(row['remaining'])} / {siting.fmt(row['supply'])} {unit}（{row['remaining_share']:.0%}）"


def _map(regions: gpd.GeoDataFrame, shapes: gpd.GeoDataFrame, colours: dict, tips: dict, labels: dict | None = None) -> folium.Map:
    """Parks filled with ``colours[park_id]``, escaped tooltips ``tips[park_id]`` and optional labels, no tiles."""
    m = maps.base_map(regions.total_bounds if len(regions) else maps.DEFAULT_BOUNDS)
    maps.add_boundaries(folium.FeatureGroup(name="行政区").add_to(m), regions)
    frame = shapes[["park_id", "geometry"]].assign(name=shapes["name"], tip=shapes["park_id"].map(tips))
    collection = maps.feature_collection(frame, "parks", "park_id", ["name", "tip"], lambda r: colours.get(r.park_id, UNKNOWN_COLOUR))
    group = folium.FeatureGroup(name="园区").add_to(m)
    folium.GeoJson(collection, style_function=lambda f: {"color": "#34495e", "weight": 1.5, "fillOpacity": 0.75,
                                                         "fillColor": f["properties"]["color"]},
                   tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False)).add_to(group)
    # Parks are a few km across in a city-wide view: a coloured dot at each park keeps the colour readable.
    placed = frame[frame.geometry.notna()].copy()
    placed["geometry"] = placed.geometry.representative_point()
    maps.add_points(group, maps.feature_collection(placed, "park_points", "park_id", ["name", "tip"],
                                                   lambda r: colours.get(r.park_id, UNKNOWN_COLOUR)), 9)
    for row in shapes.itertuples():
        if labels and row.park_id in labels and row.geometry is not None:
            p = row.geometry.representative_point()
            folium.Marker([p.y, p.x], icon=folium.DivIcon(
                html=f'<div style="font:700 14px sans-serif;color:#000;text-shadow:0 0 3px #fff">{text(labels[row.park_id])}</div>',
                icon_size=(40, 18), icon_anchor=(-8, 22))).add_to(group)
    folium.LayerControl(collapsed=True).add_to(m)
    return local_assets.localise(m)


def capacity_map(regions: gpd.GeoDataFrame, shapes: gpd.GeoDataFrame, tidy: pd.DataFrame, resource: str) -> folium.Map:
    """Choropleth: each park filled by the remaining share of ``resource`` after the pipeline."""
    part = tidy[tidy["resource"] == resource].set_index("park_id")
    colours = {pid: share_colour(row) for pid, row in part.iterrows()}
    tips = {pid: f"{cap.BY_KEY[resource].label}：{describe(row)}" for pid, row in part.iterrows()}
    legend = [(f"剩余 {label}", colour) for _floor, colour, label in SHARE_CLASSES] + [("超载", OVER_COLOUR), ("未填报", UNKNOWN_COLOUR)]
    return maps.add_legend(_map(regions, shapes, colours, tips), legend, key="capacity", title=cap.BY_KEY[resource].label)


def siting_map(regions: gpd.GeoDataFrame, shapes: gpd.GeoDataFrame, ranking: pd.DataFrame) -> folium.Map:
    """Parks green when feasible, grey when not, labelled with their rank."""
    colours = {r.park_id: FEASIBLE_COLOUR if r.feasible else INFEASIBLE_COLOUR for r in ranking.itertuples()}
    tips = {r.park_id: f"第 {i} 名 · {r.score} 分 · {'可承接' if r.feasible else '不满足'}" for i, r in enumerate(ranking.itertuples(), 1)}
    return maps.add_legend(_map(regions, shapes, colours, tips, labels={r.park_id: str(i) for i, r in enumerate(ranking.itertuples(), 1)}),
                           [("可承接（数字为名次）", FEASIBLE_COLOUR), ("不满足", INFEASIBLE_COLOUR)], key="siting")


def legend_html() -> str:
    rows = [(c, f"剩余 {label}") for _, c, label in SHARE_CLASSES] + [(OVER_COLOUR, "超载"), (UNKNOWN_COLOUR, "未填报")]
    return "".join(f"<span style='display:inline-block;width:12px;height:12px;background:{c};margin:0 4px 0 10px'></span>{text(label)}"
                   for c, label in rows)


def resource_table(tidy: pd.DataFrame, resource: str) -> pd.DataFrame:
    """The chosen resource for every park, as shown beside the map. Land has no 已占用 column: its supply is the
    net 可供地 (land already granted is not in it), so the column would only ever read 0."""
    part = tidy[tidy["resource"] == resource]
    res = cap.BY_KEY[resource]
    unit = res.unit
    table = pd.DataFrame({"园区": part["park"], f"供给（{unit}）": part["supply"], f"已占用（{unit}）": part["occupied"],
                          f"项目储备（{unit}）": part["reserved"], f"剩余（{unit}）": part["remaining"],
                          f"超载（{unit}）": part["over_committed"], f"在谈若落地（{unit}）": part["if_negotiating_lands"],
                          "剩余比例": part["remaining_share"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}")})
    return table.drop(columns=f"已占用（{unit}）") if res.used is None else table


def wide_table(wide: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The wide capacity table with Chinese headers (units in brackets)."""
    out = pd.DataFrame({"园区": wide["park"], "县（市、区）": wide["county_adcode"].map(lambda c: names.get(c, c)),
                        "主导产业": wide["positioning"], "规划面积（亩）": wide["planned_area_mu"], "建成面积（亩）": wide["built_area_mu"]})
    measures = {"supply": "供给", "reserved": "储备", "remaining": "剩余", "over_committed": "超载"}
    for res in cap.RESOURCES:
        for measure, label in measures.items():
            out[f"{res.label}{label}（{res.unit}）"] = wide[f"{res.key}_{measure}_{res.suffix}"]
    return out


def ranking_table(ranking: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"名次": range(1, len(ranking) + 1), "园区": ranking["park"], "县（市、区）": ranking["county"],
                         "可承接": ranking["feasible"].map({True: "✓", False: "✗"}), "评分": ranking["score"].map(lambda v: f"{v:.1f}"),
                         "理由": ranking["reasons"].map("；".join)})


def what_if_table(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"园区": table["park"], "资源": table["label"], "需求": table["need"], "现剩余": table["remaining_now"],
                         "落地后剩余": table["remaining_with"], "落地后超载": table["over_committed_with"],
                         "单位": table["unit"], "可承接": table["fits"].map({True: "✓", False: "✗"})})


def push_table(pushed: pd.DataFrame) -> pd.DataFrame:
    out = pushed[list(PUSH_COLUMNS)].copy()
    out["park"] = out["park"].fillna("（暂无可承接园区）")
    out["county"] = out["county"].fillna("—")
    out["reasons"] = out["reasons"].map("；".join)
    out["score"] = ["—" if pd.isna(v) else f"{v:.1f}" for v in out["score"]]  # a grid draws a missing number as "None"
    return out.rename(columns=PUSH_COLUMNS)


def push_list_xlsx(table: pd.DataFrame, *, title: str = "重点项目推送台账", as_of: date | None = None) -> bytes:
    """The push list as .xlsx, written by the one Excel writer (:mod:`layers.xlsx`): title, 数据截至, a 序号 column and
    the columns as shown. Text is never written as a formula."""
    numbered = pd.concat([pd.DataFrame({"序号": range(1, len(table) + 1)}, index=table.index), table], axis=1)
    return xlsx.to_bytes([xlsx.Sheet("推送台账", numbered, title, f"数据截至 {(as_of or date.today()).isoformat()}")], title=title)
