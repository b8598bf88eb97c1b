"""reports: the 月通报 workbook prints as a report (page setup, repeated and frozen rows, borders, widths, page numbers)
and shows its numbers formatted (千分位, 亿元 with two decimals, 万元, rates, dates), with no file paths in its text."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook

from layers import xlsx
from reports import monthly
from reports.monthly import COUNT, DATE, RATE, WAN, YI, collect

SHEETS = ["指标完成", "排名", "红黄灯", "督办"]
#: a file path: a slash or backslash between ASCII name characters, a leading one, a drive, or a file name ending
PATH = re.compile(r"[\w.~-][/\\][\w.~-]|(^|\s)[/\\]\w|[A-Za-z]:\\|\.(duckdb|toml|xlsx|csv|json|py|db)\b", re.ASCII)


@pytest.fixture(scope="module")
def report(demo_con):
    return collect(demo_con, "2018-06")


@pytest.fixture(scope="module")
def data(report) -> bytes:
    return monthly.to_bytes(report)


@pytest.fixture(scope="module")
def wb(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def header_row(ws, first: str) -> int:
    return next(c.row for c in ws["A"] if c.value == first)


def column(ws, header: str, top: int) -> int:
    return next(c.column for c in ws[top] if c.value == header)


def body(ws, top: int, col: int):
    """The cells of column ``col`` of the table whose header is row ``top``, down to its last row."""
    out = []
    for r in range(top + 1, ws.max_row + 1):
        if ws.cell(row=r, column=1).value is None:
            break
        out.append(ws.cell(row=r, column=col))
    return out


def texts(wb) -> list[str]:
    return [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_every_sheet_prints_a4_landscape_one_page_wide_with_page_numbers(wb):
    assert wb.sheetnames == SHEETS
    for ws in wb:
        setup = ws.page_setup
        assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), ws.title
        m = ws.page_margins
        assert 0.3 <= m.left <= 0.8 and 0.3 <= m.right <= 0.8 and 0.4 <= m.top <= 1 and 0.4 <= m.bottom <= 1
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
        assert ws.oddFooter.left.text == "2018年6月招商引资项目推进情况通报"


def test_title_rows_are_repeated_on_every_page_and_frozen(wb):
    for ws in wb:
        assert ws.print_title_rows.startswith("$1:$"), ws.title
        last = int(ws.print_title_rows.rsplit("$", 1)[1])
        assert ws.freeze_panes == f"A{last + 1}", ws.title  # frozen on screen: the same rows
        assert ws["A1"].value and ws["A2"].value and last >= 2
    # the 督办 sheet is one table: its header row is repeated and frozen with the title
    ws = wb["督办"]
    assert ws.print_title_rows == "$1:$4" and ws["A4"].value == "序号" and ws.freeze_panes == "A5"


def test_table_cells_have_thin_borders_and_headers_wrap(wb):
    ws = wb["红黄灯"]
    top = header_row(ws, "灯")
    for cell in [*ws[top][:8], *ws[top + 1][:8], *[c for row in ws.iter_rows(min_row=top + 1, max_row=top + 20) for c in row[:8]]]:
        assert {cell.border.left.style, cell.border.right.style, cell.border.top.style, cell.border.bottom.style} == {"thin"}
    assert ws.cell(row=top, column=2).alignment.wrap_text
    assert ws["A1"].border.left.style is None and ws["A2"].border.bottom.style is None  # the title has no box


def test_columns_are_wide_enough_for_chinese_text(wb, report):
    ws = wb["红黄灯"]
    top = header_row(ws, "灯")
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    longest = max(len(n) for n in report.late["name"])
    assert widths["B"] >= min(monthly.MAX_WIDTH, 2 * longest)  # 项目名称: two characters' width each
    assert widths["A"] < widths["B"] and all(monthly.MIN_WIDTH <= w <= monthly.MAX_WIDTH for w in widths.values())
    for cell in body(ws, top, 2):  # names wider than a column wrap instead of being cut
        assert bool(cell.alignment.wrap_text) == (xlsx.shown_width(cell.value) > monthly.MAX_WIDTH - 2)
    kpi = wb["指标完成"]
    assert kpi.column_dimensions["A"].width >= 2 * len("咸宁高新区")


def test_a_table_that_fits_on_a_page_is_not_split(wb):
    ws = wb["排名"]
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks  # seven rankings do not fit on one page
    for b in breaks:  # a page starts with a ranking's label, never inside a table
        label = ws.cell(row=b + 1, column=1)
        assert label.font.b and label.value.endswith("）") and ws.cell(row=b + 2, column=1).value == "单位"
    starts = [3, *[b + 1 for b in breaks], ws.max_row + 1]
    assert all(nxt - start <= monthly.PAGE_ROWS for start, nxt in zip(starts, starts[1:], strict=False))


def test_kpi_table_formats_counts_money_and_rates(wb, report):
    ws = wb["指标完成"]
    top = header_row(ws, "单位")
    formats = {h: column(ws, h, top) for h in ("新签约项目数（个）", "签约金额（亿元）", "开工项目数（个）", "开工率", "到位资金（亿元）",
                                               "资金到位率", "履约率", "落地率")}
    expected = {"新签约项目数（个）": COUNT, "开工项目数（个）": COUNT, "签约金额（亿元）": YI, "到位资金（亿元）": YI, "开工率": RATE,
                "资金到位率": RATE, "履约率": RATE, "落地率": RATE}
    for header, col in formats.items():
        cells = body(ws, top, col)
        assert len(cells) == len(report.summary["by_unit"]) + 1
        assert {c.number_format for c in cells} == {expected[header]}, header
    total = next(c.row for c in ws["A"] if c.value == "合计")
    assert ws.cell(row=total, column=2).value == 391 and type(ws.cell(row=total, column=2).value) is int
    assert ws.cell(row=total, column=3).value == 845.6  # the figure itself is unchanged; 845.60 is how it shows
    assert (YI, COUNT) == ("#,##0.00", "#,##0")


def test_target_completion_is_formatted_by_indicator(wb):
    ws = wb["指标完成"]
    top = next(c.row for c in ws["A"] if c.value == "年度目标完成情况") + 1
    seen = {}
    for r in range(top + 1, ws.max_row + 1):
        indicator = ws.cell(row=r, column=2).value
        if indicator is None:
            break
        seen.setdefault(indicator, set()).update({ws.cell(row=r, column=3).number_format, ws.cell(row=r, column=4).number_format})
        assert ws.cell(row=r, column=5).number_format == RATE
    assert seen["新签约项目数"] == {COUNT} and seen["签约金额"] == {YI} and seen["到位资金"] == {YI}
    assert seen["开工项目数"] == {COUNT}


def test_rankings_lights_and_supervision_formats(wb):
    ws = wb["排名"]
    units = {"新签约项目数（个）": COUNT, "签约金额（亿元）": YI, "开工率（%）": RATE}
    for label, fmt in units.items():
        at = next(c.row for c in ws["A"] if c.value == label) + 1
        assert {c.number_format for c in body(ws, at, 2)} == {fmt}, label
        assert {c.number_format for c in body(ws, at, 3)} == {COUNT}
    ws = wb["红黄灯"]
    late = header_row(ws, "灯")
    assert {c.number_format for c in body(ws, late, 5) if c.value is not None} == {DATE}
    assert {c.number_format for c in body(ws, late, 6)} == {COUNT}
    top = next(c.row for c in ws["D"] if c.value == "合同投资（万元）")
    assert {c.number_format for c in body(ws, top, 4)} == {c.number_format for c in body(ws, top, 5)} == {WAN}
    assert {c.number_format for c in body(ws, top, column(ws, "已签约（月）", top))} == {COUNT}
    assert {c.number_format for c in body(ws, top, column(ws, "资金到位率", top))} == {RATE}
    progress = next(c.row for c in ws["E"] if c.value == "序时进度")
    assert {c.number_format for c in body(ws, progress, 4)} == {c.number_format for c in body(ws, progress, 5)} == {RATE}
    ws = wb["督办"]
    assert {c.number_format for c in body(ws, 4, 8)} == {DATE} and {c.number_format for c in body(ws, 4, 1)} == {COUNT}


def test_no_whole_number_is_stored_or_shown_as_a_float(wb, data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 4 and not any(re.search(r"<v>-?\d+\.0</v>", xml) for xml in sheets)
    counted = [c for ws in wb for row in ws.iter_rows() for c in row if c.number_format == COUNT and c.value is not None]
    assert len(counted) > 1000 and all(type(c.value) is int or not float(c.value).is_integer() for c in counted)


def test_a_whole_float_in_a_count_column_is_written_as_an_integer():
    ws = Workbook().active
    assert type(monthly.put(ws, 1, 1, 391.0, fmt=COUNT).value) is int
    assert monthly.put(ws, 1, 2, 391.5, fmt=WAN).value == 391.5
    assert type(monthly.put(ws, 1, 3, 845.0, fmt=YI).value) is float  # money keeps its decimals, shown as 845.00
    assert monthly.put(ws, 1, 4, True, fmt=COUNT).value == "是"  # never English TRUE


def test_long_text_wraps_in_a_column_of_the_widest_width():
    ws = Workbook().active
    monthly.table(ws, 1, ["项目名称", "单位"], [["很长的项目名称" * 4, "通山县"], ["短名", None]])
    assert ws["A2"].alignment.wrap_text and not ws["A3"].alignment.wrap_text and ws["B3"].border.left.style == "thin"
    assert ws.__dict__["_xlsx_widths"] == {1: monthly.MAX_WIDTH, 2: monthly.MIN_WIDTH}


def test_no_file_paths_in_the_text(wb, report):
    found = [t for t in texts(wb) if PATH.search(t)]
    assert found == []
    lights = wb["红黄灯"]["A2"].value
    assert "红灯" in lights and f"{report.rules.late_red_months} 个月" in lights  # the thresholds, stated in words
    assert "项目/指标" in texts(wb)  # a slash between words is not a path


def test_months_an_earlier_release_published_keep_its_words(report):
    """They regenerate unchanged (tests/store/test_old_stores.py); the path is in those words only."""
    old = openpyxl.load_workbook(io.BytesIO(monthly.to_bytes(dataclasses.replace(report, old_release=True))))
    assert [t for t in texts(old) if PATH.search(t)] == ["开工滞后、资金到位滞后（项目），目标进度滞后（单位）；阈值见 config/lights.toml"]
    source = (Path(monthly.__file__).resolve().parent.parent / "layers" / "migrations.py").read_text(encoding="utf-8")
    assert f'note="{monthly.OLD_RELEASE_NOTE}' in source  # how the upgrade marks the months it froze


def test_a_month_frozen_now_is_not_an_old_release_month(demo_copy):
    from layers import months

    months.freeze(demo_copy, "2018-06", user="测试")
    frozen = collect(demo_copy, "2018-06")
    assert frozen.frozen and not frozen.old_release
    assert not PATH.search(openpyxl.load_workbook(io.BytesIO(monthly.to_bytes(frozen)))["红黄灯"]["A2"].value)
