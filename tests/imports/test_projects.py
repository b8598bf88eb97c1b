"""imports.projects.import_projects against a store with 商洛市 loaded: a real-shaped county ledger end to end,
identity rule (re-import updates), atomicity, units short/full, unknown parks, positions, the template."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from geo import coords
from imports import projects as importer
from imports.ledger import LedgerError
from imports.templates import template_bytes
from layers import project_history, projects, reporting_units

SHANGZHOU, SHANYANG = "611002", "611024"
TRUE = {"光伏支架项目": (109.94, 33.87), "核桃深加工项目": (109.95, 33.88), "电子玻璃项目": (110.89, 33.53)}


@pytest.fixture
def con(shangluo_con):
    return shangluo_con


def ledger(path, *, crs_word="高德", rows=None, stage_vien="已开工"):
    """A real-shaped ledger: title, 填报单位/时间, two-row merged header, 序号, 合计 and 注 rows, blank row."""
    def at(name, crs):
        return coords.convert(*TRUE[name], "wgs84", crs)

    crs = {"高德": "gcj02", "百度": "bd09", "GPS": "wgs84"}[crs_word]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["商洛市2024年招商引资签约项目推进情况台账"])
    ws.append(["填报单位：商州区招商服务中心", None, None, None, None, None, "填报时间：2024年6月30日"])
    ws.append(["序号", "县区", "项目名称", "投资额（亿元）", None, "签约类型", "项目进度", "签约时间", "计划开工时间",
               f"经度（{crs_word}）", f"纬度（{crs_word}）", "所在园区", "包抓领导", "投资项目代码"])
    ws.append([None, None, None, "合同投资", "到位资金"] + [None] * 9)
    for c in "ABC":
        ws.merge_cells(f"{c}3:{c}4")
    ws.merge_cells("D3:E3")
    for c in "FGHIJKLMN":
        ws.merge_cells(f"{c}3:{c}4")
    data = rows or [
        [1, "商州", "光伏支架项目", 1.2, "3000万", "合同", stage_vien, dt.datetime(2024, 3, 15), "2024.4", *at("光伏支架项目", crs),
         "商洛高新技术产业开发区", "张三", "2024-611002-13-03-000123"],
        [2, "商州区", "核桃深加工项目", "12,000万", 0.5, "框架协议", "前期手续办理中", "2024.3.15", "2024年3月", *at("核桃深加工项目", crs),
         None, "李四", None],
        [None] * 14,
        [3, "山阳", "电子玻璃项目", "1.2亿", None, "协议", "竣工投产", "2024-01-10", None, *at("电子玻璃项目", crs), None, "王五", None],
        [4, "山阳县", "位置待定项目", 0.8, 0, "合同", "已签约", "2024年5月", "2024.5", None, None, None, "王五", None],
        [5, "商州区", "坏金额项目", "很多", 0, "合同", "已签约", "2024.5.1", None, None, None, None, None, None],
        [6, "火星区", "未知县区项目", 1, 0, "合同", "已签约", "2024.5.1", None, None, None, None, None, None],
        [7, "商州区", "坏代码项目", 1, 0, "合同", "已签约", "2024.5.1", None, None, None, None, None, "12345"],
        [8, "商州区", "坏阶段项目", 1, 0, "合同", "说不清", "2024.5.1", None, None, None, None, None, None],
    ]
    for row in data:
        ws.append(row)
    ws.append(["合计", None, None, 99.9, 9.9])
    ws.append(["注：金额单位为亿元；坐标取自高德地图。"])
    ws.merge_cells(f"A{ws.max_row}:N{ws.max_row}")
    wb.save(path)
    return path


def stored(con) -> pd.DataFrame:
    return projects.load(con).set_index("name")


def test_real_shaped_ledger(con, tmp_path):
    report = importer.import_projects(con, ledger(tmp_path / "l.xlsx"))
    assert (report.imported, report.updated) == (4, 0)
    assert (report.skipped_blank, report.skipped_summary, report.skipped_notes) == (1, 1, 1)
    rejected = {r.row: (r.column, r.reason) for r in report.rejected}
    assert set(rejected) == {10, 11, 12, 13}  # bad rows reported with their sheet row, not lost
    assert rejected[10][0] == "投资额（亿元）/合同投资" and "很多" in rejected[10][1]
    assert rejected[11][0] == "县区" and "火星区" in rejected[11][1]
    assert rejected[12][0] == "投资项目代码"
    assert rejected[13][0] == "项目进度" and "说不清" in rejected[13][1]
    got = stored(con)
    assert "合计" not in got.index and len(got) == 4  # the 合计 row is never a project
    assert got.loc["光伏支架项目", ["investment_wan", "funds_in_place_wan"]].tolist() == [12_000.0, 3_000.0]
    assert got.loc["核桃深加工项目", ["investment_wan", "funds_in_place_wan"]].tolist() == [12_000.0, 5_000.0]
    assert got.loc["电子玻璃项目", "investment_wan"] == 12_000.0
    assert got["stage"].to_dict() == {"光伏支架项目": "开工", "核桃深加工项目": "签约", "电子玻璃项目": "投产", "位置待定项目": "签约"}
    assert got["sign_type"].to_dict() == {"光伏支架项目": "合同", "核桃深加工项目": "框架协议", "电子玻璃项目": "协议", "位置待定项目": "合同"}
    assert got["unit_id"].to_dict() == {"光伏支架项目": SHANGZHOU, "核桃深加工项目": SHANGZHOU, "电子玻璃项目": SHANYANG,
                                        "位置待定项目": SHANYANG}
    assert pd.Timestamp(got.loc["位置待定项目", "signed_on"]) == pd.Timestamp(2024, 5, 1)
    assert pd.Timestamp(got.loc["核桃深加工项目", "planned_start"]) == pd.Timestamp(2024, 3, 1)
    assert reporting_units.load(con).set_index("unit_id").loc[SHANGZHOU, "name"] == "商州区"


@pytest.mark.parametrize("crs_word", ["高德", "百度", "GPS"])
def test_positions_are_sub_metre(con, tmp_path, crs_word):
    importer.import_projects(con, ledger(tmp_path / "l.xlsx", crs_word=crs_word))
    got = stored(con)
    for name, (lon, lat) in TRUE.items():
        p = got.loc[name, "geometry"]
        assert coords.haversine_m(p.x, p.y, lon, lat) < 1.0, (crs_word, name)
    assert got.loc["位置待定项目", "geometry"] is None


def test_location_pending_and_unknown_park_still_count(con, tmp_path):
    from analysis.kpis import Period, summarize

    report = importer.import_projects(con, ledger(tmp_path / "l.xlsx"))
    assert any("商洛高新技术产业开发区" in w and "尚未入库" in w for w in report.warnings)
    got = stored(con)
    assert got.loc["光伏支架项目", "park_name"] == "商洛高新技术产业开发区" and pd.isna(got.loc["光伏支架项目", "park_id"])
    result = summarize(projects.load(con), Period(), reporting_units.load(con))
    assert result["signed"] == 4  # incl. the location-pending project
    by_unit = {u["unit"]: u["signed"] for u in result["by_unit"]}
    assert by_unit["商州区"] == 2 and by_unit["山阳县"] == 2


def test_reimport_updates_instead_of_duplicating(con, tmp_path):
    path = ledger(tmp_path / "l.xlsx")
    importer.import_projects(con, path)
    ids = stored(con)["project_id"].to_dict()
    history = len(project_history.load_events(con))
    again = importer.import_projects(con, path)
    assert (again.imported, again.updated, again.unchanged, again.events) == (0, 0, 4, 0)
    assert stored(con)["project_id"].to_dict() == ids
    assert len(project_history.load_events(con)) == history  # no second 签约 event
    # Next month the stage moves on and a cell is left blank: the stage updates, the blank keeps the stored value.
    later = ledger(tmp_path / "m.xlsx", stage_vien="竣工投产")
    wb = openpyxl.load_workbook(later)
    wb.active["E5"] = None  # 到位资金 of 光伏支架项目 left blank
    wb.save(later)
    third = importer.import_projects(con, later)
    assert (third.imported, third.updated, third.unchanged, third.events) == (0, 1, 3, 1)  # one stage change, one event
    got = stored(con)
    assert len(got) == 4 and got.loc["光伏支架项目", "stage"] == "投产"
    assert got.loc["光伏支架项目", "funds_in_place_wan"] == 3_000.0
    events = project_history.load_events(con, project_ids=[ids["光伏支架项目"]])
    assert ("投产", pd.Timestamp(2024, 6, 30)) in set(zip(events["stage"], pd.to_datetime(events["changed_on"]), strict=True))  # the ledger's date


def test_identity_by_code_then_name(con, tmp_path):
    importer.import_projects(con, ledger(tmp_path / "l.xlsx"))
    pid = stored(con).loc["光伏支架项目", "project_id"]
    renamed = ledger(tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(renamed)
    wb.active["C5"] = "光伏支架（一期）项目"  # renamed, same national code → same project
    wb.active["C6"] = "核桃深加工项目 "  # trailing space, full-width-insensitive name match
    wb.save(renamed)
    report = importer.import_projects(con, renamed)
    got = stored(con)
    assert report.imported == 0 and len(got) == 4
    assert got.loc["光伏支架（一期）项目", "project_id"] == pid


def test_import_is_atomic(con, tmp_path, fail_writes_to):
    fail_writes_to("project_stage_history")
    with pytest.raises(RuntimeError):
        importer.import_projects(con, ledger(tmp_path / "l.xlsx"))
    assert len(projects.load(con)) == 0
    assert len(reporting_units.load(con)) == 0


def test_csv_gb18030_with_title_unit(con, tmp_path):
    text = ("填报单位：山阳县招商局\n项目名称,合同投资（万元）,项目进度,签约时间\n"
            "钒矿深加工项目,\"12,000\",已注册,2024-03-15\n合计,12000,,\n")
    path = tmp_path / "s.csv"
    path.write_bytes(text.encode("gb18030"))
    report = importer.import_projects(con, path)
    got = stored(con)
    assert report.imported == 1 and report.skipped_summary == 1
    assert got.loc["钒矿深加工项目", ["unit_id", "stage", "investment_wan"]].tolist() == [SHANYANG, "注册", 12_000.0]


def test_stage_words():
    cases = {"已签约": "签约", "前期手续办理中": "签约", "未开工": "签约", "已注册": "注册", "已开工": "开工", "开工建设": "开工",
             "在建": "开工", "已投产": "投产", "竣工投产": "投产", "已开工，主体完成60%": "开工", "正在洽谈": "在谈", "暂停建设": "停滞",
             "已解约": "终止"}
    assert {w: importer.parse_stage(w)[0] for w in cases} == cases
    assert importer.parse_stage("说不清")[0] is None and "无法识别的项目进度" in importer.parse_stage("说不清")[1]


def test_template_round_trip(con):
    wb = openpyxl.load_workbook(__import__("io").BytesIO(template_bytes()))
    assert wb.sheetnames == ["项目台账", "填写说明"]
    headers = [c.value for c in wb["项目台账"][3]]
    assert {"项目名称", "县（市、区）", "合同投资（万元）", "项目进度", "签约类型", "经度（高德）", "纬度（高德）"} <= set(headers)
    report = importer.import_projects(con, template_bytes(), filename="template.xlsx")
    assert report.imported == 1 and report.rejected == []
    assert stored(con).loc["核桃深加工项目", "unit_id"] == SHANGZHOU


def test_no_unit_anywhere_rejects_rows_with_reason(con, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "项目进度"])
    wb.active.append(["甲", "已签约"])
    wb.save(tmp_path / "n.xlsx")
    report = importer.import_projects(con, tmp_path / "n.xlsx")
    assert report.imported == 0 and report.rejected[0].row == 2 and "县（市、区）" in report.rejected[0].reason
    assert any("填报单位" in w for w in report.warnings)


def test_unreadable_file(con, tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"PK not really a zip")
    with pytest.raises(LedgerError, match="无法读取 Excel"):
        importer.import_projects(con, tmp_path / "x.xlsx")


def test_the_report_lists_its_first_changes_and_counts_them_all(con, tmp_path, monkeypatch):
    """A large ledger's report describes the first MAX_CHANGES records (the rest are counted, every one audited)."""
    from imports import pipeline
    from imports import report as report_module
    from store import audit

    monkeypatch.setattr(report_module, "MAX_CHANGES", 2)
    monkeypatch.setattr(pipeline, "MAX_CHANGES", 2)
    first = importer.import_projects(con, ledger(tmp_path / "l.xlsx"))
    assert first.imported == 4 and [c.action for c in first.changes] == ["新增", "新增"]
    assert first.changes[0].name == "光伏支架项目" and first.changes[0].fields["合同投资"] == [None, 12000]
    logged = audit.load(con, batch_id=first.batch_id, table="projects")
    assert len(logged) == 4
    later = importer.import_projects(con, ledger(tmp_path / "m.xlsx", stage_vien="竣工投产"))
    assert later.updated == 1 and [(c.action, c.name) for c in later.changes] == [("更新", "光伏支架项目")]
