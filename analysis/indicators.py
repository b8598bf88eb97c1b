"""The indicator registry: every figure the 招商 KPIs report, once — key, Chinese label, unit, kind, format, 口径
(the counting rule in words), annual-target key, and the rule that decides which signed projects it counts.

Cards, per-unit tables, rankings, the 月通报 workbook and printable page, the county choropleth and the CLI all read
:data:`REGISTRY`; :func:`analysis.kpis.totals` computes every registered indicator, :mod:`analysis.explain` lists the
projects behind one. Registering an indicator (:func:`register`) is all it takes for it to appear everywhere.

Each indicator counts over the projects *signed in the period* (:func:`analysis.kpis.signed_in`):

- ``count``: how many of them its :class:`Rule` admits;
- ``money``: the sum of ``amount`` (万元) over those it admits, reported in 亿元 (2 decimals);
- ``rate``: ``numerator / denominator`` of two other indicators (their unrounded values), a fraction 0–1 with
  4 decimals, ``None`` when the denominator is 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from layers.vocab import PROJECT_MAIN_STAGES, WAN_PER_YI

KINDS = ("count", "money", "rate")
UNITS = {"count": "个", "money": "亿元", "rate": "%"}
MILESTONES = {"registered": ("registered_on", "注册"), "started": ("started_on", "开工"), "in_production": ("produced_on", "投产")}
STAGE_RANK = {s: i for i, s in enumerate(PROJECT_MAIN_STAGES)}


@dataclass(frozen=True)
class Rule:
    """Which signed projects an indicator counts: ``test(frame) -> bool Series`` (vectorised, used for the figures)
    and ``why(row, counted) -> str`` (one project's reason in Chinese, used by :mod:`analysis.explain`)."""

    test: Callable[[pd.DataFrame], pd.Series]
    why: Callable[[pd.Series, bool], str]


@dataclass(frozen=True)
class Indicator:
    """One reported figure. ``rule`` (count, money) or ``numerator``/``denominator`` (rate: keys of two other
    indicators); ``amount`` (money): the 万元 column summed; ``target``: the annual-target id (:mod:`layers.targets`)
    its 目标完成率 is computed against; ``card``: shown as a KPI card, in the per-unit tables and the 月通报's KPI
    table; ``ranked``: ranked in the 月通报."""

    key: str
    label: str
    kind: str
    formula: str
    rule: Rule | None = None
    amount: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    target: str | None = None
    card: bool = True
    ranked: bool = True
    fmt: str = ""

    def __post_init__(self):
        assert self.kind in KINDS, self.kind
        assert (self.kind == "rate") == (self.rule is None), self.key
        assert self.kind != "money" or self.amount, self.key
        assert self.kind != "rate" or (self.numerator and self.denominator), self.key

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    @property
    def heading(self) -> str:
        """Column heading of a table: 「签约金额（亿元）」, 「新签约项目数（个）」, 「开工率」."""
        return self.label if self.kind == "rate" else f"{self.label}（{self.unit}）"

    @property
    def card_label(self) -> str:
        """Label of a KPI card: money with its unit (「签约金额（亿元）」), counts and rates bare."""
        return self.heading if self.kind == "money" else self.label

    def show(self, value) -> str:
        """The value as text: rates as percent (one decimal), money with one decimal, counts with 千分位; "—" when
        undefined."""
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return "—"
        if self.kind == "rate":
            return f"{float(value) * 100:.1f}%"
        return format(value, self.fmt or (",.1f" if self.kind == "money" else ","))


# --- rules ------------------------------------------------------------------------------------------------------

def _wan(value) -> str:
    return "未填投资额" if pd.isna(value) else f"{float(value):,.0f} 万元"


def _date(value) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"


ALL_SIGNED = Rule(lambda f: pd.Series(True, index=f.index), lambda r, ok: "签约项目均计入")


def reached(frame: pd.DataFrame, milestone: str) -> pd.Series:
    """Whether each project has reached ``milestone`` (registered / started / in_production): its date is given, or
    its stage is that one or later (side exits and unknown stages count only by their dates)."""
    column, stage = MILESTONES[milestone]
    rank = frame["stage"].map(STAGE_RANK)
    return frame[column].notna() | (rank >= STAGE_RANK[stage])


def milestone_rule(milestone: str) -> Rule:
    column, stage = MILESTONES[milestone]

    def why(row: pd.Series, ok: bool) -> str:
        if pd.notna(row.get(column)):
            return f"已{stage}（{stage}日期 {_date(row[column])}）"
        if ok:
            return f"阶段为{row['stage']}，已{stage}（未填{stage}日期）"
        return f"未{stage}（阶段为{row['stage']}，未填{stage}日期）"

    return Rule(lambda f: reached(f, milestone), why)


def at_least_rule(yi: float) -> Rule:
    wan = yi * WAN_PER_YI
    words = f"{yi:g} 亿元"

    def why(row: pd.Series, ok: bool) -> str:
        money = row.get("investment_wan")
        if pd.isna(money):
            return f"未填投资额，不计入{words}以上"
        return f"投资额 {_wan(money)} {'≥' if ok else '<'} {words}"

    return Rule(lambda f: f["investment_wan"] >= wan, why)


def equals_rule(column: str, value: str, what: str) -> Rule:
    def why(row: pd.Series, ok: bool) -> str:
        shown = row.get(column)
        return f"{what}为{value}" if ok else f"{what}为{'未填' if pd.isna(shown) else shown}，不是{value}"

    return Rule(lambda f: f[column] == value, why)


# --- the registry -----------------------------------------------------------------------------------------------

#: key → indicator, in display order (cards, table columns, ranking choices)
REGISTRY: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    """Add ``indicator`` (a new key, or one replacing its own entry) and return it."""
    for part in (indicator.numerator, indicator.denominator):
        assert part is None or part in REGISTRY, f"{indicator.key}: 未登记的分子/分母 {part}"
    REGISTRY[indicator.key] = indicator
    return indicator


def unregister(key: str) -> None:
    """Remove ``key`` (tests that register a fake indicator)."""
    REGISTRY.pop(key, None)


def get(key: str) -> Indicator:
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"未知指标：{key}") from None


