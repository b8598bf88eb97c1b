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
    assert widgets.shown_value(True) == "True"


def test_record_table_keeps_the_id_and_the_card_fields_with_labels():
    frame = pd.DataFrame({"project_id": ["P1", "P2"], "name": ["甲项目", "乙项目"], "signed_on": pd.to_datetime(["2017-05-09", None]),
                          "investment_wan": [300000.0, 0.0], "created_by": ["导入", "导入"], "origin": ["省外", "市内"]})
    table = widgets.record_table(frame, "project_id")
    assert list(table.columns) == ["编号", "名称", "投资额（万元）", "签约日期"]
    assert table["签约日期"].tolist() == ["2017-05-09", ""]  # no time of day, nothing for a missing date
    assert table.iloc[0]["编号"] == "P1"
