"""Shared widgets: KPI cards against targets, the per-unit table, the map with its detail card."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from ui.text import t


def percent(value: float | None, digits: int = 1) -> str:
    """0.2276 → "22.8%"; None → "—"."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


#: KPI cards per row: more indicators take more rows, never narrower cards (values must read whole at 1280 px)
CARDS_PER_ROW = 4


def kpi_cards(summary: dict, completion: pd.DataFrame, compared: dict | None = None) -> None:
    """One card per card indicator of :mod:`analysis.indicators`, :data:`CARDS_PER_ROW` to a row: the value, the
    annual-target completion (where a target exists) as the delta line, its 口径 as the help, and 同比 / 环比 below
    (``compared``: ``{"yoy": summary, "mom": summary}`` of the same period last year and the period before, either
    may be None)."""
    from analysis import indicators

    overall = completion[completion["unit_id"] == "ALL"].set_index("indicator")["completion"] if len(completion) else pd.Series(dtype=float)
    compared = compared or {}

    def against(target: str | None) -> str | None:
        value = overall.get(target) if target else None
        return t("of_target", pct=percent(value)) if value is not None and not pd.isna(value) else None

    def versus(key: str, which: str) -> str:
        before = compared.get(which)
        return indicators.change(indicators.get(key), summary.get(key), None if before is None else before.get(key))

    shown = indicators.cards()
    for start in range(0, len(shown), CARDS_PER_ROW):
        for col, indicator in zip(st.columns(CARDS_PER_ROW), shown[start:start + CARDS_PER_ROW]):
            delta = against(indicator.target)
            with col.container(border=True):
                st.metric(indicator.card_label, indicator.show(summary.get(indicator.key)), delta,
                          delta_color="off" if delta else "normal", help=indicator.formula)
                st.caption(t("kpi_change", yoy=versus(indicator.key, "yoy"), mom=versus(indicator.key, "mom")))


def unit_table(summary: dict, completion: pd.DataFrame) -> pd.DataFrame:
    """The per-unit table as shown (pure: AppTest and unit tests read the same frame): one column per card indicator
    (the registry's headings; rates as percent), then the 签约金额 目标完成率."""
    from analysis import indicators

    money = completion[completion["indicator"] == "signed_investment_yi"].set_index("unit_id")["completion"] if len(completion) else {}
    done = f"{indicators.by_target('signed_investment_yi').label}目标完成率"
    shown = indicators.cards()

    def row(name: str, values: dict, unit_id: str) -> dict:
        cells = {i.heading: percent(values.get(i.key)) if i.kind == "rate" else values.get(i.key) for i in shown}
        return {"单位": name, **cells, done: percent(money.get(unit_id) if len(money) else None)}

    rows = [row(u["unit"], u, u["unit_id"]) for u in summary["by_unit"]]
    rows.append(row("合计", summary, "ALL"))
    return pd.DataFrame(rows)


def folium_map(m, *, key: str, height: int = 620) -> dict | None:
    """Render a folium map (local assets only); returns the properties of the last clicked feature."""
    state = st_folium(m, key=key, height=height, use_container_width=True, returned_objects=["last_active_drawing"])
    drawing = (state or {}).get("last_active_drawing") or {}
    return drawing.get("properties")


FIELD_LABELS = {
    "name": "名称", "adcode": "行政区划代码", "level": "级别", "stage": "阶段", "status": "状态", "investment_wan": "投资额（万元）",
    "funds_in_place_wan": "到位资金（万元）", "investor": "投资方", "industry_chain": "产业链", "category": "类别",
    "sign_type": "签约类型", "signed_on": "签约日期", "started_on": "开工日期", "park_name": "所在园区", "leader": "包抓领导",
    "responsible_unit": "责任单位", "positioning": "主导产业", "planned_area_mu": "规划面积（亩）", "available_land_mu": "可供地（亩）",
    "power_total_kva": "供电容量（kVA）", "power_used_kva": "已用电力（kVA）", "floor_area_m2": "建筑面积（㎡）", "floors": "层数",
    "clear_height_m": "首层层高（m）", "floor_load_kn_m2": "楼面荷载（kN/㎡）", "crane_t": "行车（t）", "power_kva": "配电（kVA）",
    "rent_yuan_m2_month": "租金（元/㎡·月）", "tenant": "承租企业", "lease_end": "租约到期", "owner_unit": "产权单位",
    "asset_type": "资产类型", "mode": "盘活方式", "book_value_wan": "账面价值（万元）", "planned_date": "计划完成",
    "responsible_leader": "责任领导", "contact_unit": "联系单位", "contact_phone": "联系电话",
}


#: the import ledgers whose column labels name each layer's columns
LAYER_KINDS = {"projects": ("projects",), "factories": ("factories",), "assets": ("assets",), "parks": ("park_polygons", "park_capacity")}
#: columns that the ledgers do not carry; ``updated_*`` say who last changed a record
EXTRA_LABELS = {"parent_adcode": "上级行政区划代码", "source": "来源", "green_power": "绿色电力", "manager_unit": "管理单位",
                "contract_no": "合同编号", "county_adcode": "县（市、区）", "updated_at": "最后修改时间", "updated_by": "最后修改人"}
