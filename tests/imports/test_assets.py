"""imports.assets on ledgers built here: BD-09 positions to the metre, GB18030 CSV, merged headers, 合计/notes rows,
stage synonyms, units, identity on re-import, history rows and atomic writes."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest

from analysis import revitalisation
from geo import coords
from imports import assets as asset_import
from imports.sheet import LedgerError
from layers import asset_cases, idle_assets, regions

U = "测试"
ON = date(2018, 7, 1)
#: name, true WGS-84 position, type as written, stage as written, canonical stage, mode as written
ROWS = [
    ("甲仓库", (114.031234, 29.031234), "仓库", "招商中", "招商推介", "租赁"),
    ("乙办公楼", (114.151111, 29.052222), "办公楼", "已签约", "签约", "并购"),
    ("丙地块", (114.050505, 29.080808), "地块", "摸底", "摸底清查", "挂牌转让"),
    ("丁烂尾楼", (114.123456, 29.021234), "烂尾楼", "已盘活", "盘活完成", "改造"),
    ("戊楼", (114.080001, 29.010002), "楼宇", "方案", "制定方案", "出租"),
    ("己厂", (114.181818, 29.090909), "厂房", "完成", "盘活完成", "作价出资"),
]


@pytest.fixture
def store_con(con, county_frame):
    regions.insert(con, county_frame, user=U)
    return con


def bd09(lon, lat) -> str:
    x, y = coords.wgs84_to_bd09(lon, lat)
    return f"{x:.7f},{y:.7f}"


def merged_xlsx(path, rows=ROWS, *, extra=()):
    """A real-shaped ledger: title, unit line, two-row merged header, data, 合计 and 填报人 rows, BD-09 in one column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["全市闲置国有资产盘活工作台账"])
    ws.append(["金额单位：万元"])
    ws.append(["序号", "资产名称", "产权单位", "资产类型", "面积", None, "价值", None, "盘活情况", None, "责任单位", "责任领导",
               "计划完成时间", "百度坐标"])
    ws.append([None, None, None, None, "占地面积（亩）", "建筑面积（㎡）", "账面价值", "评估价值", "盘活阶段", "盘活方式"])
    for col in "ABCDKLMN":
        ws.merge_cells(f"{col}3:{col}4")
    for span in ("E3:F3", "G3:H3", "I3:J3"):
        ws.merge_cells(span)
    for i, (name, (lon, lat), kind, stage, _canonical, mode) in enumerate([*rows, *extra], start=1):
        ws.append([i, name, "市城投公司", kind, 10.0 * i, 1000.0 * i, f"{1000 * i:,}", 1200 * i, stage, mode, "市国资委", "张三",
                   date(2018, 3, 31) if i % 2 else "2019.6", bd09(lon, lat)])
    ws.append(["合计", None, None, None, 210.0, 21000.0, 21000, 25200])
    ws.append(["填报人：李四    审核人：王五"])
    wb.save(path)
    return path


def test_bd09_ledger_positions_and_summary_counts(store_con, tmp_path):
    path = merged_xlsx(tmp_path / "台账.xlsx")
    report = asset_import.import_assets(store_con, path, user=U, on=ON)
    assert report.crs == "bd09"
    assert (report.imported, report.updated, report.rejected_rows) == (6, 0, 0)
    assert (report.skipped_summary, report.skipped_notes) == (1, 1)
    assert report.columns["land_mu"] == "面积/占地面积（亩）" and report.columns["stage"] == "盘活情况/盘活阶段"
    stored = idle_assets.load(store_con).set_index("name")
    for name, (lon, lat), *_ in ROWS:
        point = stored.at[name, "geometry"]
        assert coords.haversine_m(point.x, point.y, lon, lat) < 1.0, name
    # county from the position (no county column): 114.0–114.1 is 甲县, 114.1–114.2 乙县
    assert stored["county_adcode"].to_dict() == {"甲仓库": "990101", "乙办公楼": "990102", "丙地块": "990101", "丁烂尾楼": "990102",
                                                 "戊楼": "990101", "己厂": "990102"}
    assert stored.at["甲仓库", "asset_type"] == "闲置厂房" and stored.at["丁烂尾楼", "asset_type"] == "烂尾工程"
    assert stored.at["丙地块", "mode"] == "出售/产权转让" and stored.at["己厂", "mode"] == "作价入股"
    assert stored.at["乙办公楼", "book_value_wan"] == 2000.0 and stored.at["乙办公楼", "planned_date"].date() == date(2019, 6, 1)
    expected = {s: sum(1 for *_, canonical, _m in ROWS if canonical == s) for s in revitalisation.STAGE_SYNONYMS.values()}
    summary = revitalisation.summarize(idle_assets.load(store_con), as_of=ON)
    assert summary["by_stage"] == expected == {"摸底清查": 1, "制定方案": 1, "招商推介": 1, "洽谈对接": 0, "签约": 1, "盘活完成": 2}
    assert summary["assets"] == 6 and summary["book_value_wan"] == 21000.0
    events = asset_cases.load_events(store_con)
    assert len(events) == 6 and set(events["author"]) == {U} and events["from_stage"].isna().all()
    assert set(events["changed_on"].dt.date) == {ON}


