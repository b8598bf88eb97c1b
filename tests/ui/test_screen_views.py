"""ui.screen_views (大屏展示): the query parameters, the rotation, the KPI card list and each panel's HTML — figures
equal to the other pages', data text escaped, a county user's screen naming nothing outside the county."""

from __future__ import annotations

import base64
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from analysis import indicators
from analysis.kpis import Period, summarize
from analysis.targets import completion
from layers import projects, reporting_units, targets
from tests.browser.browsing import XSS_NAMES
from ui import screen_views as sv

UNITS = {"421202": "咸安区", "421221": "嘉鱼县", "GX421200": "咸宁高新区"}
XIANAN = "421202"
#: the counties a 咸安区 user does not see (咸宁高新区 lies in 咸安区: in scope)
OTHERS = ("嘉鱼县", "赤壁市", "通城县", "崇阳县", "通山县")


# --- settings and rotation -------------------------------------------------------------------------------------------

def test_no_parameters_show_every_panel_every_15_seconds_for_every_unit():
    assert sv.settings({}, UNITS) == sv.Settings(("kpi", "ranking", "map", "lights"), 15, None)


def test_panels_are_read_in_the_order_given_unknown_and_repeated_ones_dropped():
    assert sv.settings({"panels": "map, kpi,weather,map"}, UNITS).panels == ("map", "kpi")
    assert sv.settings({"panels": "weather"}, UNITS).panels == sv.PANELS  # nothing valid left: all of them
    assert sv.settings({"panels": ""}, UNITS).panels == sv.PANELS


@pytest.mark.parametrize(("raw", "seconds"), [("20", 20), (" 30 ", 30), ("1", 5), ("100000", 600), ("soon", 15), ("2.5", 15)])
def test_rotate_is_whole_seconds_between_5_and_600(raw, seconds):
    assert sv.settings({"rotate": raw}, UNITS).rotate == seconds


def test_the_unit_is_named_by_id_or_name_and_only_within_the_scope():
    assert sv.settings({"unit": "421221"}, UNITS).unit == "421221"
    assert sv.settings({"unit": "咸宁高新区"}, UNITS).unit == "GX421200"
    assert sv.settings({"unit": "赤壁市"}, UNITS).unit is None  # not one of the user's units: ignored, as every stale link
    assert sv.settings({"unit": "421281"}, UNITS).unit is None


def test_the_rotation_goes_round_the_panels():
    panels = ("kpi", "map", "lights")
    assert [sv.panel_at(step, panels) for step in range(7)] == ["kpi", "map", "lights", "kpi", "map", "lights", "kpi"]
    assert {sv.panel_at(step, ("map",)) for step in range(3)} == {"map"}


# --- KPI cards --------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def h1(demo_con):
    """2018 H1 on the demo (the seed's 391 projects, 845.6 亿元) and its target completion."""
    summary = summarize(projects.load(demo_con), Period.from_months("2018-01", "2018-06"), reporting_units.load(demo_con),
                        reporting_units.names(demo_con))
    units = tuple(reporting_units.load(demo_con)["unit_id"])
    return summary, completion(summary, targets.load(demo_con, year=2018, units=units))


def test_the_city_cards_are_the_registrys_card_indicators_with_target_completion(h1):
    summary, done = h1
    cards = {c.label: c for c in sv.kpi_cards(summary, done)}
    assert list(cards) == [i.label for i in indicators.cards()] and len(cards) >= 8
    assert (cards["新签约项目数"].value, cards["新签约项目数"].unit) == ("391", "个")
    assert (cards["签约金额"].value, cards["签约金额"].unit) == ("845.6", "亿元")
    city = done[(done["unit_id"] == "ALL") & (done["indicator"] == "signed_projects")]["completion"].iloc[0]
    assert cards["新签约项目数"].note == f"达成 {city:.1%}"
    assert cards["开工率"].value == f"{summary['start_rate']:.1%}" and cards["开工率"].unit == ""
    assert {"落地率", "投产率", "资金到位率", "履约率"} <= set(cards)
    assert all(c.change == "" for c in cards.values())  # nothing to compare with given


def test_a_unit_gets_its_own_cards_and_changes(h1):
    summary, done = h1
    earlier = {**summary, "signed": 300, "by_unit": [{**u, "signed": 50} for u in summary["by_unit"]]}
    cards = {c.label: c for c in sv.kpi_cards(summary, done, XIANAN, {"yoy": earlier, "mom": None})}
    assert (cards["新签约项目数"].value, cards["签约金额"].value) == ("55", "135.5")  # the seed's 咸安区
    own = done[(done["unit_id"] == XIANAN) & (done["indicator"] == "signed_projects")]["completion"].iloc[0]
    assert cards["新签约项目数"].note == f"达成 {own:.1%}"
    assert cards["新签约项目数"].change == "同比 +10.0%　环比 —"  # 55 against 咸安区's 50, not the city's 300
    assert cards["签约金额"].change == "同比 持平　环比 —"


