"""The 厂房推介单's requirement line: the saved requirements' wording, without the county limits."""

from __future__ import annotations

from analysis.matching import Requirement
from analysis.requirement_alerts import describe
from ui.factory_views import requirement_text


def test_the_brief_states_the_requirement_as_saved_requirements_do_but_not_its_counties():
    req = Requirement(min_area_m2=1000, max_area_m2=3000, min_clear_height_m=8, whole_building=True, counties=("421202",))
    assert requirement_text(req) == "面积 1,000–3,000 ㎡；层高 ≥ 8.0 m；整栋"
    assert describe(req, {"421202": "咸安区"}) == requirement_text(req) + "；限 咸安区"
    assert requirement_text(Requirement()) == "不限"
