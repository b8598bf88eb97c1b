"""Import a standard-factory ledger (标准化厂房台账) into ``standard_factories``.

Built on :func:`imports.ledger.read_ledger` (header search, two-row headers, 合计/notes/blank rows, coordinates).
Values with units written in the cell ("5000㎡", "9m", "800kVA", "1.25MVA", "12元/㎡·月", "10t", "1.5t/㎡",
"500kg/㎡") are parsed here; floor load is stored in kN/㎡ (1 t/㎡ = 9.8 kN/㎡; a unit in the cell wins over
the header's). A factory whose park is not in the store is kept with its park name and a warning.

Identity rule (re-importing the same ledger updates rows instead of duplicating them), first that applies:
1. the ledger's 厂房编号 when it already is a ``factory_id`` in the store (a list exported from this system);
2. the park + 厂房编号;
3. the park + 楼栋 + 楼层 + 单元 (when 楼栋 is given);
4. the park + 厂房名称.
"The park" is the stored park's name when the park is recognised, else the name as written (else the county);
names are compared after normalising full-/half-width and spaces. A blank cell keeps the stored value (tenant, phone,
lease end …); ``（清空）`` clears it (:mod:`imports.pipeline`).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

import duckdb
import pandas as pd
from shapely.geometry.base import BaseGeometry

from imports.ledger import Field, LedgerSchema, keep_last
from imports.pipeline import AREA_MAX_M2, Kind, Limit, Options, Write, ledger_reader, record_rows, run
from imports.places import ParkMatcher, UnitMatcher
from imports.report import ImportReport
from imports.values import is_empty, norm, parse_load, parse_number
from layers import parks, standard_factories
from layers.vocab import KN_PER_T
from store.tables import CLEAR

STATUS = {"空置": "空置", "闲置": "空置", "空闲": "空置", "待租": "空置", "待售": "空置", "未出租": "空置", "招租中": "空置",
          "可租": "空置", "待招商": "空置", "未使用": "空置",
          "已出租": "已出租", "已租": "已出租", "出租": "已出租", "在租": "已出租", "已租赁": "已出租", "已入驻": "已出租",
          "入驻": "已出租", "使用中": "已出租", "已使用": "已出租", "已售": "已出租", "已出售": "已出租",
          "意向洽谈": "意向洽谈", "洽谈中": "意向洽谈", "洽谈": "意向洽谈", "意向": "意向洽谈", "在谈": "意向洽谈",
          "有意向": "意向洽谈", "已有意向": "意向洽谈", "意向签约": "意向洽谈",
          "装修改造": "装修改造", "装修中": "装修改造", "改造中": "装修改造", "装修": "装修改造", "改造": "装修改造",
          "维修": "装修改造", "在建": "装修改造", "建设中": "装修改造"}

SCHEMA = LedgerSchema(
    kind="标准化厂房台账",
    fields=(
        Field("ledger_no", "厂房编号", ("编号", "房源编号", "厂房代码", "资产编号")),
        Field("name", "厂房名称", ("名称", "厂房", "房源名称", "楼栋名称", "标准化厂房", "标准厂房名称"), required=True),
        Field("park_name", "所在园区", ("园区", "园区名称", "所属园区", "开发区", "所在开发区", "所属开发区")),
        Field("unit", "县（市、区）", ("县市区", "县区", "所属县区", "区县", "所在县区", "属地", "县（市区）", "地区")),
        Field("building", "楼栋", ("栋号", "幢号", "楼号", "栋", "幢")),
        Field("floor", "楼层", ("所在楼层", "所在层")),
        Field("unit_no", "单元", ("单元号", "房号", "房间号")),
        Field("floor_area_m2", "建筑面积", ("面积", "厂房面积", "可租面积", "出租面积", "总建筑面积"), required=True),
        Field("floors", "层数", ("楼层数", "总层数", "建筑层数"), kind="int"),
        Field("clear_height_m", "首层层高", ("层高", "首层净高", "净高", "檐高", "一层层高")),
        # kind "text", parsed below: imports.values.parse_load rejects "500kg/㎡" and "3吨/平方米".
        Field("floor_load_kn_m2", "楼面荷载", ("荷载", "承重", "楼面承重", "地面荷载", "首层荷载", "设计荷载", "楼板荷载", "地坪荷载")),
        Field("span_m", "跨度", ("跨距", "单跨跨度")),
        Field("column_grid", "柱距", ("柱网", "柱网尺寸")),
        Field("crane_t", "行车", ("行车吨位", "吊车", "起重机", "天车", "行吊")),
        Field("power_kva", "配电容量", ("配电", "变压器容量", "供电容量", "用电容量", "配电负荷")),
        Field("rent_yuan_m2_month", "租金", ("租金标准", "月租金", "租赁价格", "出租价格", "租价")),
        Field("for_rent", "可租", ("是否可租", "可出租", "是否出租"), kind="bool"),
        Field("for_sale", "可售", ("是否可售", "可出售", "是否出售"), kind="bool"),
        Field("lease_mode", "租售方式", ("租售", "出租/出售", "租售类型")),
        Field("status", "状态", ("使用状态", "出租状态", "租赁状态", "使用情况", "入驻情况", "招租状态", "厂房状态"),
              kind="choice", choices=STATUS),
        Field("tenant", "承租企业", ("承租方", "入驻企业", "使用单位", "承租单位", "租户", "入驻单位")),
        Field("lease_end", "租约到期", ("租赁到期", "租期截止", "到期时间", "租赁期限至", "合同到期", "租约到期日", "到期日期"),
              kind="date"),
        Field("contact_unit", "联系单位", ("招商单位", "管理单位", "产权单位", "运营单位")),
        Field("contact_phone", "联系电话", ("电话", "联系方式")),
        Field("lonlat", "经纬度", ("坐标", "位置坐标", "中心点坐标", "经纬度坐标"), kind="lonlat"),
        Field("lon", "经度", ("x坐标", "东经"), kind="lon"),
        Field("lat", "纬度", ("y坐标", "北纬"), kind="lat"),
    ),
)
IMPORT_USER = "台账导入"
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def _measure(value, units: dict[str, float], default: float = 1.0):
    """A number with an optional unit suffix (``units``: suffix → multiplier); no suffix → ``default`` (the header's)."""
    if is_empty(value):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) * default, None
    text = norm(value).replace(",", "").replace("，", "")
    factor = default
    for suffix in sorted(units, key=len, reverse=True):
        if text.endswith(suffix):
            text, factor = text[: -len(suffix)], units[suffix]
            break
    number, reason = parse_number(text)
    return (None, reason) if reason or number is None else (number * factor, None)


