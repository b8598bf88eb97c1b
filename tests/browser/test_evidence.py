"""佐证材料 in a real browser: on 项目地图 a click opens a registered project's card; moving it to 开工 without a file is
refused with the Chinese reason; with a photo uploaded it is saved, and the card shows the photo's thumbnail, the new
stage and the history row naming the file."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from PIL import Image, ImageDraw

from tests.browser.browsing import ARTIFACTS, WORKBENCH_FRAME, open_workbench, wait_idle

pytestmark = pytest.mark.browser
NO_START_EVIDENCE = "变更为“开工”须上传佐证材料（开工照片、施工许可证等）"


def site_photo(path) -> None:
    """A recognisable 'photo': sky, ground and a crane, so the thumbnail can be checked by eye in the screenshot."""
    image = Image.new("RGB", (1200, 900), "#8ec5ff")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 600, 1200, 900), fill="#8b5a2b")
    draw.rectangle((500, 150, 540, 600), fill="#f1c40f")
    draw.rectangle((300, 150, 900, 190), fill="#f1c40f")
    image.save(path, "PNG")


def card_texts(tab) -> list[str]:
    return tab.evaluate("() => [...document.querySelectorAll('[data-testid=stDataFrame]')].map(d => d.textContent)")


def test_a_start_needs_its_photo_and_the_card_shows_it(cold_server, tab, tmp_path):
    frame = open_workbench(tab, f"{cold_server}/{quote('项目地图')}")
    registered = frame.evaluate("() => window.workbench.withCategory('projects', '注册')")
    assert registered
    frame.evaluate("([i]) => window.workbench.center('projects', i, 17)", [registered[0]])
    point = frame.evaluate("([i]) => window.workbench.pointAt('projects', i)", [registered[0]])
    box = tab.query_selector(WORKBENCH_FRAME).bounding_box()
    tab.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    tab.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
        .some(d => d.textContent.startsWith('字段值项目名称') && d.textContent.includes('阶段注册'))""", timeout=60_000)
    wait_idle(tab)
    assert not tab.locator("[data-testid=stException]").count()
    tab.get_by_text("暂无佐证材料。").wait_for(timeout=30_000)

    tab.locator("[data-testid=stExpander] summary").filter(has_text="变更项目阶段").click()
    form = tab.locator("[data-testid=stForm]").filter(has_text="保存阶段变更").first
    form.wait_for(timeout=30_000)
    assert form.get_by_role("combobox", name="新阶段").input_value() == "开工"  # the next stage is offered
    assert "“开工”" in form.inner_text() and "须上传佐证材料" in form.inner_text()
    form.get_by_role("button", name="保存阶段变更").click()
    refusal = tab.locator("[data-testid=stAlert]").filter(has_text=NO_START_EVIDENCE)
    refusal.first.wait_for(timeout=30_000)
    wait_idle(tab)
    assert any("阶段注册" in t for t in card_texts(tab) if t.startswith("字段值项目名称"))  # nothing changed
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "evidence_refused.png"), full_page=True)

    photo = tmp_path / "开工现场.png"
    site_photo(photo)
    with tab.expect_response(lambda r: "/_stcore/upload_file" in r.url and r.request.method == "PUT", timeout=30_000):
        form.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(photo))
    form.get_by_role("button", name="保存阶段变更").click()
    tab.get_by_text("已变更为“开工”。").wait_for(timeout=60_000)
    wait_idle(tab)
    assert not tab.locator("[data-testid=stException]").count()
    assert not refusal.count()

    thumbnail = tab.locator("[data-testid=stImage] img").first
    thumbnail.wait_for(timeout=30_000)
    tab.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle(), timeout=30_000)
    size = thumbnail.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert 0 < size[0] <= 240 and size[0] * 3 == size[1] * 4, size  # the thumbnail (4:3 like the photo), not the 1200 × 900 original
    assert tab.get_by_text("开工现场.png").count() and tab.get_by_role("button", name="下载").count() == 1
    tab.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stDataFrame]')]
        .some(d => d.textContent.startsWith('日期阶段') && d.textContent.includes('开工现场.png'))""", timeout=30_000)
    assert any("阶段开工" in t for t in card_texts(tab) if t.startswith("字段值项目名称"))
    tab.wait_for_timeout(500)
    tab.screenshot(path=str(ARTIFACTS / "evidence_saved.png"), full_page=True)
