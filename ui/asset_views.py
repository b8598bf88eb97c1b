"""闲置资产盘活 page support: cached loaders (county scope tuple), the stage-coloured map, board cards, charts data,
Excel export and the page's writes (stage change, meeting task) through ``layers.asset_cases``.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis import asset_matching, revitalisation
from analysis.matching import Requirement
from layers import asset_cases, attachments, idle_assets, projects, xlsx
from layers.vocab import ASSET_COLORS, ASSET_STAGES
from store import StoreError, audit
from ui import assets as local_assets
from ui import data, evidence_views, identity, maps, review_views
from ui.safe_html import md, text
from ui.text import t

TTL = data.TTL
COLUMNS = {  # asset columns as shown and exported
    "asset_id": "编号", "name": "资产名称", "county": "县（市、区）", "owner_unit": "产权单位", "owner_kind": "单位性质",
    "asset_type": "资产类型", "land_mu": "占地面积（亩）", "floor_area_m2": "建筑面积（㎡）", "book_value_wan": "账面价值（万元）",
    "appraised_value_wan": "评估价值（万元）", "vacancy_share": "空置率", "stage": "盘活阶段", "mode": "盘活方式",
    "responsible_unit": "责任单位", "responsible_leader": "责任领导", "planned_date": "计划完成时间", "counterpart": "对接企业",
    "realised_value_wan": "实现价值（万元）", "contract_no": "合同编号", "days_overdue": "逾期天数",
}
EVENT_COLUMNS = {"asset_name": "资产名称", "changed_on": "日期", "from_stage": "原阶段", "stage": "新阶段", "mode": "盘活方式",
                 "author": "记录人", "note": "说明"}
TASK_COLUMNS = {"asset_name": "资产名称", "meeting": "会议", "meeting_on": "会议日期", "text": "议定事项", "due_on": "完成时限",
                "responsible": "责任单位/人", "done": "已完成", "done_on": "完成日期"}
PROJECT_COLUMNS = {"project_name": "项目名称", "project_stage": "阶段", "category": "类别", "industry_chain": "产业链",
                   "land_mu": "用地需求（亩）", "investment_wan": "投资额（万元）", "score": "匹配分", "reasons": "理由"}



@st.cache_data(ttl=TTL, max_entries=16)
def load_assets(counties: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    """Idle assets in scope (EPSG:4326) with a ``county`` name column."""
    with data.cursor() as con:
        frame = idle_assets.load(con, county=counties)
    names = county_names(counties)
    frame["county"] = frame["county_adcode"].map(lambda c: names.get(c, c))
    return frame


@st.cache_data(ttl=TTL, max_entries=16)
def load_events(counties: tuple[str, ...] | None) -> pd.DataFrame:
    """Stage history of the assets in scope, with ``asset_name``."""
    assets = load_assets(counties)
    with data.cursor() as con:
        events = asset_cases.load_events(con, asset_ids=list(assets["asset_id"]))
    return events.assign(asset_name=events["asset_id"].map(dict(zip(assets["asset_id"], assets["name"], strict=True))))


@st.cache_data(ttl=TTL, max_entries=16)
def load_tasks(counties: tuple[str, ...] | None) -> pd.DataFrame:
    """Meeting tasks of the assets in scope, with ``asset_name``."""
    assets = load_assets(counties)
    with data.cursor() as con:
        tasks = asset_cases.load_tasks(con, asset_ids=list(assets["asset_id"]))
    return tasks.assign(asset_name=tasks["asset_id"].map(dict(zip(assets["asset_id"], assets["name"], strict=True))))


@st.cache_data(ttl=TTL, max_entries=16)
def load_pipeline(counties: tuple[str, ...] | None) -> pd.DataFrame:
    """在谈/签约/注册 projects in scope (the matching input)."""
    with data.cursor() as con:
        return projects.load(con, county=counties, stages=list(asset_matching.PIPELINE_STAGES))


def county_names(counties: tuple[str, ...] | None) -> dict[str, str]:
    regions = data.load_home_regions(counties)
    counties_only = regions[regions["level"] == "county"]
    return dict(zip(counties_only["adcode"], counties_only["name"], strict=True))


def as_of_view(counties: tuple[str, ...] | None, as_of: date) -> pd.DataFrame:
    """Assets with their stage as of ``as_of`` (from the history) and ``overdue`` / ``days_overdue``."""
    assets, events = load_assets(counties), load_events(counties)
    frame = revitalisation.stages_as_of(assets, events, as_of) if len(events) else assets.copy()
    late = revitalisation.overdue(frame, as_of)["days_overdue"]
    frame["days_overdue"] = late.reindex(frame.index)
    return frame


def summary(counties: tuple[str, ...] | None, as_of: date) -> dict:
    return revitalisation.summarize(load_assets(counties), as_of=as_of, events=load_events(counties))


def asset_map(frame: gpd.GeoDataFrame, regions: gpd.GeoDataFrame) -> folium.Map:
    """Boundaries plus one toggleable group per stage; points and polygons coloured by stage; escaped tooltips."""
    bounds = regions.total_bounds if len(regions) else maps.DEFAULT_BOUNDS
    m = maps.base_map(bounds)
    maps.add_boundaries(folium.FeatureGroup(name="行政区").add_to(m), regions)
    tips = frame.assign(tip_plan=pd.to_datetime(frame["planned_date"]).dt.strftime("计划完成 %Y-%m-%d").fillna(""),
                        tip_late=frame["days_overdue"].map(lambda d: f"逾期 {int(d)} 天" if pd.notna(d) else ""))
    tips = gpd.GeoDataFrame(tips, geometry="geometry", crs="EPSG:4326")
    fields = ["name", "asset_type", "stage", "owner_unit", "tip_plan", "tip_late"]
    for stage in ASSET_STAGES:
        rows = tips[tips["stage"] == stage]
        group = folium.FeatureGroup(name=f"{stage}（{len(rows)}）").add_to(m)
        colour = ASSET_COLORS[stage]
        points = rows[rows.geom_type == "Point"]
        polygons = rows[rows.geom_type.isin(["Polygon", "MultiPolygon"])]
        maps.add_points(group, maps.feature_collection(points, "assets", "asset_id", fields, lambda r, c=colour: c), 8)
        if len(polygons):
            style = {"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.35}
            maps.add_polygons(group, maps.feature_collection(polygons, "assets", "asset_id", fields, lambda r: ""), style)
    maps.add_legend(m, [(stage, ASSET_COLORS[stage]) for stage in ASSET_STAGES], key="assets", title="盘活阶段")
    folium.LayerControl(collapsed=False).add_to(m)
    return local_assets.localise(m)


def _wan(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):,.0f} 万元"


def board_cards(frame: pd.DataFrame, stage: str) -> list[tuple[str, str, str]]:
    """(asset_id, name, card HTML) of one board column, overdue first (every data text escaped)."""
    rows = frame[frame["stage"] == stage].sort_values(["days_overdue", "book_value_wan"], ascending=False, na_position="last")
    cards = []
    for r in rows.to_dict("records"):
        late = pd.notna(r.get("days_overdue"))
        plan = pd.Timestamp(r["planned_date"]).strftime("%Y-%m-%d") if pd.notna(r.get("planned_date")) else "未定"
        flag = f"<div style='color:#c0392b;font-weight:600'>逾期 {int(r['days_overdue'])} 天</div>" if late else ""
        cards.append((str(r["asset_id"]), str(r["name"]),
            f"<div class='pm-card' style='border:1px solid {'#e74c3c' if late else '#dcdde1'};border-left:5px solid {ASSET_COLORS[stage]};"
            f"border-radius:6px;padding:6px 8px;margin-bottom:8px;font-size:13px;background:#fff'>"
            f"<div style='font-weight:600'>{text(r['name'])}</div>"
            f"<div style='color:#555'>{text(r.get('county'))} · {text(r.get('asset_type'))} · {text(r.get('mode'))}</div>"
            f"<div>账面 {text(_wan(r.get('book_value_wan')))} · 计划 {text(plan)}</div>"
            f"<div style='color:#555'>{text(r.get('responsible_unit'))} {text(r.get('responsible_leader'))}</div>{flag}</div>"))
    return cards


EMPTY_COLUMN = "<div style='color:#999;font-size:13px'>（无）</div>"
#: a card's button lies over the whole card, invisible: clicking anywhere on the card opens the case
BOARD_CSS = """<style>
[class*="st-key-asset-card-"] { position: relative; gap: 0; }
[class*="st-key-asset-open-"] { position: absolute !important; inset: 0 0 8px 0; width: auto !important; z-index: 1; }
[class*="st-key-asset-open-"] button { position: absolute; inset: 0; width: 100%; height: 100%; min-height: 0; opacity: 0;
  cursor: pointer; }