def _load(value, header: str):
    """Floor load in kN/㎡ from "1.5t", "30kN/㎡", "500kg/㎡", "3吨/平方米" or a number in the header's unit."""
    if is_empty(value):
        return None, None
    head = norm(header)
    text = norm(value)
    for unit in ("/平方米", "每平方米", "/平米", "/m2", "/m²"):  # "㎡" is "m2" after NFKC
        text = text.replace(unit, "")
    kg = text.endswith("kg") or (bool(re.search(r"kg|公斤", head)) and not re.search(r"[a-z吨]$", text))
    if kg:
        number, reason = parse_number(text.removesuffix("kg").removesuffix("公斤"))
        return (None, f"楼面荷载无法识别：“{value}”") if reason or number is None else (round(number / 1000 * KN_PER_T, 3), None)
    return parse_load(text, bool(re.search(r"吨|t/|\(t\)", head)))


def _crane(value):
    """Largest crane in tonnes from "10t", "5t+10t", "2台16吨", "无"."""
    if is_empty(value):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), None
    text = norm(value)
    if text in ("否", "没有", "0"):
        return 0.0, None
    tonnes = [float(x) for x in re.findall(r"(\d+(?:\.\d+)?)(?:t|吨)", text)] or [float(x) for x in _NUMBER.findall(text)]
    return (max(tonnes), None) if tonnes else (None, f"行车吨位无法识别：“{value}”")


