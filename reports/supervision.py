"""督办清单 for leaders: the triaged list of a month (:func:`analysis.supervision.triage`) and its Excel export with one
sheet per 包抓领导.

The workbook opens with 汇总 (one row per leader: items, red/yellow, sum at stake, score), then one sheet per leader
(most at stake first; items without a leader last, under 「未明确包抓领导」), each listing the leader's first ``top``
items in rank order and then one row 「其余 N 项，合计 X 万元」. Written by the one Excel writer (:mod:`layers.xlsx`):
text from data — a project or leader named ``=1+1`` — stays text, never a formula; every sheet prints A4 landscape,
one page wide, its title rows and header repeated.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from analysis import lights
from analysis import supervision as sv
from layers import xlsx
from layers.xlsx import put, table
from reports.monthly import MonthReport

HEADERS = ["序号", "总排名", "督办事项", "项目/指标", "单位", "责任单位", "责任人/单位", "灯", "情况", "涉及金额（万元）", "逾期（月）",
           "分值（万元·月）", "办结时限"]
FORMATS = {10: "#,##0.00", 11: "0.0", 12: "#,##0", 13: "yyyy-mm-dd"}
GREY = Font(italic=True, color="666666")
WIDTHS = {1: 6, 2: 8, 3: 12, 4: 28, 5: 12, 6: 18, 7: 16, 8: 6, 9: 48, 10: 14, 11: 10, 12: 14, 13: 12}


def triaged(report: MonthReport, rules: lights.Rules | None = None) -> pd.DataFrame:
    """The month's triaged 督办 list: red items and red/yellow open problems as of the report's day, ranked."""
    rules = rules or lights.load_rules()
    return sv.triage(report.projects, report.progress, report.month, rules, report.units, report.problems,
                     as_of=report.problems_as_of, recorded_by=report.problems_recorded_by)


def sheet_names(leaders: list[str]) -> list[str]:
    """Valid, distinct worksheet names for ``leaders`` (Excel: ≤ 31 characters, none of ``[]:*?/\\``, no leading or
    trailing apostrophe, unique ignoring case; 汇总 is taken)."""
    taken = {"汇总"}
    return [xlsx.sheet_name(leader, taken, fallback=sv.NO_LEADER) for leader in leaders]


def _row(i: int, r: dict) -> list:
    return [i, r["rank"], r["item"], r["subject"], r["unit"], r["responsible_unit"], r["owner"] or None, r["light"], r["reason"],
            r["money_wan"], r["months_late"], r["score"], r["deadline"]]


def workbook(items: pd.DataFrame, *, title: str, as_of: dt.date | None = None, top: int | None = None,
             rules: lights.Rules | None = None) -> Workbook:
    """The export of ``items`` (:func:`analysis.supervision.triage`, filtered or not): 汇总 then one sheet per leader."""
    rules = rules or lights.load_rules()
    top = rules.top_per_leader if top is None else top
    sheets = sv.by_leader(items, top)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    put(ws, 1, 1, title).font = Font(bold=True, size=14)
    put(ws, 2, 1, (f"截至 {as_of:%Y-%m-%d}；" if as_of else "") + f"每位领导列前 {top} 项，其余合计；{sv.rank_rule(rules)}").font = GREY
    rows = [[s.leader, len(s.shown) + s.rest, s.rest, sv.rest_money(items[_leader_mask(items, s.leader)]), s.total_score]
            for s in sheets]
    nxt = table(ws, 4, ["包抓领导", "督办事项（项）", "未列出（项）", "涉及金额（万元，项目不重复计）", "分值合计（万元·月）"], rows,
                {4: "#,##0.00", 5: "#,##0"})
    put(ws, nxt - 1, 1, "合计").font = Font(bold=True)
    put(ws, nxt - 1, 2, len(items))
    put(ws, nxt - 1, 4, sv.rest_money(items), fmt="#,##0.00")
    put(ws, nxt - 1, 5, round(float(items["score"].sum()), 2) if len(items) else 0, fmt="#,##0")
    xlsx.print_setup(ws, repeat=4, footer=title, widths={1: 22, 2: 14, 3: 12, 4: 26, 5: 20})
    for sheet, name in zip(sheets, sheet_names([s.leader for s in sheets]), strict=True):
        ws = wb.create_sheet(name)
        put(ws, 1, 1, f"{sheet.leader} 包抓督办事项").font = Font(bold=True, size=14)
        put(ws, 2, 1, f"共 {len(sheet.shown) + sheet.rest} 项，按涉及金额 × 逾期月数排序").font = GREY
        records = sheet.shown.to_dict("records")
        nxt = table(ws, 4, HEADERS, [_row(i, r) for i, r in enumerate(records, start=1)], FORMATS, light_col=8)
        if sheet.rest_line:
            put(ws, nxt - 1, 1, sheet.rest_line).font = Font(bold=True)
        xlsx.print_setup(ws, repeat=4, footer=title, widths=WIDTHS)
    xlsx.properties(wb, title=title, stamp=dt.datetime.combine(as_of, dt.time(0, 0)) if as_of else None)
    return wb


def _leader_mask(items: pd.DataFrame, leader: str) -> pd.Series:
    return items["leader"].fillna("").replace("", sv.NO_LEADER) == leader


def to_bytes(items: pd.DataFrame, **kwargs) -> bytes:
    """:func:`workbook` as .xlsx bytes."""
    return xlsx.save(workbook(items, **kwargs))


def write(items: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    path = Path(path)
    path.write_bytes(to_bytes(items, **kwargs))
    return path