def test_reimport_updates_and_records_only_stage_changes(store_con, tmp_path):
    asset_import.import_assets(store_con, merged_xlsx(tmp_path / "一月.xlsx"), user=U, on=date(2018, 1, 31))
    again = asset_import.import_assets(store_con, merged_xlsx(tmp_path / "一月.xlsx"), user=U, on=date(2018, 2, 28))
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 6)
    assert len(idle_assets.load(store_con)) == 6 and len(asset_cases.load_events(store_con)) == 6
    moved = [r if r[0] != "乙办公楼" else (*r[:3], "已投用", "盘活完成", r[5]) for r in ROWS]
    march = asset_import.import_assets(store_con, merged_xlsx(tmp_path / "三月.xlsx", moved), user="国资委", on=date(2018, 3, 31))
    assert (march.imported, march.updated, march.unchanged) == (0, 1, 5)
    events = asset_cases.load_events(store_con)
    change = events[events["seq"] == 2]
    assert len(change) == 1
    assert change[["from_stage", "stage", "author", "seq"]].iloc[0].tolist() == ["签约", "盘活完成", "国资委", 2]
    assert change["changed_on"].iloc[0].date() == date(2018, 3, 31) and "三月.xlsx" in change["note"].iloc[0]


CSV_HEADER = ("资产编号,资产名称,县（市、区）,产权单位,单位性质,资产类型,占地面积（㎡）,建筑面积（万㎡）,账面价值（万元）,评估价值,空置率,盘活阶段,"
              "盘活方式,责任单位,责任领导,计划完成时间,对接企业,实现价值（万元）,经度（百度）,纬度（百度）")


def csv_line(no, name, county, stage, vacancy, lonlat=(114.05, 29.05), book="1.2亿"):
    x, y = coords.wgs84_to_bd09(*lonlat)
    return (f"{no},{name},{county},县国资公司,县属国企,闲置厂房,6666.67,1.2,{book},15000,{vacancy},{stage},公开招租,县国资局,赵六,"
            f"2018/12/31,华鑫电子,300,{x:.7f},{y:.7f}")


def write_csv(path, lines):
    path.write_bytes("\n".join([CSV_HEADER, *lines]).encode("gb18030"))
    return path


def test_gb18030_csv_units_and_row_rejections(store_con, tmp_path):
    path = write_csv(tmp_path / "县台账.csv", [
        csv_line("ZC-001", "原纺织厂", "甲县", "洽谈中", "75%"),
        csv_line("ZC-002", "原粮站", "甲县国资局", "已签约", "80"),
        csv_line("ZC-003", "老车站", "乙县", "研究中", "50%", (114.15, 29.05)),  # unknown stage word
        csv_line("ZC-004", "老党校", "丙县", "摸底", "50%"),  # unknown county
        csv_line("ZC-005", "老仓库", "甲县", "摸底", "150%"),  # vacancy out of range
        "合计,,,,,,,,2.4亿,30000,,,,,,,,600,,",
    ])
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    report = asset_import.import_assets(store_con, path, user=U, on=ON)
    assert report.crs == "bd09"
    assert (report.imported, report.rejected_rows, report.skipped_summary) == (2, 3, 1)
    reasons = {r.row: r.reason for r in report.rejected}
    assert "无法识别“研究中”" in reasons[4] and "摸底清查" in reasons[4]
    assert "丙县" in reasons[5] and "空置率" in reasons[6]
    assert any("评估价值" in w and "万元" in w for w in report.warnings)
    assert any("平方米换算为亩" in w for w in report.warnings)
    stored = idle_assets.load(store_con).set_index("name")
    row = stored.loc["原纺织厂"]
    assert row["land_mu"] == pytest.approx(10.0, abs=1e-3) and row["floor_area_m2"] == pytest.approx(12000.0)
    assert (row["book_value_wan"], row["appraised_value_wan"], row["realised_value_wan"]) == (12000.0, 15000.0, 300.0)
    assert (row["stage"], row["mode"], row["owner_kind"], row["counterpart"]) == ("洽谈对接", "出租", "国企", "华鑫电子")
    assert row["vacancy_share"] == 0.75 and stored.at["原粮站", "vacancy_share"] == 0.8
    assert coords.haversine_m(row.geometry.x, row.geometry.y, 114.05, 29.05) < 1.0


