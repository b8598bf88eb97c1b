"""Import a county project ledger (项目台账) into ``projects`` with stage history.

Identity rule (re-importing updates instead of duplicating): a ledger row is the stored project that
1. has the same 24-digit national project code (投资项目代码), else
2. has the same ledger 项目编号 within the same reporting unit (an earlier import of this ledger), else
3. has the same name within the same reporting unit (names compared after NFKC: full-width/half-width,
   spaces and case ignored) — this also finds projects entered by hand or by an earlier ledger without numbers.
A new project gets ``project_id = "IMP-" + sha1(basis)[:12]`` with the basis of the first rule that has a value
(code, unit + 项目编号, unit + name), so importing the same file twice is always an update.

Updating never erases: a blank cell, or a column the ledger does not have, keeps the stored value (a ledger
cannot "forget" a signing date or a position); ``（清空）`` clears a field. A stage change is recorded in
``project_stage_history`` dated with the milestone date, else the ledger's effective date (:mod:`imports.dates`).
The whole import is one batch in one transaction (:mod:`imports.pipeline`): every accepted row is written or nothing is.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

import duckdb
import pandas as pd

from analysis.lifecycle import MILESTONE_COLUMNS, STAGE_SYNONYMS, check_project_code, infer_stage
from imports.ledger import Field, LedgerSchema, keep_last
from imports.pipeline import LAND_MAX_MU, MONEY_MAX_WAN, Kind, Limit, Options, Write, ledger_reader, record_rows, run
from imports.places import ParkMatcher, UnitMatcher
from imports.report import ImportReport
from imports.values import norm, parse_date
from layers import project_history, projects, reporting_units
from layers.vocab import PROJECT_STAGES
from store.tables import CLEAR, blank

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
        Field("stage", "项目进度", ("进展阶段", "当前阶段", "项目状态", "进展情况", "推进情况", "所处阶段", "项目阶段", "项目进展",
                                    "目前进展", "进度")),  # resolved by :func:`parse_stage`
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
#: Stage words beyond :data:`analysis.lifecycle.STAGE_SYNONYMS` seen in county ledgers.
EXTRA_STAGES = {"已开工建设": "开工", "正在建设": "开工", "施工中": "开工", "主体施工": "开工", "设备安装": "开工", "基础施工": "开工",
                "已建成": "投产", "已投运": "投产", "建成运营": "投产", "已达产": "投产", "投产运营": "投产",
                "已落地": "注册", "已签约未开工": "签约", "已签约未注册": "签约", "签约落地": "签约", "跟踪洽谈": "在谈", "对接洽谈": "在谈"}
#: Keyword fallback, first match wins (negations such as 未开工 are exact synonyms above, checked first).
STAGE_KEYWORDS = (("终止", "终止"), ("解约", "终止"), ("取消", "终止"), ("停", "停滞"), ("缓", "停滞"), ("投产", "投产"), ("竣工", "投产"),
                  ("运营", "投产"), ("开工", "开工"), ("在建", "开工"), ("建设", "开工"), ("施工", "开工"), ("注册", "注册"),
                  ("签约", "签约"), ("前期", "签约"), ("洽谈", "在谈"), ("对接", "在谈"), ("线索", "线索"))
_STAGES = {norm(k): v for k, v in {**STAGE_SYNONYMS, **EXTRA_STAGES}.items()}


def parse_stage(text) -> tuple[str | None, str | None]:
    """The canonical stage for a ledger word (已签约, 前期手续办理中, 开工建设, 竣工投产 …): (stage, None) or (None, reason)."""
    if text is None or norm(text) in ("", "-", "/", "无"):
        return None, None
    key = norm(text)
    if key in _STAGES:
        return _STAGES[key], None
    head = re.split(r"[,，;；。(（]", key)[0]  # "已开工，主体完成60%" → "已开工"
    if head in _STAGES:
        return _STAGES[head], None
    for word, stage in STAGE_KEYWORDS:
        if word in head and not re.search(f"[未待没][{word[0]}]", head):
            return stage, None
    return None, f"无法识别的项目进度“{text}”，可写：{'、'.join(PROJECT_STAGES)}（或 已签约、已开工、在建、竣工投产 等）"


def project_key(unit_id: str, name: str, ledger_no: str | None, national_code: str | None) -> str:
    """The stable id of a new project (rule in the module docstring)."""
    basis = f"code|{national_code}" if national_code else (f"no|{unit_id}|{norm(ledger_no)}" if ledger_no else f"name|{unit_id}|{norm(name)}")
    return "IMP-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]


def _title_facts(title_cells: list[list], units: UnitMatcher) -> tuple[dict | None, date | None]:
    """The unit of "填报单位：…" and the date of "填报时间：…" written above the header (either may be None)."""
    unit, when = None, None
    for row in title_cells:
        texts = [norm(c) for c in row]
        for i, text in enumerate(texts):
            for label in ("填报单位", "填报时间", "填报日期", "统计时间", "截止时间", "截至"):
                if label not in text:
                    continue
                value = re.split(r"填报|统计时间|截止时间", text.split(label, 1)[1].lstrip(":："))[0]
                if not value and i + 1 < len(texts):  # "填报单位：" | "商州区"
                    value = texts[i + 1]
                if label == "填报单位":
                    unit = unit or units.match(value)
                else:
                    when = when or parse_date(value.removesuffix("止"))[0]
    return unit, when


def _existing_ids(existing: pd.DataFrame) -> dict[tuple, str]:
    """Lookup keys (rule 1 and 3 of the identity rule) for stored projects."""
    keys: dict[tuple, str] = {}
    for pid, code, unit, name in zip(existing.index, existing["national_code"], existing["unit_id"], existing["name"], strict=True):
        if code:
            keys.setdefault(("code", str(code)), pid)
        keys.setdefault(("name", unit, norm(name)), pid)
    return keys


def _value(rec: dict, column: str):
    """A cell's value for decisions (None for blank and for the clear marker)."""
    value = rec.get(column)
    return None if blank(value) or value is CLEAR else value


