"""A deep link works on a freshly started server: /项目进度?month=2018-03 opens on March (the month picker shows it, the
URL keeps it), and choosing another month rewrites the link. Screenshot: test-artifacts/links-progress.png."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.browsing import ARTIFACTS, page_url, wait_idle
from ui.text import t

pytestmark = pytest.mark.browser


def test_deep_link_opens_the_linked_month_on_a_fresh_server(cold_server, tab):
    tab.goto(page_url(cold_server, "pages/3_项目进度.py") + "?month=2018-03")
    tab.wait_for_selector("[data-testid=stMain] h1", timeout=90_000)
    wait_idle(tab)
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "links-progress.png"))
    box = tab.get_by_role("combobox", name=t("pp_month"))
    assert box.input_value() == "2018-03"
    assert parse_qs(urlparse(tab.url).query).get("month") == ["2018-03"]

    box.click()
    tab.get_by_role("option", name="2018-05", exact=True).click()
    wait_idle(tab)
    assert tab.get_by_role("combobox", name=t("pp_month")).input_value() == "2018-05"
    assert parse_qs(urlparse(tab.url).query).get("month") == ["2018-05"]
