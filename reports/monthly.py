"""月通报: :func:`collect` gathers a month's figures (:class:`MonthReport`) and :func:`to_bytes` writes the Excel
workbook: KPI table against targets, rankings with rank change, 红黄灯 lists, 督办 list.

Every figure comes from :func:`layers.months.month_frame` and the month's targets: for a frozen month, what was
stored when it was frozen (so the workbook regenerated after any later edit, targets included, is byte-identical);
for a month not frozen yet, the live data, and the workbook says so. :func:`figures` is what ``cli.py report --json``
prints: the same numbers as the workbook.

Every sheet is written and printed by the one Excel writer (:mod:`layers.xlsx`): A4 landscape, one page wide, the title rows (and the column
header where the sheet has one table layout) repeated on every page and frozen on screen, page numbers in the
footer; numbers carry their formats (counts ``#,##0``, 亿元 ``#,##0.00``, 万元 ``#,##0``, rates ``0.0%``, dates
``yyyy-mm-dd``) and an integral count is written as an integer. Formatting never changes a value.

Cells are values only: text from data is always written as a string cell (a project named "=1+1" stays text,
never a formula). Output is deterministic: fixed document properties and zip timestamps, so the same month
gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.pagebreak import Break

from analysis import indicators, lights, progress, ranking, supervision, targets
from analysis.kpis import summarize
from analysis.ranking import change_label
from layers import months, project_history, project_issues, regions, reporting_units, xlsx
from reports import requirement_annex

APP_TITLE = xlsx.APP_TITLE
#: how layers.migrations notes the months an earlier release froze
OLD_RELEASE_NOTE = "旧版本首次使用时冻结"
#: the 目标完成率 ranked after the registry's ranked indicators
RANKED_COMPLETION = ("completion:signed_investment_yi",)
#: a month an earlier release froze keeps that release's KPI table and rankings (so it regenerates unchanged)
OLD_RELEASE_KPIS = (("signed", "新签约项目（个）"), ("investment_total_yi", "签约金额（亿元）"), ("projects_1yi", "亿元以上（个）"),
                    ("projects_10yi", "10亿元以上（个）"), ("started", "开工（个）"), ("start_rate", "开工率"),
                    ("funds_in_place_yi", "到位资金（亿元）"), ("funds_in_place_rate", "资金到位率"))
OLD_RELEASE_RANKED = ("signed", "investment_total_yi", "projects_1yi", "started", "start_rate", "funds_in_place_yi",
                      "completion:signed_investment_yi")


def ranked(old_release: bool = False) -> tuple[str, ...]:
    """Indicators ranked in the report, in order: the registry's ranked indicators, then :data:`RANKED_COMPLETION`."""
    return OLD_RELEASE_RANKED if old_release else (*(i.key for i in indicators.ranked()), *RANKED_COMPLETION)


def kpi_columns(report: MonthReport) -> list[tuple[str, str]]:
    """(indicator key, column heading) of the KPI table: every card indicator of the registry."""
    return list(OLD_RELEASE_KPIS) if report.old_release else [(i.key, i.heading) for i in indicators.cards()]


@dataclass
class MonthReport:
    month: str
    frozen: bool  # False: the month is not over, figures are provisional
    projects: pd.DataFrame  # the month's snapshot (one row per project, lon/lat in WGS-84)
    units: pd.DataFrame
    summary: dict  # year-to-date KPIs (analysis.kpis.summarize)
    completion: pd.DataFrame
    rankings: dict[str, pd.DataFrame]
    late: pd.DataFrame
    funding: pd.DataFrame
    progress: pd.DataFrame
    supervision: pd.DataFrame
    funnel: pd.DataFrame
    trend: pd.DataFrame
    regions: gpd.GeoDataFrame = field(repr=False)
    #: the projects' 问题/困难 as stored, the day they are evaluated on and, for a frozen month, its freeze time (only
    #: what was recorded by then counts): :func:`reports.supervision.triaged`
    problems: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    problems_as_of: dt.date | None = None
    problems_recorded_by: dt.datetime | None = None
    #: the 红黄灯 thresholds the lists were made with (stated on the sheet)
    rules: lights.Rules | None = field(default=None, repr=False)
    #: frozen by a release before schema versions: its sheets keep that release's words (it regenerates unchanged)
    old_release: bool = False
    #: open investor requirements and their new fits, live (the 「需求匹配提醒」 annex): :mod:`reports.requirement_annex`
    requirements: object = field(default=None, repr=False)

    @property
    def title(self) -> str:
        p = pd.Period(self.month, freq="M")
        return f"{p.year}年{p.month}月招商引资项目推进情况通报"

    @property
    def figures(self) -> dict:
        """The month's published figures, as ``cli.py report --month --json`` prints them (same keys as ``summary``)."""
        return {"month": self.month, "frozen": self.frozen, "period": self.summary["period"],
                **{k: v for k, v in self.summary.items() if k not in ("period", "by_unit")}, "by_unit": self.summary["by_unit"],
                "supervision": len(self.supervision)}

    @property
    def period_label(self) -> str:
        p = pd.Period(self.month, freq="M")
        return f"{p.year}年1—{p.month}月" if p.month > 1 else f"{p.year}年1月"