def _floor(value):
    """"3", "3F", "3层", "第3层" → 3; "整栋"/"1-3层" → None (whole building or several floors)."""
    if is_empty(value):
        return None, None
    text = norm(value)
    if isinstance(value, (int, float)) or re.fullmatch(r"第?-?\d+(层|楼|f)?", text):
        number, reason = parse_number(re.sub(r"[第层楼f]", "", text))
        return (int(number), None) if number is not None and float(number).is_integer() else (None, f"楼层无法识别：“{value}”")
    if text in ("整栋", "全栋", "整幢", "独栋") or re.fullmatch(r"\d+[-~至]\d+(层|楼|f)?", text):
        return None, None
    return None, f"楼层无法识别：“{value}”"


def _lease_mode(text) -> tuple[bool | None, bool | None]:
    if is_empty(text):
        return None, None
    t = norm(text)
    return ("租" in t), ("售" in t or "卖" in t)


AREA = {"平方米": 1.0, "平米": 1.0, "m2": 1.0}  # "㎡" is "m2" after NFKC
LENGTH = {"米": 1.0, "m": 1.0}
POWER = {"kva": 1.0, "千伏安": 1.0, "mva": 1000.0}
RENT = {**{s: 1.0 for s in ("元/m2·月", "元/m2/月", "元/m2月", "元/月", "元")},
        **{s: 30.0 for s in ("元/m2·天", "元/m2/天", "元/天", "元/m2·日", "元/m2/日", "元/日")}}
MEASURES = {
    "floor_area_m2": lambda v, h: _measure(v, AREA),
    "clear_height_m": lambda v, h: _measure(v, LENGTH),
    "span_m": lambda v, h: _measure(v, LENGTH),
    "power_kva": lambda v, h: _measure(v, POWER, 1000.0 if "mva" in norm(h) else 1.0),
    "rent_yuan_m2_month": lambda v, h: _measure(v, RENT, 30.0 if re.search(r"天|日", norm(h)) else 1.0),
    "floor_load_kn_m2": _load,
    "crane_t": lambda v, h: _crane(v),
    "floor": lambda v, h: _floor(v),
}


def _park_key(name: str) -> str:
    """A park name for the identity rule: normalised, long forms shortened as :class:`ParkMatcher` does."""
    key = norm(name)
    for long, short in ParkMatcher.ABBREVIATIONS:
        key = key.replace(long, short)
    return key


def factory_key(park_key: str, name: str, ledger_no: str | None, building: str | None, floor, unit_no: str | None) -> str:
    """The stable factory id for rules 2–4 of the module docstring."""
    if ledger_no:
        basis = f"no|{park_key}|{norm(ledger_no)}"
    elif building:
        basis = f"unit|{park_key}|{norm(building)}|{'' if floor is None else floor}|{norm(unit_no or '')}"
    else:
        basis = f"name|{park_key}|{norm(name)}"
    return "FAC-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]


