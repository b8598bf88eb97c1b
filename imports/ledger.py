"""Generic ledger reading: find the header (one or two rows), map columns through aliases, classify rows
(data / blank / 合计 / notes), parse values and coordinates (to WGS-84) and report row-level problems.

A domain importer (``imports/projects.py`` …) declares a :class:`LedgerSchema` and writes the frame.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from shapely.geometry import Point

from geo import coords
from imports import values as v
from imports.report import ImportReport
from imports.sheet import BadCell, LedgerError, read_cells
from store.tables import CLEAR

KINDS = ("text", "number", "int", "money", "date", "bool", "choice", "load", "lonlat", "lon", "lat")
SUMMARY = re.compile(r"^(合计|总计|小计|共计|累计|全市合计|全县合计|总合计|其中[:：,，]?)")
#: A cell saying this clears the stored value on re-import (a blank cell keeps it).
CLEAR_WORDS = {v.norm(w) for w in ("（清空）", "(清空)", "【清空】", "[清空]", "清空")}
# A note starts with its keyword and then a colon, a space or nothing ("注：", "注1：", "填报人 张三", "备注"), so a
# name that merely begins like one ("注塑车间", "说明书印刷厂") stays data.
NOTES = re.compile(r"^(注|备注|说明|填报说明|数据来源|填报人|审核人|制表人?|联系人|负责人|单位负责人|填报单位|填报时间|填报日期)"
                   r"\s*\d*\s*(?:[:：]|\s|$)")
CRS_HINTS = (("gcj02", ("高德", "腾讯", "gcj")), ("bd09", ("百度", "bd09", "bd-09")),
             ("wgs84", ("gps", "wgs", "天地图", "cgcs2000", "2000坐标", "国家2000")))
UNIT_IN_HEADER = re.compile(r"[(（\[]([^()（）\[\]]*)[)）\]]")


@dataclass(frozen=True)
class Field:
    """A canonical column: its aliases (as headers are written), kind, and options for ``choice``."""

    name: str
    label: str
    aliases: tuple[str, ...]
    kind: str = "text"
    required: bool = False
    choices: Mapping[str, str] | None = None

    def __post_init__(self):
        assert self.kind in KINDS, self.kind


@dataclass(frozen=True)
class LedgerSchema:
    kind: str  # e.g. "项目台账"
    fields: tuple[Field, ...]
    key_fields: tuple[str, ...] = field(default=())  # needed to call a row data (besides required)


def _split_header(text) -> tuple[str, str]:
    """("合同投资(万元)") → ("合同投资", "万元") after NFKC; units in brackets are removed from the name."""
    raw = v.norm(text) if text is not None else ""
    units = " ".join(UNIT_IN_HEADER.findall(raw))
    name = UNIT_IN_HEADER.sub("", raw)
    for unit in ("万元", "亿元", "元"):  # "投资额万元" written without brackets
        if name.endswith(unit) and len(name) > len(unit) + 1:
            name, units = name[: -len(unit)], units + " " + unit
    return name, units


class _Matcher:
    def __init__(self, schema: LedgerSchema):
        self.exact: dict[str, Field] = {}
        for f in schema.fields:
            for alias in (f.label, *f.aliases):
                self.exact.setdefault(_split_header(alias)[0], f)

    def match(self, header) -> Field | None:
        name, _ = _split_header(header)
        if not name:
            return None
        if name in self.exact:
            return self.exact[name]
        # Longest alias contained in the header ("计划总投资" → "总投资"), if unambiguous.
        hits = sorted(((len(a), f) for a, f in self.exact.items() if len(a) >= 2 and a in name), key=lambda x: -x[0])
        if hits and (len(hits) == 1 or hits[0][0] > hits[1][0] or hits[0][1] is hits[1][1]):
            return hits[0][1]
        return None


def _header_texts(rows: list[list], top: int, two: bool, width: int) -> list[str]:
    out = []
    for c in range(width):
        upper = rows[top][c] if c < len(rows[top]) else None
        lower = rows[top + 1][c] if two and c < len(rows[top + 1]) else None
        if two and not v.is_empty(lower) and lower != upper:
            out.append(str(lower) if v.is_empty(upper) else f"{lower}\u0000{upper}")
        else:
            out.append("" if v.is_empty(upper) else str(upper))
    return out


def _map_columns(matcher: _Matcher, headers: list[str]) -> dict[int, tuple[Field, str]]:
    """Column → (field, header as written). Exact alias matches claim their field first, so a vague header to the
    left ("项目单位" containing "项目") cannot take a field that a later exact header ("项目名称") names."""
    mapping: dict[int, tuple[Field, str]] = {}
    used: set[str] = set()
    for exact in (True, False):
        for c, text in enumerate(headers):
            if c in mapping:
                continue
            lower, _, upper = text.partition("\u0000")
            for candidate in (lower, f"{upper}{lower}" if upper else None, upper or None):
                if not candidate:
                    continue
                f = matcher.exact.get(_split_header(candidate)[0]) if exact else matcher.match(candidate)
                if f and f.name not in used:
                    mapping[c] = (f, f"{upper}/{lower}" if upper else lower)
                    used.add(f.name)
                    break
    return dict(sorted(mapping.items()))


def _find_header(rows: list[list], matcher: _Matcher, schema: LedgerSchema) -> tuple[int, bool, dict[int, tuple[Field, str]]]:
    """The header position among the first 20 rows: most columns recognised; a one-row header wins ties,
    except that the row under a merged two-row header (whose vertical merges repeat the upper labels) is read
    together with the row above it, so "投资额（亿元）" over "合同投资 | 到位资金" keeps its unit."""
    width = max((len(r) for r in rows[:40]), default=0)
    candidates = []
    for top in range(min(20, len(rows))):
        for two in (False, True) if top + 1 < len(rows) else (False,):
            mapping = _map_columns(matcher, _header_texts(rows, top, two, width))
            candidates.append(((len(mapping), not two, -top), top, two, mapping))
    best = max(candidates, key=lambda c: c[0], default=None)
    if best is None or len(best[3]) < 2:
        named = "、".join(f"“{f.label}”" for f in schema.fields if f.required) or f"“{schema.fields[0].label}”"
        raise LedgerError(f"没有找到表头：请确认这是{schema.kind}，表格包含{named}等列名（可参考下载的导入模板）")
    _, top, two, mapping = best
    if not two and top > 0 and _merged_pair(rows[top - 1], rows[top]):
        pair = _map_columns(matcher, _header_texts(rows, top - 1, True, width))
        if len(pair) >= len(mapping):
            return top - 1, True, pair
    return top, two, mapping


def _merged_pair(upper: list, lower: list) -> bool:
    """Whether two rows look like one header split over two rows with merged cells: some labels repeated
    vertically (merged down) and some upper label spanning columns that differ below (merged across)."""
    def cell(row, c):
        return None if c >= len(row) or v.is_empty(row[c]) else v.norm(row[c])

    width = max(len(upper), len(lower))
    down = sum(1 for c in range(width) if cell(upper, c) is not None and cell(upper, c) == cell(lower, c))
    across = any(cell(upper, c) is not None and cell(upper, c) == cell(upper, c + 1) and cell(lower, c) is not None
                 and cell(lower, c + 1) is not None and cell(lower, c) != cell(lower, c + 1) for c in range(width - 1))
    return down >= 1 and across


def _row_kind(cells: list, mapping: dict[int, tuple[Field, str]]) -> str:
    """data / blank / summary (合计, 小计 …) / notes (注：…, 填报人 …, a note merged across the row)."""
    texts = v.texts_of(cells)
    if not texts:
        return "blank"
    if any(SUMMARY.match(t) for t in texts[:3]):
        return "summary"
    if NOTES.match(texts[0]) or (len(texts) > 1 and len(set(texts)) == 1 and not _numeric(texts[0])):
        return "notes"
    mapped = [c for c in mapping if c < len(cells) and not v.is_empty(cells[c])]
    if not mapped:  # only a 序号 (pre-numbered empty template rows) or a stray remark outside the table's columns
        return "blank" if all(_numeric(t) for t in texts) else "notes"
    if len(texts) == 1 and len(texts[0]) > 12 and not any(mapping[c][0].required for c in mapped):
        return "notes"
    return "data"


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+", text))


def _crs_for(explicit: str | None, headers: list[str], title_text: str, report: ImportReport) -> str | None:
    """``--crs`` if given, else the hint in the coordinate headers, else in the lines above them (高德 → gcj02 …),
    else None. The headers win: a title's "数据来源：天地图" says less about the columns than "经度（高德）"."""
    def hint(text: str) -> str | None:
        text = v.norm(text)
        return next((crs for crs, words in CRS_HINTS if any(w in text for w in words)), None)

    hinted = hint(" ".join(headers)) or hint(title_text)
    if not explicit:
        return hinted
    try:
        chosen = coords.parse_crs(explicit)
    except coords.CoordinateError as exc:
        raise LedgerError(str(exc)) from exc
    if hinted and hinted != chosen:
        report.warn(f"表头注明的坐标系为 {hinted}，已按指定的 {chosen} 换算")
    return chosen


