"""园区承载力 and 项目选址 state the counting rule in force for started projects' land (config/capacity.toml), and the
rule changes what the pages count."""

from __future__ import annotations

import pytest

from analysis import capacity as cap
from tests.ui.conftest import clear_streamlit_caches
from tests.ui.test_pages import PAGES_DIR, app_test
from ui.text import t


def run(script: str):
    at = app_test(PAGES_DIR / script).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def feasible_count(at) -> str:
    return next(s.value for s in at.success if "个园区可承接" in s.value)


@pytest.mark.parametrize("script", ["5_园区承载力.py", "6_项目选址.py"])
def test_pages_state_the_rule_in_force(demo_env, script, tmp_path, monkeypatch):
    captions = [c.value for c in run(script).caption]
    assert t("cap_land_rule", rule=cap.STARTED_LAND_RULES["granted"]) in captions
    rule = tmp_path / "capacity.toml"
    rule.write_text('[land]\nstarted_projects = "reserve"\n', encoding="utf-8")
    monkeypatch.setattr(cap, "CONFIG", rule)
    captions = [c.value for c in run(script).caption]
    assert t("cap_land_rule", rule=cap.STARTED_LAND_RULES["reserve"]) in captions
    assert t("cap_land_rule", rule=cap.STARTED_LAND_RULES["granted"]) not in captions


def test_siting_page_finds_room_in_most_parks_and_fewer_when_started_land_counts(demo_env, tmp_path, monkeypatch):
    assert feasible_count(run("6_项目选址.py")).startswith("7 个园区可承接")  # default 100 亩, 2,000 kVA
    rule = tmp_path / "capacity.toml"
    rule.write_text('[land]\nstarted_projects = "reserve"\n', encoding="utf-8")
    monkeypatch.setattr(cap, "CONFIG", rule)
    clear_streamlit_caches()  # the figures are cached (ttl) like every page's; a changed config is read when they expire
    assert feasible_count(run("6_项目选址.py")).startswith("5 个园区可承接")
