"""layers.xlsx, the one Excel writer: the list layout (title, subtitle, header frozen and repeated), formats by column
kind, widths from the shown text, the formula guard, every kind of missing blank, print setup, deterministic bytes."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd
import pytest

from layers import xlsx

HOSTILE = ['=HYPERLINK("http://evil","点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "=1+1"]


def book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_xml(data: bytes) -> list[str]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]


def listing() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["甲项目", "乙项目", None],
        "projects": pd.array([3, None, 12_345], dtype="Int64"),
        "investment_wan": [1234.5, np.nan, 10.0],
        "start_rate": [0.5, None, 0.125],
        "signed_on": [pd.Timestamp("2018-03-01"), pd.NaT, pd.Timestamp("2018-06-30")],
        "tenant": pd.array(["某公司", None, pd.NA], dtype="string"),
    })


LABELS = {"name": "项目名称", "projects": "项目数（个）", "investment_wan": "总投资（万元）", "start_rate": "开工率",
          "signed_on": "签约日期", "tenant": "承租企业"}


def test_a_list_sheet_has_title_subtitle_and_a_labelled_header_frozen_and_repeated():
    data = xlsx.to_bytes([xlsx.Sheet("项目清单", listing(), "招商项目清单", "数据截至 2018-06-30；签约口径", labels=LABELS)])
    ws = book(data)["项目清单"]
    assert ws["A1"].value == "招商项目清单" and ws["A1"].font.bold
    assert ws["A2"].value == "数据截至 2018-06-30；签约口径"
    header = [c.value for c in ws[xlsx.HEADER_ROW]]
    assert header == ["项目名称", "项目数（个）", "总投资（万元）", "开工率", "签约日期", "承租企业"]
    head = ws.cell(xlsx.HEADER_ROW, 1)
    assert head.font.bold and head.fill.fgColor.rgb.endswith("DCE6F1") and head.border.bottom.style == "thin"
    assert ws.freeze_panes == "A5" and ws.print_title_rows == "$1:$4"
    assert ws.max_row == xlsx.HEADER_ROW + 3


def test_number_formats_by_column_kind():
    ws = book(xlsx.to_bytes([xlsx.Sheet("表", listing(), "标题", labels=LABELS)]))["表"]
    first, last = xlsx.HEADER_ROW + 1, xlsx.HEADER_ROW + 3
    assert ws.cell(first, 2).number_format == "#,##0" and ws.cell(last, 2).value == 12_345 and isinstance(ws.cell(last, 2).value, int)
    assert ws.cell(first, 3).number_format == "#,##0.00" and ws.cell(first, 3).value == 1234.5
    assert ws.cell(first, 4).number_format == "0.0%" and ws.cell(first, 4).value == 0.5
    assert ws.cell(first, 5).number_format == "yyyy-mm-dd" and ws.cell(first, 5).value == dt.datetime(2018, 3, 1)


def test_kinds_given_win_over_the_inferred_ones():
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [0.5, 0.25]})
    ws = book(xlsx.to_bytes([xlsx.Sheet("表", frame, "标题", kinds={"a": "money", "b": "0.00"})]))["表"]
    assert ws["A5"].number_format == "#,##0.00" and ws["B5"].number_format == "0.00"


@pytest.mark.parametrize(("label", "values", "kind"), [
    ("签约日期", [pd.Timestamp("2018-01-01"), pd.NaT], "date"),
    ("修改时间", [pd.Timestamp("2018-01-01 08:30"), None], "datetime"),
    ("计划完成", [dt.date(2018, 1, 1), None], "date"),
    ("经度（WGS-84）", [114.3211, 114.1], "coordinate"),
    ("资金到位率", [0.2, np.nan], "rate"),
    ("出租率（%）", [85.0, 90.0], "count"),
    ("容积率", [0.8, 1.2], "number"),
    ("账面价值（万元）", [1200.0, None], "money"),
    ("面积（㎡）", [1200.0, 3000.0], "count"),
    ("得分", [85.25, 90.0], "number"),
    ("年份", [2018, 2019], "0"),
    ("名称", ["甲", None], "text"),
    ("整栋", [True, False], "text"),
    ("数量", [Decimal("3"), Decimal("4")], "count"),
])
def test_kind_of(label, values, kind):
    assert xlsx.kind_of(label, pd.Series(values)) == kind


def test_formula_guard_text_stays_text_with_a_quote_prefix():
    frame = pd.DataFrame({"名称": HOSTILE, "单位": ["甲"] * len(HOSTILE)})
    data = xlsx.to_bytes([xlsx.Sheet("=sheet", frame, "=标题", "@副标题")])
    for xml in sheet_xml(data):
        assert "<f>" not in xml and "<f " not in xml
    ws = book(data).worksheets[0]
    cells = [ws.cell(xlsx.HEADER_ROW + 1 + i, 1) for i in range(len(HOSTILE))]
    assert [c.value for c in cells] == HOSTILE
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert ws["A1"].value == "=标题" and ws["A1"].data_type == "s" and ws["A2"].data_type == "s"
    assert not ws.cell(xlsx.HEADER_ROW + 1, 2).quotePrefix  # ordinary text unchanged


def test_every_kind_of_missing_is_a_blank_cell():
    frame = pd.DataFrame({
        "a": [None, 1.0], "b": [np.nan, 2.0], "c": [pd.NaT, pd.Timestamp("2018-01-01")],
        "d": pd.array([pd.NA, 3], dtype="Int64"), "e": pd.array([pd.NA, "x"], dtype="string"),
        "f": pd.array([pd.NA, True], dtype="boolean"), "g": ["", "y"], "h": [float("inf"), 4.0],
        "i": pd.array([pd.NA, 1.5], dtype="Float64"),
    })
    ws = book(xlsx.to_bytes([xlsx.Sheet("表", frame, "标题")]))["表"]
    row = xlsx.HEADER_ROW + 1
    assert [ws.cell(row, c).value for c in range(1, 10)] == [None] * 9
    assert [ws.cell(row + 1, c).value for c in range(1, 10)] == [1, 2, dt.datetime(2018, 1, 1), 3, "x", "是", "y", 4, 1.5]


def test_values_of_other_types_become_cells():
    when = pd.Timestamp("2018-06-30 12:00", tz="UTC")
    assert xlsx.cell_value(when) == dt.datetime(2018, 6, 30, 20, 0)  # read in China, no time zone
    assert xlsx.cell_value(np.int64(7)) == 7 and type(xlsx.cell_value(np.int64(7))) is int
    assert xlsx.cell_value(["甲", None, "乙"]) == "甲；乙"
    assert xlsx.cell_value(np.bool_(False)) == "否"
    assert xlsx.cell_value("控制\x07字符") == "控制字符"  # openpyxl refuses control characters
    assert xlsx.cell_value(Decimal("1.25")) == 1.25


def test_widths_come_from_the_shown_text_and_chinese_counts_double():
    frame = pd.DataFrame({"名称": ["咸宁高新区某某项目", "甲"], "code": ["abcdefghij", "a"], "备注": ["很" * 60, ""]})
    ws = book(xlsx.to_bytes([xlsx.Sheet("表", frame, "一个很长的标题" * 10)]))["表"]
    assert ws.column_dimensions["A"].width == 9 * 2 + 2
    assert ws.column_dimensions["B"].width == 10 + 2
    assert ws.column_dimensions["C"].width == xlsx.MAX_WIDTH  # capped, and the long text wraps
    assert ws.cell(xlsx.HEADER_ROW + 1, 3).alignment.wrap_text
    assert xlsx.shown_width("中a") == 3 and xlsx.shown_width(1234567.0, xlsx.COUNT) == len("1,234,567")


def test_print_setup_a4_landscape_fit_to_width_with_page_numbers():
    ws = book(xlsx.to_bytes([xlsx.Sheet("表", listing(), "招商项目清单 & 附表")]))["表"]
    assert (ws.page_setup.orientation, int(ws.page_setup.paperSize)) == ("landscape", 9)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页" and ws.oddFooter.left.text == "招商项目清单 && 附表"


def test_an_empty_list_says_so_and_sheet_names_are_valid_and_distinct():
    empty = listing().iloc[:0]
    wb = book(xlsx.to_bytes([xlsx.Sheet("a/b:c", empty, "标题"), xlsx.Sheet("A/B:C", empty, "标题"), xlsx.Sheet("长" * 40, empty, "标题")]))
    assert wb.sheetnames == ["a＿b＿c", "A＿B＿C（2）", "长" * 31]
    assert wb.worksheets[0].cell(xlsx.HEADER_ROW + 1, 1).value == xlsx.NO_ROWS
    assert book(xlsx.to_bytes([], title="无")).sheetnames == ["说明"]


def test_light_column_is_filled():
    frame = pd.DataFrame({"灯": ["红灯", "黄灯", "绿灯"], "项目": ["甲", "乙", "丙"]})
    ws = book(xlsx.to_bytes([xlsx.Sheet("表", frame, "标题", light="灯")]))["表"]
    assert [ws.cell(xlsx.HEADER_ROW + i, 1).fill.fgColor.rgb[-6:] for i in (1, 2, 3)] == ["F8CBAD", "FFE699", "C6EFCE"]


def test_same_content_and_stamp_give_the_same_bytes():
    stamp = dt.datetime(2018, 6, 30)
    one = xlsx.to_bytes([xlsx.Sheet("表", listing(), "标题")], stamp=stamp)
    assert one == xlsx.to_bytes([xlsx.Sheet("表", listing(), "标题")], stamp=stamp)
    assert book(one).properties.created == stamp and book(one).properties.creator == xlsx.APP_TITLE


def test_a_wrapped_header_or_long_text_gets_the_height_of_its_lines():
    frame = pd.DataFrame({"用能需求（吨标准煤）": [1.0], "备注": ["很" * 40], "名称": ["甲"]})
    ws = book(xlsx.to_bytes([xlsx.Sheet("表", frame, "标题")]))["表"]
    assert ws.column_dimensions["A"].width == xlsx.HEADER_WIDTH + 2  # the header wraps in two lines
    assert ws.row_dimensions[xlsx.HEADER_ROW].height == 30
    assert ws.row_dimensions[xlsx.HEADER_ROW + 1].height == 45  # 80 characters in a column of 36
