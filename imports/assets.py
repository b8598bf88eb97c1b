"""Import an idle state asset ledger (闲置国有资产台账) into ``idle_assets``, recording stage changes in the history.

Built on :func:`imports.ledger.read_ledger` (header search incl. merged two-row headers, 合计/notes rows skipped,
CSV in UTF-8 or GB18030, coordinates to WGS-84: a header or title mentioning 百度 means BD-09, 高德/腾讯 GCJ-02,
or ``crs=`` says so).

County of a row, first that applies: the 县（市、区） column; the county polygon containing the row's coordinates;
the "填报单位：…" line or a title naming the county ("通山县闲置资产台账") above the header. A row with none is rejected.

Identity rule (re-importing updates instead of duplicating), first that applies:
1. the ledger's 资产编号, scoped to the county (``AS-`` + hash of county and number);
2. an asset already stored in the same county under the same name (normalised: full-width/half-width, spaces);
3. a new id from the county and the normalised name.
Two different assets with the same name in one county therefore need a 资产编号 (or distinct names). A column the
ledger does not have leaves stored values alone; a stored position is kept when the row has no coordinates.

Every new asset, and every asset whose stage differs from the stored one, gets a history row dated with the ledger's
effective date (``on``, else what the ledger states: ``截至2024年6月30日`` …, :mod:`imports.dates`; never before the
asset's last recorded change) with the importing user as author. A blank cell keeps the stored value (responsible
unit, planned date …); ``（清空）`` clears it. Everything is one batch in one transaction (:mod:`imports.pipeline`).
"""

from __future__ import annotations

import hashlib
from datetime import date

import duckdb
import geopandas as gpd
import pandas as pd

from analysis.revitalisation import MODE_SYNONYMS, STAGE_SYNONYMS
from imports.ledger import Field, LedgerSchema, keep_last
from imports.pipeline import (
    AREA_MAX_M2,
    LAND_MAX_MU,
    MONEY_MAX_WAN,
    Kind,
    Limit,
    Options,
    Write,
    ledger_reader,
    record_rows,
    run,
    scaled,
)
from imports.places import UnitMatcher
from imports.report import ImportReport
from imports.values import norm, parse_number
from layers import asset_cases, idle_assets, regions
from layers.vocab import MU_M2
from store.tables import CLEAR

ASSET_TYPE = {
    "闲置楼宇": "闲置楼宇", "楼宇": "闲置楼宇", "办公楼": "闲置楼宇", "闲置办公楼": "闲置楼宇", "房产": "闲置楼宇", "闲置房产": "闲置楼宇",
    "商业楼宇": "闲置楼宇", "商业用房": "闲置楼宇", "房屋": "闲置楼宇", "闲置房屋": "闲置楼宇",
    "闲置厂房": "闲置厂房", "厂房": "闲置厂房", "仓库": "闲置厂房", "厂房仓库": "闲置厂房", "标准厂房": "闲置厂房", "厂区": "闲置厂房",
    "闲置土地": "闲置土地", "土地": "闲置土地", "地块": "闲置土地", "空置土地": "闲置土地", "储备土地": "闲置土地", "空地": "闲置土地",
    "烂尾工程": "烂尾工程", "烂尾楼": "烂尾工程", "停建工程": "烂尾工程", "停工项目": "烂尾工程", "在建停工": "烂尾工程", "停缓建": "烂尾工程",
}
OWNER_KIND = {"国企": "国企", "国有企业": "国企", "市属国企": "国企", "县属国企": "国企", "平台公司": "国企", "企业": "国企",
              "行政事业单位": "行政事业单位", "事业单位": "行政事业单位", "行政单位": "行政事业单位", "机关": "行政事业单位",
              "机关事业单位": "行政事业单位", "行政事业": "行政事业单位"}