def collect(con, month: str, *, county=None) -> MonthReport:
    """Everything a month's report shows, as of the month's end (see module docstring). Reads only."""
    frame, frozen = months.month_frame(con, month, county=county)
    previous = months.comparison_frame(con, month, county=county)
    units = months.month_units(con, month, county=county)
    year_targets = months.month_targets(con, month, units=list(units["unit_id"]))
    units = reporting_units.with_reporters(units, frame, reporting_units.names(con))  # labels for a park user's view
    summary = summarize(frame, ranking.ytd(month), units)
    done = targets.completion(summary, year_targets)
    rules = lights.load_rules()
    behind = lights.slow_progress(done, month, rules, units)
    trend_frames = {m: project_history.load_snapshot(con, m, county=county) for m in months.trend_months(con, month)}
    trend_frames.update(_earlier_in_year(frame, month, set(trend_frames)))
    trend_frames = dict(sorted(trend_frames.items())[-11:])
    trend_frames[month] = frame
    issues, issues_as_of, recorded_by = _problems(con, month, frozen, county)
    old_release = frozen and _frozen_by_old_release(con, month)
    return MonthReport(
        month=month, frozen=frozen, projects=frame, units=units, summary=summary, completion=done,
        rankings=ranking.rankings(frame, previous, month, list(ranked(old_release)), units, year_targets),
        late=lights.late_starts(frame, month, rules), funding=lights.slow_funding(frame, month, rules),
        progress=behind, supervision=supervision.month_list(frame, behind, month, rules, units, issues, as_of=issues_as_of,
                                                            recorded_by=recorded_by),
        funnel=progress.funnel(frame, ranking.ytd(month)), trend=progress.monthly_trend(trend_frames),
        regions=regions.load(con, county=county, level="county"),
        problems=issues, problems_as_of=issues_as_of, problems_recorded_by=recorded_by, rules=rules,
        requirements=None if old_release else requirement_annex.collect(con, county=county),
        old_release=old_release,
    )


def _frozen_by_old_release(con, month: str) -> bool:
    """Whether ``month`` was frozen "on first use" by a release before schema versions (see layers.migrations)."""
    stored = months.frozen_months(con)
    note = stored.loc[stored["month"] == month, "note"]
    return bool(len(note)) and str(note.iloc[0] or "").startswith(OLD_RELEASE_NOTE)


def _problems(con, month: str, frozen: bool, county) -> tuple[pd.DataFrame, dt.date, dt.datetime | None]:
    """The problems a month's 督办 list is made from, the day they are evaluated (the month's end, or today while it is
    not over) and, for a frozen month, when it was frozen: problems and resolutions recorded later do not change it."""
    issues = project_issues.load(con, county=county)
    if not frozen:
        return issues, supervision.as_of_day(month, dt.date.today()), None
    stored = months.frozen_months(con)
    at = stored.loc[stored["month"] == month, "created_at"]
    return issues, pd.Period(month, freq="M").end_time.date(), (pd.Timestamp(at.iloc[0]).to_pydatetime() if len(at) else None)


def _earlier_in_year(frame: pd.DataFrame, month: str, known: set[str]) -> dict[str, pd.DataFrame]:
    """The months of ``month``'s year before it that were not frozen, as ``frame`` (the month's own projects) dates them:
    a city's first published month still shows its year's trend, and a frozen month's trend never changes."""
    p = pd.Period(month, freq="M")
    no_events = pd.DataFrame(columns=["event_id", "project_id", "stage", "changed_on"])
    return {str(m): project_history.as_of(frame, no_events, str(m)) for m in pd.period_range(f"{p.year}-01", p - 1, freq="M")
            if str(m) not in known}


