"""Factory ledger import: GB18030 CSV with a title row and mixed load units, merged two-row .xlsx headers,
rejected rows with row/column/reason, re-import updates, unknown parks kept with a warning."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from imports.factories import SCHEMA, factory_key, import_factories
from imports.ledger import read_ledger
from layers import parks, reporting_units, standard_factories

HEADER = ["序号", "厂房名称", "所在园区", "县（市、区）", "楼栋", "建筑面积（㎡）", "层数", "首层层高（m）", "楼面荷载（kN/㎡）",
          "行车", "配电容量（kVA）", "租金（元/㎡·月）", "状态", "承租企业", "租约到期", "联系单位", "联系电话", "经纬度（GPS）"]
ROWS = [
    # sheet row 3 onwards (row 1 title, row 2 header)
    ["1", "甲园1#厂房", "甲县经济开发区", "甲县", "1#", "5000", "1", "9", "3t", "10t", "800", "12", "空置", "", "", "甲县招商局", "0715-8000001", "114.03,29.03"],
    ["2", "甲园2#厂房", "甲县经开区", "甲县", "2#", "6,000㎡", "1", "8.5m", "30", "无", "630kVA", "11.5", "已租", "华鑫电子", "2018-09-30", "甲县招商局", "", ""],
    ["3", "乙园A栋", "乙县高新技术产业开发区", "乙县", "A栋", "4000", "3", "6.5", "1.5t/㎡", "", "400", "10", "闲置", "", "", "乙县招商局", "", ""],
    ["4", "新园1号", "乙县新材料产业园", "乙县", "", "3000", "1", "10", "500kg/㎡", "5吨", "1250", "0.5元/㎡/天", "洽谈中", "", "", "", "", ""],
    ["5", "甲园3#厂房", "甲县经开区", "甲县", "3#", "约五千", "1", "9", "30", "", "800", "12", "空置", "", "", "", "", ""],
    ["6", "甲园4#厂房", "甲县经开区", "甲县", "4#", "5200", "1", "9", "重型", "", "800", "12", "空置", "", "", "", "", ""],
    ["7", "甲园5#厂房", "甲县经开区", "甲县", "5#", "5200", "1", "9", "30", "", "800", "12", "拆除", "", "", "", "", ""],
    ["合计", "", "", "", "", "28200", "", "", "", "", "", "", "", "", "", "", "", ""],
    [""] * 18,
    ["注：荷载单位以表头为准，单元格注明 t 的按吨计。", *[""] * 17],
    ["填报人：张三", "", "", "审核人：李四", *[""] * 14],
]


@pytest.fixture
def parks_con(con, toy):
    """Two counties (甲县, 乙县) and one park in each; no factories yet."""
    reporting_units.insert(con, pd.DataFrame([
        {"unit_id": toy.a, "name": "甲县", "short_name": "甲县", "kind": "county", "county_adcode": toy.a, "city_adcode": toy.city, "sort_order": 1},
        {"unit_id": toy.b, "name": "乙县", "short_name": "乙县", "kind": "county", "county_adcode": toy.b, "city_adcode": toy.city, "sort_order": 2},
    ]), user="测试")
    parks.insert(con, gpd.GeoDataFrame({"park_id": ["P-A", "P-B"], "name": ["甲县经济开发区", "乙县高新技术产业开发区"],
                                        "county_adcode": [toy.a, toy.b], "positioning": ["电子信息", "新材料"]},
                                       geometry=[toy.park_a, toy.park_b], crs=toy.crs), user="测试")
    return con


@pytest.fixture
def gb18030_csv(tmp_path):
    lines = ["咸宁市标准化厂房台账（截至2018年6月30日）" + "," * 17, ",".join(HEADER)]
    lines += [",".join(f'"{c}"' if "," in c else c for c in row) for row in ROWS]
    path = tmp_path / "厂房台账.csv"
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    return path


def by_name(con) -> pd.DataFrame:
    return standard_factories.load(con).set_index("name")


def test_gb18030_csv_imports_with_converted_loads_and_reasons(parks_con, gb18030_csv):
    report = import_factories(parks_con, gb18030_csv)
    assert (report.imported, report.updated) == (4, 0)
    assert (report.skipped_summary, report.skipped_blank, report.skipped_notes) == (1, 1, 2)
    rejected = {(r.row, r.column): r.reason for r in report.rejected}
    assert set(rejected) == {(7, "建筑面积（㎡）"), (8, "楼面荷载（kN/㎡）"), (9, "状态")}
    assert "约五千" in rejected[(7, "建筑面积（㎡）")] and "重型" in rejected[(8, "楼面荷载（kN/㎡）")]
    assert "空置" in rejected[(9, "状态")]
    f = by_name(parks_con)
    assert len(f) == 4
    assert f.loc["甲园1#厂房", "floor_load_kn_m2"] == pytest.approx(29.4)  # 3t under a kN header: the cell unit wins
    assert f.loc["甲园2#厂房", "floor_load_kn_m2"] == pytest.approx(30.0)
    assert f.loc["乙园A栋", "floor_load_kn_m2"] == pytest.approx(14.7)
    assert f.loc["新园1号", "floor_load_kn_m2"] == pytest.approx(4.9)  # 500 kg/㎡
    assert f.loc["甲园2#厂房", "floor_area_m2"] == 6000 and f.loc["甲园2#厂房", "clear_height_m"] == 8.5
    assert f.loc["甲园2#厂房", "power_kva"] == 630 and f.loc["新园1号", "rent_yuan_m2_month"] == pytest.approx(15.0)
    assert f.loc["甲园1#厂房", "crane_t"] == 10 and f.loc["新园1号", "crane_t"] == 5 and pd.isna(f.loc["甲园2#厂房", "crane_t"])
    assert list(f.loc[["甲园1#厂房", "甲园2#厂房", "乙园A栋", "新园1号"], "status"]) == ["空置", "已出租", "空置", "意向洽谈"]
    assert f.loc["甲园2#厂房", "lease_end"].date() == dt.date(2018, 9, 30) and f.loc["甲园2#厂房", "tenant"] == "华鑫电子"
    assert f.loc["甲园1#厂房", "park_id"] == "P-A" and f.loc["乙园A栋", "park_id"] == "P-B"
    assert f.loc["甲园1#厂房", "geometry"].equals(Point(114.03, 29.03))
    # blanks are stored as NULL, not NaN
    assert parks_con.execute("SELECT count(*) FROM standard_factories WHERE crane_t IS NULL OR isnan(crane_t)").fetchone() == (2,)
    assert parks_con.execute("SELECT count(*) FROM standard_factories WHERE crane_t IS NULL").fetchone() == (2,)


def test_unknown_park_is_kept_with_a_warning(parks_con, gb18030_csv, toy):
    report = import_factories(parks_con, gb18030_csv)
    row = by_name(parks_con).loc["新园1号"]
    assert pd.isna(row["park_id"]) and row["park_name"] == "乙县新材料产业园" and row["county_adcode"] == toy.b
    assert any("乙县新材料产业园" in w and "尚未入库" in w and "第 6 行" in w for w in report.warnings)


def test_reimport_updates_instead_of_duplicating(parks_con, gb18030_csv):
    import_factories(parks_con, gb18030_csv)
    ids = set(standard_factories.load(parks_con)["factory_id"])
    text = gb18030_csv.read_bytes().decode("gb18030").replace("华鑫电子", "恒通精密")
    gb18030_csv.write_bytes(text.encode("gb18030"))
    report = import_factories(parks_con, gb18030_csv)
    assert (report.imported, report.updated, report.unchanged) == (0, 1, 3)
    f = by_name(parks_con)
    assert set(f["factory_id"]) == ids and f.loc["甲园2#厂房", "tenant"] == "恒通精密"
    # the stored position survives a re-import of a row without coordinates
    assert f.loc["甲园1#厂房", "geometry"] is not None


def test_identity_rule_keys():
    assert factory_key("甲县经开区", "1#厂房", None, "1#", None, None) == factory_key("甲县经开区", "1#厂房 ", None, "１#", None, None)
    assert factory_key("甲县经开区", "1#厂房", "A-01", None, None, None) != factory_key("乙县高新区", "1#厂房", "A-01", None, None, None)
    assert factory_key("p", "x", None, "1#", 2, "201") != factory_key("p", "x", None, "1#", 3, "201")


def test_two_row_merged_header_xlsx(parks_con, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["乙县标准化厂房台账"])
    ws.append(["厂房名称", "所在园区", "建筑规模", None, "楼面荷载（吨/㎡）", "租赁情况", None, None])
    ws.append([None, None, "建筑面积（㎡）", "首层层高（m）", None, "状态", "承租企业", "租约到期"])
    ws.append(["B1栋", "乙县高新区", 8000, 12, 3, "已出租", "鼎信光电", dt.datetime(2019, 3, 31)])
    ws.append(["B2栋", "乙县高新区", 7000, 10, "25kN", "空置", None, None])
    ws.append(["小计", None, 15000, None, None, None, None, None])
    for cells in ("A2:A3", "B2:B3", "C2:D2", "E2:E3", "F2:H2"):
        ws.merge_cells(cells)
    path = tmp_path / "乙县厂房.xlsx"
    wb.save(path)
    report = import_factories(parks_con, path)
    assert (report.imported, report.rejected_rows, report.skipped_summary) == (2, 0, 1)
    f = by_name(parks_con)
    assert f.loc["B1栋", "floor_load_kn_m2"] == pytest.approx(29.4)  # header in 吨/㎡
    assert f.loc["B2栋", "floor_load_kn_m2"] == pytest.approx(25.0)  # cell in kN wins
    assert f.loc["B1栋", "floor_area_m2"] == 8000 and f.loc["B1栋", "clear_height_m"] == 12
    assert f.loc["B1栋", "lease_end"].date() == dt.date(2019, 3, 31)
    assert set(f["park_id"]) == {"P-B"}


def test_schema_maps_common_headers():
    cells = [["厂房名称", "可租面积（平方米）", "承重（t/㎡）", "配电（kVA）", "出租状态"], ["X", "100", "2", "200", "在租"]]
    frame, report = read_ledger("\n".join(",".join(r) for r in cells).encode(), SCHEMA, filename="x.csv")
    assert report.columns == {"name": "厂房名称", "floor_area_m2": "可租面积（平方米）", "floor_load_kn_m2": "承重（t/㎡）",
                              "power_kva": "配电（kVA）", "status": "出租状态"}
    assert frame.loc[0, "status"] == "已出租"


def test_a_name_that_begins_like_a_note_is_data(parks_con, tmp_path):
    path = tmp_path / "注塑.csv"
    path.write_text("厂房名称,所在园区,建筑面积,状态,层数\n注塑车间,甲县经开区,3000,空置,1\n甲园9#,甲县经开区,2000,空置,1\n"
                    "注：面积为建筑面积\n", encoding="utf-8")
    report = import_factories(parks_con, path)
    assert report.imported == 2 and report.skipped_notes == 1
    assert "注塑车间" in by_name(parks_con).index


def test_partial_ledger_keeps_stored_status_and_position(parks_con, gb18030_csv, tmp_path):
    import_factories(parks_con, gb18030_csv)
    path = tmp_path / "面积更新.csv"
    path.write_text("厂房名称,所在园区,楼栋,建筑面积,承租企业\n甲园1#厂房,甲县经济开发区,1#,5100,\n甲园2#厂房,甲县经开区,2#,6000,德盛食品\n",
                    encoding="utf-8")
    report = import_factories(parks_con, path)
    assert (report.imported, report.updated) == (0, 2)
    f = by_name(parks_con)
    assert f.loc["甲园1#厂房", "floor_area_m2"] == 5100 and f.loc["甲园1#厂房", "status"] == "空置"
    assert f.loc["甲园1#厂房", "floor_load_kn_m2"] == pytest.approx(29.4)  # columns absent from the ledger are untouched
    assert f.loc["甲园2#厂房", "status"] == "已出租" and f.loc["甲园2#厂房", "tenant"] == "德盛食品"
    assert f.loc["甲园1#厂房", "geometry"].equals(Point(114.03, 29.03))
