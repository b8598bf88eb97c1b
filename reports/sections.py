"""The 月通报 as a document, format-neutral: :func:`build` turns a :class:`reports.monthly.MonthReport` into a
:class:`Notice` — title, 期号/统计期间 lines, the sections of a government 通报 (一、总体情况, 二、分县排名, 三、红黄灯,
四、督办事项) and the 附表 — as sentences and :class:`Table` s (headers, rows of values, one number format per column).
The Word file (:mod:`reports.notice`) and the PDF (:mod:`reports.pdf`) only lay this out, so both say the same thing.

Numbers are shown one way everywhere (:func:`show`): counts with 千分位 (``1,234``), 亿元 with two decimals
(``845.60``), 万元 whole (``130,500``), rates with one decimal (``22.8%``), never ``391.0``. Text from data is cleaned
of characters a document cannot hold and cut to :data:`MAX_CELL` characters in tables; sentences carry no file path.
Indicator labels come from one function, :func:`label` (the indicator registry); the 附表's KPI columns are
the workbook's (:func:`reports.monthly.kpi_columns`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analysis import indicators
from analysis.kpis import summarize
from analysis.ranking import COMPLETION, ytd
from layers import _scope, dataset, regions
from layers.targets import INDICATORS as TARGET_INDICATORS
from reports.monthly import MonthReport, kpi_columns

#: the number format of an indicator's unit
KIND_OF_UNIT = {"个": "count", "亿元": "yi", "万元": "wan", "%": "rate"}
#: a table cell longer than this is cut (a name of thousands of characters must not push a row off the page)
MAX_CELL = 120
#: a name inside a sentence or a title is cut to this
MAX_NAME = 40
#: characters XML 1.0 (and so a .docx or a PDF's text) cannot hold
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
LIGHTS = ("红灯", "黄灯")
#: the indicators of the body's ranking table (the 附表 ranks every one the report ranks), and how many 督办 items the
#: body lists (the 附表 lists them all)
BODY_RANKED = ("signed", "investment_total_yi", "projects_1yi", "start_rate", "funds_in_place_yi",
               "completion:signed_investment_yi")
BODY_ITEMS = 15


def label(key: str, *, target: bool = False) -> tuple[str, str]:
    """(Chinese label, unit) of an indicator, or of the indicator whose annual target is ``key`` when ``target`` — from
    the indicator registry, the one place the 通报 names indicators."""
    found = indicators.by_target(key) if target else indicators.get(key)
    if found is None:  # a target no registered indicator reports
        return TARGET_INDICATORS[key][:2]
    return found.label, found.unit


def clean(value) -> str:
    """Text from data as a document can hold it (control characters dropped, surrounding space trimmed)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return _UNPRINTABLE.sub("", str(value)).strip()


def short(value) -> str:
    """A name from data inside a sentence or a title: cleaned and cut to :data:`MAX_NAME` characters."""
    text = clean(value)
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…"


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def show(value, kind: str = "text") -> str:
    """``value`` as the 通报 prints it: ``count`` 1,234 · ``yi`` 845.60 · ``wan`` 130,500 · ``rate`` 22.8% ·
    ``points`` 45.7 or 40 · ``date`` 2018-07-15 · ``text`` (cleaned, cut to :data:`MAX_CELL`); missing → "—"."""
    if _missing(value):
        return "—"
    if kind == "text":
        text = clean(value)
        return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
    if kind == "date":
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    number = float(value)
    if kind == "count":
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    if kind == "yi":
        return f"{number:,.2f}"
    if kind == "wan":
        return f"{number:,.0f}"
    if kind == "rate":
        return f"{number * 100:.1f}%"
    if kind == "points":
        return f"{number:.1f}".removesuffix(".0")
    raise ValueError(kind)


