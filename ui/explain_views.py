"""「查看明细」 on 总览 and 项目进度: pick a card's indicator (and a unit of the per-unit table) → every project considered,
counted or not, with the rule that decided it (:mod:`analysis.explain`), a caption repeating the figure and its 口径,
and an Excel download of the same table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import explain, indicators
from analysis.kpis import Period
from analysis.ranking import ytd
from layers import xlsx
from ui import data
from ui.text import t

TTL = 300
YES = {True: "是", False: "否"}


def shown_table(table: pd.DataFrame, key: str, unit_names: dict[str, str]) -> pd.DataFrame:
    """An :func:`analysis.explain.explain` table as the page shows it: Chinese headers, 是/否, dates as text; a rate
    shows its numerator and denominator membership, money the amount each project adds."""
    indicator = indicators.get(key)
    # the rule first after 是否计入: the column a reader came for is never the one off to the right
    out = pd.DataFrame({"认定规则": table["reason"], "项目名称": table["name"],
                        "填报单位": table["unit_id"].map(lambda u: unit_names.get(u, u) if isinstance(u, str) else ""),
                        "阶段": table["stage"].fillna(""),
                        "签约日期": pd.to_datetime(table["signed_on"]).dt.strftime("%Y-%m-%d").fillna(""),
                        "合同投资（万元）": table["investment_wan"]})
    if indicator.kind == "rate":
        num, den = indicators.get(indicator.numerator), indicators.get(indicator.denominator)
        out.insert(0, f"计入分母（{den.label}）", table["denominator"].map(YES))
        out.insert(0, f"计入分子（{num.label}）", table["numerator"].map(YES))
        for part, column in ((num, "numerator_value"), (den, "denominator_value")):
            if part.kind == "money":
                out[f"{part.label}计入（万元）"] = table[column].astype(float)
    else:
        out.insert(0, "是否计入", table["counted"].map(YES))
        if indicator.kind == "money":
            out[f"{indicator.label}计入（万元）"] = table["numerator_value"].astype(float)
    out["项目编号"] = table["project_id"]
    return out


def caption(key: str, value, period: Period, unit: str | None) -> str:
    """「签约金额：845.6 亿元（2018-01-01 至 2018-06-30 · 咸安区）　口径：…」."""
    indicator = indicators.get(key)
    shown = indicator.show(value)
    if indicator.kind != "rate" and shown != "—":
        shown = f"{shown} {indicator.unit}"
    return t("ex_caption", label=indicator.label, value=shown, period=period.label(), unit=f" · {unit}" if unit else "",
             formula=indicator.formula)


def workbook_bytes(table: pd.DataFrame, title: str, subtitle: str) -> bytes:
    """The shown table as .xlsx through the one Excel writer (:mod:`layers.xlsx`: title, the caption as subtitle,
    header on row 4, text always as text)."""
    return xlsx.to_bytes([xlsx.Sheet("明细", table, title=title, subtitle=subtitle, kinds={"签约日期": "text"})], title=title)


def _detail(frame: pd.DataFrame, key: str, period: Period, unit_id: str | None, names: dict[str, str]) -> dict:
    table = explain.explain(frame, key, period, unit_id)
    shown = shown_table(table, key, names)
    words = caption(key, explain.figure(table, key), period, names.get(unit_id))
    title = f"{indicators.get(key).label}明细"
    return {"table": shown, "caption": words, "counted": int(table["counted"].sum()), "title": title}


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def overview_detail(first: str, last: str, counties: tuple[str, ...] | None, key: str, unit_id: str | None,
                    names: dict[str, str]) -> dict:
    """The detail (shown table, caption, counted, workbook title) for 总览's months, counted on the same frame as its cards."""
    return _detail(data.month_projects(last, counties), key, Period.from_months(first, last), unit_id, names)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner=False)
def month_detail(month: str, counties: tuple[str, ...] | None, key: str, unit_id: str | None,
                 names: dict[str, str]) -> dict:
    """The detail (shown table, caption, counted, workbook title) for 项目进度's month (year to date), counted on the month's 月通报 frame."""
    from ui import project_views

    return _detail(project_views.month_report(month, counties).projects, key, ytd(month), unit_id, names)


