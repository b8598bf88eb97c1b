"""ui/links.py: a page's choices live in the URL — linked values start the widgets, bad ones are ignored, changes are written back."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.test_pages import PAGES_DIR, app_test, card, metrics
from ui.text import t

SCRIPT = textwrap.dedent('''
    import streamlit as st
    from ui import links

    months = ["2018-06", "2018-05", "2018-04", "2018-03"]
    month = st.selectbox("月份", months, index=links.index("month", months), key="month")
    links.keep("month", month, months[0])
    stages = ["签约", "开工", "投产"]
    picked = st.multiselect("阶段", stages, default=links.pick_many("stages", stages), key="stages")
    links.keep_many("stages", picked)
    linked = links.period()
    year = st.number_input("年份", 2000, 2100, linked[0] if linked else 2018, key="year")
    span = st.slider("月份段", 1, 12, linked[1:] if linked and linked[0] == year else (1, 6), key=f"span-{year}")
    links.keep_period(year, span, (2018, 1, 6))
''')


@pytest.fixture
def script(tmp_path: Path) -> str:
    path = tmp_path / "linked.py"
    path.write_text(SCRIPT, encoding="utf-8")
    return str(path)


def _run(script: str, **params: str) -> AppTest:
    at = AppTest.from_file(script, default_timeout=30)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_linked_values_start_the_widgets(script):
    at = _run(script, month="2018-03", stages="开工,投产", period="2017-02,2017-04")
    assert at.selectbox[0].value == "2018-03"
    assert at.multiselect[0].value == ["开工", "投产"]
    assert at.number_input[0].value == 2017 and tuple(at.slider[0].value) == (2, 4)


@pytest.mark.parametrize("params", [
    {"month": "2019-13", "stages": "拆除", "period": "2018-05,2018-02"},
    {"month": "", "stages": ",,", "period": "2017-01,2018-02"},
    {"month": "2018-03;drop", "stages": "签约;开工", "period": "garbage"},
])
def test_invalid_or_stale_values_fall_back_to_the_defaults(script, params):
    at = _run(script, **params)
    assert at.selectbox[0].value == "2018-06"
    assert at.multiselect[0].value == []
    assert at.number_input[0].value == 2018 and tuple(at.slider[0].value) == (1, 6)


def test_changes_are_written_back_and_defaults_keep_links_short(script):
    at = _run(script)
    assert dict(at.query_params) == {}
    at.selectbox[0].set_value("2018-04")
    at.multiselect[0].set_value(["签约", "投产"])
    at.slider[0].set_value((3, 5))
    at.run()
    assert dict(at.query_params) == {"month": "2018-04", "stages": "签约,投产", "period": "2018-03,2018-05"}
    at.selectbox[0].set_value("2018-06")  # back to the default: the parameter goes
    at.run()
    assert "month" not in at.query_params


def _page(name: str, **params: str) -> AppTest:
    at = app_test(next(PAGES_DIR.glob(f"*{name}.py")))
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_opens_on_the_linked_period(demo_env):
    plain = app_test().run()
    at = app_test()
    at.query_params["period"] = "2018-03,2018-03"
    at.run()
    assert tuple(next(s for s in at.slider if s.label == t("months")).value) == (3, 3)
    assert metrics(at)[card("signed")] != metrics(plain)[card("signed")]


def test_progress_opens_on_the_linked_month_and_indicator(demo_env):
    plain = _page("项目进度")
    at = _page("项目进度", month="2018-03", indicator="no-such-indicator")
    month = next(s for s in at.selectbox if s.label == t("pp_month"))
    assert month.value == "2018-03"
    assert metrics(at) != metrics(plain)  # March's figures, not the latest month's
    indicators = next(s for s in at.selectbox if s.label == t("pp_indicator"))
    assert indicators.index == 0
    other = indicators.options[1]
    at2 = _page("项目进度", indicator=_key_of(indicators, other))
    assert next(s for s in at2.selectbox if s.label == t("pp_indicator")).value == _key_of(indicators, other)


def _key_of(box, label):
    from analysis.ranking import INDICATORS
    return next(k for k, v in INDICATORS.items() if v[0] == label)


def test_project_map_opens_with_the_linked_filters(demo_env):
    plain = _page("项目地图")
    at = _page("项目地图", stages="开工", size="10yi", lights="红灯,不存在")
    assert next(m for m in at.multiselect if m.label == t("pm_stage")).value == ["开工"]
    assert next(m for m in at.multiselect if m.label == t("pm_light")).value == ["红灯"]
    assert next(s for s in at.selectbox if s.label == t("pm_size")).value == "10yi"
    assert at.caption[0].value != plain.caption[0].value  # fewer projects shown


def test_layer_page_opens_on_the_linked_layer_and_county(demo_env):
    plain = _page("图层数据")
    county = next(s for s in plain.selectbox if s.label == t("county_pick")).options[1]
    at = _page("图层数据", layer="parks", county="421202")
    assert next(s for s in at.selectbox if s.label == t("layer_pick")).value == "parks"
    assert next(s for s in at.selectbox if s.label == t("county_pick")).value == "421202", county
    stale = _page("图层数据", layer="nonsense", county="000000")  # not offered: the defaults
    assert next(s for s in stale.selectbox if s.label == t("layer_pick")).value == "projects"
    assert next(s for s in stale.selectbox if s.label == t("county_pick")).value is None


def test_assets_page_opens_the_linked_case_and_county(demo_env):
    plain = _page("闲置资产盘活")
    case = next(s for s in plain.selectbox if s.label == t("assets_pick"))
    wanted = case.options[-1]
    asset_id = wanted[wanted.rindex("（") + 1:-1]
    at = _page("闲置资产盘活", asset=asset_id)
    assert next(s for s in at.selectbox if s.label == t("assets_pick")).value == asset_id
    assert _page("闲置资产盘活", asset="no-such-asset").selectbox  # a stale case is ignored