def _parse_measures(frame: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    """Parse the unit-bearing text columns; a row with an unreadable value is rejected whole."""
    bad: set[int] = set()
    for column, parse in MEASURES.items():
        if column not in frame:
            continue
        header = report.columns.get(column, column)
        values = []
        for row, cell in zip(frame["_row"], frame[column]):
            value, reason = (CLEAR, None) if cell is CLEAR else parse(cell, header)
            if reason:
                report.reject(int(row), header, reason)
                bad.add(int(row))
            values.append(value)
        frame[column] = pd.Series(values, index=frame.index, dtype=object)
    return frame[~frame["_row"].isin(bad)]


def _resolve(frame: pd.DataFrame, report: ImportReport, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    units, park_matcher = UnitMatcher(con), ParkMatcher(con)
    park_frame = parks.load(con).set_index("park_id")
    existing_ids = set(standard_factories.load(con)["factory_id"])
    rows = []
    for raw in frame.to_dict("records"):
        # pandas stores a missing text cell as NaN (truthy): back to None before any "if rec.get(...)".
        rec = {k: None if v is None or (not isinstance(v, BaseGeometry) and v is not CLEAR and pd.isna(v)) else v for k, v in raw.items()}
        value = lambda c: None if rec.get(c) is CLEAR else rec.get(c)  # noqa: E731, B023
        park = park_matcher.match(value("park_name"))
        unit = units.match(value("unit")) if value("unit") else None
        if value("unit") and unit is None and park is None:
            report.reject(rec["_row"], report.columns.get("unit", "县（市、区）"), f"无法识别的县（市、区）：“{rec['unit']}”")
            continue
        county = park_frame.at[park[0], "county_adcode"] if park else (unit["county_adcode"] if unit else None)
        if park and unit and unit["county_adcode"] != county:
            report.warn("园区不在所填县（市、区），按园区所在县（市、区）记录", row=rec["_row"], detail=f"{park[1]}（{rec['unit']}）")
        if value("park_name") and park is None:
            report.warn("园区尚未入库，已按名称保留", row=rec["_row"], detail=value("park_name"))
        park_key = _park_key(park[1]) if park else (_park_key(value("park_name")) if value("park_name") else f"county:{county}")
        if "lease_mode" in rec:
            for_rent, for_sale = _lease_mode(value("lease_mode"))
            rec.pop("lease_mode")
            rec["for_rent"] = rec.get("for_rent") if rec.get("for_rent") is not None else for_rent
            rec["for_sale"] = rec.get("for_sale") if rec.get("for_sale") is not None else for_sale
        if rec.get("status") is None and value("tenant"):
            rec["status"] = "已出租"
        ledger_no = value("ledger_no")
        rec["factory_id"] = (str(ledger_no).strip() if ledger_no and str(ledger_no).strip() in existing_ids
                             else factory_key(park_key, rec["name"], ledger_no, value("building"), value("floor"), value("unit_no")))
        if county is None and rec["factory_id"] not in existing_ids:
            report.warn("没有可识别的园区或县（市、区），将不计入任何县的统计", row=rec["_row"])
        park_id = park[0] if park else (CLEAR if value("park_name") or rec.get("park_name") is CLEAR else None)
        rec.update(park_id=park_id, park_name=park[1] if park else rec.get("park_name"), county_adcode=county, _name=rec["name"])
        rows.append(rec)
    out = keep_last(pd.DataFrame(rows), "factory_id", report, "同一厂房（同园区同编号/楼栋单元/名称）")
    if len(out):
        new = ~out["factory_id"].isin(existing_ids)
        missing = int((out.loc[new, "status"].isna()).sum()) if "status" in out else int(new.sum())
        if missing:
            report.warn(f"{missing} 个新厂房未填写状态（也无承租企业）：匹配时不视为可租")
    return out


def _resolve_kind(ctx, frame: pd.DataFrame) -> list[Write]:
    rows = _resolve(frame, ctx.report, ctx.con)
    if rows.empty:
        return []
    return [Write(standard_factories.SPEC, record_rows(rows, standard_factories.SPEC), primary=True)]


def kind() -> Kind:
    """The standard-factory ledger for :func:`imports.pipeline.run`."""
    return Kind("factories", SCHEMA.kind, "standard_factories", ledger_reader(SCHEMA, _parse_measures), _resolve_kind, labels={f.name: f.label for f in SCHEMA.fields},
                limits={"floor_area_m2": Limit(0, AREA_MAX_M2, "建筑面积"), "clear_height_m": Limit(0, 100, "层高"),
                        "floor_load_kn_m2": Limit(0, 1000, "楼面荷载"), "span_m": Limit(0, 500, "跨度"), "crane_t": Limit(0, 2000, "行车吨位"),
                        "power_kva": Limit(0, None, "配电容量"), "rent_yuan_m2_month": Limit(0, 10_000, "租金"),
                        "floors": Limit(0, 200, "层数")})


def import_factories(con: duckdb.DuckDBPyConnection, source, *, filename: str | None = None, crs: str | None = None,
                     user: str = IMPORT_USER, as_of: date | None = None, dry_run: bool = False,
                     expect: str | None = None) -> ImportReport:
    """Read, check and write a factory ledger atomically through :func:`imports.pipeline.run`; returns the report."""
    return run(con, kind(), source, user=user, filename=filename, options=Options(crs=crs, as_of=as_of), dry_run=dry_run,
               expect=expect)
