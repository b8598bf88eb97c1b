"""ui.project_views: the yearly targets edited on 项目进度 are saved and change the completion rates."""

from __future__ import annotations

from ui import project_views as pv


def test_targets_edited_on_the_page_change_the_completion_rates(demo_copy_env):
    grid = pv.target_editor(2018, None)
    assert len(grid) == 7 and grid["新签约项目数（个）"].notna().all()
    label = pv.TARGET_LABELS["signed_investment_yi"]
    city_before = pv.completion_for(pv.period_summary("2018-01", "2018-06", None), 2018, None)
    grid.loc[grid["单位"] == "咸安区", label] = 1.0  # a target met many times over
    touched, problems = pv.save_targets(2018, grid, None)
    assert (touched, problems) == (1, [])
    after = pv.completion_for(pv.period_summary("2018-01", "2018-06", None), 2018, None)
    row = after[(after["indicator"] == "signed_investment_yi") & (after["unit_id"] != "ALL")]
    assert row["completion"].max() > 100  # 135.5 亿 against 1 亿
    assert not after.equals(city_before)
    grid = grid.astype({label: object})
    grid.loc[grid["单位"] == "咸安区", label] = "很多"
    touched, problems = pv.save_targets(2018, grid, None)
    assert touched == 0 and problems == ["咸安区“签约金额（亿元）”不是数字：很多"]
