"""Explain a number: for one indicator of :mod:`analysis.indicators`, a period and optionally a reporting unit, every
project considered, whether it is counted and the rule that decided it, in Chinese.

The table is made by the same rules as the figure (:func:`analysis.kpis.signed_in` for the period, the indicator's
:class:`analysis.indicators.Rule`), so :func:`figure` of it is exactly the reported value. Money in 万元.
"""

from __future__ import annotations

import pandas as pd

from analysis import indicators
from analysis.indicators import Indicator
from analysis.kpis import Period, signed_in
from layers.vocab import SIGNED_STAGES, WAN_PER_YI

COLUMNS = ["project_id", "name", "unit_id", "stage", "signed_on", "investment_wan", "in_period", "counted", "numerator",
           "denominator", "numerator_value", "denominator_value", "reason"]
#: the 万元 columns money indicators sum, as people call them
AMOUNT_WORDS = {"investment_wan": "合同投资额", "funds_in_place_wan": "到位资金"}


def _date(value) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def period_reason(row: pd.Series, period: Period, inside: bool) -> str:
    """Why a project is, or is not, among those signed in ``period``."""
    signed = row.get("signed_on")
    open_period = not period.start and not period.end
    if pd.notna(signed):
        if open_period:
            return f"签约日期 {_date(signed)}（不限统计期）"
        return f"签约日期 {_date(signed)} {'在统计期内' if inside else f'不在统计期（{period.label()}）'}"
    if row.get("stage") in SIGNED_STAGES:
        return f"阶段为{row['stage']}（未填签约日期，不限统计期时计入）" if inside else f"阶段为{row['stage']}，未填签约日期，不计入统计期"
    stage = row.get("stage")
    return f"阶段为{'未填' if pd.isna(stage) else stage}，未签约"


def _amount_reason(indicator: Indicator, row: pd.Series) -> str:
    words = AMOUNT_WORDS.get(indicator.amount, indicator.label)
    amount = row.get(indicator.amount)
    return f"未填{words}，计 0 万元" if pd.isna(amount) else f"{words}计 {float(amount):,.0f} 万元"


def _part(indicator: Indicator, frame: pd.DataFrame, signed: pd.Series) -> tuple[pd.Series, pd.Series, list[str]]:
    """(member, contribution, reason) of a count or money indicator for each row of ``frame`` (signed rows only)."""
    test = indicator.rule.test(frame).fillna(False).astype(bool) & signed
    if indicator.kind == "count":
        value = test.astype(int)
    else:
        value = frame[indicator.amount].astype("Float64").fillna(0).where(test, 0.0).astype(float)
    reasons = []
    for (_, row), ok, inside in zip(frame.iterrows(), test, signed, strict=True):
        if not inside:
            reasons.append("")
            continue
        words = [] if indicator.rule is indicators.ALL_SIGNED else [indicator.rule.why(row, bool(ok))]
        if indicator.kind == "money" and ok:
            words.append(_amount_reason(indicator, row))
        reasons.append("；".join(words))
    return test, value, reasons


ALL_TIME = Period()


def explain(projects: pd.DataFrame, key: str, period: Period = ALL_TIME, unit_id: str | None = None) -> pd.DataFrame:
    """One row per project considered (of ``unit_id``, or all) — :data:`COLUMNS`:

    ``in_period`` signed in ``period``; ``counted`` what the figure counts (count, money: admitted by the rule; rate:
    in the denominator); for a rate ``numerator``/``denominator`` membership and ``*_value`` the contribution to each
    (1/0 for counts, 万元 for money); for a count or money ``numerator_value`` is the contribution; ``reason`` in Chinese.
    Counted projects first, then by signing date.
    """
    indicator = indicators.get(key)
    frame = projects if unit_id is None else projects[projects["unit_id"] == unit_id]
    frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    inside = pd.Series(frame.index.isin(signed_in(frame, period).index), index=frame.index)
    base = [period_reason(row, period, bool(ok)) for (_, row), ok in zip(frame.iterrows(), inside, strict=True)]
    out = pd.DataFrame({c: frame.get(c) for c in ("project_id", "name", "unit_id", "stage", "signed_on", "investment_wan")})
    out["in_period"] = inside
    if indicator.kind == "rate":
        num, num_value, num_why = _part(indicators.get(indicator.numerator), frame, inside)
        den, den_value, den_why = _part(indicators.get(indicator.denominator), frame, inside)
        out["counted"], out["numerator"], out["denominator"] = den, num, den
        out["numerator_value"], out["denominator_value"] = num_value, den_value
        parts = [[b, *(w for w in (dw, nw) if w)] for b, dw, nw in zip(base, den_why, num_why, strict=True)]
    else:
        member, value, why = _part(indicator, frame, inside)
        out["counted"], out["numerator"], out["denominator"] = member, pd.NA, pd.NA
        out["numerator_value"], out["denominator_value"] = value, pd.NA
        parts = [[b, w] if w else [b] for b, w in zip(base, why, strict=True)]
    out["reason"] = ["；".join(p) for p in parts]
    order = pd.to_datetime(out["signed_on"])
    out = out.assign(_c=~out["counted"], _d=order).sort_values(["_c", "_d", "project_id"], kind="stable", na_position="last")
    return out.drop(columns=["_c", "_d"]).reset_index(drop=True)[COLUMNS]


def figure(table: pd.DataFrame, key: str):
    """The indicator's value recomputed from an :func:`explain` table (the same rounding as the registry)."""
    indicator = indicators.get(key)
    if indicator.kind == "rate":
        return indicators.rate(float(table["numerator_value"].sum()), float(table["denominator_value"].sum()))
    total = table.loc[table["counted"], "numerator_value"].sum()
    return int(total) if indicator.kind == "count" else round(float(total) / WAN_PER_YI, 2)