def test_identity_rules(store_con, tmp_path):
    asset_import.import_assets(store_con, write_csv(tmp_path / "a.csv", [csv_line("ZC-001", "原纺织厂", "甲县", "摸底", "1")]),
                               user=U, on=ON)
    first = idle_assets.load(store_con)
    # renamed but the same 资产编号 in the same county: the same asset
    renamed = asset_import.import_assets(store_con, write_csv(tmp_path / "b.csv", [
        csv_line("ZC-001", "原县纺织厂", "甲县", "推介", "1"),
        csv_line("", "原纺织厂", "乙县", "摸底", "1", (114.15, 29.05)),  # same name, other county: another asset
    ]), user=U, on=ON)
    assert (renamed.imported, renamed.updated) == (1, 1)
    after = idle_assets.load(store_con).set_index("asset_id")
    assert after.at[first["asset_id"].iloc[0], "name"] == "原县纺织厂" and len(after) == 2
    # no 资产编号, same name as a stored asset of the county (full-width spaces normalised): the stored asset
    lines = [csv_line("", "原　县纺织厂", "甲县", "推介", "1")]
    assert asset_import.import_assets(store_con, write_csv(tmp_path / "c.csv", lines), user=U, on=ON).updated == 1
    assert len(idle_assets.load(store_con)) == 2


def test_position_kept_when_a_later_ledger_has_none(store_con, tmp_path):
    asset_import.import_assets(store_con, write_csv(tmp_path / "a.csv", [csv_line("ZC-001", "原纺织厂", "甲县", "摸底", "1")]),
                               user=U, on=ON)
    (tmp_path / "b.csv").write_bytes("资产编号,资产名称,县（市、区）,盘活阶段\nZC-001,原纺织厂,甲县,方案\n".encode("gb18030"))
    report = asset_import.import_assets(store_con, tmp_path / "b.csv", user=U, on=ON)
    assert report.updated == 1
    row = idle_assets.load(store_con).iloc[0]
    assert row["stage"] == "制定方案" and row["book_value_wan"] == 12000.0  # absent columns left alone
    assert coords.haversine_m(row.geometry.x, row.geometry.y, 114.05, 29.05) < 1.0


def test_county_from_title_and_explicit_crs(store_con, tmp_path):
    x, y = coords.wgs84_to_bd09(114.15, 29.05)
    text = f"乙县闲置资产台账\n资产名称,盘活阶段,经度,纬度\n老车站,推介,{x:.7f},{y:.7f}\n无坐标楼,推介,,\n"
    (tmp_path / "t.csv").write_bytes(text.encode("utf-8"))
    with pytest.raises(LedgerError, match="无法确定坐标系"):
        asset_import.import_assets(store_con, tmp_path / "t.csv", user=U, on=ON)
    assert idle_assets.load(store_con).empty
    report = asset_import.import_assets(store_con, tmp_path / "t.csv", user=U, on=ON, crs="bd09")
    assert report.imported == 2
    stored = idle_assets.load(store_con).set_index("name")
    assert set(stored["county_adcode"]) == {"990102"}
    assert coords.haversine_m(stored.at["老车站", "geometry"].x, stored.at["老车站", "geometry"].y, 114.15, 29.05) < 1.0


def test_row_without_any_county_is_rejected(store_con, tmp_path):
    (tmp_path / "x.csv").write_bytes("资产名称,盘活阶段,产权单位\n老车站,推介,某公司\n".encode())
    report = asset_import.import_assets(store_con, tmp_path / "x.csv", user=U, on=ON)
    assert report.imported == 0 and report.rejected_rows == 1 and "无法确定所属县" in report.rejected[0].reason


def test_missing_stage_defaults_to_inventory_with_a_warning(store_con, tmp_path):
    (tmp_path / "x.csv").write_bytes("资产名称,县（市、区）,产权单位\n老车站,甲县,某公司\n".encode())
    report = asset_import.import_assets(store_con, tmp_path / "x.csv", user=U, on=ON)
    assert report.imported == 1 and any("摸底清查" in w for w in report.warnings)
    assert idle_assets.load(store_con)["stage"].tolist() == ["摸底清查"]


def test_write_is_atomic(store_con, tmp_path, fail_writes_to):
    fail_writes_to("asset_stage_history")
    with pytest.raises(RuntimeError):
        asset_import.import_assets(store_con, merged_xlsx(tmp_path / "台账.xlsx"), user=U, on=ON)
    assert idle_assets.load(store_con).empty
    assert asset_cases.load_events(store_con).empty
