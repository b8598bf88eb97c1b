"""pages/13_大屏.py: the panels rotate (one step per run of the rotation), the query parameters choose them and the
unit, nothing on the page is a widget, and a store without data says so in one sentence."""

from __future__ import annotations

import re

import store
from tests.ui.test_pages import PAGES_DIR, app_test
from ui.text import t

PAGE = PAGES_DIR / "13_大屏.py"
WIDGETS = ("button", "checkbox", "color_picker", "date_input", "download_button", "file_uploader", "multiselect",
           "number_input", "radio", "select_slider", "selectbox", "slider", "text_area", "text_input", "time_input", "toggle",
           "chat_input", "arrow_data_frame", "dataframe", "component_instance")


def html(at) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def panel(at) -> str:
    found = re.findall(r'data-panel="(\w+)"', html(at))
    assert len(found) == 1, found
    return found[0]


def test_the_panels_rotate_in_turn(demo_env):
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    seen = [panel(at)]
    for _ in range(4):
        at.run()  # a run of the page runs its rotation, as each run_every tick does
        assert not at.exception
        seen.append(panel(at))
    assert seen == ["kpi", "ranking", "map", "lights", "kpi"]
    assert [x.value for x in at.title] == [f"{t('app_title')} · 大屏展示"]


def test_the_link_chooses_the_panels_and_the_unit(demo_env):
    at = app_test(PAGE)
    at.query_params["panels"] = "lights,map"
    at.query_params["unit"] = "嘉鱼县"
    at.query_params["rotate"] = "20"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert panel(at) == "lights" and "嘉鱼县 · 2018年1—6月" in html(at)
    assert '<span class="sc-mark">项目分布</span>' in html(at) and "主要指标" not in html(at)
    assert panel(at.run()) == "map"


def test_nothing_on_the_screen_is_a_widget(demo_env):
    at = app_test(PAGE).run()
    for _ in range(3):
        assert not at.exception
        found = {kind: len(at.get(kind)) for kind in WIDGETS if at.get(kind)}
        assert found == {}, (panel(at), found)
        at.run()


def test_a_store_without_projects_says_so(shangluo_env):
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("screen_no_projects") in html(at) and "data-panel" not in html(at)


def test_an_empty_store_says_so_instead_of_the_first_run_choice(tmp_path, monkeypatch):
    monkeypatch.setenv(store.ENV_VAR, str(tmp_path / "fresh" / "parkmap.duckdb"))
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.title] == ["大屏展示"]
    assert t("screen_empty_store") in html(at)
    assert not at.button and not at.selectbox  # no demo/local choice on a wall screen


def test_each_turn_reads_the_data_afresh(demo_copy_env):
    """A change written while the screen runs shows on its next turn (every write clears the loaders' caches; a write
    from another process shows when their TTL runs out)."""
    from analysis.kpis import WAN_PER_YI
    from layers import projects
    from ui import data

    at = app_test(PAGE)
    at.query_params["panels"] = "kpi"
    at.run()
    assert '845.6<span class="sc-unit">亿元' in html(at)
    with data.cursor() as con:
        frame = projects.load(con)
        signed = frame[frame["signed_on"].astype(str).between("2018-01-01", "2018-06-30")].sort_values("project_id").iloc[0]
        projects.update(con, signed["project_id"], {"investment_wan": float(signed["investment_wan"]) + 10 * WAN_PER_YI}, user="测试")
    data.written()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert '855.6<span class="sc-unit">亿元' in html(at)
