"""ui.explain_views: the 「查看明细」 table on 总览 and 项目进度 (pure parts and the pages)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

from analysis import explain, indicators
from analysis.kpis import Period
from tests.analysis.test_kpis import frame, project
from tests.ui.test_pages import PAGES_DIR, app_test
from ui import explain_views
from ui.text import t

H1 = Period.from_months("2018-01", "2018-06")


def test_shown_table_has_chinese_headers_and_rate_membership():
    rows = frame([project("a"), project("b", stage="开工", started=date(2018, 4, 1)), project("x", stage="在谈", signed=None)])
    shown = explain_views.shown_table(explain.explain(rows, "start_rate", H1), "start_rate", {"U1": "咸安区"})
    assert list(shown.columns[:2]) == ["计入分子（开工项目数）", "计入分母（新签约项目数）"]
    assert list(shown["计入分母（新签约项目数）"]) == ["是", "是", "否"] and set(shown["填报单位"]) == {"咸安区"}
    assert shown["认定规则"].iloc[2] == "阶段为在谈，未签约"
    money = explain_views.shown_table(explain.explain(rows, "investment_total_yi", H1), "investment_total_yi", {})
    assert money.columns[0] == "是否计入" and "签约金额计入（万元）" in money.columns


def test_caption_repeats_the_figure_and_its_rule():
    words = explain_views.caption("investment_total_yi", 845.6, H1, "咸安区")
    assert words.startswith("签约金额：845.6 亿元（2018-01-01 至 2018-06-30 · 咸安区）")
    assert indicators.get("investment_total_yi").formula in words
    assert explain_views.caption("start_rate", 0.2276, H1, None).startswith("开工率：22.8%（2018-01-01 至 2018-06-30）")


def test_workbook_keeps_text_as_text():
    rows = frame([project("p1")]).assign(name="=1+1")
    shown = explain_views.shown_table(explain.explain(rows, "signed", H1), "signed", {})
    wb = openpyxl.load_workbook(io.BytesIO(explain_views.workbook_bytes(shown, "新签约项目数明细", "口径：…")))
    ws = wb.active
    assert (ws["A1"].value, ws["A2"].value) == ("新签约项目数明细", "口径：…")
    assert [c.value for c in ws[4]][:3] == ["是否计入", "认定规则", "项目名称"]
    assert ws["C5"].value == "=1+1" and ws["C5"].data_type == "s"


def _detail(at):
    expander = next(e for e in at.expander if e.label == t("ex_open"))
    table = next(d.value for d in expander.dataframe)
    return expander, table


def test_the_detail_is_counted_only_once_opened(demo_env):
    at = app_test().run()
    assert not at.exception, [e.value for e in at.exception]
    expander = next(e for e in at.expander if e.label == t("ex_open"))
    assert not list(expander.dataframe) and not any(s.label == t("ex_indicator") for s in at.selectbox)


def test_overview_detail_lists_the_projects_counted(demo_env):
    at = app_test()
    at.session_state[explain_views.opened("overview")] = True  # the visitor opens 「查看明细」
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    expander, table = _detail(at)
    assert int((table["是否计入"] == "是").sum()) == 391  # seed 003: signed Jan–Jun
    assert any(c.value.startswith("新签约项目数：391 个") and "口径" in c.value for c in expander.caption)
    next(s for s in at.selectbox if s.label == t("ex_indicator")).set_value("projects_1yi").run()
    next(s for s in at.selectbox if s.label == t("ex_unit")).set_value("421202").run()  # 咸安区
    assert not at.exception, [e.value for e in at.exception]
    expander, table = _detail(at)
    assert set(table["填报单位"]) == {"咸安区"}
    counted = table[table["是否计入"] == "是"]
    assert len(counted) and counted["认定规则"].str.contains("≥ 1 亿元").all()
    assert table.loc[table["是否计入"] == "否", "认定规则"].str.contains("< 1 亿元|不在统计期|未签约|未填").all()
    assert any(c.value.startswith(f"亿元以上项目数：{len(counted)} 个") for c in expander.caption)
    assert any(b.label == t("ex_download") for b in at.get("download_button"))


def test_progress_detail_agrees_with_the_card(demo_env):
    at = app_test(next(PAGES_DIR.glob("*项目进度.py")))
    at.session_state[explain_views.opened("pp")] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    next(s for s in at.selectbox if s.label == t("ex_indicator")).set_value("start_rate").run()
    expander, table = _detail(at)
    card = next(m.value for m in at.metric if m.label == "开工率")
    caption = next(c.value for c in expander.caption if "口径" in c.value)
    assert caption.startswith(f"开工率：{card}")
    signed = int((table["计入分母（新签约项目数）"] == "是").sum())
    started = int((table["计入分子（开工项目数）"] == "是").sum())
    assert f"{started / signed:.1%}" == card


def test_a_ranking_row_explains_the_unit():
    import pandas as pd

    assert explain_views.explained("start_rate") == "start_rate"
    assert explain_views.explained("completion:signed_investment_yi") == "investment_total_yi"
    assert explain_views.explained("completion:nothing") is None
    summary = {"by_unit": [{"unit_id": "421202", "unit": "咸安区"}, {"unit_id": "421221", "unit": "嘉鱼县"}]}
    table = pd.DataFrame({"位次": [1, 2], "单位": ["嘉鱼县", "咸安区"]})
    assert explain_views.picked_unit(summary, table, [1]) == "421202"
    assert explain_views.picked_unit(summary, table, []) is None and explain_views.picked_unit(summary, table, [5]) is None


def test_progress_ranking_invites_a_pick(demo_env):
    at = app_test(next(PAGES_DIR.glob("*项目进度.py"))).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value == t("ex_pick_row") for c in at.caption)