def test_an_indicator_registered_shows_as_a_card(h1):
    summary, done = h1
    fake = indicators.Indicator("screen_test", "测试指标", "count", "测试", indicators.ALL_SIGNED)
    indicators.register(fake)
    try:
        cards = sv.kpi_cards({**summary, "screen_test": 7}, done)
        assert [(c.label, c.value) for c in cards if c.label == "测试指标"] == [("测试指标", "7")]
    finally:
        indicators.unregister(fake.key)


def test_cards_without_targets_have_no_note_and_their_text_is_escaped(h1):
    summary, _done = h1
    cards = sv.kpi_cards(summary, pd.DataFrame(columns=["unit_id", "indicator", "actual", "target", "completion"]))
    assert all(c.note == "" for c in cards)
    html = sv.cards_html([sv.Card(XSS_NAMES[0], "1", "个")])
    assert "<img" not in html and "&lt;img" in html


def test_three_rows_of_cards_get_smaller_type():
    assert "--sc-rows: 2; --sc-k: 1.00" in sv.cards_html([sv.Card("甲", "1")] * 8)
    assert "--sc-rows: 3; --sc-k: 0.73" in sv.cards_html([sv.Card("甲", "1")] * 12)


def test_a_long_value_is_drawn_smaller_so_that_it_stays_inside_its_card():
    html = sv.cards_html([sv.Card("签约金额", "845.6", "亿元"), sv.Card("签约金额", "12,345.6", "亿元")])
    assert re.findall(r"--sc-fit: ([\d.]+)", html) == ["1.00", "0.75"]


# --- ranking and lights ------------------------------------------------------------------------------------------------

def _ranking(values, units=("嘉鱼县", "咸安区", "崇阳县")) -> pd.DataFrame:
    return pd.DataFrame({"位次": [1, 2, 3], "单位": list(units), "数值": values, "上月位次": [1, 3, 2], "位次变化": ["—", "↑1", "↓1"]})


def _cells(html: str) -> list[list[str]]:
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html) if "<td" in row]


def test_a_ranking_shows_every_value_with_one_number_of_decimals_and_marks_the_unit():
    html = sv.ranking_html({"investment_total_yi": _ranking([170.8, 135.5, 133.0])}, highlight="咸安区")
    assert "签约金额排名（亿元）" in html
    assert [r[2] for r in _cells(html)] == ["170.8", "135.5", "133.0"]
    assert re.findall(r'<tr class="sc-hl">.*?</tr>', html) and "咸安区" in re.findall(r'<tr class="sc-hl">(.*?)</tr>', html)[0]
    counts = sv.ranking_html({"signed": _ranking([68.0, 55.0, 51.0])})
    assert [r[2] for r in _cells(counts)] == ["68", "55", "51"] and "sc-hl" not in counts  # counts never read 68.0


def test_a_ranking_escapes_unit_names():
    html = sv.ranking_html({"start_rate": _ranking(["27.3%", "26.5%", "—"], units=XSS_NAMES)})
    assert "<img" not in html and "<script>" not in html and "27.3%" in html


def _lights() -> dict[str, pd.DataFrame]:
    late = pd.DataFrame({"灯": ["红灯", "红灯", "黄灯", "红灯"], "项目名称": ["甲项目", XSS_NAMES[0], "丙项目", "丁项目"],
                         "单位": ["咸安区", "咸安区", "嘉鱼县", "嘉鱼县"], "计划开工": ["2017-03"] * 4, "逾期（月）": [15, 3, 1, 9],
                         "包抓领导": ["张三", "李四", "王五", "赵六"]})
    funding = pd.DataFrame({"灯": ["黄灯"], "项目名称": ["甲项目"], "单位": ["嘉鱼县"], "资金到位率": ["5.0%"], "已签约（月）": [7],
                            "包抓领导": ["张三"]})
    behind = pd.DataFrame({"灯": ["红灯", "红灯"], "单位": ["咸安区", "全市"], "指标": ["签约金额"] * 2, "目标完成率": ["20.0%"] * 2,
                           "落后（百分点）": [31.0, 31.0]})
    return {"开工滞后": late, "资金到位滞后": funding, "目标进度": behind, "督办清单": pd.DataFrame()}


def test_lights_count_each_unit_and_add_them_up():
    html = sv.lights_html(_lights(), ["咸安区", "嘉鱼县", "赤壁市"])
    left = html.split("逾期最久的红灯项目")[0]
    #          单位     开工 红 黄   资金 红 黄  目标 红 黄
    assert _cells(left) == [["咸安区", "2", "0", "0", "0", "1", "0"], ["嘉鱼县", "1", "1", "0", "1", "0", "0"],
                            ["赤壁市", "0", "0", "0", "0", "0", "0"], ["合计", "3", "1", "0", "1", "1", "0"]]
    assert "全市" not in left  # the city's own target row is not a unit