def all_() -> Iterator[Indicator]:
    return iter(list(REGISTRY.values()))


def cards() -> list[Indicator]:
    """Indicators shown as KPI cards (and as the columns of the per-unit tables), in order."""
    return [i for i in REGISTRY.values() if i.card]


def ranked() -> list[Indicator]:
    return [i for i in REGISTRY.values() if i.ranked]


def by_target(target: str) -> Indicator | None:
    """The indicator whose annual target has id ``target``."""
    return next((i for i in REGISTRY.values() if i.target == target), None)


def targets() -> dict[str, Indicator]:
    """Annual-target id → its indicator, for every indicator with a target."""
    return {i.target: i for i in REGISTRY.values() if i.target}


SIGNED_WORDS = "统计期内签约（签约日期在统计期内；不限期时为签约及以后阶段）的项目"

for _indicator in (
    Indicator("signed", "新签约项目数", "count", f"{SIGNED_WORDS}个数", ALL_SIGNED, target="signed_projects"),
    Indicator("investment_total_yi", "签约金额", "money", f"{SIGNED_WORDS}的合同投资额之和（万元折亿元）", ALL_SIGNED,
              amount="investment_wan", target="signed_investment_yi"),
    Indicator("projects_1yi", "亿元以上项目数", "count", f"{SIGNED_WORDS}中投资额 ≥ 1 亿元的个数", at_least_rule(1),
              target="projects_1yi"),
    Indicator("projects_10yi", "10亿元以上项目数", "count", f"{SIGNED_WORDS}中投资额 ≥ 10 亿元的个数", at_least_rule(10),
              target="projects_10yi"),
    Indicator("funds_in_place_yi", "到位资金", "money", f"{SIGNED_WORDS}的到位资金之和（万元折亿元）", ALL_SIGNED,
              amount="funds_in_place_wan", target="funds_in_place_yi"),
    Indicator("started", "开工项目数", "count", f"{SIGNED_WORDS}中已开工（有开工日期，或阶段为开工、投产）的个数",
              milestone_rule("started"), target="started_projects"),
    Indicator("contract_projects", "合同类签约项目数", "count", f"{SIGNED_WORDS}中签约类型为合同的个数",
              equals_rule("sign_type", "合同", "签约类型"), card=False, ranked=False),
    Indicator("registered", "注册项目数", "count", f"{SIGNED_WORDS}中已注册（有注册日期，或阶段为注册及以后）的个数",
              milestone_rule("registered"), card=False, ranked=False),
    Indicator("in_production", "投产项目数", "count", f"{SIGNED_WORDS}中已投产/竣工（有投产日期，或阶段为投产）的个数",
              milestone_rule("in_production"), card=False, ranked=False),
    Indicator("industrial", "工业项目数", "count", f"{SIGNED_WORDS}中类别为工业的个数", equals_rule("category", "工业", "类别"),
              card=False, ranked=False),
    Indicator("industrial_investment_yi", "工业项目签约金额", "money", f"{SIGNED_WORDS}中工业项目的合同投资额之和",
              equals_rule("category", "工业", "类别"), amount="investment_wan", card=False, ranked=False),
    Indicator("start_rate", "开工率", "rate", "开工项目数 ÷ 新签约项目数", numerator="started", denominator="signed"),
    Indicator("performance_rate", "履约率", "rate", "已实施（开工及以后）项目数 ÷ 新签约项目数（履约率即实施率）",
              numerator="started", denominator="signed"),
    Indicator("registration_rate", "注册率", "rate", "注册项目数 ÷ 新签约项目数", numerator="registered", denominator="signed"),
    Indicator("landing_rate", "落地率", "rate", "已落地（注册及以后）项目数 ÷ 新签约项目数", numerator="registered",
              denominator="signed"),
    Indicator("production_rate", "投产率", "rate", "投产项目数 ÷ 新签约项目数", numerator="in_production", denominator="signed"),
    Indicator("funds_in_place_rate", "资金到位率", "rate", "到位资金 ÷ 签约金额", numerator="funds_in_place_yi",
              denominator="investment_total_yi"),
):
    register(_indicator)