def day(value) -> str:
    """A date in a sentence: 2018年7月15日."""
    t = pd.Timestamp(value)
    return f"{t.year}年{t.month}月{t.day}日"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # a :func:`show` kind, or "light" (红灯/黄灯/绿灯, shown as text and coloured)
    #: cells are (value, rank) pairs, shown as 78（1）
    ranked: bool = False
    #: a relative width hint for the layouts (1 = a short number)
    width: float = 1.0


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    #: the last rows are totals (printed bold)
    totals: int = 0

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def cells(self) -> list[list[str]]:
        """Every row as shown."""
        return [[self.cell(value, column) for value, column in zip(row, self.columns, strict=True)] for row in self.rows]

    @staticmethod
    def cell(value, column: Column) -> str:
        if column.ranked:
            value, rank = value
            shown = show(value, column.kind)
            return shown if _missing(rank) else f"{shown}（{int(rank)}）"
        return show(value, "text" if column.kind == "light" else column.kind)


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple  # sentences (str) and Tables, in order
    #: printed on landscape pages (wide tables)
    landscape: bool = False


@dataclass(frozen=True)
class Notice:
    title: str
    issue: str  # 期号: 2018年第6期
    dates: str  # 统计期间 and 数据截至
    note: str  # "" or the provisional-figures note
    sections: tuple[Section, ...]
    month: str

    def text(self) -> str:
        """Everything the document says, as plain text (what the tests and a search read)."""
        parts = [self.title, self.issue, self.dates, self.note]
        for s in self.sections:
            parts.append(s.heading)
            for b in s.blocks:
                parts += [b] if isinstance(b, str) else [b.caption, *b.headers, *(c for row in b.cells() for c in row)]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Place:
    name: str  # 咸宁市 (the dataset's region), 咸安区 (a one-unit scope), or ""
    whole: str  # how a sentence names the whole: 全市, 全县, 咸安区


def place(con, county=None) -> Place:
    """Whom the 通报 is about: the dataset's home region (else the one city or province loaded); for a scope of one
    county, or of one park (a park user), that county or park."""
    counties, parks = _scope.split(county)
    if parks:
        names = _scope.park_names(con, list(parks))
        if len(names) == 1:
            return Place(short(names[0]), short(names[0]))
    elif counties is not None and len(counties) == 1:
        found = regions.load(con, county=counties, level="county")
        if len(found) == 1:
            name = short(found["name"].iloc[0])
            return Place(name, name)
    found = regions.load(con)
    found = found[found["level"].isin(["city", "province"])]
    home = dataset.get_info(con).get("region")
    pick = found[found["adcode"] == home] if home else found.iloc[0:0]
    if pick.empty and len(found[found["level"] == "city"]) == 1:
        pick = found[found["level"] == "city"]
    elif pick.empty and len(found) == 1:
        pick = found
    if pick.empty:
        return Place("", "全部单位" if county is None else "辖区内")
    name = short(pick["name"].iloc[0])
    whole = f"全{name[-1]}" if county is None and name[-1:] in ("省", "市", "县", "区") else "辖区内"
    return Place(name, whole)


def build(report: MonthReport, where: Place | None = None) -> Notice:
    """The 通报 of ``report``'s month (see module docstring); ``where`` names the place (:func:`place`)."""
    where = where or Place("", "全部单位")
    p = pd.Period(report.month, freq="M")
    end = p.end_time.date()
    note = "" if report.frozen else f"注：{p.month}月尚未冻结，本通报为实时数据，冻结后以冻结时的数据为准。"
    as_of = report.problems_as_of or end
    annex = _Annex()
    _kpi_annex(report, annex)
    ranking = _ranking(report, annex)
    _target_annex(report, annex)
    sections = (_overview(report, where), ranking, _lights(report), _supervision(report, annex), annex.section())
    return Notice(title=f"{where.name}{report.title}", issue=f"{p.year}年第{p.month}期",
                  dates=f"统计期间：{report.period_label}　　数据截至：{day(min(as_of, end))}", note=note,
                  sections=sections, month=report.month)


