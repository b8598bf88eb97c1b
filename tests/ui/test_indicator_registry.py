"""Done when (issue 15 item 1): an indicator added to the one registry appears on 总览 and 项目进度 (cards, the per-unit
table, the ranking choices, 查看明细), in the 月通报 workbook (KPI and ranking sheets) and in ``cli.py summary --json``."""

from __future__ import annotations

import io

import openpyxl
import pytest

import store
from analysis import indicators
from analysis.indicators import Indicator, equals_rule
from reports import monthly
from tests.commands.test_admin_cli import run_json
from tests.ui.test_pages import PAGES_DIR, app_test, metrics, unit_rows
from ui import explain_views
from ui.text import t

LABEL = "测试框架协议项目"


@pytest.fixture
def fake():
    """A fake count (signed projects whose 签约类型 is 框架协议), registered for one test and removed after it."""
    added = indicators.register(Indicator("test_frameworks", LABEL, "count", "签约类型为框架协议的项目个数",
                                          equals_rule("sign_type", "框架协议", "签约类型")))
    yield added
    indicators.unregister(added.key)


def test_a_registered_indicator_appears_everywhere(demo_env, fake):
    summary = run_json("summary", "--from", "2018-01", "--to", "2018-06", "--json", "--db", demo_env.path)
    value = summary[fake.key]
    assert isinstance(value, int) and value > 0 and all(fake.key in u for u in summary["by_unit"])
    assert sum(u[fake.key] for u in summary["by_unit"]) == value

    overview = app_test()
    overview.session_state[explain_views.opened("overview")] = True  # 查看明细 open: its indicator list is drawn
    overview.run()
    assert not overview.exception, [e.value for e in overview.exception]
    assert metrics(overview)[LABEL] == f"{value:,}"
    assert unit_rows(overview)[f"{LABEL}（个）"].iloc[-1] == value
    assert LABEL in next(s for s in overview.selectbox if s.label == t("ex_indicator")).options

    progress = app_test(next(PAGES_DIR.glob("*项目进度.py")))
    progress.run()
    assert not progress.exception, [e.value for e in progress.exception]
    assert metrics(progress)[LABEL] == f"{value:,}"  # 2018-06 year to date: the same months
    ranking = next(s for s in progress.selectbox if s.label == t("pp_indicator"))
    assert LABEL in ranking.options
    ranking.set_value(fake.key).run()
    assert not progress.exception, [e.value for e in progress.exception]

    con = store.connect(demo_env.path)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(monthly.to_bytes(monthly.collect(con, "2018-06"))))
    finally:
        con.close()
    kpi = wb["指标完成"]
    header = next(r for r in kpi.iter_rows(values_only=True) if r[0] == "单位")
    total = next(r for r in kpi.iter_rows(values_only=True) if r[0] == "合计")
    assert total[header.index(f"{LABEL}（个）")] == value
    assert f"{LABEL}（个）" in [c.value for c in wb["排名"]["A"]]


def test_the_fake_is_gone_after_the_test(demo_env):
    assert "test_frameworks" not in indicators.REGISTRY
    summary = run_json("summary", "--from", "2018-01", "--to", "2018-06", "--json", "--db", demo_env.path)
    assert "test_frameworks" not in summary
