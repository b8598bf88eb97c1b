"""imports.ledger.read_ledger on small ledgers built in tmp_path: header search, merged two-row headers,
合计/注/blank/序号 rows, money units, CSV encodings, coordinates and their coordinate systems."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest

from geo import coords
from imports.ledger import read_ledger
from imports.projects import SCHEMA
from imports.sheet import LedgerError

TRUE = (109.94, 33.87)  # WGS-84, 商州区


def xlsx(path, rows, merges=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_title_rows_above_header_and_rows_below(tmp_path):
    f = xlsx(tmp_path / "a.xlsx", [
        ["2024年招商引资项目台账"],
        ["填报单位：商州区招商服务中心", None, None, "填报时间：2024年6月30日"],
        [],
        ["序号", "项目名称", "合同投资（万元）", "项目进度"],
        [1, "甲项目", 1000, "已签约"],
        [2, "乙项目", "1,500", "在建"],
        [None, None, None, None],
        [3, None, None, None],  # pre-numbered empty template row
        ["合计", None, 2500, None],
        ["注：本表由各县区填报。"],
        ["填报人：王五", None, "审核人：赵六"],
    ], merges=["A1:D1"])
    frame, report = read_ledger(f, SCHEMA)
    assert frame["name"].tolist() == ["甲项目", "乙项目"]
    assert frame["_row"].tolist() == [5, 6]
    assert frame["investment_wan"].tolist() == [1000.0, 1500.0]
    assert (report.skipped_blank, report.skipped_summary, report.skipped_notes) == (2, 1, 2)
    assert report.rejected == [] and report.warnings == []
    assert frame.attrs["title_cells"][1] == ["填报单位：商州区招商服务中心", "填报时间：2024年6月30日"]


def test_two_row_merged_header_keeps_the_unit_of_the_upper_row(tmp_path):
    f = xlsx(tmp_path / "b.xlsx", [
        ["序号", "项目名称", "投资额（亿元）", None, "项目进度"],
        [None, None, "合同投资", "到位资金", None],
        [1, "甲项目", 1.2, 0.3, "已开工"],
        [2, "乙项目", "3000万", "", "签约"],
        ["合计", None, 1.5, 0.3],
    ], merges=["A1:A2", "B1:B2", "C1:D1", "E1:E2"])
    frame, report = read_ledger(f, SCHEMA)
    assert frame["investment_wan"].tolist() == [12_000.0, 3_000.0]
    assert frame["funds_in_place_wan"].tolist()[0] == pytest.approx(3_000.0)
    assert report.columns["investment_wan"] == "投资额（亿元）/合同投资"
    assert report.skipped_summary == 1 and len(frame) == 2


def test_two_row_header_in_csv_without_merges(tmp_path):
    f = write_csv(tmp_path / "c.csv", [
        ["序号", "项目名称", "投资额（万元）", "", "项目进度"],
        ["", "", "合同投资", "到位资金", ""],
        ["1", "甲项目", "12,000", "500", "已注册"],
    ])
    frame, _ = read_ledger(f, SCHEMA)
    assert frame[["name", "investment_wan", "funds_in_place_wan", "stage"]].values.tolist() == [["甲项目", 12_000.0, 500.0, "已注册"]]


def test_money_unit_from_the_title_line(tmp_path):
    f = xlsx(tmp_path / "d.xlsx", [["亿元以上项目台账（金额单位：亿元）"], ["项目名称", "总投资", "项目进度"], ["甲", 2, "签约"]])
    frame, report = read_ledger(f, SCHEMA)
    assert frame["investment_wan"].tolist() == [20_000.0]
    f = xlsx(tmp_path / "e.xlsx", [["亿元以上项目台账"], ["项目名称", "总投资", "项目进度"], ["甲", 2, "签约"]])
    frame, report = read_ledger(f, SCHEMA)  # "亿元以上" in a title is not a unit declaration
    assert frame["investment_wan"].tolist() == [2.0]
    assert report.warnings == ["“总投资”未注明金额单位，按万元处理"]


def test_header_aliases_full_width_and_units(tmp_path):
    f = xlsx(tmp_path / "f.xlsx", [
        ["项目单位", "招商项目名称", "计划总投资(万元)", "当前阶段", "签约日期", "县（市区）"],
        ["某公司", "甲项目", 100, "已签约", "2024.3.15", "商州"],
    ])
    frame, report = read_ledger(f, SCHEMA)
    assert report.columns["name"] == "招商项目名称"  # "项目单位" (contains 项目) did not take the name field
    assert report.columns["investment_wan"] == "计划总投资(万元)"
    assert report.columns["unit"] == "县（市区）"
    assert frame.loc[0, "signed_on"] == dt.date(2024, 3, 15)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    f = write_csv(tmp_path / "g.csv", [["项目名称", "合同投资（亿元）", "项目进度", "县区"], ["核桃深加工项目", "1.5", "竣工投产", "商州区"]],
                  encoding=encoding)
    frame, _ = read_ledger(f, SCHEMA)
    assert frame[["name", "investment_wan", "stage", "unit"]].values.tolist() == [["核桃深加工项目", 15_000.0, "竣工投产", "商州区"]]


def test_bad_cells_reject_the_row_with_row_column_and_reason(tmp_path):
    f = xlsx(tmp_path / "h.xlsx", [
        ["项目名称", "合同投资（万元）", "签约时间", "签约类型"],
        ["甲", "很多", "2024.3.15", "合同"],
        ["乙", 100, "去年", "合同"],
        ["丙", 100, "2024-03-15", "口头约定"],
        ["丁", 100, "2024-03-15", "框架协议"],
    ])
    frame, report = read_ledger(f, SCHEMA)
    assert frame["name"].tolist() == ["丁"]
    assert [(r.row, r.column) for r in report.rejected] == [(2, "合同投资（万元）"), (3, "签约时间"), (4, "签约类型")]
    assert "金额无法识别：“很多”" in report.rejected[0].reason
    assert "可选：合同、协议、框架协议" in report.rejected[2].reason


def test_no_header_is_a_ledger_error(tmp_path):
    f = write_csv(tmp_path / "i.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(LedgerError, match="没有找到表头") as caught:
        read_ledger(f, SCHEMA)
    # The message names this ledger's own required columns, not another ledger's.
    required = [fld.label for fld in SCHEMA.fields if fld.required]
    assert SCHEMA.kind in str(caught.value) and all(f"“{label}”" in str(caught.value) for label in required)


# --- coordinates --------------------------------------------------------------------------

def _in(crs):
    return coords.convert(*TRUE, "wgs84", crs)


@pytest.mark.parametrize(("header_lon", "header_lat", "crs"), [
    ("经度（高德）", "纬度（高德）", "gcj02"),
    ("经度（百度）", "纬度（百度）", "bd09"),
    ("经度(GPS)", "纬度(GPS)", "wgs84"),
    ("经度（CGCS2000）", "纬度（CGCS2000）", "wgs84"),
])
def test_two_coordinate_columns_with_header_hint(tmp_path, header_lon, header_lat, crs):
    lon, lat = _in(crs)
    f = xlsx(tmp_path / "j.xlsx", [["项目名称", header_lon, header_lat], ["甲", lon, lat], ["乙", None, None]])
    frame, report = read_ledger(f, SCHEMA)
    assert report.crs == crs
    p = frame.loc[0, "geometry"]
    assert coords.haversine_m(p.x, p.y, *TRUE) < 1.0  # sub-metre against the true WGS-84 point
    assert frame.loc[1, "geometry"] is None  # location pending, not rejected


def test_header_hint_beats_a_hint_in_the_title(tmp_path):
    lon, lat = _in("wgs84")
    f = xlsx(tmp_path / "t.xlsx", [["项目台账（位置可在高德地图核对）"], ["项目名称", "经度（GPS）", "纬度（GPS）"], ["甲", lon, lat]])
    frame, report = read_ledger(f, SCHEMA)
    assert report.crs == "wgs84"
    assert coords.haversine_m(frame.loc[0, "geometry"].x, frame.loc[0, "geometry"].y, *TRUE) < 1.0
    g = xlsx(tmp_path / "u.xlsx", [["项目台账（坐标：百度）"], ["项目名称", "经度", "纬度"], ["甲", *_in("bd09")]])
    assert read_ledger(g, SCHEMA)[1].crs == "bd09"  # no hint in the headers: the title's counts


def test_one_lonlat_column_and_explicit_crs(tmp_path):
    lon, lat = _in("bd09")
    f = xlsx(tmp_path / "k.xlsx", [["项目名称", "经纬度"], ["甲", f"{lon},{lat}"], ["乙", f"{lon}，{lat}"]])
    frame, report = read_ledger(f, SCHEMA, crs="bd09")
    assert report.crs == "bd09"
    assert all(coords.haversine_m(p.x, p.y, *TRUE) < 1.0 for p in frame["geometry"])


def test_unknown_coordinate_system_is_refused(tmp_path):
    f = xlsx(tmp_path / "l.xlsx", [["项目名称", "经度", "纬度"], ["甲", 109.94, 33.87]])
    with pytest.raises(LedgerError, match="无法确定坐标系.*--crs"):
        read_ledger(f, SCHEMA)
    frame, _ = read_ledger(f, SCHEMA, crs="wgs84")
    assert frame.loc[0, "geometry"].x == pytest.approx(109.94)


def test_explicit_crs_wins_over_header_hint_with_warning(tmp_path):
    f = xlsx(tmp_path / "m.xlsx", [["项目名称", "经度（高德）", "纬度（高德）"], ["甲", *TRUE]])
    frame, report = read_ledger(f, SCHEMA, crs="wgs84")
    assert report.crs == "wgs84" and "已按指定的 wgs84 换算" in report.warnings[0]
    with pytest.raises(LedgerError, match="未知坐标系"):
        read_ledger(f, SCHEMA, crs="mars")


def test_swapped_and_bad_coordinates(tmp_path):
    f = xlsx(tmp_path / "n.xlsx", [["项目名称", "经纬度（GPS）"], ["甲", f"{TRUE[1]},{TRUE[0]}"], ["乙", "10,10"], ["丙", "109.9"]])
    frame, report = read_ledger(f, SCHEMA)
    assert frame["name"].tolist() == ["甲"]
    assert coords.haversine_m(frame.loc[0, "geometry"].x, frame.loc[0, "geometry"].y, *TRUE) < 1.0
    assert "写反了" in report.warnings[0]
    assert {r.row for r in report.rejected} == {3, 4}


def test_note_keywords_need_a_separator_names_that_begin_like_them_are_data():
    from imports.ledger import NOTES

    for note in ("注：本表由各县区填报", "注1：面积为建筑面积", "备注", "填报人：张三", "填报人 张三", "说明:", "制表：李四"):
        assert NOTES.match(note), note
    for name in ("注塑车间", "说明书印刷厂", "备注栏", "联系人公司", "数据来源科技有限公司"):
        assert not NOTES.match(name), name