#: number formats (the one Excel writer's, :mod:`layers.xlsx`): counts with 千分位, money in 亿元 with two decimals or in
#: 万元 as whole numbers, rates, dates
COUNT, YI, WAN, RATE, DATE, POINTS = xlsx.COUNT, xlsx.MONEY, "#,##0", xlsx.RATE, xlsx.DATE, "0.0"
UNIT_FORMATS = {"个": COUNT, "亿元": YI, "万元": WAN, "%": RATE}
KIND_FORMATS = {"count": COUNT, "money": YI, "rate": RATE}
MIN_WIDTH, MAX_WIDTH = xlsx.MIN_WIDTH, xlsx.MAX_WIDTH
#: rows that surely fit on one printed page below the repeated title rows (A4 landscape at full size; fitting a wide
#: sheet to the width only makes room for more): a table that fits on a page is not split across two, it starts a
#: new page instead (and so does a longer one that would start with fewer than FEW_ROWS rows)
PAGE_ROWS, FEW_ROWS = 34, 8
put, table = xlsx.put, xlsx.table


def _break_before(ws, top: int, rows: int) -> None:
    """Start the table at ``top`` (``rows`` rows with its label and header) on a new page when it would not fit on the
    rest of the page it would start on but fits on a page, or when it is longer than a page and only its first few rows
    would fit (never when it is the first thing on its page)."""
    starts = ws.__dict__.setdefault("_report_page_top", 3)  # the current printed page's first row below the titles
    left = PAGE_ROWS - (top - starts) % PAGE_ROWS
    if top - starts > 1 and (rows > left if rows <= PAGE_ROWS else left < FEW_ROWS):
        ws.row_breaks.append(Break(id=top - 1))
        ws._report_page_top = top


def _section(ws, top: int, label: str, headers: list[str], rows: list[list], formats: dict | None = None,
             light_col: int | None = None) -> int:
    """A labelled table (label on ``top``, header below it), kept on one page when it fits on one."""
    _break_before(ws, top, len(rows) + 2)
    put(ws, top, 1, label).font = Font(bold=True)
    return table(ws, top + 1, headers, rows, formats, light_col)


def _title(ws, text: str, sub: str) -> int:
    return xlsx.title_rows(ws, text, sub)


def _print_setup(ws, report: MonthReport, repeat: int) -> None:
    """A4 landscape, one page wide, rows 1..``repeat`` printed on every page and frozen on screen, the report's title
    and page numbers in the footer (:func:`layers.xlsx.print_setup`)."""
    xlsx.print_setup(ws, repeat=repeat, footer=report.title)


def _kpis(ws, report: MonthReport) -> None:
    top = _title(ws, report.title, f"统计期间：{report.period_label}（签约口径，金额单位：亿元）")
    columns = kpi_columns(report)
    s = report.summary
    rows = [[u["unit"], *(u[k] for k, _ in columns)] for u in s["by_unit"]]
    rows.append(["合计", *(s[k] for k, _ in columns)])
    _break_before(ws, top, len(rows) + 1)
    top = table(ws, top, ["单位", *(h for _, h in columns)], rows,
                {c: KIND_FORMATS[indicators.get(k).kind] for c, (k, _) in enumerate(columns, start=2)})
    names = dict(zip(report.units["unit_id"], report.units["name"], strict=True)) | {"ALL": "全市"}
    done = list(report.completion.itertuples())
    rows = [[names.get(r.unit_id, r.unit_id), indicators.by_target(r.indicator).label, r.actual, r.target, r.completion] for r in done]
    by_unit = [UNIT_FORMATS.get(indicators.by_target(r.indicator).unit) for r in done]
    _section(ws, top, "年度目标完成情况", ["单位", "指标", "完成", "年度目标", "目标完成率"], rows, {3: by_unit, 4: by_unit, 5: RATE})
    _print_setup(ws, report, 2)


def _rankings(ws, report: MonthReport) -> None:
    top = _title(ws, "各单位排名", f"{report.period_label}累计；位次变化与上月通报相比（↑上升、↓下降、—持平）")
    for indicator, frame in report.rankings.items():
        label, unit = ranking.choices()[indicator]
        rows = [[r.unit, r.value, None if pd.isna(r.rank) else int(r.rank),
                 None if pd.isna(r.previous_rank) else int(r.previous_rank), change_label(r.change)] for r in frame.itertuples()]
        top = _section(ws, top, f"{label}（{unit}）", ["单位", "数值", "本月位次", "上月位次", "位次变化"], rows,
                       {2: UNIT_FORMATS.get(unit), 3: COUNT, 4: COUNT})
    _print_setup(ws, report, 2)