# --- 一、总体情况 ------------------------------------------------------------------------------------------------------

def _change(now: float, before: float) -> str:
    """增长 12.3% / 下降 4.5% / 持平."""
    if before == now:
        return "持平"
    return f"{'增长' if now > before else '下降'}{abs(now - before) / before * 100:.1f}%"


def _year_ago(report: MonthReport) -> dict | None:
    """The same months of the year before, counted from the month's records by their signing dates; None when nothing
    was signed then (no comparison to make)."""
    p = pd.Period(report.month, freq="M")
    before = summarize(report.projects, ytd(str(p - 12)))
    return before if before["signed"] else None


def _overview(report: MonthReport, where: Place) -> Section:
    s, p = report.summary, pd.Period(report.month, freq="M")
    blocks = []
    if not s["signed"]:
        blocks.append(f"{report.period_label}，{where.whole}尚无新签约招商项目。")
    else:
        before = _year_ago(report)
        first = f"{report.period_label}，{where.whole}新签约招商项目{show(s['signed'], 'count')}个"
        if before:
            first += f"、同比{_change(s['signed'], before['signed'])}"
        first += f"，签约金额{show(s['investment_total_yi'], 'yi')}亿元"
        if before and before["investment_total_yi"]:
            first += f"、同比{_change(s['investment_total_yi'], before['investment_total_yi'])}"
        if before:
            first += f"（上年同期{show(before['signed'], 'count')}个、{show(before['investment_total_yi'], 'yi')}亿元）"
        first += (f"。其中合同项目{show(s['contract_projects'], 'count')}个；亿元以上项目{show(s['projects_1yi'], 'count')}个、"
                  f"10亿元以上项目{show(s['projects_10yi'], 'count')}个；工业项目{show(s['industrial'], 'count')}个，"
                  f"签约金额{show(s['industrial_investment_yi'], 'yi')}亿元。")
        blocks.append(first)
        blocks.append(f"项目推进方面，已注册{show(s['registered'], 'count')}个，注册率{show(s['registration_rate'], 'rate')}；"
                      f"已开工{show(s['started'], 'count')}个，开工率{show(s['start_rate'], 'rate')}；"
                      f"已投产{show(s['in_production'], 'count')}个，投产率{show(s['production_rate'], 'rate')}；"
                      f"到位资金{show(s['funds_in_place_yi'], 'yi')}亿元，资金到位率{show(s['funds_in_place_rate'], 'rate')}。")
    if (month := _this_month(report)) is not None:
        blocks.append(month)
    done = report.completion[report.completion["unit_id"] == "ALL"]
    if len(done):
        parts = []
        for r in done.itertuples():
            name, unit = label(r.indicator, target=True)
            kind = KIND_OF_UNIT.get(unit, "count")
            parts.append(f"{name}完成{show(r.actual, kind)}{unit}、为年度目标{show(r.target, kind)}{unit}的{show(r.completion, 'rate')}")
        schedule = report.progress["schedule"].dropna()
        pace = show(schedule.iloc[0] if len(schedule) else p.month / 12, "rate")
        blocks.append(f"对照年度目标（序时进度{pace}），{'；'.join(parts)}。")
    return Section("一、总体情况", tuple(blocks))


def _this_month(report: MonthReport) -> str | None:
    """The month's own signings and starts, with the change from the month before (环比)."""
    trend = report.trend.set_index("month") if len(report.trend) else None
    if trend is None or report.month not in trend.index:
        return None
    now, p = trend.loc[report.month], pd.Period(report.month, freq="M")
    text = (f"{p.month}月当月新签约项目{show(now['signed'], 'count')}个、签约金额{show(now['investment_yi'], 'yi')}亿元，"
            f"新开工项目{show(now['started'], 'count')}个")
    last = str(p - 1)
    if last in trend.index and trend.loc[last, "signed"]:
        text += f"；新签约项目数环比{_change(now['signed'], trend.loc[last, 'signed'])}（{(p - 1).month}月{show(trend.loc[last, 'signed'], 'count')}个）"
    return text + "。"