def _point(lon: float, lat: float, crs: str, report: ImportReport, row: int) -> Point:
    """WGS-84 point for a ledger position; "纬度,经度" written the wrong way round is swapped with a warning."""
    try:
        coords.check_in_china(lon, lat)
    except coords.CoordinateError:
        try:
            coords.check_in_china(lat, lon)
        except coords.CoordinateError:
            raise
        lon, lat = lat, lon
        report.warn(f"第 {row} 行的经纬度写反了（纬度在前），已自动交换")
    x, y = coords.convert(lon, lat, crs, "wgs84")
    return Point(float(x), float(y))


TITLE_UNIT = re.compile(r"(?:金额|投资|资金)?单位[:：]?(亿元|万元|元)")


def _money_factor(units: str, title_text: str, report: ImportReport, label: str) -> float:
    """万元 per unit written in the header ("（亿元）"), else in a "单位：万元" line above it, else 万元 with a warning."""
    declared = TITLE_UNIT.search(title_text)
    for text in (units, declared.group(1) if declared else ""):
        for unit, factor in v.MONEY_UNITS.items():
            if unit in text:
                return factor
    report.warn(f"“{label}”未注明金额单位，按万元处理")
    return 1.0


def _lonlat(text) -> tuple[float | None, float | None, str | None]:
    if v.is_empty(text):
        return None, None, None
    parts = [p for p in re.split(r"[,，;；\s]+", v.norm(text) if not isinstance(text, str) else text.strip()) if p]
    if len(parts) != 2:
        return None, None, f"坐标应为“经度,纬度”：“{text}”"
    lon, r1 = v.parse_number(parts[0])
    lat, r2 = v.parse_number(parts[1])
    return lon, lat, r1 or r2