def _resolve(frame: pd.DataFrame, report: ImportReport, units: UnitMatcher, park_matcher: ParkMatcher, default_unit,
             existing: pd.DataFrame) -> pd.DataFrame:
    rows = []
    known = _existing_ids(existing)
    stored_stages = dict(zip(existing.index, existing["stage"], strict=True))  # a dict: a Series lookup per row costs more
    stage_column = report.columns.get("stage", "项目进度")
    for raw in frame.to_dict("records"):
        rec = {k: (None if blank(v) else v) for k, v in raw.items()}  # pandas gives NaN for empty text cells
        unit = units.match(_value(rec, "unit")) if _value(rec, "unit") else default_unit
        stage, stage_problem = parse_stage(_value(rec, "stage"))
        problem = None
        if unit is None:
            problem = (report.columns.get("unit", "县（市、区）"), f"无法识别的县（市、区）：“{_value(rec, 'unit') or '（空）'}”，请写县区全称或简称")
        elif reason := check_project_code(_value(rec, "national_code")):
            problem = (report.columns.get("national_code", "投资项目代码"), reason)
        elif stage_problem:
            problem = (stage_column, stage_problem)
        if problem:
            report.reject(rec["_row"], *problem)
            continue
        code = str(rec["national_code"]).strip().replace("－", "-").replace("—", "-") if _value(rec, "national_code") else rec.get("national_code")
        new_id = project_key(unit["unit_id"], rec["name"], _value(rec, "ledger_no"), code if code is not CLEAR else None)
        pid = (known.get(("code", code)) if isinstance(code, str) else None) or (new_id if new_id in stored_stages else None) \
            or known.get(("name", unit["unit_id"], norm(rec["name"]))) or new_id
        stored_stage = stored_stages.get(pid)
        stage = infer_stage(stage, {c: _value(rec, c) for _, c in MILESTONE_COLUMNS})
        if stage is None and stored_stage is None:
            report.reject(rec["_row"], stage_column, "无法确定项目阶段：请填写项目进度或签约/开工日期")
            continue
        park_written = _value(rec, "park_name")
        park = park_matcher.match(park_written)
        if park_written and park is None:
            report.warn("园区尚未入库，已按名称保留", row=rec["_row"], detail=park_written)
        # a park the store knows → its id; another park named (or 清空) → the stored park id no longer applies
        park_id = park[0] if park else (CLEAR if park_written or rec.get("park_name") is CLEAR else None)
        rec.update(stage=stage, unit_id=unit["unit_id"], county_adcode=unit["county_adcode"], national_code=code,
                   park_id=park_id, park_name=park[1] if park else rec.get("park_name"), project_id=pid, _name=rec["name"])
        if pid not in stored_stages:  # a new project: money it does not state is 0 (and the user is told)
            for column in ("investment_wan", "funds_in_place_wan"):
                if _value(rec, column) is None:
                    rec[column] = 0.0
                    if column == "investment_wan":
                        report.warn("新项目未填写合同投资，按 0 万元计入", row=rec["_row"])
        rows.append(rec)
    return keep_last(pd.DataFrame(rows), "project_id", report, "同一项目（同名、同编号或同代码）")