# --- 二、分县排名 -------------------------------------------------------------------------------------------------------

def _ranked_label(indicator: str) -> tuple[str, str]:
    if indicator.startswith(COMPLETION):
        name, _ = label(indicator.removeprefix(COMPLETION), target=True)
        return f"{name}目标完成率", "%"
    return label(indicator)


def _ranking_table(report: MonthReport, keys: list[str], caption: str) -> Table:
    """Units (by 签约金额, else the first indicator) × ``keys``: each cell the value and its rank."""
    first = "investment_total_yi" if "investment_total_yi" in keys else keys[0]
    order = report.rankings[first]
    lookup = {k: report.rankings[k].set_index("unit_id") for k in keys}
    columns = [Column("单位", width=1.6)]
    for k in keys:
        name, unit = _ranked_label(k)
        columns.append(Column(f"{name}（{unit}）" if unit != "%" else name, KIND_OF_UNIT.get(unit, "count"), ranked=True,
                              width=1.3))
    rows = tuple((unit, *((lookup[k].at[u, "value"], lookup[k].at[u, "rank"]) if u in lookup[k].index else (None, None)
                          for k in keys)) for u, unit in zip(order["unit_id"], order["unit"], strict=True))
    return Table(caption, tuple(columns), rows)


def _ranking(report: MonthReport, annex: _Annex) -> Section:
    ranked = list(report.rankings)  # the report's ranked indicators, in its order
    if not ranked or report.rankings[ranked[0]].empty:
        return Section("二、分县排名", ("本月无参与排名的单位。",))
    body = [k for k in BODY_RANKED if k in ranked] or ranked[:len(BODY_RANKED)]
    blocks = [f"按{report.period_label}累计数排名，各单位主要指标及位次如下（括号内为位次）"
              + (f"，全部{len(ranked)}项指标的排名见附表{annex.next}" if len(body) < len(ranked) else "") + "。",
              _ranking_table(report, body, f"表1　各单位主要指标及位次（{report.period_label}）")]
    if len(body) < len(ranked):
        annex.add(_ranking_table(report, ranked, f"各单位全部指标及位次（{report.period_label}，括号内为位次）"))
    leaders = []
    for k in body[:2]:
        frame = report.rankings[k]
        name, unit = _ranked_label(k)
        top = frame[frame["rank"].notna()].head(3)
        kind = KIND_OF_UNIT.get(unit, "count")
        if len(top):
            leaders.append(f"{name}居前{len(top)}位的是" + "、".join(f"{short(r.unit)}（{show(r.value, kind)}{'' if unit == '%' else unit}）"
                                                              for r in top.itertuples()))
    if leaders:
        blocks.append("；".join(leaders) + "。")
    moves = []
    for k in body:
        frame = report.rankings[k]
        moved = frame[frame["change"].notna() & (frame["change"] != 0)]
        if len(moved):
            name, _ = _ranked_label(k)
            moves.append(f"{name}：" + "、".join(f"{short(r.unit)}{'上升' if r.change > 0 else '下降'}{abs(int(r.change))}位"
                                             for r in moved.itertuples()))
    if all(report.rankings[k]["previous_rank"].isna().all() for k in body):
        blocks.append("上月无可比排名，本月不计位次变化。")
    elif moves:
        blocks.append("与上月相比，" + "；".join(moves) + "。")
    else:
        blocks.append("与上月相比，各单位位次均无变化。")
    return Section("二、分县排名", tuple(blocks))


# --- 三、红黄灯 --------------------------------------------------------------------------------------------------------

