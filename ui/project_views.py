"""项目地图 / 项目进度 page support: cached loaders (county scope tuple), filters, the stage-coloured project map
(the workbench component), the project card with its stage history, the month report downloads and the targets
editor (ledger uploads: ``ui.uploads``)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis import lights, progress, ranking
from analysis.kpis import YI_1, YI_10, Period, summarize
from analysis.targets import completion, grid_changes, target_grid
from layers import LAYER_LABELS, months, project_history, reporting_units
from layers import targets as target_layer
from layers.vocab import STAGE_COLORS
from store import StoreError
from ui import data, identity, mapkit, widgets

TTL = 300
SIZES = {"all": "全部", "10yi": "10亿元以上", "1yi": "1亿—10亿元", "small": "1亿元以下"}
LIGHT_COLORS = {"红灯": "#e74c3c", "黄灯": "#f1c40f", "绿灯": "#27ae60"}
CARD_FIELDS = {"name": "项目名称", "stage": "阶段", "investor": "投资方", "unit": "单位", "park_name": "所在园区",
               "industry_chain": "产业链", "sign_type": "签约类型", "investment_wan": "合同投资（万元）",
               "funds_in_place_wan": "到位资金（万元）", "signed_on": "签约日期", "planned_start": "计划开工", "started_on": "开工日期",
               "produced_on": "投产日期", "leader": "包抓领导", "responsible_unit": "责任单位", "national_code": "投资项目代码",
               "light": "灯"}



def current_month() -> str:
    """The dataset's 数据截至 month (the demo: 2018-06), else this month."""
    return str(data.as_of().to_period("M"))


@st.cache_data(ttl=TTL, max_entries=8)
def report_months(counties: tuple[str, ...] | None) -> list[str]:
    """Frozen months plus every month of the data's year up to its 数据截至 month, newest first."""
    with data.cursor() as con:
        frozen = set(months.frozen_months(con)["month"])
    current = pd.Period(current_month(), freq="M")
    this_year = {str(p) for p in pd.period_range(f"{current.year}-01", current, freq="M")}
    return sorted(frozen | this_year, reverse=True)


@st.cache_data(ttl=TTL, max_entries=8)
def freeze_state(month: str) -> dict:
    """Whether ``month`` is frozen (when, by whom) or could be frozen now (its end is on or before 数据截至)."""
    with data.cursor() as con:
        frozen = months.frozen_months(con)
    row = frozen[frozen["month"] == month]
    if len(row):
        r = row.iloc[0]
        return {"frozen": True, "at": pd.Timestamp(r["created_at"]).strftime("%Y-%m-%d %H:%M"), "by": r["created_by"]}
    over = pd.Period(month, freq="M").end_time.normalize() <= data.as_of()
    return {"frozen": False, "can_freeze": bool(over)}


def freeze(month: str) -> tuple[bool, str]:
    """Freeze ``month`` for good (idempotent): (done, Chinese message)."""
    if refused := identity.refusal("freeze"):
        return False, refused
    try:
        with data.cursor() as con:
            done = months.freeze(con, month, user=identity.user())
    except (months.FreezeError, StoreError) as exc:
        return False, str(exc)
    data.written()
    return True, (f"{month} 此前已冻结，未作改动" if done.already else f"{month} 已冻结：此后该月月通报不再随数据修改而变化")


@st.cache_data(ttl=TTL, max_entries=16)
def month_report(month: str, counties: tuple[str, ...] | None):
    """The month's :class:`reports.monthly.MonthReport`: stored figures for a frozen month, live ones otherwise."""
    from reports.monthly import collect

    with data.cursor() as con:
        return collect(con, month, county=counties)


@st.cache_data(ttl=TTL, max_entries=8)
def report_files(month: str, counties: tuple[str, ...] | None) -> tuple[bytes, bytes]:
    """(月通报 .xlsx, printable .html) for the month."""
    from reports import monthly, printable

    report = month_report(month, counties)
    return monthly.to_bytes(report), printable.render(report).encode("utf-8")


def _notice_place(counties: tuple[str, ...] | None):
    from reports import sections

    with data.cursor() as con:
        return sections.place(con, counties)


@st.cache_data(ttl=TTL, max_entries=8)
def notice_docx(month: str, counties: tuple[str, ...] | None) -> bytes:
    """The month's Word 通报 (.docx)."""
    from reports import notice

    return notice.to_bytes(month_report(month, counties), _notice_place(counties))


@st.cache_data(ttl=TTL, max_entries=8)
def notice_pdf(month: str, counties: tuple[str, ...] | None) -> bytes:
    """The month's PDF 通报 (the Word file's content and the project map; made in Python, no browser)."""
    from reports import pdf

    return pdf.to_bytes(month_report(month, counties), _notice_place(counties))