# --- computing ----------------------------------------------------------------------------------------------------

def rate(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator`` rounded to 4 decimals, or None when the denominator is 0."""
    return round(numerator / denominator, 4) if denominator else None


def raw(signed: pd.DataFrame, indicator: Indicator, cache: dict | None = None) -> float:
    """The unrounded figure of a count or money indicator over already-filtered signed projects (money in 万元)."""
    cache = {} if cache is None else cache
    if indicator.key not in cache:
        mask = indicator.rule.test(signed).fillna(False).astype(bool)
        if indicator.kind == "count":
            cache[indicator.key] = int(mask.sum())
        else:
            cache[indicator.key] = float(signed.loc[mask, indicator.amount].fillna(0).sum())
    return cache[indicator.key]


def value(signed: pd.DataFrame, indicator: Indicator, cache: dict | None = None):
    """The reported figure: counts as int, money in 亿元 (2 decimals), rates as fractions (4 decimals) or None."""
    cache = {} if cache is None else cache
    if indicator.kind == "rate":
        return rate(raw(signed, get(indicator.numerator), cache), raw(signed, get(indicator.denominator), cache))
    figure = raw(signed, indicator, cache)
    return figure if indicator.kind == "count" else round(figure / WAN_PER_YI, 2)


def compute(signed: pd.DataFrame) -> dict:
    """Every registered indicator over already-filtered signed projects: key → figure."""
    cache: dict = {}
    return {i.key: value(signed, i, cache) for i in all_()}


def compute_by(signed: pd.DataFrame, column: str, keys) -> dict:
    """:func:`compute` for each group of ``signed`` by ``column`` (key → figures, for every key in ``keys``; a key with
    no rows gets the figures of no projects). Each rule is tested once over the whole frame and each group takes its
    rows, in order: the same figures as :func:`compute` on each group (rules are row by row), without testing every
    rule again for every unit (a province has a hundred units)."""
    positions = signed.groupby(column, sort=False).indices
    masks, amounts = {}, {}
    for indicator in all_():
        if indicator.kind != "rate":
            masks[indicator.key] = indicator.rule.test(signed).fillna(False).astype(bool).to_numpy()
            if indicator.kind == "money":
                amounts[indicator.key] = signed[indicator.amount]
    nothing = compute(signed.iloc[0:0])
    out = {}
    for key in keys:
        rows = positions.get(key)
        if rows is None:
            out[key] = dict(nothing)
            continue
        cache: dict = {}
        for name, mask in masks.items():
            picked = rows[mask[rows]]
            cache[name] = int(len(picked)) if name not in amounts else float(amounts[name].iloc[picked].fillna(0).sum())
        out[key] = {i.key: value(signed, i, cache) for i in all_()}
    return out


def change(indicator: Indicator, now, before) -> str:
    """How ``now`` compares with ``before`` in words: rates by percentage points (「+2.1 个百分点」), counts and money
    by percent (「+12.3%」, 「-5.0%」), 「持平」 when equal, 「—」 when there is nothing to compare with (no earlier figure,
    or an earlier 0 for a count or money)."""
    missing = [v is None or (not isinstance(v, str) and pd.isna(v)) for v in (now, before)]
    if any(missing):
        return "—"
    if indicator.kind == "rate":
        points = round((float(now) - float(before)) * 100, 1)
        return "持平" if points == 0 else f"{points:+.1f} 个百分点"
    if not before:
        return "持平" if not now else "—"
    pct = round((float(now) - float(before)) / abs(float(before)) * 100, 1)
    return "持平" if pct == 0 else f"{pct:+.1f}%"


def sentence(values: dict, shown: list[Indicator] | None = None) -> str:
    """「新签约项目数 391 个，签约金额 845.6 亿元，…，开工率 22.8%」 for the card indicators (or ``shown``) of a
    :func:`compute` / summary result — the CLI's one line."""
    parts = []
    for i in shown if shown is not None else cards():
        text = i.show(values.get(i.key))
        parts.append(f"{i.label} {text}" if i.kind == "rate" or text == "—" else f"{i.label} {text} {i.unit}")
    return "，".join(parts)


class Live(Mapping):
    """A read-only mapping recomputed from ``make`` on every read, so an indicator registered later is in it too."""

    def __init__(self, make: Callable[[], dict]):
        self._make = make

    def __getitem__(self, key):
        return self._make()[key]

    def __iter__(self):
        return iter(self._make())

    def __len__(self):
        return len(self._make())