def _rules(report: MonthReport) -> str:
    r = report.rules
    text = "红黄灯按开工滞后、资金到位滞后（项目）和目标进度滞后（单位）评定"
    if r is None or report.old_release:
        return text + "。"
    return (text + f"：计划开工逾期{r.late_red_months}个月以上未开工、签约满{r.funding_after_months}个月资金到位率低于"
            f"{r.funding_red_below * 100:.0f}%、目标完成率落后序时进度{r.progress_red_points:g}个百分点以上的，亮红灯。")


def _counts(frame: pd.DataFrame, by: str) -> dict[str, dict[str, int]]:
    """{unit: {红灯: n, 黄灯: m}} of a lights frame."""
    out: dict[str, dict[str, int]] = {}
    for unit, light in zip(frame[by], frame["light"], strict=True):
        if light in LIGHTS:
            out.setdefault(unit, dict.fromkeys(LIGHTS, 0))[light] += 1
    return out


def _lights(report: MonthReport) -> Section:
    names = dict(zip(report.units["unit_id"], report.units["name"], strict=True))
    late, funding = _counts(report.late, "unit_id"), _counts(report.funding, "unit_id")
    progress = _counts(report.progress[report.progress["unit_id"] != "ALL"], "unit_id")
    total = {k: {x: sum(c[x] for c in d.values()) for x in LIGHTS} for k, d in (("late", late), ("funding", funding),
                                                                               ("progress", progress))}
    blocks = [_rules(report),
              f"本月开工滞后红灯{total['late']['红灯']}个、黄灯{total['late']['黄灯']}个，资金到位滞后红灯{total['funding']['红灯']}个、"
              f"黄灯{total['funding']['黄灯']}个（按项目计）；目标进度红灯{total['progress']['红灯']}项、黄灯{total['progress']['黄灯']}项"
              f"（按单位和指标计）。"]
    order = [u for u in report.units["unit_id"] if u in late or u in funding or u in progress]
    order += [u for u in {**late, **funding, **progress} if u not in order]
    zero = dict.fromkeys(LIGHTS, 0)
    rows = [(names.get(u, u), *(d.get(u, zero)[x] for d in (late, funding, progress) for x in LIGHTS)) for u in order]
    rows.append(("合计", *(sum(d.get(u, zero)[x] for u in order) for d in (late, funding, progress) for x in LIGHTS)))
    headers = ("开工滞后红灯", "开工滞后黄灯", "资金滞后红灯", "资金滞后黄灯", "目标进度红灯", "目标进度黄灯")
    blocks.append(Table("表2　各单位红黄灯（个）", (Column("单位", width=1.6), *(Column(h, "count") for h in headers)), tuple(rows), totals=1))
    for u in order:
        sentence = _red_unit(report, u, names.get(u, u))
        if sentence:
            blocks.append(sentence)
    if not order:
        blocks.append("本月无红黄灯事项。")
    return Section("三、红黄灯", tuple(blocks))


def _red_unit(report: MonthReport, unit_id: str, name: str) -> str | None:
    """One sentence for a unit with a red light: how many red projects, the longest overdue, the red indicators."""
    late = report.late[(report.late["unit_id"] == unit_id) & (report.late["light"] == "红灯")]
    funding = report.funding[(report.funding["unit_id"] == unit_id) & (report.funding["light"] == "红灯")]
    progress = report.progress[(report.progress["unit_id"] == unit_id) & (report.progress["light"] == "红灯")]
    if late.empty and funding.empty and progress.empty:
        return None
    parts = []
    if len(late):
        worst = late.sort_values("months_late", ascending=False, kind="stable").iloc[0]
        parts.append(f"开工滞后红灯{show(len(late), 'count')}个（逾期最久的「{short(worst['name'])}」已逾期{show(worst['months_late'], 'count')}个月）")
    if len(funding):
        parts.append(f"资金到位滞后红灯{show(len(funding), 'count')}个")
    parts += [f"{short(r.indicator_label)}完成{show(r.completion, 'rate')}，落后序时进度{show(r.behind_points, 'points')}个百分点"
              for r in progress.itertuples()]
    return f"{short(name)}：" + "；".join(parts) + "。"