@st.cache_data(ttl=TTL, max_entries=16)
def stage_history(project_id: str) -> pd.DataFrame:
    with data.cursor() as con:
        events = project_history.load_events(con, project_ids=[project_id])
    events = events.assign(changed_on=pd.to_datetime(events["changed_on"]).dt.strftime("%Y-%m-%d")).fillna("")
    return events.rename(columns={"stage": "阶段", "changed_on": "日期", "evidence": "佐证", "note": "说明"})[["日期", "阶段", "佐证", "说明"]]


@st.cache_data(ttl=TTL, max_entries=8)
def targets_for(year: int, counties: tuple[str, ...] | None) -> pd.DataFrame:
    with data.cursor() as con:
        units = reporting_units.load(con, county=counties)
        return target_layer.load(con, year=year, units=list(units["unit_id"]))


#: indicator id → column label of the targets editor, e.g. "签约金额（亿元）"
TARGET_LABELS = {indicator: f"{label}（{unit}）" for indicator, (label, unit) in target_layer.INDICATORS.items()}


def target_editor(year: int, counties: tuple[str, ...] | None) -> pd.DataFrame:
    """The year's targets as a grid to edit: one row per reporting unit, one column per indicator."""
    return target_grid(targets_for(year, counties), data.load_units(counties), TARGET_LABELS)


def save_targets(year: int, edited: pd.DataFrame, counties: tuple[str, ...] | None) -> tuple[int, list[str]]:
    """Save an edited :func:`target_editor` grid: (cells written or cleared, problems in Chinese). Nothing is
    written while any cell is bad; the caches are cleared after a write (completion rates change)."""
    if refused := identity.refusal("targets"):
        return 0, [refused]
    loaded = targets_for(year, counties)
    writes, deletes, problems = grid_changes(edited, loaded, year, TARGET_LABELS)
    if problems:
        return 0, problems
    try:
        with data.cursor() as con:
            touched = target_layer.save(con, writes, deletes, user=identity.user(), expected=loaded)
    except StoreError as exc:  # someone changed the same cell (shown again with their value), or a full disk
        data.written()
        return 0, [str(exc)]
    data.written()
    return touched, []