#: bookkeeping a reader does not need: stamps, the conflict counter, ids that a name beside them says better
HIDDEN = ("geometry", "geom", "created_at", "created_by", "row_version", "park_id", "unit_id")
#: a label without a unit gets the one its column name ends with
UNITS = (("_yuan_m2_month", "元/㎡·月"), ("_kn_m2", "kN/㎡"), ("_m3_d", "m³/日"), ("_t_d", "吨/日"), ("_m2", "㎡"), ("_mu", "亩"), ("_kva", "kVA"), ("_wan", "万元"),
         ("_tce", "吨标准煤"), ("_m", "m"), ("_t", "t"))
REGION_LEVELS = {"province": "省", "city": "市", "county": "县（市、区）"}


def column_labels(layer: str) -> dict[str, str]:
    """Column → Chinese label for a layer's table: the id is 编号, then the layer's import-ledger labels (with the unit
    its column name carries), the cards' labels, :data:`EXTRA_LABELS`."""
    from imports import kinds
    from layers import LAYERS

    out = {LAYERS[layer].SPEC.key: "编号", "county_adcode": EXTRA_LABELS["county_adcode"]} if layer in LAYERS else {}
    for kind in LAYER_KINDS.get(layer, ()):
        for column, label in kinds.get(kind).labels.items():
            unit = next((u for suffix, u in UNITS if column.endswith(suffix)), None)
            out.setdefault(column, f"{label}（{unit}）" if unit and "（" not in label else label)
    return out | {k: v for k, v in (FIELD_LABELS | EXTRA_LABELS).items() if k not in out}


def layer_table(frame: pd.DataFrame, layer: str, county_names: dict[str, str]) -> pd.DataFrame:
    """A layer's rows as 图层数据 shows them: Chinese headers, bookkeeping columns left out (ids whose name is beside
    them, stamps, row_version), counties by name, dates and times as text. The GeoJSON download keeps the raw keys."""
    labels = column_labels(layer)
    hidden = [c for c in HIDDEN if c in frame.columns and (c != "park_id" or "park_name" in frame.columns)]
    out = pd.DataFrame(frame.drop(columns=hidden))
    if "county_adcode" in out.columns:
        out["county_adcode"] = out["county_adcode"].map(lambda c: county_names.get(c, c))
    if layer == "regions" and "level" in out.columns:
        out["level"] = out["level"].map(lambda v: REGION_LEVELS.get(v, v))
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d %H:%M" if column == "updated_at" else "%Y-%m-%d").fillna("")
        elif out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).where(out[column].notna(), "")  # Streamlit's grid writes an empty cell as "None"
    return out.rename(columns=labels)


def record_table(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Rows of one layer for a table: the id (编号) and the card's fields with their Chinese labels, dates as dates."""
    out = frame[[key, *(c for c in FIELD_LABELS if c in frame.columns and c != key)]].copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
    return out.rename(columns={key: "编号", **FIELD_LABELS})


def count_bars(values: pd.Series, label: str) -> None:
    """How many of each value, most first, as a table whose 数量 column draws a bar (a chart that needs no chart
    library in the browser, so the map beside it draws sooner)."""
    counts = values.fillna("—").value_counts().rename_axis(label).reset_index(name="数量")
    top = int(counts["数量"].max()) if len(counts) else 1
    st.dataframe(counts, hide_index=True, width="stretch", height=260,
                 column_config={"数量": st.column_config.ProgressColumn("数量", min_value=0, max_value=top, format="%d")})


def shown_value(value) -> str:
    """A stored value as people write it: dates without a time, numbers with thousands separators, no trailing .0, 是/否."""
    if isinstance(value, (pd.Timestamp, dt.date)):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, (bool, np.bool_)):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def field_rows(row: pd.Series, fields: dict[str, str]) -> pd.DataFrame:
    """A record as (字段, 值) rows: the ``fields`` (column → label) it has a value for, written by :func:`shown_value`."""
    rows = [(label, shown_value(row[col])) for col, label in fields.items() if col in row.index and pd.notna(row[col]) and row[col] != ""]
    return pd.DataFrame(rows, columns=["字段", "值"])


def feature_card(properties: dict | None, frames: dict) -> None:
    """Details of the clicked feature, looked up by id in the loaded frames (not taken from the browser)."""
    from layers import LAYER_LABELS, LAYERS

    if not properties or properties.get("layer") not in frames:
        st.caption("点击地图上的要素查看详情。")
        return
    layer = properties["layer"]
    frame = frames[layer]
    key = LAYERS[layer].SPEC.key
    match = frame[frame[key].astype(str) == str(properties.get("id"))]
    if match.empty:
        st.caption("该要素已不在当前数据中。")
        return
    row = match.iloc[0]
    st.markdown(f"**{LAYER_LABELS[layer]}**")
    st.dataframe(field_rows(row, FIELD_LABELS), hide_index=True, width="stretch")
    if layer != "regions":
        from ui import audit_views

        with st.expander(t("record_history")):
            st.dataframe(audit_views.record_history(LAYERS[layer].SPEC.table, str(row[key])), hide_index=True, width="stretch")


def remember(key: str, ok: bool, message: str) -> None:
    """Keep the outcome of an action for the run after ``st.rerun()`` (which redraws the page from the store)."""
    st.session_state[f"outcome-{key}"] = (ok, message)


def show_remembered(key: str) -> None:
    """Show (once) what :func:`remember` kept: green when it worked, red when it was refused. The text may come from
    data (names in a conflict message), so it is shown as text, not Markdown."""
    from ui.safe_html import md

    if f"outcome-{key}" in st.session_state:
        ok, message = st.session_state.pop(f"outcome-{key}")
        (st.success if ok else st.error)(md(message))