def _show(shown: dict, name: str, *, key: str) -> None:
    """A detail as :func:`_detail` made it: caption, counts, table, Excel download (the workbook made when pressed)."""
    st.caption(shown["caption"])
    st.markdown(t("ex_counted", n=shown["counted"], m=len(shown["table"]) - shown["counted"]))
    st.dataframe(shown["table"], hide_index=True, width="stretch", height=360,
                 column_config={"认定规则": st.column_config.TextColumn(width="large"),
                                **{c: st.column_config.NumberColumn(format="localized") for c in shown["table"].columns if "万元" in c}})
    st.download_button(t("ex_download"), lambda: workbook_bytes(shown["table"], shown["title"], shown["caption"]), file_name=f"明细_{name}.xlsx", mime=xlsx.MIME, key=f"{key}-ex-dl", on_click="ignore")


def opened(key: str) -> str:
    """The session-state key of a 「查看明细」 expander (True while it is open)."""
    return f"{key}-ex-open"


def section(summary: dict, detail, *, key: str) -> None:
    """The 「查看明细」 control: ``detail(indicator key, unit_id | None, names)`` gives what :func:`_detail` does."""
    units = {u["unit_id"]: u["unit"] for u in summary["by_unit"]}
    box = st.expander(t("ex_open"), key=opened(key), on_change="rerun")  # counted only once opened: seconds at province scale
    with box:
        st.caption(t("ex_hint"))
        if not box.open:
            return
        left, right = st.columns(2)
        choices = [i.key for i in indicators.cards()]
        chosen = left.selectbox(t("ex_indicator"), choices, format_func=lambda k: indicators.get(k).card_label, key=f"{key}-ex-ind")
        unit_id = right.selectbox(t("ex_unit"), ["", *units], format_func=lambda u: units.get(u, t("ex_all_units")),
                                  key=f"{key}-ex-unit") or None
        _show(detail(chosen, unit_id, units), indicators.get(chosen).label, key=key)


def explained(ranked: str) -> str | None:
    """The registry indicator behind a ranking choice: itself, or for ``completion:<target>`` the indicator whose
    target it is (the 完成 figure the completion rate divides)."""
    if ranked.startswith("completion:"):
        found = indicators.by_target(ranked.split(":", 1)[1])
        return found.key if found else None
    return ranked if ranked in indicators.REGISTRY else None


def picked_unit(summary: dict, table, rows: list[int]) -> str | None:
    """The unit id of the ranking row picked (``rows`` of the selection; the table's 单位 column names the unit)."""
    if not rows or rows[0] >= len(table):
        return None
    name = table["单位"].iloc[rows[0]]
    return next((u["unit_id"] for u in summary["by_unit"] if u["unit"] == name), None)


def ranking(summary: dict, month_: str, counties: tuple[str, ...] | None, indicator: str, table) -> None:
    """The ranking table of 项目进度, its rows selectable: a picked unit's projects behind the ranked figure."""
    event = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                         key=f"pp-ranking-{indicator}")
    key = explained(indicator)
    unit_id = picked_unit(summary, table, list(event.selection.rows)) if key else None
    if unit_id is None:
        if key:
            st.caption(t("ex_pick_row"))
        return
    units = {u["unit_id"]: u["unit"] for u in summary["by_unit"]}
    _show(month_detail(month_, counties, key, unit_id, units), indicators.get(key).label, key=f"pp-rank-{indicator}")


def overview(summary: dict, first: str, last: str, counties: tuple[str, ...] | None) -> None:
    """「查看明细」 on 总览."""
    section(summary, lambda k, u, names: overview_detail(first, last, counties, k, u, names), key="overview")


def month(summary: dict, month_: str, counties: tuple[str, ...] | None) -> None:
    """「查看明细」 on 项目进度."""
    section(summary, lambda k, u, names: month_detail(month_, counties, k, u, names), key="pp")