def _rules_text(report: MonthReport) -> str:
    """The 红黄灯 thresholds in words (the months an earlier release published keep its words)."""
    what = "开工滞后、资金到位滞后（项目），目标进度滞后（单位）"
    if report.old_release or report.rules is None:
        return f"{what}；阈值见 config/lights.toml"
    r = report.rules
    return (f"{what}；红灯：计划开工逾期 {r.late_red_months} 个月以上未开工，签约满 {r.funding_after_months} 个月资金到位率低于 "
            f"{r.funding_red_below:.0%}，目标完成率落后序时进度 {r.progress_red_points:g} 个百分点以上")


def _lights(ws, report: MonthReport) -> None:
    top = _title(ws, "红黄灯", _rules_text(report))
    names = dict(zip(report.units["unit_id"], report.units["name"], strict=True))
    rows = [[r.light, r.name, names.get(r.unit_id, r.unit_id), r.stage, r.planned_start, r.months_late, r.leader, r.responsible_unit]
            for r in report.late.itertuples()]
    top = _section(ws, top, f"开工滞后（{len(report.late)} 个）", ["灯", "项目名称", "单位", "阶段", "计划开工", "逾期（月）", "包抓领导",
                                                              "责任单位"], rows, {5: DATE, 6: COUNT}, light_col=1)
    rows = [[r.light, r.name, names.get(r.unit_id, r.unit_id), r.investment_wan, r.funds_in_place_wan, r.funds_rate, r.months_signed,
             r.leader, r.responsible_unit] for r in report.funding.itertuples()]
    top = _section(ws, top, f"资金到位滞后（{len(report.funding)} 个）",
                   ["灯", "项目名称", "单位", "合同投资（万元）", "到位资金（万元）", "资金到位率", "已签约（月）", "包抓领导", "责任单位"],
                   rows, {4: WAN, 5: WAN, 6: RATE, 7: COUNT}, light_col=1)
    rows = [[r.light, r.unit, r.indicator_label, r.completion, r.schedule, r.behind_points] for r in report.progress.itertuples()]
    _section(ws, top, "目标进度（对照序时进度）", ["灯", "单位", "指标", "目标完成率", "序时进度", "落后（百分点）"], rows,
             {4: RATE, 5: RATE, 6: POINTS}, light_col=1)
    _print_setup(ws, report, 2)


def _supervision(ws, report: MonthReport) -> None:
    due = report.supervision['deadline'].iloc[0] if len(report.supervision) else '—'
    # a list without problems keeps the words of the releases before them (a month frozen then regenerates unchanged)
    what = "红灯事项（含逾期未解决的项目问题/困难）" if (report.supervision["item"] == supervision.PROBLEM_ITEM).any() else "红灯事项"
    top = _title(ws, "督办清单", f"{what}，请于 {due} 前反馈整改情况")
    rows = [[i, r.item, r.subject, r.unit, r.leader, r.responsible_unit, r.reason, r.deadline]
            for i, r in enumerate(report.supervision.itertuples(), start=1)]
    table(ws, top, ["序号", "督办事项", "项目/指标", "单位", "责任领导", "责任单位", "情况", "办结时限"], rows, {1: COUNT, 8: DATE})
    _print_setup(ws, report, top)  # one table: its header is repeated too


def workbook(report: MonthReport) -> Workbook:
    """The 月通报 workbook (sheets: 指标完成, 排名, 红黄灯, 督办), ready to print."""
    wb = Workbook()
    sheets = (("指标完成", _kpis), ("排名", _rankings), ("红黄灯", _lights), ("督办", _supervision))
    wb.active.title = sheets[0][0]
    for i, (name, fill) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet(name)
        fill(ws, report)
    requirement_annex.add_sheet(wb, report)  # 「需求匹配提醒」, when requirements are open
    if not report.frozen:
        put(wb["指标完成"], 3, 1, "注：本月未冻结，数据为实时数据，冻结后以冻结时的数据为准。").font = xlsx.NOTE_FONT
    xlsx.properties(wb, title=report.title, stamp=dt.datetime.combine(pd.Period(report.month, freq="M").end_time.date(), dt.time(0, 0)))
    return wb


def to_bytes(report: MonthReport) -> bytes:
    """The workbook as .xlsx bytes (same month, same data → same bytes)."""
    return xlsx.save(workbook(report))


def write(report: MonthReport, path: str | Path) -> Path:
    path = Path(path)
    path.write_bytes(to_bytes(report))
    return path