# --- 四、督办事项 -------------------------------------------------------------------------------------------------------

def _supervision(report: MonthReport, annex: _Annex) -> Section:
    items = report.supervision
    if items.empty:
        return Section("四、督办事项", ("本月无督办事项。",))
    kinds = "、".join(f"{short(k)}{show(n, 'count')}项" for k, n in items["item"].value_counts(sort=False).items())
    deadline = items["deadline"].dropna()
    due = f"请各责任单位于{day(deadline.iloc[0])}前反馈整改情况。" if len(deadline) else ""
    columns = (Column("序号", "count", width=0.6), Column("督办事项", width=1.2), Column("项目/指标", width=2.4),
               Column("单位", width=1.2), Column("责任领导", width=1.0), Column("责任单位", width=1.6), Column("情况", width=3.0),
               Column("办结时限", "date", width=1.2))
    rows = tuple((i, r.item, r.subject, r.unit, r.leader, r.responsible_unit, r.reason, r.deadline)
                 for i, r in enumerate(items.itertuples(), start=1))
    first = f"本月列入督办事项{show(len(items), 'count')}项（{kinds}），按涉及金额和逾期时间排序"
    if len(rows) <= BODY_ITEMS:
        return Section("四、督办事项", (f"{first}如下。{due}", Table("表3　督办清单", columns, rows)))
    number = annex.add(Table("督办清单", columns, rows))
    return Section("四、督办事项", (f"{first}，前{BODY_ITEMS}项如下，完整清单见附表{number}。{due}",
                                  Table(f"表3　督办清单（前{BODY_ITEMS}项）", columns, rows[:BODY_ITEMS])))


# --- 附表 ----------------------------------------------------------------------------------------------------------

class _Annex:
    """The 附表, numbered in the order they are added."""

    def __init__(self):
        self.tables: list[Table] = []

    @property
    def next(self) -> int:
        return len(self.tables) + 1

    def add(self, table: Table) -> int:
        number = self.next
        self.tables.append(Table(f"附表{number}　{table.caption}", table.columns, table.rows, table.totals))
        return number

    def section(self) -> Section:
        return Section("附表", tuple(self.tables), landscape=True)


def _kpi_annex(report: MonthReport, annex: _Annex) -> None:
    """The workbook's KPI table: one row per unit and 合计, one column per card indicator."""
    s = report.summary
    shown = [(k, h) for k, h in kpi_columns(report) if k in s]
    kinds = [KIND_OF_UNIT.get(label(k)[1], "count") if k in indicators.REGISTRY else "count" for k, _ in shown]
    columns = [Column("单位", width=1.6), *(Column(h, kind) for (_, h), kind in zip(shown, kinds, strict=True))]
    rows = [tuple([u["unit"], *(u.get(k) for k, _ in shown)]) for u in s["by_unit"]]
    rows.append(tuple(["合计", *(s[k] for k, _ in shown)]))
    annex.add(Table(f"各单位主要指标完成情况（{report.period_label}，签约口径）", tuple(columns), tuple(rows), totals=1))


def _target_annex(report: MonthReport, annex: _Annex) -> None:
    names = dict(zip(report.units["unit_id"], report.units["name"], strict=True)) | {"ALL": "合计"}
    done = []
    for r in report.completion.itertuples():
        name, unit = label(r.indicator, target=True)
        kind = KIND_OF_UNIT.get(unit, "count")
        done.append((names.get(r.unit_id, r.unit_id), f"{name}（{unit}）", show(r.actual, kind), show(r.target, kind), r.completion))
    if done:
        annex.add(Table("年度目标完成情况", (Column("单位", width=1.6), Column("指标", width=2.0), Column("完成"), Column("年度目标"),
                                      Column("目标完成率", "rate")), tuple(done)))