SCHEMA = LedgerSchema(
    kind="闲置资产台账",
    fields=(
        Field("asset_no", "资产编号", ("编号", "资产代码", "资产卡片编号")),
        Field("name", "资产名称", ("资产", "名称", "资产项目名称", "闲置资产名称", "项目名称", "资产项目"), required=True),
        Field("owner_unit", "产权单位", ("权属单位", "产权人", "所属单位", "资产所属单位", "管理单位", "产权所有人", "资产单位")),
        Field("owner_kind", "单位性质", ("产权单位性质", "所属单位性质", "单位类型"), kind="choice", choices=OWNER_KIND),
        Field("unit", "县（市、区）", ("县市区", "县区", "所属县区", "区县", "所在县区", "属地", "县（市区）", "所在地")),
        Field("asset_type", "资产类型", ("类型", "资产类别", "类别", "闲置类型"), kind="choice", choices=ASSET_TYPE),
        Field("land_mu", "占地面积", ("土地面积", "用地面积", "占地"), kind="number"),
        Field("floor_area_m2", "建筑面积", ("房屋面积", "建筑总面积", "房产面积"), kind="number"),
        Field("book_value_wan", "账面价值", ("账面净值", "资产账面价值", "账面金额", "账面价"), kind="money"),
        Field("appraised_value_wan", "评估价值", ("评估值", "市场评估价", "评估金额", "评估价"), kind="money"),
        # text, parsed in _vacancy: whether the cell says "%" decides how a number above 1 is read
        Field("vacancy_share", "空置率", ("空置比例", "闲置率", "闲置比例", "空置面积占比")),
        Field("stage", "盘活阶段", ("当前阶段", "推进阶段", "盘活进度", "进展阶段", "所处阶段", "工作进度", "盘活进展", "进展情况"),
              kind="choice", choices=STAGE_SYNONYMS),
        Field("mode", "盘活方式", ("盘活模式", "盘活路径", "处置方式", "利用方式", "盘活措施"), kind="choice", choices=MODE_SYNONYMS),
        Field("responsible_unit", "责任单位", ("牵头单位", "责任部门")),
        Field("responsible_leader", "责任领导", ("包抓领导", "包保领导", "分管领导", "联系领导", "责任人")),
        Field("planned_date", "计划完成时间", ("计划完成日期", "完成时限", "计划盘活时间", "时限要求", "办结时限", "计划完成"), kind="date"),
        Field("counterpart", "对接企业", ("意向企业", "合作方", "承接方", "受让方", "承租方", "签约企业", "投资方")),
        Field("realised_value_wan", "实现价值", ("盘活价值", "盘活金额", "实现收益", "成交金额", "成交价", "盘活资金", "引入投资"),
              kind="money"),
        Field("lonlat", "坐标", ("经纬度", "百度坐标", "位置坐标", "中心点坐标", "经纬度坐标", "高德坐标"), kind="lonlat"),
        Field("lon", "经度", ("x坐标", "东经"), kind="lon"),
        Field("lat", "纬度", ("y坐标", "北纬"), kind="lat"),
    ),
)
IMPORT_USER = "台账导入"
DEFAULT_STAGE = "摸底清查"
TITLE_WORDS = ("台账", "清单", "统计表", "情况表", "一览表", "明细表")


def asset_key(county: str, name: str, asset_no: str | None) -> str:
    """A new asset's stable id (rules 1 and 3 of the module docstring)."""
    basis = f"no|{county}|{norm(asset_no)}" if asset_no else f"name|{county}|{norm(name)}"
    return "AS-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]


def _title_unit(title_cells: list[list], units: UnitMatcher) -> dict | None:
    """The unit of a "填报单位：…" line or of a title such as "通山县闲置国有资产台账" above the header."""
    for row in title_cells[:6]:
        for cell in row:
            text = norm(cell) if cell is not None else ""
            if "填报单位" in text:
                return units.match(text.split("填报单位", 1)[1].lstrip(":：").split("填报")[0])
            if any(word in text for word in TITLE_WORDS) and (unit := units.match(text)):
                return unit
    return None