@st.cache_data(ttl=TTL, max_entries=16)
def projects_with_lights(month: str, counties: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    """Current projects plus their light as of ``month`` and the unit name."""
    frame = data.load_layer("projects", counties).copy()
    frame["light"] = frame["project_id"].map(lights.project_lights(frame, month, lights.load_rules())).fillna("绿灯")
    units = data.load_units(counties)
    names = dict(zip(units["unit_id"], units["name"], strict=True))
    frame["unit"] = frame["unit_id"].map(lambda u: names.get(u, u))
    return frame


def filter_projects(frame: pd.DataFrame, *, period: Period, units=(), parks=(), industries=(), stages=(), size="all",
                    light_values=()) -> pd.DataFrame:
    """Pure filter: signed in ``period`` (unsigned pipeline projects always kept when no stage filter excludes them)."""
    signed = pd.to_datetime(frame["signed_on"])
    keep = signed.isna() | ((signed >= pd.Timestamp(period.start)) if period.start else True)
    if period.end:
        keep &= signed.isna() | (signed <= pd.Timestamp(period.end))
    for column, wanted in (("unit_id", units), ("park_name", parks), ("industry_chain", industries), ("stage", stages),
                           ("light", light_values)):
        if wanted:
            keep &= frame[column].isin(list(wanted))
    money = frame["investment_wan"].fillna(0)
    keep &= {"all": True, "10yi": money >= YI_10, "1yi": (money >= YI_1) & (money < YI_10), "small": money < YI_1}[size]
    return frame[keep]


def map_layers(shown: gpd.GeoDataFrame, counties: tuple[str, ...] | None) -> list:
    """County outlines and parks, then the shown projects coloured by stage (the workbench component, which
    stays fast with a province's projects). Tooltip: name, stage, unit and investment."""
    tips = [" · ".join(v for v in (unit if isinstance(unit, str) else "", f"{widgets.shown_value(money)} 万元" if pd.notna(money) else "")
                      if v) for unit, money in zip(shown["unit"], shown["investment_wan"])]
    return [*mapkit.context_layers(counties), mapkit.point_layer("projects", LAYER_LABELS["projects"], shown, key="project_id",
                                                                 category="stage", colors=STAGE_COLORS, radius=5, values=tips)]


#: the card and the 位置待定 list in the map's side column: the values (names) get the width, not the labels
CARD_COLUMNS = {"值": st.column_config.TextColumn(width="large")}
PENDING_COLUMNS = {"项目名称": st.column_config.TextColumn(width="large")}


def card(frame: pd.DataFrame, project_id: str | None) -> pd.DataFrame | None:
    """The clicked project's fields as (字段, 值) rows, looked up in the loaded frame (never taken from the browser)."""
    match = frame[frame["project_id"].astype(str) == str(project_id)] if project_id else frame.iloc[0:0]
    if match.empty:
        return None
    return widgets.field_rows(match.iloc[0], CARD_FIELDS)


def pending_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Projects without a position (位置待定): still counted everywhere."""
    pending = frame[frame.geometry.isna()]
    return pd.DataFrame({"项目名称": pending["name"], "单位": pending["unit"], "阶段": pending["stage"],
                         "合同投资（万元）": pending["investment_wan"]}).reset_index(drop=True)


def located_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The shown projects with a position, one row per point on the map and in the same order (``ui.mapkit.linking``
    maps rows to points through ``frame["project_id"]``)."""
    located = frame[frame.geometry.notna()]
    return pd.DataFrame({"项目名称": located["name"], "单位": located["unit"], "阶段": located["stage"], "红黄灯": located["light"],
                         "所在园区": located["park_name"], "合同投资（万元）": located["investment_wan"]}).reset_index(drop=True)


def kpis(month: str, counties: tuple[str, ...] | None) -> tuple[dict, pd.DataFrame]:
    """Year-to-date KPIs of the month's snapshot and the target completion (for ``widgets.kpi_cards``)."""
    report = month_report(month, counties)
    return report.summary, report.completion


def ranking_table(month: str, counties: tuple[str, ...] | None, indicator: str) -> pd.DataFrame:
    report = month_report(month, counties)
    frame = report.rankings.get(indicator)
    if frame is None:
        with data.cursor() as con:
            previous = months.comparison_frame(con, month, county=counties)
            own = report.units[~report.units["outside"]] if "outside" in report.units else report.units
            wanted = months.month_targets(con, month, units=list(own["unit_id"]))
        frame = ranking.ranking(report.projects, previous, month, indicator, report.units, wanted)
    percent = ranking.INDICATORS[indicator][1] == "%"
    return pd.DataFrame({"位次": frame["rank"].astype("object").where(frame["rank"].notna(), "—"), "单位": frame["unit"],
                         "数值": [("—" if pd.isna(v) else f"{v:.1%}") if percent else v for v in frame["value"]],
                         "上月位次": frame["previous_rank"].astype("object").where(frame["previous_rank"].notna(), "—"),
                         "位次变化": [ranking.change_label(c) for c in frame["change"]]})


def funnel_frame(month: str, counties: tuple[str, ...] | None) -> pd.DataFrame:
    f = month_report(month, counties).funnel
    return pd.DataFrame({"阶段": f["label"], "项目数": f["reached"]}).set_index("阶段")


def trend_frame(month: str, counties: tuple[str, ...] | None) -> pd.DataFrame:
    t = month_report(month, counties).trend
    return pd.DataFrame({"月份": t["month"], "当月签约（个）": t["signed"], "当月开工（个）": t["started"],
                         "当月签约金额（亿元）": t["investment_yi"]}).set_index("月份")


def light_tables(month: str, counties: tuple[str, ...] | None) -> dict[str, pd.DataFrame]:
    r = month_report(month, counties)
    names = dict(zip(r.units["unit_id"], r.units["name"], strict=True))
    late = pd.DataFrame({"灯": r.late["light"], "项目名称": r.late["name"], "单位": r.late["unit_id"].map(names),
                         "计划开工": r.late["planned_start"].astype(str), "逾期（月）": r.late["months_late"], "包抓领导": r.late["leader"]})
    funding = pd.DataFrame({"灯": r.funding["light"], "项目名称": r.funding["name"], "单位": r.funding["unit_id"].map(names),
                            "资金到位率": r.funding["funds_rate"].map(lambda x: f"{x:.1%}"), "已签约（月）": r.funding["months_signed"],
                            "包抓领导": r.funding["leader"]})
    behind = pd.DataFrame({"灯": r.progress["light"], "单位": r.progress["unit"], "指标": r.progress["indicator_label"],
                           "目标完成率": r.progress["completion"].map(lambda x: f"{x:.1%}"), "落后（百分点）": r.progress["behind_points"]})
    sup = pd.DataFrame({"督办事项": r.supervision["item"], "项目/指标": r.supervision["subject"], "单位": r.supervision["unit"],
                        "责任领导": r.supervision["leader"], "责任单位": r.supervision["responsible_unit"], "情况": r.supervision["reason"],
                        "办结时限": r.supervision["deadline"].astype(str)})
    return {"开工滞后": late, "资金到位滞后": funding, "目标进度": behind, "督办清单": sup}


def period_summary(first: str, last: str, counties: tuple[str, ...] | None) -> dict:
    frame = data.load_layer("projects", counties)
    return summarize(pd.DataFrame(frame.drop(columns="geometry")), Period.from_months(first, last), data.load_units(counties),
                     data.unit_names())


def completion_for(summary: dict, year: int, counties: tuple[str, ...] | None) -> pd.DataFrame:
    return completion(summary, targets_for(year, counties))


def priority(first: str, last: str, counties: tuple[str, ...] | None) -> dict:
    frame = data.load_layer("projects", counties)
    return progress.priority_share(pd.DataFrame(frame.drop(columns="geometry")), Period.from_months(first, last))