def _stage_events(rows: pd.DataFrame, existing: pd.DataFrame, history: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """History rows the ledger adds: a dated milestone the history does not have yet, and a stage that differs from the
    stored one without a milestone date of its own (dated with the ledger's effective date). Re-importing the same
    ledger adds nothing."""
    have = {(p, s) for p, s in zip(history["project_id"], history["stage"], strict=True)} if len(history) else set()
    milestone_of = dict(MILESTONE_COLUMNS)
    stored_stages = dict(zip(existing.index, existing["stage"], strict=True))
    events = []
    for rec in rows.to_dict("records"):
        pid = rec["project_id"]
        for stage, column in MILESTONE_COLUMNS:
            day = _value(rec, column)
            if day is not None and (pid, stage) not in have:
                events.append({"event_id": f"{pid}#{stage}", "project_id": pid, "stage": stage, "changed_on": day,
                               "evidence": None, "note": "台账导入"})
                have.add((pid, stage))
        before = stored_stages.get(pid)
        stage = _value(rec, "stage")  # a blank 项目进度 cell (NaN from pandas) keeps the stored stage: no event
        if stage and stage != before and (pid, stage) not in have and _value(rec, milestone_of.get(stage, "")) is None:
            events.append({"event_id": f"{pid}#{stage}#{as_of.isoformat()}", "project_id": pid, "stage": stage, "changed_on": as_of,
                           "evidence": None, "note": f"台账导入（无日期，按数据截至 {as_of.isoformat()}）"})
    return pd.DataFrame(events)


def _resolve_kind(ctx, frame: pd.DataFrame) -> list:
    con, report = ctx.con, ctx.report
    units = UnitMatcher(con)
    default_unit, _ = _title_facts(ctx.title_cells, units)
    if "unit" not in report.columns and default_unit is None:
        report.warn("台账没有“县（市、区）”列，表头上方也没有“填报单位”：无法确定项目所属县区")
    existing = projects.load(con).set_index("project_id")
    rows = _resolve(frame, report, units, ParkMatcher(con), default_unit, existing)
    if rows.empty:
        return []
    history = project_history.load_events(con, project_ids=list(rows["project_id"]))
    writes = []
    if units.new_units:
        writes.append(Write(reporting_units.SPEC, pd.DataFrame(list(units.new_units.values())), mode="merge"))
    writes.append(Write(projects.SPEC, record_rows(rows, projects.SPEC), primary=True))
    writes.append(Write(project_history.EVENTS, _stage_events(rows, existing, history, ctx.as_of), events=True))
    return writes


def kind():
    """The project ledger for :func:`imports.pipeline.run`."""
    money = Limit(0, MONEY_MAX_WAN, "金额")
    return Kind("projects", SCHEMA.kind, "projects", ledger_reader(SCHEMA), _resolve_kind, labels={f.name: f.label for f in SCHEMA.fields},
                limits={"investment_wan": money, "funds_in_place_wan": money, "land_mu": Limit(0, LAND_MAX_MU, "用地面积"),
                        "power_kva": Limit(0, None, "用电需求"), "water_t_d": Limit(0, None, "用水需求"),
                        "energy_tce": Limit(0, None, "用能需求")},
                outliers=("investment_wan",))


def import_projects(con: duckdb.DuckDBPyConnection, source, *, filename: str | None = None, crs: str | None = None,
                    user: str = IMPORT_USER, as_of: date | None = None, dry_run: bool = False,
                    expect: str | None = None) -> ImportReport:
    """Read, check and write a project ledger atomically through :func:`imports.pipeline.run`; returns the report.

    ``source`` is a path or the file's bytes (then pass ``filename`` so .xlsx/.csv is known).
    """
    return run(con, kind(), source, user=user, filename=filename, options=Options(crs=crs, as_of=as_of), dry_run=dry_run,
               expect=expect)