[class*="st-key-asset-card-"]:hover .pm-card, [class*="st-key-asset-card-"]:focus-within .pm-card { box-shadow: 0 0 0 2px #2980b9; }
</style>"""


def board_html(frame: pd.DataFrame, stage: str) -> str:
    """The cards of one board column as one HTML text (every data text escaped)."""
    return "".join(html for _id, _name, html in board_cards(frame, stage)) or EMPTY_COLUMN


def open_case(asset_id: str, *, tab_key: str, case_tab: str, case_key: str = "asset_case") -> None:
    """A board card's click (a button callback, run before the page): the case selector shows ``asset_id`` and the tabs
    ``tab_key`` switch to ``case_tab`` — as if the user had picked the asset there."""
    st.session_state[case_key] = asset_id
    st.session_state[tab_key] = case_tab


def board(frame: pd.DataFrame, *, tab_key: str, case_tab: str) -> None:
    """The 推进看板: one column per stage, one card per asset; a click on a card opens that asset's case
    (:func:`open_case`)."""
    st.html(BOARD_CSS)
    st.caption(t("assets_board_hint"))
    for i, (col, stage) in enumerate(zip(st.columns(len(ASSET_STAGES)), ASSET_STAGES, strict=True)):
        cards = board_cards(frame, stage)
        col.markdown(f"**{stage}**（{len(cards)}）")
        if not cards:
            col.markdown(EMPTY_COLUMN, unsafe_allow_html=True)
        for j, (asset_id, name, html) in enumerate(cards):
            with col.container(key=f"asset-card-{i}-{j}"):
                st.markdown(html, unsafe_allow_html=True)
                st.button(md(t("assets_open_case", name=name)), key=f"asset-open-{i}-{j}", on_click=open_case, args=(asset_id,),
                          kwargs={"tab_key": tab_key, "case_tab": case_tab})


def table(frame: pd.DataFrame, columns: dict[str, str], *, shown: bool = True) -> pd.DataFrame:
    """The listed columns, renamed to their Chinese headers; dates as YYYY-MM-DD text (``shown=False``: dates and rates
    kept as values, for a workbook to format)."""
    out = pd.DataFrame({label: frame.get(col) for col, label in columns.items()}, index=frame.index).reset_index(drop=True)
    if not shown:
        return out
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    if "空置率" in out:
        out["空置率"] = out["空置率"].map(lambda v: "" if pd.isna(v) else f"{v:.0%}")
    if "理由" in out:
        out["理由"] = out["理由"].map(lambda v: "；".join(v) if isinstance(v, list) else v)
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype(object).where(out[col].notna(), "")
    return out


def charts(counties: tuple[str, ...] | None, as_of: date) -> dict[str, alt.Chart]:
    """Altair charts (rendered by Streamlit's bundled vega-lite, offline): stages in lifecycle order and colours."""
    frame = as_of_view(counties, as_of)
    stages = list(ASSET_STAGES)
    colours = alt.Scale(domain=stages, range=[ASSET_COLORS[s] for s in stages])
    by_stage = revitalisation.breakdown(frame, "stage", as_of=as_of)
    by_mode = revitalisation.breakdown(frame, "mode", as_of=as_of)
    by_county = revitalisation.breakdown(frame, "county", as_of=as_of)
    money = by_county.melt(id_vars="county", value_vars=["book_value_yi", "revitalised_value_yi"], var_name="kind", value_name="yi")
    money["kind"] = money["kind"].map({"book_value_yi": "账面价值", "revitalised_value_yi": "已盘活实现价值"})
    trend = revitalisation.monthly_trend(load_events(counties), as_of=as_of)
    trend = trend[trend["month"] <= pd.Timestamp(as_of).strftime("%Y-%m")]
    long = trend.melt(id_vars="month", value_vars=stages, var_name="stage", value_name="assets")
    long["order"] = long["stage"].map(stages.index)
    return {
        "stage": alt.Chart(by_stage).mark_bar().encode(
            y=alt.Y("stage:N", sort=stages, title=None), x=alt.X("assets:Q", title="资产（处）"),
            color=alt.Color("stage:N", scale=colours, legend=None), tooltip=["stage", "assets", "book_value_yi"]),
        "mode": alt.Chart(by_mode).mark_bar(color="#2980b9").encode(
            y=alt.Y("mode:N", sort=list(by_mode["mode"]), title=None), x=alt.X("assets:Q", title="资产（处）"),
            tooltip=["mode", "assets", "book_value_yi"]),
        "county": alt.Chart(money).mark_bar().encode(
            x=alt.X("county:N", sort=list(by_county["county"]), title=None), xOffset="kind:N",
            y=alt.Y("yi:Q", title="亿元"), color=alt.Color("kind:N", title=None), tooltip=["county", "kind", "yi"]),
        "trend": alt.Chart(long).mark_area().encode(
            x=alt.X("month:O", title=None), y=alt.Y("assets:Q", stack=True, title="资产（处）"),
            color=alt.Color("stage:N", scale=colours, sort=stages, title="盘活阶段"), order="order:Q",
            tooltip=["month", "stage", "assets"]),
    }


def excel_bytes(sheets: dict[str, pd.DataFrame], *, title: str = "闲置国有资产盘活", subtitle: str | None = None) -> bytes:
    """An .xlsx with one sheet per frame, written by the one Excel writer (:mod:`layers.xlsx`: title, subtitle, header,
    formats; text never a formula, dates as dates)."""
    return xlsx.to_bytes([xlsx.Sheet(name, frame, f"{title} · {name}", subtitle) for name, frame in sheets.items()], title=title)


def export(counties: tuple[str, ...] | None, as_of: date) -> bytes:
    frame = as_of_view(counties, as_of)
    return excel_bytes(subtitle=f"数据截至 {as_of:%Y-%m-%d}（逾期按此日计算）；金额单位：万元", sheets={
        "资产清单": table(frame, COLUMNS, shown=False),
        "逾期清单": table(frame[frame["days_overdue"].notna()].sort_values("days_overdue", ascending=False), COLUMNS, shown=False),
        "阶段历史": table(load_events(counties), EVENT_COLUMNS, shown=False),
        "会议任务": table(load_tasks(counties), TASK_COLUMNS, shown=False),
        "分阶段统计": revitalisation.breakdown(frame, "stage", as_of=as_of)[["stage", "assets", "book_value_wan", "revitalised",
                                                                             "overdue"]].set_axis(
            ["盘活阶段", "资产（处）", "账面价值（万元）", "已盘活（处）", "逾期（处）"], axis=1),
    })


def matches_for(counties: tuple[str, ...] | None, asset_id: str) -> pd.DataFrame:
    """Pipeline projects the asset could host (best first), as shown."""
    assets = load_assets(counties)
    found = asset_matching.projects_for_assets(assets[assets["asset_id"] == asset_id], load_pipeline(counties), limit_per_asset=10)
    return table(found, PROJECT_COLUMNS)


def offers(counties: tuple[str, ...] | None, min_area_m2: float, max_area_m2: float | None) -> pd.DataFrame:
    """Idle buildings for an investor's floor-area need through the factory engine (feasible, then near misses)."""
    req = Requirement(min_area_m2=min_area_m2 or None, max_area_m2=max_area_m2 or None)
    result = asset_matching.offer_assets(load_assets(counties), req, counties=data.load_home_regions(counties))
    found = pd.concat([result.feasible, result.near_misses], ignore_index=True)
    found["fit"] = found["feasible"].map({True: "符合", False: "接近"}) if len(found) else []
    return table(found, {"name": "资产名称", "county_name": "县（市、区）", "asset_type": "资产类型", "stage": "盘活阶段",
                         "floor_area_m2": "空置面积（㎡）", "fit": "结论", "score": "匹配分", "reasons": "理由"})


def change_stage(asset_id: str, stage: str, on: date, *, note: str | None, mode: str | None, version: int | None = None,
                 counterpart: str | None = None, realised_value_wan: float | None = None, contract_no: str | None = None,
                 files=(), contract_files=()) -> str | None:
    """Record a stage change made on the page (author: the page user) with the files uploaded for it (佐证材料 for the
    new stage, the contract scan as 盘活合同), in one batch; returns None, or why it was refused (Chinese).
    ``version``: the asset's ``row_version`` when the form was drawn — a change by someone else since is refused."""
    if refused := identity.refusal("write"):
        return refused
    if review_views.submits():  # a county's or 国资's change waits for the city's review
        payload = {"asset_id": asset_id, "stage": stage, "on": on.isoformat(), "note": note or None, "mode": mode,
                   "counterpart": counterpart, "realised_value_wan": realised_value_wan, "contract_no": contract_no}
        return review_views.submit_change("asset_stage", payload, label=f"{asset_id} → {stage}", on=on,
                                          files=[(stage, f) for f in files] + [("盘活合同", f) for f in contract_files])
    user, counties = identity.user(), identity.counties()
    try:
        with data.cursor() as con, audit.batch(con, user=user, kind="stage", label=f"盘活阶段变更 {asset_id} → {stage}"):
            ids = (evidence_views.store_files(con, "idle_assets", asset_id, stage, files, user=user, counties=counties)
                   + evidence_views.store_files(con, "idle_assets", asset_id, "盘活合同", contract_files, user=user, counties=counties))
            asset_cases.change_stage(con, asset_id, stage, on=on, user=user, note=note or None, mode=mode,
                                     counterpart=counterpart, realised_value_wan=realised_value_wan, contract_no=contract_no,
                                     expected_version=version, counties=counties, attachment_ids=ids)
    except (asset_cases.CaseError, attachments.AttachmentError, StoreError) as exc:
        return str(exc)
    finally:
        data.written()  # also after a conflict: the form is drawn again from the other person's change
    return None


def add_task(asset_id: str, text_: str, *, due_on: date | None, responsible: str | None, meeting: str | None,
             meeting_on: date | None) -> str | None:
    """Attach a meeting task made on the page (author: the page user); returns None, or why it was refused (Chinese)."""
    if refused := identity.refusal("write"):
        return refused
    try:
        with data.cursor() as con:
            asset_cases.add_task(con, asset_id, text_, user=identity.user(), due_on=due_on, responsible=responsible or None,
                                 meeting=meeting or None, meeting_on=meeting_on, counties=identity.counties())
    except (asset_cases.CaseError, StoreError) as exc:
        return str(exc)
    data.written()
    return None