def read_ledger(source: str | Path | bytes, schema: LedgerSchema, *, filename: str | None = None,
                crs: str | None = None) -> tuple[pd.DataFrame, ImportReport]:
    """Parse a ledger into canonical columns plus ``_row`` (sheet row) and ``geometry`` (WGS-84 Point or None).

    ``frame.attrs["title_cells"]`` holds the non-empty cells of the rows above the header.

    Rows with any unparseable cell are rejected whole and listed in the report; nothing is written here.
    Raises :class:`LedgerError` when the file as a whole cannot be used.
    """
    name = filename or (str(source) if isinstance(source, (str, Path)) else "上传文件")
    report = ImportReport(file=Path(name).name, kind=schema.kind)
    rows = read_cells(source, filename=name)
    matcher = _Matcher(schema)
    top, two, mapping = _find_header(rows, matcher, schema)
    headers = _header_texts(rows, top, two, max((len(r) for r in rows), default=0))
    title_text = v.norm(" ".join(str(c) for r in rows[:top] for c in r if not v.is_empty(c)))
    report.columns = {f.name: written for f, written in mapping.values()}
    missing = [f.label for f in schema.fields if f.required and f.name not in report.columns]
    if missing:
        raise LedgerError(f"缺少必需的列：{'、'.join(missing)}（已识别的列：{'、'.join(report.columns.values()) or '无'}）")
    kinds = {f.kind for f, _ in mapping.values()}
    coord_headers = [headers[c] for c, (f, _) in mapping.items() if f.kind in ("lonlat", "lon", "lat")]
    report.crs = _crs_for(crs, coord_headers, title_text, report) if kinds & {"lonlat", "lon", "lat"} else None
    factors = {f.name: _money_factor(_split_header(headers[c].split("\u0000")[0])[1] + _split_header(headers[c].split("\u0000")[-1])[1],
                                     title_text, report, written)
               for c, (f, written) in mapping.items() if f.kind == "money"}
    tonnes = {f.name: bool(re.search(r"吨|t/", v.norm(headers[c]))) for c, (f, _) in mapping.items() if f.kind == "load"}
    records, need_crs = [], False
    for index in range(top + (2 if two else 1), len(rows)):
        cells, sheet_row = rows[index], index + 1
        kind = _row_kind(cells, mapping)
        if kind == "summary" and any(v.norm(c).startswith("其中") for c in cells[:4] if not v.is_empty(c)):
            report.warn("“其中”分项行不作为项目导入（避免与上一行重复统计）", row=sheet_row)
        if kind != "data":
            setattr(report, f"skipped_{kind}", getattr(report, f"skipped_{kind}") + 1)
            continue
        rec, problems, lon, lat = {"_row": sheet_row}, [], None, None
        for c, (f, written) in mapping.items():
            cell = cells[c] if c < len(cells) else None
            if isinstance(cell, BadCell):
                problems.append((written, cell.reason))
                continue
            if isinstance(cell, str) and v.norm(cell) in CLEAR_WORDS:
                if f.required or f.kind in ("lonlat", "lon", "lat"):
                    problems.append((written, f"“{f.label}”不能清空" if f.required else "坐标请在页面上清除，不能用“（清空）”"))
                else:
                    rec[f.name] = CLEAR
                continue
            if f.kind == "money":
                value, reason = v.parse_money(cell, factors[f.name])
            elif f.kind == "load":
                value, reason = v.parse_load(cell, tonnes[f.name])
            elif f.kind == "choice":
                value, reason = v.parse_choice(cell, dict(f.choices or {}))
            elif f.kind == "lonlat":
                lon, lat, reason = _lonlat(cell)
                value = None
            elif f.kind in ("lon", "lat"):
                value, reason = v.parse_number(cell)
                lon, lat = (value, lat) if f.kind == "lon" else (lon, value)
            elif f.kind == "date":
                value, reason = v.parse_date(cell, date1904=getattr(rows, "date1904", False))
            else:
                value, reason = getattr(v, f"parse_{f.kind}")(cell)
            if reason:
                problems.append((written, reason))
            elif f.required and value is None and f.kind not in ("lonlat", "lon", "lat"):
                problems.append((written, f"缺少{f.label}"))
            if f.kind not in ("lonlat", "lon", "lat"):
                rec[f.name] = value
        rec["geometry"] = None
        if not problems and (lon is not None or lat is not None):
            if lon is None or lat is None:
                problems.append(("坐标", "经度和纬度必须同时填写"))
            elif report.crs is None:
                need_crs = True
            else:
                try:
                    rec["geometry"] = _point(lon, lat, report.crs, report, sheet_row)
                except coords.CoordinateError as exc:
                    problems.append(("坐标", str(exc)))
        for column, reason in problems:
            report.reject(sheet_row, column, reason)
        if not problems:
            records.append(rec)
    if need_crs:
        raise LedgerError("无法确定坐标系：请在命令中用 --crs 指定 gcj02（高德/腾讯）、bd09（百度）或 wgs84（GPS/天地图/CGCS2000），"
                          "或在表头注明，如“经度（高德）”")
    columns = ["_row", *[f.name for f, _ in mapping.values() if f.kind not in ("lonlat", "lon", "lat")], "geometry"]
    frame = pd.DataFrame(records, columns=columns)
    # The lines above the header ("填报单位：…  填报时间：…") for importers that use them.
    frame.attrs["title_cells"] = [[c for c in r if not v.is_empty(c)] for r in rows[:top]]
    return frame, report


def keep_last(rows: pd.DataFrame, key: str, report: ImportReport, what: str) -> pd.DataFrame:
    """Drop earlier rows that resolve to the same record ``key`` as a later row (the later row wins), with a warning.

    ``what`` describes the identity for the message, e.g. "同一项目（同名、同编号或同代码）".
    """
    if rows.empty:
        return rows
    dup = rows[key].duplicated(keep="last")
    for row in rows.loc[dup, "_row"]:
        report.warn(f"第 {row} 行与后面的行是{what}，以后面的行为准")
    return rows[~dup].reset_index(drop=True)
