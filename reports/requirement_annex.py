"""The 月通报 annex sheet 「需求匹配提醒」: open investor requirements (投资需求库) and the standard factories and idle
buildings that became available for them and are not yet acknowledged (:mod:`analysis.requirement_alerts`).

Live data, not part of a frozen month: it says so on the sheet, and a month an earlier release froze gets no annex
(it regenerates unchanged). Without any open requirement in scope the workbook has no annex at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis import requirement_alerts as ra
from layers import regions
from layers import saved_requirements as sr

SHEET = "需求匹配提醒"


@dataclass(frozen=True)
class Annex:
    """What the sheet lists: the open requirements (with their criteria in words) and every current fit (``new``)."""

    requirements: pd.DataFrame
    fits: pd.DataFrame
    county_names: dict


def collect(con, *, county=None) -> Annex | None:
    """The annex of scope ``county`` (None when no requirement is open). Reads only."""
    reqs = sr.load(con, county=county, status=[sr.OPEN])
    if reqs.empty:
        return None
    counties = regions.load(con, level="county")
    names = dict(zip(counties["adcode"], counties["name"], strict=True))
    return Annex(reqs.sort_values("requirement_id").reset_index(drop=True), ra.alerts(con, county=county, all_matches=True), names)


def add_sheet(wb, report) -> None:
    """Append the annex to the 月通报 workbook ``wb`` when ``report`` carries one (formats of :mod:`reports.monthly`)."""
    from reports import monthly

    annex: Annex | None = getattr(report, "requirements", None)
    if annex is None or report.old_release:
        return
    ws = wb.create_sheet(SHEET)
    top = monthly._title(ws, "需求匹配提醒", "在跟进的投资需求及新近可用、尚未确认已读的标准化厂房/闲置资产（生成时的实时数据，不随月份冻结）")
    fits, names = annex.fits, annex.county_names
    now = fits.groupby("requirement_id").size() if len(fits) else pd.Series(dtype=int)
    new = fits[fits["new"].astype(bool)] if len(fits) else fits
    fresh = new.groupby("requirement_id").size() if len(new) else pd.Series(dtype=int)
    rows = [[r.requirement_id, r.investor, r.contact or "", names.get(r.county_adcode, "全市") if isinstance(r.county_adcode, str) else "全市",
             ra.describe(ra.requirement_of(r.criteria), names), pd.Timestamp(r.created_at).date(), int(now.get(r.requirement_id, 0)),
             int(fresh.get(r.requirement_id, 0))] for r in annex.requirements.itertuples()]
    top = monthly._section(ws, top, f"在跟进的投资需求（{len(rows)} 条）",
                           ["编号", "投资方", "联系人", "所属", "需求条件", "保存日期", "当前符合（处）", "新增可用（处）"], rows,
                           {6: monthly.DATE, 7: monthly.COUNT, 8: monthly.COUNT})
    rows = [[r.requirement_id, r.investor, r.kind_label, r.name, r.county_name if isinstance(r.county_name, str) else "",
             r.park_name if isinstance(r.park_name, str) else "", r.floor_area_m2, r.state if isinstance(r.state, str) else "", r.why,
             pd.Timestamp(r.changed_at).date() if pd.notna(r.changed_at) else None] for r in new.itertuples()]
    monthly._section(ws, top, f"新增可用（{len(rows)} 处）",
                     ["需求编号", "投资方", "类别", "名称", "县（市、区）", "园区", "面积（㎡）", "状态/阶段", "变化", "变化日期"], rows,
                     {7: monthly.COUNT, 10: monthly.DATE})
    monthly._print_setup(ws, report, 2)
