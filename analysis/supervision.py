"""督办: escalation of projects' 问题/困难 by age, and the 督办 list triaged for leaders.

Problems escalate while open (thresholds in ``config/lights.toml`` ``[problems]``): 蓝 under ``yellow_days`` days
since raised, 黄 under ``red_days``, 红 from ``red_days`` on — and 红 as soon as the 办结时限 (``due_on``) has passed.

The 督办 list is every red item of :func:`analysis.lights.supervision` (开工滞后, 资金到位滞后, 目标进度滞后) plus the
open problems: red ones on the 月通报 (:func:`month_list`), red and yellow ones on the triaged list (:func:`triage`).
The triaged list is ranked by **money × months late** (``score``, 万元·月), largest first:

* 开工滞后: 合同投资 (万元) × whole months behind the planned start month;
* 资金到位滞后: 合同投资 × whole months since signing beyond ``funding.after_months``;
* 问题/困难: the project's 合同投资 × months the problem is late — days since its 办结时限 passed or since it stopped
  being 蓝 (``yellow_days`` after it was raised), whichever came first, ÷ 30;
* 目标进度滞后: for a money indicator the shortfall against 序时进度 (万元; 0 for a count) × 落后百分点 × 12 / 100.

Ties go to the larger sum, then the longer delay. Everything is evaluated as of one day (the report month's end, or
today when the month is not over), so a month's list can be reproduced; for a frozen month only what had been recorded
by the time it was frozen counts (``recorded_by``). Pure functions over frames; money in 万元.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from analysis import lights

ESCALATIONS = ("蓝", "黄", "红")
ESCALATION_COLORS = {"蓝": "#2e86de", "黄": "#f1c40f", "红": "#e74c3c"}
PROBLEM_ITEM = "问题/困难"
NO_LEADER = "未明确包抓领导"
DAYS_PER_MONTH = 30
ITEM_COLUMNS = [*lights.SUPERVISION_COLUMNS, "problem_id", "owner", "escalation", "score"]


def as_of_day(month: str, today: date) -> date:
    """The day a month's 督办 list is evaluated: the month's last day, or ``today`` while the month is not over."""
    return min(pd.Period(month, freq="M").end_time.date(), today)


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def open_on(problems: pd.DataFrame, day: date, recorded_by: datetime | None = None) -> pd.Series:
    """Which problems were open at the end of ``day``: raised by then and not solved by then (by ``resolved_on``).

    With ``recorded_by`` (a frozen month's freeze time) only problems recorded by then count, and a resolution recorded
    later (``resolved_at``) is not yet known — so the month's list does not change after it was published.
    """
    end = pd.Timestamp(day)
    open_ = _dates(problems["raised_on"]) <= end
    solved = _dates(problems["resolved_on"]) <= end
    if recorded_by is not None:
        limit = pd.Timestamp(recorded_by)
        open_ &= _dates(problems["created_at"]) <= limit
        solved &= _dates(problems["resolved_at"]) <= limit
    return open_ & ~solved


def escalate(problems: pd.DataFrame, as_of: date, rules: lights.Rules, recorded_by: datetime | None = None) -> pd.DataFrame:
    """``problems`` plus ``open`` (as of ``as_of``, see :func:`open_on`), ``age_days`` (days since raised),
    ``overdue_days`` (days past the 办结时限; NaN when none or not passed), ``escalation`` (蓝/黄/红 for open problems,
    None otherwise) and ``months_late`` (see the module docstring; 0 when not late)."""
    frame = problems.copy()
    day = pd.Timestamp(as_of)
    raised, due = _dates(frame["raised_on"]), _dates(frame["due_on"])
    frame["open"] = open_on(frame, as_of, recorded_by).astype(bool)
    frame["age_days"] = (day - raised).dt.days
    overdue = (day - due).dt.days
    frame["overdue_days"] = overdue.where(overdue > 0)
    red = (frame["age_days"] >= rules.problem_red_days) | frame["overdue_days"].notna()
    yellow = frame["age_days"] >= rules.problem_yellow_days
    level = pd.Series("蓝", index=frame.index, dtype=object).mask(yellow, "黄").mask(red, "红")
    frame["escalation"] = level.where(frame["open"], None)
    late_since = pd.concat([due, raised + pd.Timedelta(days=rules.problem_yellow_days)], axis=1).min(axis=1)
    late_days = (day - late_since).dt.days.clip(lower=0)
    frame["months_late"] = (late_days / DAYS_PER_MONTH).round(1).where(frame["open"], 0.0).astype(float)
    return frame


def _money(value) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _reason(r: dict) -> str:
    parts = [f"{r['kind']}：{r['text']}", f"提出 {int(r['age_days'])} 天未解决"]
    if pd.notna(r.get("overdue_days")):
        parts.append(f"办结时限 {pd.Timestamp(r['due_on']):%Y-%m-%d} 已过 {int(r['overdue_days'])} 天")
    elif pd.notna(r.get("due_on")):
        parts.append(f"办结时限 {pd.Timestamp(r['due_on']):%Y-%m-%d}")
    if _text(r.get("owner")):
        parts.append(f"责任人/单位：{r['owner']}")
    return "；".join(parts)


def problem_items(escalated: pd.DataFrame, projects: pd.DataFrame, deadline: date, *, levels=("红",),
                  units: pd.DataFrame | None = None) -> pd.DataFrame:
    """督办 items (columns :data:`ITEM_COLUMNS`) for the open problems of :func:`escalate` at ``levels``, with their
    project's name, unit, 包抓领导, 责任单位 and 合同投资 taken from ``projects`` (problems of projects not in it are left
    out: another county, or a project the month does not have)."""
    names = dict(zip(units["unit_id"], units["name"], strict=True)) if units is not None else {}
    by_id = {r["project_id"]: r for r in projects.to_dict("records")}
    rows = []
    picked = escalated[escalated["escalation"].isin(list(levels))]
    for r in picked.to_dict("records"):
        p = by_id.get(r["project_id"])
        if p is None:
            continue
        rows.append({"item": PROBLEM_ITEM, "project_id": r["project_id"], "subject": p.get("name"),
                     "unit": names.get(p.get("unit_id"), p.get("unit_id")), "leader": _text(p.get("leader")),
                     "responsible_unit": _text(p.get("responsible_unit")) or names.get(p.get("unit_id"), ""), "reason": _reason(r),
                     "deadline": deadline, "light": "红灯" if r["escalation"] == "红" else "黄灯",
                     "money_wan": _money(p.get("investment_wan")), "months_late": float(r["months_late"]),
                     "problem_id": r["issue_id"], "owner": _text(r.get("owner")),
                     "escalation": r["escalation"]})
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def _combined(projects, progress, month, rules, units, problems, as_of, recorded_by, levels) -> pd.DataFrame:
    rows = [{**r, "owner": ""} for r in lights.supervision(projects, progress, month, rules, units).to_dict("records")]
    if problems is not None and len(problems):
        escalated = escalate(problems, as_of, rules, recorded_by)
        rows += problem_items(escalated, projects, lights.deadline(month, rules), levels=levels, units=units).to_dict("records")
    frame = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    for col in ("project_id", "problem_id", "owner", "escalation"):  # text columns, also when no row has one
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    for col in ("leader", "responsible_unit", "owner"):
        frame[col] = frame[col].map(_text)
    frame["score"] = (frame["money_wan"].astype(float) * frame["months_late"].astype(float)).round(2)
    return frame


def month_list(projects: pd.DataFrame, progress: pd.DataFrame, month: str, rules: lights.Rules, units: pd.DataFrame | None = None,
               problems: pd.DataFrame | None = None, *, as_of: date | None = None, recorded_by: datetime | None = None) -> pd.DataFrame:
    """The 月通报's 督办 list: :func:`analysis.lights.supervision` (in its order) then the open red problems (by project),
    as of ``as_of`` (default: the month's last day)."""
    as_of = as_of or pd.Period(month, freq="M").end_time.date()
    return _combined(projects, progress, month, rules, units, problems, as_of, recorded_by, ("红",))


def rank(items: pd.DataFrame) -> pd.DataFrame:
    """``items`` by ``score`` (money × months late), then money, then months late, largest first; ``rank`` 1, 2, …"""
    order = items.assign(_p=items["project_id"].fillna(""), _q=items["problem_id"].fillna(""))
    order = order.sort_values(["score", "money_wan", "months_late", "item", "_p", "_q"],
                              ascending=[False, False, False, True, True, True], kind="stable")
    out = order.drop(columns=["_p", "_q"]).reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def triage(projects: pd.DataFrame, progress: pd.DataFrame, month: str, rules: lights.Rules, units: pd.DataFrame | None = None,
           problems: pd.DataFrame | None = None, *, as_of: date | None = None, recorded_by: datetime | None = None) -> pd.DataFrame:
    """The 督办 list for leaders: red items plus red and yellow open problems, ranked by :func:`rank`."""
    as_of = as_of or pd.Period(month, freq="M").end_time.date()
    return rank(_combined(projects, progress, month, rules, units, problems, as_of, recorded_by, ("红", "黄")))


def filter_items(items: pd.DataFrame, *, leaders=(), units=()) -> pd.DataFrame:
    """Items of any of ``leaders`` (包抓领导; :data:`NO_LEADER` for items without one) and of any of ``units``
    (责任单位 — or, for a problem, its 责任人/责任单位); empty means no filter. The rank is kept."""
    keep = pd.Series(True, index=items.index)
    if leaders:
        keep &= items["leader"].fillna("").replace("", NO_LEADER).isin(list(leaders))
    if units:
        wanted = list(units)
        keep &= items["responsible_unit"].isin(wanted) | items["owner"].isin(wanted)
    return items[keep]


def choices(items: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(包抓领导, 责任单位) to filter by, as they occur in ``items``, sorted; items without a leader as :data:`NO_LEADER`."""
    leaders = sorted({(v or NO_LEADER) for v in items["leader"].fillna("")})
    units = sorted({v for col in ("responsible_unit", "owner") for v in items[col].fillna("") if v})
    return leaders, units


def rest_money(items: pd.DataFrame) -> float:
    """The sum at stake in ``items`` (万元): each project's 合同投资 once however many items it has, plus the shortfalls
    of the unit items."""
    with_project = items[items["project_id"].notna()].drop_duplicates("project_id")
    return round(float(with_project["money_wan"].sum() + items.loc[items["project_id"].isna(), "money_wan"].sum()), 2)


@dataclass(frozen=True)
class LeaderSheet:
    """One leader's part of the 督办 list: the first ``top`` items, and how many (and how much) are left over."""

    leader: str
    shown: pd.DataFrame
    rest: int
    rest_money_wan: float
    total_score: float

    @property
    def rest_line(self) -> str | None:
        return f"其余 {self.rest} 项，合计 {self.rest_money_wan:,.2f} 万元" if self.rest else None


def by_leader(items: pd.DataFrame, top: int) -> list[LeaderSheet]:
    """:func:`triage` items split per 包抓领导 (items without one under :data:`NO_LEADER`, last), each capped at ``top``
    (in rank order); leaders with the most at stake (sum of scores) first."""
    named = items.assign(_leader=items["leader"].fillna("").replace("", NO_LEADER))
    sheets = []
    for leader, group in named.groupby("_leader", sort=False):
        group = group.drop(columns="_leader")
        rest = group.iloc[top:]
        sheets.append(LeaderSheet(str(leader), group.iloc[:top].reset_index(drop=True), len(rest), rest_money(rest),
                                  round(float(group["score"].sum()), 2)))
    return sorted(sheets, key=lambda s: (s.leader == NO_LEADER, -s.total_score, s.leader))


def rank_rule(rules: lights.Rules) -> str:
    """The ranking rule in Chinese, as the page shows it under the list."""
    return (f"排序规则：涉及金额（万元）× 逾期月数，从大到小。开工滞后＝合同投资 × 计划开工月之后的整月数；"
            f"资金到位滞后＝合同投资 × 签约满 {rules.funding_after_months} 个月之后的整月数；"
            f"问题/困难＝所属项目合同投资 × 逾期月数（自办结时限已过或提出满 {rules.problem_yellow_days} 天起算，每 {DAYS_PER_MONTH} 天计一个月）；"
            f"目标进度滞后＝金额类指标对照序时进度的差额 × 落后月数（落后百分点 × 12 ÷ 100）。"
            f"问题/困难按提出天数升级：不足 {rules.problem_yellow_days} 天为蓝，不足 {rules.problem_red_days} 天为黄，"
            f"满 {rules.problem_red_days} 天或超过办结时限为红；红、黄问题列入督办。")
