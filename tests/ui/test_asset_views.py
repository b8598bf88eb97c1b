"""ui.asset_views pure helpers: the Excel export never writes a formula from data; board cards escape data text."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import pandas as pd

from ui import asset_views as av


def test_excel_export_writes_text_never_formulas():
    frame = pd.DataFrame({"资产名称": ['=HYPERLINK("http://evil","点我")', "+SUM(A1)", "老粮站"],
                          "计划完成时间": [pd.Timestamp("2018-03-31"), pd.NaT, pd.Timestamp("2019-01-01")],
                          "账面价值（万元）": [1200.0, None, 30.5], "空": ["", None, "x"]})
    raw = av.excel_bytes({"资产清单": frame, "逾期清单": frame.iloc[:0]})
    xml = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    assert wb.sheetnames == ["资产清单", "逾期清单"]
    ws = wb["资产清单"]
    assert ws["A1"].value == "闲置国有资产盘活 · 资产清单"  # the one writer's layout: title rows, the header on row 4
    assert [c.value for c in ws[4]] == list(frame.columns)
    assert ws["A5"].value == '=HYPERLINK("http://evil","点我")' and ws["A5"].data_type == "s"
    assert ws["A6"].data_type == "s"
    assert ws["B5"].value.date() == date(2018, 3, 31) and ws["B5"].number_format == "yyyy-mm-dd"
    assert ws["B6"].value is None and ws["C6"].value is None and ws["D5"].value is None
    assert ws["C7"].value == 30.5 and ws["C7"].number_format == "#,##0.00"


def test_board_cards_escape_data_text():
    frame = pd.DataFrame([{"asset_id": "A1", "name": "<img src=x onerror=alert(1)>", "county": "甲县", "asset_type": "闲置楼宇",
                           "mode": "出租", "book_value_wan": 1000.0, "planned_date": pd.Timestamp("2018-03-01"),
                           "responsible_unit": "`${x}`", "responsible_leader": "张三", "stage": "招商推介", "days_overdue": 5.0}])
    html = av.board_html(frame, "招商推介")
    assert "<img" not in html and "&lt;img" in html and "${" not in html
    assert "逾期 5 天" in html and "计划 2018-03-01" in html
    assert "（无）" in av.board_html(frame, "签约")


def test_table_renames_and_formats():
    frame = pd.DataFrame({"name": ["甲"], "planned_date": [pd.Timestamp("2018-06-01")], "vacancy_share": [0.75], "counterpart": [None]})
    out = av.table(frame, {"name": "资产名称", "planned_date": "计划完成时间", "vacancy_share": "空置率", "counterpart": "对接企业",
                           "mode": "盘活方式"})
    assert out.iloc[0].tolist() == ["甲", "2018-06-01", "75%", "", ""]


def test_a_stage_change_reaches_the_maps(demo_copy_env):
    """The overview and the workbench colour assets by stage from cached encoded layers: a change made on the
    page must show there at once, not after the cache expires."""
    import json

    from layers.vocab import ASSET_COLORS, ASSET_STAGES
    from ui import data, mapkit

    def colour_of(asset_id: str) -> str:
        layer = next(m for m in mapkit.map_layers(None) if m.name == "assets").main
        doc = json.loads(layer.data)
        return doc["colors"][doc["c"][layer.ids.index(asset_id)]]

    frame = data.load_layer("assets", None).dropna(subset=["geometry"])
    row = frame[frame["stage"] == ASSET_STAGES[0]].iloc[0]
    assert colour_of(row.asset_id) == ASSET_COLORS[ASSET_STAGES[0]]
    av.change_stage(row.asset_id, ASSET_STAGES[1], date(2018, 6, 30), note="测试", mode=None)
    assert colour_of(row.asset_id) == ASSET_COLORS[ASSET_STAGES[1]]


def test_board_cards_carry_their_asset_and_a_click_opens_its_case(monkeypatch):
    frame = pd.DataFrame([{"asset_id": aid, "name": name, "county": "甲县", "asset_type": "闲置楼宇", "mode": "出租",
                           "book_value_wan": value, "planned_date": pd.NaT, "responsible_unit": "", "responsible_leader": "",
                           "stage": "招商推介", "days_overdue": late}
                          for aid, name, value, late in (("A1", "甲楼", 10.0, None), ("A2", "乙楼", 99.0, None), ("A3", "丙楼", 1.0, 3.0))])
    cards = av.board_cards(frame, "招商推介")
    assert [(aid, name) for aid, name, _html in cards] == [("A3", "丙楼"), ("A2", "乙楼"), ("A1", "甲楼")]  # overdue, then value
    assert av.board_html(frame, "招商推介") == "".join(html for *_ids, html in cards)
    state: dict = {}
    monkeypatch.setattr(av.st, "session_state", state)
    av.open_case("A2", tab_key="assets-tab", case_tab="一处一策")
    assert state == {"asset_case": "A2", "assets-tab": "一处一策"}


def test_a_board_card_opens_its_case_on_the_page(demo_env):
    from tests.ui.test_pages import PAGES_DIR, app_test
    from ui.text import t

    at = app_test(next(PAGES_DIR.glob("*闲置资产盘活.py")))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    cards = [b for b in at.button if b.key and b.key.startswith("asset-open-")]
    assert len(cards) == 30  # one per demo asset
    case = next(s for s in at.selectbox if s.label == t("assets_pick"))
    first = case.value
    target = next(b for b in cards if b.label == t("assets_open_case", name="横沟桥镇储备地块"))
    assert first != "A-006"
    target.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert next(s for s in at.selectbox if s.label == t("assets_pick")).value == "A-006"
    assert at.session_state["assets-tab"] == t("assets_tab_case")
