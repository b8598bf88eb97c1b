"""Pure helpers of ui.widgets: how stored values and layer rows are shown to people."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ui import widgets


def test_shown_value_writes_dates_and_numbers_as_people_do():
    assert widgets.shown_value(pd.Timestamp("2017-05-09")) == "2017-05-09"
    assert widgets.shown_value(dt.date(2018, 6, 30)) == "2018-06-30"
    assert widgets.shown_value(300000.0) == "300,000"
    assert widgets.shown_value(1551584.3) == "1,551,584.3"
    assert widgets.shown_value(12000) == "12,000"
    assert widgets.shown_value("在谈") == "在谈"
    assert widgets.shown_value(True) == "是" and widgets.shown_value(False) == "否"  # never English True/False


def test_record_table_keeps_the_id_and_the_card_fields_with_labels():
    frame = pd.DataFrame({"project_id": ["P1", "P2"], "name": ["甲项目", "乙项目"], "signed_on": pd.to_datetime(["2017-05-09", None]),
                          "investment_wan": [300000.0, 0.0], "created_by": ["导入", "导入"], "origin": ["省外", "市内"]})
    table = widgets.record_table(frame, "project_id")
    assert list(table.columns) == ["编号", "名称", "投资额（万元）", "签约日期"]
    assert table["签约日期"].tolist() == ["2017-05-09", ""]  # no time of day, nothing for a missing date
    assert table.iloc[0]["编号"] == "P1"


def test_layer_tables_show_chinese_headers_and_hide_bookkeeping(demo_con):
    import re

    from layers import LAYERS

    for layer, module in LAYERS.items():
        frame = module.load(demo_con)
        table = widgets.layer_table(frame, layer, {"421202": "咸安区"})
        raw = [c for c in table.columns if re.fullmatch(r"[A-Za-z0-9_]+", c)]
        assert not raw, (layer, raw)
        for hidden in ("row_version", "created_at", "created_by", "geometry"):
            assert hidden in frame.columns and hidden not in table.columns, (layer, hidden)
        assert table.columns[0] == "编号" and len(table) == len(frame)
    parks = demo_con.execute("SELECT count(*) FROM parks WHERE county_adcode = '421202'").fetchone()[0]
    table = widgets.layer_table(LAYERS["parks"].load(demo_con), "parks", {"421202": "咸安区"})
    assert (table["县（市、区）"] == "咸安区").sum() == parks > 0  # counties by name, not by code
    assert "park_id" not in widgets.layer_table(LAYERS["projects"].load(demo_con), "projects", {}).columns


def test_layer_tables_leave_empty_text_cells_empty():
    frame = pd.DataFrame({"project_id": ["P1", "P2"], "name": ["甲项目", "乙项目"], "investor": ["某公司", None]})
    table = widgets.layer_table(frame, "projects", {})
    assert table.iloc[1].tolist()[-1] == ""  # Streamlit's grid would write None as the English word "None"


def test_layer_labels_carry_units_and_name_each_layer_for_itself():
    assert widgets.column_labels("parks")["water_total_t_d"] == "供水能力（吨/日）"
    assert widgets.column_labels("factories")["rent_yuan_m2_month"] == "租金（元/㎡·月）"
    assert widgets.column_labels("parks")["name"] != widgets.column_labels("projects")["name"]
    assert widgets.column_labels("regions")["name"] == "名称"
