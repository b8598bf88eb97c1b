"""项目地图 and 项目进度 in a real browser, offline: the map draws (boundaries + projects by stage), clicking a
project shows its card and stage history, and nothing is requested from outside the machine."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.browsing import ARTIFACTS, WORKBENCH_FRAME, is_local, open_workbench, wait_idle, watch
from ui.text import t

pytestmark = pytest.mark.browser

def dataframe_texts(tab) -> list[str]:
    return tab.evaluate("() => [...document.querySelectorAll('[data-testid=stDataFrame]')].map(d => d.textContent)")


def test_project_map_page(server, tab, demo_template):
    requests = watch(tab)
    frame = open_workbench(tab, f"{server}/{quote('项目地图')}")
    assert tab.locator("h1").filter(has_text="项目地图").count() == 1
    assert not tab.locator("[data-testid=stException]").count()
    counts = frame.evaluate("() => window.workbench.counts()")
    assert counts["projects"] >= 500 and counts["regions"] >= 6 and counts["parks"] == 9, counts
    stages = frame.evaluate("() => window.workbench.categories('projects')")
    assert len(stages) >= 5 and "开工" in stages, stages  # coloured by stage
    assert "位置待定" in tab.inner_text("body")

    # Click a started project (it has a stage history) with the mouse, centred at street zoom.
    started = frame.evaluate("() => window.workbench.withCategory('projects', '开工')")
    assert started
    frame.evaluate("([i]) => window.workbench.center('projects', i, 17)", [started[0]])
    point = frame.evaluate("([i]) => window.workbench.pointAt('projects', i)", [started[0]])
    box = tab.query_selector(WORKBENCH_FRAME).bounding_box()
    tab.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    clicked = frame.evaluate("() => window.workbench.state().click")
    assert clicked["layer"] == "projects", clicked
    tab.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
        .some(d => d.textContent.startsWith('字段值项目名称'))""", timeout=60_000)
    wait_idle(tab)
    tab.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
        .some(d => d.textContent.startsWith('日期阶段'))""", timeout=30_000)
    texts = dataframe_texts(tab)
    card = next(t for t in texts if t.startswith("字段值项目名称"))
    assert any(card.startswith(f"字段值项目名称{name}阶段开工") for name in demo_template.project_names.values()), card[:120]
    history = next((t for t in texts if t.startswith("日期阶段")), None)
    assert history, [t[:60] for t in texts]
    assert "签约" in history and "开工" in history

    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.wait_for_timeout(500)
    tab.screenshot(path=str(ARTIFACTS / "project_map.png"), full_page=True)


def test_project_progress_page(server, tab):
    requests = watch(tab)
    tab.goto(f"{server}/{quote('项目进度')}")
    tab.locator("h1").filter(has_text="项目进度").first.wait_for(timeout=90_000)
    wait_idle(tab)
    assert not tab.locator("[data-testid=stException]").count()
    # Download buttons appear once the month's report files are built, after the rest of the page.
    tab.get_by_text("月通报（Excel）").first.wait_for(timeout=120_000)
    body = tab.inner_text("body")
    for words in ("新签约项目", "阶段漏斗", "月度趋势", "各单位排名", "督办清单", "月通报（Excel）", "台账导入模板", "导入项目台账"):
        assert words in body, words
    # The ranking grid, right under its heading, fills its table when it is in view.
    tab.get_by_role("heading", name=t("pp_ranking")).first.scroll_into_view_if_needed()
    try:
        tab.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
            .some(d => d.textContent.startsWith('位次单位'))""", timeout=30_000)
    except PlaywrightTimeout:
        grids = tab.evaluate("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
            .map(d => [JSON.stringify(d.getBoundingClientRect()), d.textContent.slice(0, 40)])""")
        raise AssertionError(f"no ranking grid filled in 30 s: {grids}") from None
    texts = dataframe_texts(tab)
    ranking = next((t for t in texts if t.startswith("位次单位数值上月位次位次变化")), None)
    assert ranking, [t[:60] for t in texts]
    assert "通山县" in ranking and "咸宁高新区" in ranking
    assert tab.locator("[data-testid=stVegaLiteChart]").count() >= 2 or tab.locator("canvas").count() >= 2
    outside = sorted({u for u in requests if not is_local(u)})
    assert not outside, f"requests left the machine: {outside}"
    ARTIFACTS.mkdir(exist_ok=True)
    tab.wait_for_timeout(800)
    tab.screenshot(path=str(ARTIFACTS / "project_progress.png"), full_page=True)


def test_targets_are_edited_in_the_grid_and_saved(cold_server, tab):
    tab.goto(f"{cold_server}/{quote('项目进度')}")
    tab.locator("h1").filter(has_text="项目进度").first.wait_for(timeout=90_000)
    wait_idle(tab)
    money = tab.locator("[data-testid=stMetric]").filter(has_text="签约金额").first
    before = money.inner_text()
    assert "达成 55.6%" in before, before  # the seed's 845.6 亿 against the city's 2018 target
    tab.get_by_text("2018 年度目标任务", exact=False).first.click()
    grid = tab.locator("[data-testid=stDataFrame]").filter(has_text="新签约项目数").first
    grid.wait_for(timeout=30_000)
    grid.scroll_into_view_if_needed()
    wait_idle(tab)
    tab.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
        .some(d => d.textContent.includes('新签约项目数') && d.textContent.includes('咸宁高新区'))""", timeout=30_000)
    box = grid.bounding_box()
    # A target cell right of 单位: select it, open its editor, type a new value, commit.
    editor = tab.locator("#portal input, #portal textarea, .gdg-input")
    for _attempt in range(3):
        tab.mouse.dblclick(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
        try:
            editor.first.wait_for(timeout=5_000)  # the grid's overlay editor for that cell
        except Exception:  # noqa: BLE001 - the double-click landed while the grid was redrawing: try again
            continue
        editor.first.fill("99")
        tab.keyboard.press("Enter")
        wait_idle(tab)
        if "99" in grid.text_content():
            break
    assert "99" in grid.text_content(), "the grid did not take the edit"
    wait_idle(tab)
    tab.get_by_role("button", name="保存目标").click()
    tab.get_by_text("已保存 1 项目标", exact=False).first.wait_for(timeout=30_000)
    wait_idle(tab)
    after = money.inner_text()
    assert "达成" in after and after != before, after  # the KPI card above follows the new target at once
    ARTIFACTS.mkdir(exist_ok=True)
    grid.screenshot(path=str(ARTIFACTS / "targets_saved.png"))
