"""imports.values: the cell parsers for money, dates, numbers, choices."""

from __future__ import annotations

import datetime as dt

import pytest

from imports import values as v


@pytest.mark.parametrize(("cell", "factor", "wan"), [
    ("12,000", 1.0, 12_000.0),
    ("1.2亿", 1.0, 12_000.0),  # the unit in the cell wins over the header
    ("1.2亿元", 1.0, 12_000.0),
    ("3000万", 10_000.0, 3_000.0),
    ("约5亿元", 1.0, 50_000.0),
    ("１２，０００", 1.0, 12_000.0),  # full-width digits and comma
    (12_000, 1.0, 12_000.0),
    (1.5, 10_000.0, 15_000.0),  # header in 亿元
    ("2,500,000元", 1.0, 250.0),
])
def test_money(cell, factor, wan):
    value, reason = v.parse_money(cell, factor)
    assert reason is None and value == pytest.approx(wan)


@pytest.mark.parametrize("cell", ["abc", "亿", "1.2.3万"])
def test_money_errors_are_chinese(cell):
    value, reason = v.parse_money(cell, 1.0)
    assert value is None and reason.startswith("金额无法识别")


@pytest.mark.parametrize("cell", [None, "", "-", "—", "/", "无", float("nan")])
def test_empty_cells(cell):
    assert v.parse_money(cell, 1.0) == (None, None)
    assert v.parse_date(cell) == (None, None)


@pytest.mark.parametrize(("cell", "day"), [
    (dt.datetime(2024, 3, 15, 0, 0), dt.date(2024, 3, 15)),  # Excel date cell
    (45366, dt.date(2024, 3, 15)),  # Excel serial number
    ("45366", dt.date(2024, 3, 15)),  # serial that came through a CSV
    ("2024.3.15", dt.date(2024, 3, 15)),
    ("2024-03-15", dt.date(2024, 3, 15)),
    ("2024/3/15", dt.date(2024, 3, 15)),
    ("2024年3月15日", dt.date(2024, 3, 15)),
    ("2024年3月15号", dt.date(2024, 3, 15)),
    ("2024年3月", dt.date(2024, 3, 1)),
    ("2024.03", dt.date(2024, 3, 1)),
    ("20240315", dt.date(2024, 3, 15)),
    ("2024-03-15 00:00:00", dt.date(2024, 3, 15)),
])
def test_dates(cell, day):
    assert v.parse_date(cell) == (day, None)


@pytest.mark.parametrize("cell", ["2024.13.1", "下月", "2024年2月30日"])
def test_bad_dates(cell):
    value, reason = v.parse_date(cell)
    assert value is None and "日期无法识别" in reason


def test_numbers_bools_and_choices():
    assert v.parse_number("1,234.5") == (1234.5, None)
    assert v.parse_number("35%") == (0.35, None)
    assert v.parse_number("很多")[1].startswith("应为数字")
    assert v.parse_int("3.5")[1].startswith("应为整数")
    assert v.parse_bool("是") == (True, None) and v.parse_bool("否") == (False, None)
    assert v.parse_choice("合同类", {"合同类": "合同", "协议": "协议"}) == ("合同", None)
    value, reason = v.parse_choice("口头", {"合同": "合同", "协议": "协议"})
    assert value is None and "可选：合同、协议" in reason


def test_norm_full_width():
    assert v.norm("合同投资（万元） ") == "合同投资(万元)"
    assert v.norm("ＡＢＣ１２３") == "abc123"
