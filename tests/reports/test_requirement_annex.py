"""The 月通报's annex 「需求匹配提醒」: open requirements with their new fits, only when requirements are open, in the
reader's scope; closed ones and acknowledged fits left out."""

from __future__ import annotations

import io

import openpyxl

from analysis import requirement_alerts as ra
from analysis.matching import Requirement
from layers import saved_requirements as sr
from layers import standard_factories
from reports import monthly
from reports.requirement_annex import SHEET

U = "招商局"
REQ = Requirement(min_area_m2=3000, max_area_m2=10000)


def sheet_rows(con, month="2018-06", county=None):
    book = openpyxl.load_workbook(io.BytesIO(monthly.to_bytes(monthly.collect(con, month, county=county))))
    if SHEET not in book.sheetnames:
        return None
    return [tuple(row) for row in book[SHEET].iter_rows(values_only=True)]


def leased(con, county: str) -> tuple[str, str]:
    return con.execute("SELECT factory_id, name FROM standard_factories WHERE status = '已出租' AND county_adcode = ? "
                       "AND floor_area_m2 BETWEEN 3000 AND 10000 ORDER BY factory_id LIMIT 1", [county]).fetchone()


def test_no_open_requirement_no_annex(demo_copy):
    assert sheet_rows(demo_copy) is None
    rid = sr.add(demo_copy, investor="已放弃的客商", criteria=ra.criteria_of(REQ), user=U)
    sr.close(demo_copy, rid, "已放弃", user=U)
    assert sheet_rows(demo_copy) is None


def test_annex_lists_open_requirements_and_their_new_fits(demo_copy):
    xianan, chibi = "421202", "421281"
    mine = sr.add(demo_copy, investor="华中精密电子", criteria=ra.criteria_of(REQ), user=U, contact="王经理", county_adcode=xianan)
    other = sr.add(demo_copy, investor="赤壁客商", criteria=ra.criteria_of(REQ), user=U, county_adcode=chibi)
    factory_id, name = leased(demo_copy, xianan)
    standard_factories.update(demo_copy, factory_id, {"status": "空置"}, user="园区管委会")
    rows = sheet_rows(demo_copy)
    text = [" ".join(str(c) for c in row if c is not None) for row in rows]
    assert rows[0][0] == "需求匹配提醒" and "不随月份冻结" in rows[1][0]
    assert any(t.startswith("在跟进的投资需求（2 条）") for t in text)
    listed: dict = {}
    for row in rows:  # the first table: one row per requirement (the second one repeats the id per fit)
        if row[0] in (mine, other):
            listed.setdefault(row[0], row)
    assert listed[mine][1:4] == ("华中精密电子", "王经理", "咸安区") and listed[mine][7] == 1
    assert listed[other][7] == 0 and listed[other][6] >= 1  # its county's vacant factories fit, none is new
    new = [row for row in rows if row[0] == mine and row[2] == "标准化厂房"]
    assert [(r[3], r[8]) for r in new] == [(name, "状态 已出租 → 空置")]
    assert any(t.startswith("新增可用（1 处）") for t in text)

    assert {row[0] for row in sheet_rows(demo_copy, county=(chibi,)) if row[0] in (mine, other)} == {other}  # the reader's scope
    sr.acknowledge(demo_copy, mine, [("factory", factory_id)], user=U)
    rows = sheet_rows(demo_copy)
    assert not [row for row in rows if row[0] == mine and row[2] == "标准化厂房"]
    assert any(str(row[0]).startswith("新增可用（0 处）") for row in rows)


def test_annex_prints_like_the_other_sheets(demo_copy):
    sr.add(demo_copy, investor="华中精密电子", criteria=ra.criteria_of(REQ), user=U)
    book = openpyxl.load_workbook(io.BytesIO(monthly.to_bytes(monthly.collect(demo_copy, "2018-06"))))
    assert book.sheetnames[-1] == SHEET
    ws = book[SHEET]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$1:$2"
