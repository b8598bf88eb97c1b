"""reports.sections: the 通报's content from a month's figures — title from the place, the four sections and the 附表,
sentences with the figures formatted (千分位, 亿元 with two decimals, rates, never "391.0"), one sentence per red unit,
the 督办 list, no file paths, hostile names made harmless."""

from __future__ import annotations

import re

import pytest

from reports import sections
from reports.sections import BODY_ITEMS, MAX_CELL, MAX_NAME, Table, show
from tests.reports.conftest import HOSTILE

HEADINGS = ["一、总体情况", "二、分县排名", "三、红黄灯", "四、督办事项", "附表"]
#: a file path (as tests/reports/test_monthly_print.py looks for one)
PATH = re.compile(r"[\w.~-][/\\][\w.~-]|(^|\s)[/\\]\w|[A-Za-z]:\\|\.(duckdb|toml|xlsx|csv|json|py|db)\b", re.ASCII)
#: a whole number shown with a ".0" (a rate such as 50.0% is fine)
POINT_ZERO = re.compile(r"(?<![\d.,])\d[\d,]*\.0(?![\d%])")


@pytest.fixture(scope="module")
def notice(demo_report, demo_place):
    return sections.build(demo_report, demo_place)


def blocks(notice, heading):
    return next(s for s in notice.sections if s.heading == heading).blocks


def test_show_formats_numbers_one_way():
    assert show(391.0, "count") == "391" and show(1234567, "count") == "1,234,567"
    assert show(845.6, "yi") == "845.60" and show(1522, "yi") == "1,522.00"
    assert show(130500.0, "wan") == "130,500" and show(0.2276, "rate") == "22.8%" and show(45.66, "points") == "45.7" and show(40.0, "points") == "40"
    assert show(None, "count") == show(float("nan"), "rate") == show(None) == "—"
    assert show("2018-07-15", "date") == "2018-07-15"
    assert show("a\x07b\x0bc ") == "abc" and len(show("长" * 500)) == MAX_CELL and len(sections.short("长" * 500)) == MAX_NAME


def test_place_is_the_datasets_city_or_a_single_unit(demo_con, demo_place, shangluo):
    assert demo_place == sections.Place("咸宁市", "全市")
    assert sections.place(demo_con, ("421202",)) == sections.Place("咸安区", "咸安区")
    assert shangluo[1].name == "商洛市"


def test_title_issue_and_sections(notice, demo_report):
    assert notice.title == "咸宁市2018年6月招商引资项目推进情况通报"
    assert notice.issue == "2018年第6期"
    assert "统计期间：2018年1—6月" in notice.dates and "2018年6月30日" in notice.dates
    assert [s.heading for s in notice.sections] == HEADINGS
    assert [s.landscape for s in notice.sections] == [False] * 4 + [True]
    assert (notice.note != "") == (not demo_report.frozen)


def test_overview_says_the_figures_formatted(notice, demo_report):
    text = "".join(blocks(notice, "一、总体情况"))
    s = demo_report.summary
    assert f"新签约招商项目{s['signed']:,}个" in text and f"签约金额{s['investment_total_yi']:,.2f}亿元" in text
    assert "391个" in text and "845.60亿元" in text and "开工率22.8%" in text and "资金到位率10.8%" in text
    assert "同比" in text and "上年同期" in text  # the demo has 2017's signings
    assert "环比" in text and "6月当月新签约项目" in text
    assert "序时进度50.0%" in text


def shown_numbers(notice) -> list[str]:
    """The sentences and every number cell (text cells carry data's own words, e.g. a 督办 item's 情况)."""
    out = [notice.title, notice.dates]
    for s in notice.sections:
        for b in s.blocks:
            if isinstance(b, str):
                out.append(b)
            else:
                out += [c for row in b.cells() for c, col in zip(row, b.columns, strict=True) if col.kind != "text" or col.ranked]
    return out


def test_no_whole_number_shows_point_zero_and_no_file_path(notice):
    found = [m for text in shown_numbers(notice) for m in POINT_ZERO.findall(text)]
    assert not found, found[:5]
    assert len(shown_numbers(notice)) > 500
    assert not PATH.search(notice.text()), PATH.search(notice.text())


