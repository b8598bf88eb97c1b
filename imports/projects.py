"""Import a county project ledger (项目台账) into ``projects`` with stage history.

Identity rule (re-importing updates instead of duplicating), first that applies:
1. the 24-digit national project code (投资项目代码);
2. the ledger's own 项目编号, scoped to the reporting unit;
3. the reporting unit plus the project name (normalised: full-width/half-width, spaces).
The resulting ``project_id`` is stable, so the same row imported twice is one project.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd

from analysis.lifecycle import STAGE_SYNONYMS, check_project_code, infer_stage
from imports.ledger import Field, LedgerSchema, read_ledger
from imports.places import ParkMatcher, UnitMatcher
from imports.report import ImportReport
from imports.values import norm
from layers import project_history, projects, reporting_units
from store import transaction

CATEGORY = {"工业": "工业", "工业项目": "工业", "制造业": "工业", "非工业": "非工业", "非工业项目": "非工业", "服务业": "非工业",
            "农业": "非工业", "文旅": "非工业", "第三产业": "非工业", "三产": "非工业"}
SIGN_TYPE = {"合同": "合同", "正式合同": "合同", "投资合同": "合同", "合同类": "合同", "协议": "协议", "投资协议": "协议",
             "协议类": "协议", "意向协议": "协议", "框架协议": "框架协议", "战略合作协议": "框架协议", "战略协议": "框架协议"}
ORIGIN = {"省外": "省外", "外省": "省外", "市外省内": "市外省内", "省内市外": "市外省内", "省内": "市外省内", "市内": "市内",
          "本市": "市内", "外资": "省外", "境外": "省外"}

SCHEMA = LedgerSchema(
    kind="项目台账",
    fields=(
        Field("ledger_no", "项目编号", ("编号", "项目代号")),
        Field("name", "项目名称", ("项目", "项目全称", "招商项目名称", "签约项目名称"), required=True),
        Field("investor", "投资方", ("投资主体", "投资企业", "签约企业", "企业名称", "投资单位", "投资商", "签约主体")),
        Field("unit", "县（市、区）", ("县市区", "县区", "所属县区", "区县", "所在县区", "属地", "县（市区）", "地区", "填报单位", "责任县区")),
        Field("park_name", "所在园区", ("园区", "落户园区", "入驻园区", "所属园区", "拟落户园区", "项目选址")),
        Field("industry_chain", "产业链", ("所属产业链", "产业类别", "所属产业", "行业", "所属行业", "产业")),
        Field("category", "项目类别", ("工业/非工业", "是否工业项目", "项目性质"), kind="choice", choices=CATEGORY),
        Field("sign_type", "签约类型", ("合同类型", "签约形式", "签约方式", "合同/协议"), kind="choice", choices=SIGN_TYPE),
        Field("investment_wan", "合同投资", ("总投资", "协议投资", "合同投资额", "投资总额", "计划总投资", "签约金额", "投资额", "合同金额"),
              kind="money"),
        Field("funds_in_place_wan", "到位资金", ("累计到位资金", "实际到位资金", "到位金额", "累计到位"), kind="money"),
        Field("stage", "项目进度", ("进展阶段", "当前阶段", "项目状态", "进展情况", "推进情况", "所处阶段", "项目阶段"),
              kind="choice", choices=STAGE_SYNONYMS),
        Field("signed_on", "签约时间", ("签约日期",), kind="date"),
        Field("registered_on", "注册时间", ("注册日期", "工商注册时间"), kind="date"),
        Field("started_on", "开工时间", ("开工日期", "实际开工时间"), kind="date"),
        Field("produced_on", "投产时间", ("投产日期", "竣工时间", "竣工投产时间"), kind="date"),
        Field("planned_start", "计划开工时间", ("计划开工日期", "计划开工", "预计开工时间"), kind="date"),
        Field("land_mu", "用地面积", ("用地需求", "用地", "占地面积", "需用地"), kind="number"),
        Field("power_kva", "用电需求", ("用电负荷", "电力需求", "用电容量", "配电需求"), kind="number"),
        Field("water_t_d", "用水需求", ("用水量", "日用水量"), kind="number"),
        Field("energy_tce", "用能需求", ("能耗", "综合能耗", "年综合能耗", "用能指标"), kind="number"),
        Field("leader", "包抓领导", ("包联领导", "责任领导", "包抓市领导", "包保领导", "联系领导")),
        Field("responsible_unit", "责任单位", ("牵头单位", "责任部门", "包保单位")),
        Field("source", "招商方式", ("项目来源", "签约活动", "招商渠道")),
        Field("origin", "投资来源地", ("来源地", "资金来源地", "投资方来源"), kind="choice", choices=ORIGIN),
        Field("national_code", "投资项目代码", ("项目代码", "备案代码", "全国投资项目代码", "赋码")),
        Field("fortune500", "是否500强", ("500强", "世界500强", "中国500强"), kind="bool"),
        Field("lonlat", "经纬度", ("坐标", "位置坐标", "中心点坐标", "经纬度坐标"), kind="lonlat"),
        Field("lon", "经度", ("x坐标", "东经"), kind="lon"),
        Field("lat", "纬度", ("y坐标", "北纬"), kind="lat"),
    ),
)
IMPORT_USER = "台账导入"


def project_key(unit_id: str, name: str, ledger_no: str | None, national_code: str | None) -> str:
    """The stable project id for the identity rule in the module docstring."""
    basis = f"code|{national_code}" if national_code else (f"no|{unit_id}|{norm(ledger_no)}" if ledger_no else f"name|{unit_id}|{norm(name)}")
    return "IMP-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]


def _title_unit(source, filename: str | None, units: UnitMatcher) -> dict | None:
    """The unit named in a "填报单位：…" line above the header, if any."""
    from imports.sheet import read_cells

    for row in read_cells(source, filename=filename)[:8]:
        for cell in row:
            text = norm(cell) if cell is not None else ""
            if "填报单位" in text:
                name = text.split("填报单位", 1)[1].lstrip(":：").split("填报")[0]
                return units.match(name)
    return None


def _resolve(frame: pd.DataFrame, report: ImportReport, units: UnitMatcher, park_matcher: ParkMatcher, default_unit) -> pd.DataFrame:
    keep, rows = [], []
    for rec in frame.to_dict("records"):
        unit = units.match(rec.get("unit")) if rec.get("unit") else default_unit
        problem = None
        if unit is None:
            problem = ("县（市、区）", f"无法识别的县（市、区）：“{rec.get('unit') or '（空）'}”")
        elif reason := check_project_code(rec.get("national_code")):
            problem = ("投资项目代码", reason)
        stage = infer_stage(rec.get("stage"), rec)
        if problem is None and stage is None:
            problem = ("项目进度", "无法确定项目阶段：请填写项目进度或签约/开工日期")
        if problem:
            report.reject(rec["_row"], *problem)
            continue
        park = park_matcher.match(rec.get("park_name"))
        if rec.get("park_name") and park is None:
            report.warn(f"园区“{rec['park_name']}”尚未入库，已按名称保留（第 {rec['_row']} 行）")
        rec.update(stage=stage, unit_id=unit["unit_id"], county_adcode=unit["county_adcode"],
                   park_id=park[0] if park else None, park_name=park[1] if park else rec.get("park_name"),
                   national_code=str(rec["national_code"]).strip() if rec.get("national_code") else None)
        rec["project_id"] = project_key(unit["unit_id"], rec["name"], rec.get("ledger_no"), rec["national_code"])
        rows.append(rec)
        keep.append(rec["project_id"])
    out = pd.DataFrame(rows)
    if len(out):
        dup = out["project_id"].duplicated(keep="last")
        for row in out.loc[dup, "_row"]:
            report.warn(f"第 {row} 行与后面的行是同一项目（同名或同代码），以后者为准")
        out = out[~dup]
    return out


def import_projects(con: duckdb.DuckDBPyConnection, source, *, filename: str | None = None, crs: str | None = None,
                    user: str = IMPORT_USER) -> ImportReport:
    """Read, check and write a project ledger atomically; returns the report (nothing written if it raises)."""
    frame, report = read_ledger(source, SCHEMA, filename=filename, crs=crs)
    units = UnitMatcher(con)
    default_unit = None if "unit" in report.columns else _title_unit(source, filename or (str(source) if isinstance(source, (str, Path)) else None), units)
    if "unit" not in report.columns and default_unit is None:
        report.warn("台账没有“县（市、区）”列，表头上方也没有“填报单位”")
    rows = _resolve(frame, report, units, ParkMatcher(con), default_unit)
    if rows.empty:
        return report
    existing = projects.load(con)
    existing = existing.set_index("project_id")
    known = rows["project_id"].isin(existing.index)
    report.imported, report.updated = int((~known).sum()), int(known.sum())
    # Keep a stored position when the ledger row has none; keep the first-seen stage dates when the ledger omits them.
    for i in rows.index[known]:
        old = existing.loc[rows.at[i, "project_id"]]
        if rows.at[i, "geometry"] is None and old.geometry is not None:
            rows.at[i, "geometry"] = old.geometry
    columns = [c for c in projects.SPEC.names if c in rows.columns]
    for optional, default in (("investment_wan", 0.0), ("funds_in_place_wan", 0.0)):
        if optional not in rows.columns:
            rows[optional] = default
            columns.append(optional)
    import geopandas as gpd

    out = gpd.GeoDataFrame(rows[columns], geometry=gpd.GeoSeries(list(rows["geometry"]), crs="EPSG:4326"), crs="EPSG:4326")
    events = _stage_events(rows, existing)
    with transaction(con):
        if units.new_units:
            reporting_units.insert(con, pd.DataFrame(list(units.new_units.values())), user=user, upsert=True)
        projects.insert(con, out, user=user, upsert=True)
        if len(events):
            project_history.insert_events(con, events, user=user, upsert=True)
    return report


def _stage_events(rows: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
    """History rows for every dated milestone and for a stage that differs from what was stored."""
    from datetime import date

    from analysis.lifecycle import MILESTONE_COLUMNS

    events = []
    for rec in rows.to_dict("records"):
        pid = rec["project_id"]
        for stage, column in MILESTONE_COLUMNS:
            if rec.get(column) is not None and not pd.isna(rec.get(column)):
                events.append({"event_id": f"{pid}#{stage}", "project_id": pid, "stage": stage, "changed_on": rec[column],
                               "evidence": None, "note": "台账导入"})
        before = existing["stage"].get(pid) if pid in existing.index else None
        if rec["stage"] != before and rec["stage"] not in dict(MILESTONE_COLUMNS):
            events.append({"event_id": f"{pid}#{rec['stage']}", "project_id": pid, "stage": rec["stage"],
                           "changed_on": date.today(), "evidence": None, "note": "台账导入"})
    return pd.DataFrame(events)