def _convert_units(frame: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    """Areas to 亩 / ㎡ from the header's unit."""
    header = {k: norm(v) for k, v in report.columns.items()}
    if "land_mu" in frame and any(u in header.get("land_mu", "") for u in ("㎡", "m2", "m²", "平方米", "平米")):
        frame["land_mu"] = scaled(frame["land_mu"], 1 / MU_M2)
        report.warn(f"“{report.columns['land_mu']}”按平方米换算为亩（1 亩 = 666.67 ㎡）")
    elif "land_mu" in frame and "公顷" in header.get("land_mu", ""):
        frame["land_mu"] = scaled(frame["land_mu"], 15)
        report.warn(f"“{report.columns['land_mu']}”按公顷换算为亩（1 公顷 = 15 亩）")
    if "floor_area_m2" in frame and any(u in header.get("floor_area_m2", "") for u in ("万㎡", "万m2", "万平方米", "万平米")):
        frame["floor_area_m2"] = scaled(frame["floor_area_m2"], 10_000)
    return frame


def _vacancy(text) -> tuple[float | None, str | None]:
    """"75%" / "75" / 0.75 → 0.75 (a number above 1 without "%" is read as percent); out of 0–100 % is refused."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None, None
    number, reason = parse_number(text)
    if reason or number is None:
        return None, reason
    if not norm(text).endswith("%") and number > 1:
        number /= 100
    if not 0 <= number <= 1:
        return None, f"空置率应在 0–100% 之间：“{text}”"
    return round(number, 4), None


def _county_of_point(geom, counties: gpd.GeoDataFrame) -> str | None:
    if geom is None or counties.empty:
        return None
    hits = counties[counties.contains(geom)]
    return hits["adcode"].iloc[0] if len(hits) else None


def _resolve(frame: pd.DataFrame, report: ImportReport, con, default_unit: dict | None) -> pd.DataFrame:
    units = UnitMatcher(con)
    counties = regions.load(con, level="county")
    names = dict(zip(counties["adcode"], counties["name"], strict=True))
    stored = idle_assets.load(con)
    by_name = {(c, norm(n)): a for a, c, n in zip(stored["asset_id"], stored["county_adcode"], stored["name"], strict=True)}
    known_ids = set(stored["asset_id"])
    rows, defaulted = [], 0
    for rec in frame.to_dict("records"):
        row, geom = rec["_row"], rec.get("geometry")
        written = None if rec.get("unit") is CLEAR else rec.get("unit")
        unit = units.match(written) if written else None
        located = _county_of_point(geom, counties)
        county = unit["county_adcode"] if unit else (located or (default_unit or {}).get("county_adcode"))
        share, bad_share = (CLEAR, None) if rec.get("vacancy_share") is CLEAR else _vacancy(rec.get("vacancy_share"))
        if written and unit is None:
            report.reject(row, report.columns.get("unit", "县（市、区）"), f"无法识别的县（市、区）：“{written}”")
            continue
        if county is None:
            report.reject(row, "县（市、区）", "无法确定所属县（市、区）：请填写县（市、区）列或坐标")
            continue
        if bad_share:
            report.reject(row, report.columns["vacancy_share"], bad_share)
            continue
        if unit and geom is not None and located != county:
            report.warn("坐标不在所填县（市、区）境内，请核对坐标系（百度/高德/GPS）", row=row, detail=names.get(county, county))
        asset_no = str(rec["asset_no"]).strip() if rec.get("asset_no") and rec["asset_no"] is not CLEAR else None
        by_no = asset_key(county, rec["name"], asset_no) if asset_no else None
        asset_id = by_no if by_no in known_ids else by_name.get((county, norm(rec["name"]))) or asset_key(county, rec["name"], asset_no)
        if asset_id not in known_ids and rec.get("stage") in (None, CLEAR):  # a new asset without a stage starts at 摸底
            rec["stage"] = DEFAULT_STAGE
            defaulted += 1
        rows.append({**rec, "asset_id": asset_id, "county_adcode": county, "_name": rec["name"],
                     **({"vacancy_share": share} if "vacancy_share" in rec else {})})
    if defaulted:
        report.warn(f"{defaulted} 个新资产未填写盘活阶段，按“{DEFAULT_STAGE}”导入")
    return keep_last(pd.DataFrame(rows), "asset_id", report, "同一资产（同名或同编号）")


def _history(rows: pd.DataFrame, stored: pd.DataFrame, events: pd.DataFrame, on: date, user: str, file: str) -> list[dict]:
    """A history row for every new asset and every asset whose stage the ledger changes (dated ``on``, the ledger's
    effective date, never before the asset's last recorded change); re-importing the same ledger adds none."""
    before = stored.set_index("asset_id")["stage"] if len(stored) else pd.Series(dtype=object)
    modes = stored.set_index("asset_id")["mode"] if len(stored) else pd.Series(dtype=object)
    last = events.groupby("asset_id").agg(seq=("seq", "max"), day=("changed_on", "max")) if len(events) else pd.DataFrame()
    out = []
    for rec in rows.to_dict("records"):
        aid = rec["asset_id"]
        old = before.get(aid)
        stage = rec.get("stage")
        if stage in (None, CLEAR) or (isinstance(stage, float) and pd.isna(stage)) or old == stage:
            continue
        seq = int(last.at[aid, "seq"]) if aid in last.index else 0
        day = max(on, pd.Timestamp(last.at[aid, "day"]).date()) if aid in last.index else on
        mode = rec.get("mode") if isinstance(rec.get("mode"), str) else modes.get(aid)
        out += asset_cases.event_rows(aid, [(stage, day, mode if isinstance(mode, str) else None, f"台账导入（{file}）")],
                                      author=user, first_seq=seq + 1, from_stage=old if isinstance(old, str) else None)
    return out


def _resolve_kind(ctx, frame: pd.DataFrame) -> list[Write]:
    con, report = ctx.con, ctx.report
    default_unit = None if "unit" in report.columns else _title_unit(ctx.title_cells, UnitMatcher(con))
    rows = _resolve(frame, report, con, default_unit)
    if rows.empty:
        return []
    stored = pd.DataFrame(idle_assets.load(con))
    history = _history(rows, stored, asset_cases.load_events(con, asset_ids=list(rows["asset_id"])), ctx.as_of, ctx.user, report.file)
    return [Write(idle_assets.SPEC, record_rows(rows, idle_assets.SPEC), primary=True),
            Write(asset_cases.EVENTS, pd.DataFrame(history), events=True)]


def kind() -> Kind:
    """The idle asset ledger for :func:`imports.pipeline.run`."""
    money = Limit(0, MONEY_MAX_WAN, "金额")
    return Kind("assets", SCHEMA.kind, "idle_assets", ledger_reader(SCHEMA, _convert_units), _resolve_kind, labels={f.name: f.label for f in SCHEMA.fields},
                limits={"land_mu": Limit(0, LAND_MAX_MU, "占地面积"), "floor_area_m2": Limit(0, AREA_MAX_M2, "建筑面积"),
                        "book_value_wan": money, "appraised_value_wan": money, "realised_value_wan": money})


def import_assets(con: duckdb.DuckDBPyConnection, source, *, filename: str | None = None, crs: str | None = None,
                  user: str = IMPORT_USER, on: date | None = None, dry_run: bool = False, expect: str | None = None) -> ImportReport:
    """Read, check and write an asset ledger atomically through :func:`imports.pipeline.run`; returns the report.
    ``on`` is the effective date (default: the ledger's own, :mod:`imports.dates`)."""
    return run(con, kind(), source, user=user, filename=filename, options=Options(crs=crs, as_of=on), dry_run=dry_run, expect=expect)