def test_ranking_table_has_every_unit_with_value_and_rank(notice, demo_report):
    table = next(b for b in blocks(notice, "二、分县排名") if isinstance(b, Table))
    units = set(demo_report.rankings["investment_total_yi"]["unit"])
    assert {row[0] for row in table.rows} == units
    assert table.headers[0] == "单位" and "签约金额（亿元）" in table.headers
    cell = table.cells()[0][table.headers.index("签约金额（亿元）")]
    assert re.fullmatch(r"[\d,]+\.\d\d（\d+）", cell), cell  # 170.80（1）
    if len(demo_report.rankings) > len(table.columns) - 1:  # the rest ranked in the 附表
        assert any("全部指标及位次" in b.caption for b in blocks(notice, "附表"))


def test_one_sentence_per_red_unit(notice, demo_report):
    names = dict(zip(demo_report.units["unit_id"], demo_report.units["name"], strict=True))
    red = set(demo_report.late.loc[demo_report.late["light"] == "红灯", "unit_id"])
    red |= set(demo_report.funding.loc[demo_report.funding["light"] == "红灯", "unit_id"])
    red |= set(demo_report.progress.loc[(demo_report.progress["light"] == "红灯") & (demo_report.progress["unit_id"] != "ALL"), "unit_id"])
    assert red
    sentences = [b for b in blocks(notice, "三、红黄灯") if isinstance(b, str) and "：" in b[:12]]
    assert sorted(s.split("：", 1)[0] for s in sentences) == sorted(names[u] for u in red)
    table = next(b for b in blocks(notice, "三、红黄灯") if isinstance(b, Table))
    total = table.rows[-1]
    assert total[0] == "合计" and total[1] == int((demo_report.late["light"] == "红灯").sum())


def test_supervision_lists_the_top_items_and_the_annex_all(notice, demo_report):
    n = len(demo_report.supervision)
    assert n > BODY_ITEMS
    body = blocks(notice, "四、督办事项")
    assert f"本月列入督办事项{n}项" in body[0] and "2018年7月15日前" in body[0]
    assert len(body[1].rows) == BODY_ITEMS
    full = next(b for b in blocks(notice, "附表") if "督办清单" in b.caption)
    assert [r[2] for r in full.rows] == list(demo_report.supervision["subject"])
    assert f"完整清单见附表{full.caption[2]}" in body[0]


def test_annex_kpi_table_matches_the_summary(notice, demo_report):
    kpis = blocks(notice, "附表")[0]
    assert kpis.caption.startswith("附表1　各单位主要指标完成情况")
    assert kpis.rows[-1][0] == "合计" and kpis.totals == 1
    i = kpis.headers.index("签约金额（亿元）")
    assert kpis.cells()[-1][i] == "845.60"
    assert [r[0] for r in kpis.rows[:-1]] == [u["unit"] for u in demo_report.summary["by_unit"]]


def test_a_store_without_last_years_data_makes_no_year_on_year_claim(shangluo):
    report, where = shangluo
    notice = sections.build(report, where)
    assert notice.title == "商洛市2024年6月招商引资项目推进情况通报"
    assert [s.heading for s in notice.sections] == HEADINGS
    text = notice.text()
    assert "同比" not in text and "商州区" in text
    assert not [m for t in shown_numbers(notice) for m in POINT_ZERO.findall(t)] and not PATH.search(text)


def test_hostile_names_are_cleaned_and_cut(hostile_report, demo_place):
    notice = sections.build(hostile_report, demo_place)
    text = notice.text()
    assert "\x07" not in text and "\x0b" not in text
    assert "<script>" in text  # kept as text: each format escapes it
    for s in notice.sections:
        for b in s.blocks:
            if isinstance(b, Table):
                assert all(len(c) <= MAX_CELL + 4 for row in b.cells() for c in row)  # + （rank）
    assert HOSTILE not in text
    sentences = [b for s in notice.sections for b in s.blocks if isinstance(b, str)]
    assert any("<script>" in b for b in sentences) and not any("长" * MAX_NAME in b for b in sentences)  # names cut