def test_the_red_projects_longest_late_come_first_escaped():
    html = sv.lights_html(_lights(), ["咸安区", "嘉鱼县"])
    right = html.split("逾期最久的红灯项目")[1]
    assert [r[0] for r in _cells(right)] == ["甲项目", "丁项目", "&lt;img src=x onerror=alert(1)&gt;"]
    assert "<img" not in html


def test_lights_of_one_unit():
    html = sv.lights_html(_lights(), ["咸安区", "嘉鱼县"], unit="嘉鱼县")
    left, right = html.split("逾期最久的红灯项目")
    assert _cells(left) == [["嘉鱼县", "1", "1", "0", "1", "0", "0"]]
    assert [r[0] for r in _cells(right)] == ["丁项目"]
    none = {k: v.iloc[0:0] for k, v in _lights().items()}
    assert "本月没有红灯项目" in sv.lights_html(none, ["咸安区"])


# --- map ----------------------------------------------------------------------------------------------------------------

def _regions() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["甲县", XSS_NAMES[0]]}, geometry=[box(114.0, 29.0, 114.1, 29.1), box(114.1, 29.0, 114.2, 29.1)],
                            crs="EPSG:4326")


def test_the_map_draws_counties_parks_and_each_placed_project_by_stage():
    points = pd.DataFrame({"lon": [114.05, 114.15, None], "lat": [29.05, 29.02, None], "stage": ["开工", "签约", "在谈"]})
    parks = gpd.GeoDataFrame({"name": ["园"]}, geometry=[box(114.02, 29.02, 114.05, 29.05)], crs="EPSG:4326")
    svg = sv.map_svg(_regions(), parks, points)
    assert svg.count("<circle") == 2 and svg.count("<polygon") == 3
    assert '#e67e22' in svg and "甲县" in svg and "<img" not in svg and "&lt;img" in svg
    x, y = (float(v) for v in re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg).groups())
    assert x < 500 < float(re.findall(r'<circle cx="([\d.]+)"', svg)[1]) and y > 0  # west county on the left
    html = sv.map_html(_regions(), parks, points)
    assert "有位置的项目 2 个" in html and "位置待定 1 个" in html and "data:image/svg+xml;base64," in html
    assert "开工<b>1</b>" in html and "在谈<b>1</b>" in html and "线索" not in html  # stages with projects only


def test_a_map_with_nothing_to_draw_is_empty():
    none = pd.DataFrame({"lon": [], "lat": [], "stage": []})
    assert sv.map_svg(_regions().iloc[0:0], _regions().iloc[0:0], none) == ""


def test_the_header_marks_the_panel_shown():
    html = sv.header_html("全部单位", ("kpi", "map"), "map")
    assert 'data-panel="map"' in html and '<span class="sc-mark sc-on">项目分布</span>' in html
    assert '<span class="sc-mark">主要指标</span>' in html


# --- the panels from the data, in a user's scope ------------------------------------------------------------------------

def _map_text(html: str) -> str:
    return base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1)).decode()


def test_the_panels_equal_the_pages_figures_and_stay_in_a_county_users_scope(demo_env):
    city = sv.panel("kpi", "2018-06", None)
    assert ">391<" in city and ">845.6<" in city
    scope = (XIANAN,)
    kpi = sv.panel("kpi", "2018-06", scope)
    assert ">86<" in kpi and ">229.7<" in kpi  # the seed's 咸安区 and 咸宁高新区 (55 + 31, 135.5 + 94.2 亿元)
    ranking, lights, shown = sv.panel("ranking", "2018-06", scope), sv.panel("lights", "2018-06", scope), sv.panel("map", "2018-06", scope)
    assert all("咸安区" in html and "咸宁高新区" in html for html in (ranking, lights)) and "咸安区" in _map_text(shown)
    for html in (ranking, lights, shown, _map_text(shown)):
        assert not [name for name in OTHERS if name in html]


def test_a_unit_limits_the_map_and_the_lights_and_is_marked_in_the_ranking(demo_env):
    everyone = sv.panel("map", "2018-06", None)
    jiayu = sv.panel("map", "2018-06", None, "421221")
    assert 0 < _map_text(jiayu).count("<circle") < _map_text(everyone).count("<circle")
    assert "sc-hl" in sv.panel("ranking", "2018-06", None, "421221")
    lights = sv.panel("lights", "2018-06", None, "421221")
    assert "嘉鱼县" in lights and "合计" not in lights and "咸安区" not in lights


def test_the_subtitle_says_whose_figures_they_are(demo_env):
    assert sv.subtitle("2018-06", None).startswith("全部单位 · 2018年1—6月 · 数据截至 2018-06-30")
    assert sv.subtitle("2018-06", (XIANAN,)).startswith("咸宁高新区、咸安区 · ")  # a county user: the units in scope
    assert sv.subtitle("2018-06", None, "421221").startswith("嘉鱼县 · ")
    assert sv.who_of(["甲县", "乙县", "丙县", "丁县"]) == "甲县、乙县等 4 个单位"
