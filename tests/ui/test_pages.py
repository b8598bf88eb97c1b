"""Every page runs against the demo database; the overview shows the seed's 2018 H1 figures."""

from __future__ import annotations

import ast
import gc
import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import store
from ui import page as page_module
from ui.text import t

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
PAGES_DIR = ROOT / "pages"
TIMEOUT = 60
SCRIPTS = [APP, *sorted(PAGES_DIR.glob("*.py"))]

#: 2018 Jan–Jun, from the seed table: unit → (signed projects, contract investment in 亿元).
SEED_H1 = {
    "咸宁高新区": (31, 94.2),
    "咸安区": (55, 135.5),
    "嘉鱼县": (68, 170.8),
    "赤壁市": (59, 91.9),
    "通城县": (49, 163.8),
    "崇阳县": (51, 133.0),
    "通山县": (78, 56.4),
}


def _rel(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def app_test(page: Path | None = None) -> AppTest:
    """An AppTest of the real entry point; ``page`` (a file under pages/) is opened the way the sidebar does.

    Pages are not run as their own entry point: ``page.setup`` links to ``app.py`` relative to the
    entry point, exactly as under ``streamlit run app.py``.
    """
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if page is not None and page.resolve() != APP:
        at.switch_page(_rel(page))
    return at


def card(key: str) -> str:
    """The label of an indicator's KPI card (the registry's words)."""
    from analysis import indicators

    return indicators.get(key).card_label


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def unit_rows(at: AppTest) -> pd.DataFrame:
    """The per-unit dataframe of the overview (the one with a 单位 column)."""
    frames = [d.value for d in at.dataframe if "单位" in d.value.columns]
    assert len(frames) == 1, f"expected one per-unit table, found {len(frames)}"
    return frames[0]


@pytest.mark.parametrize("script", SCRIPTS, ids=_rel)
def test_page_runs_without_exception(demo_env, script):
    at = app_test(script).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.title) == 1, "every page shows exactly one title"


def test_overview_default_period_matches_seed(demo_env):
    at = app_test().run()
    assert not at.exception

    months = [s for s in at.slider if s.label == t("months")]
    assert len(months) == 1 and tuple(months[0].value) == (1, 6)
    assert [n.value for n in at.number_input if n.label == t("year")] == [2018]

    shown = metrics(at)
    assert shown[card("signed")] == "391"
    assert "亿" in card("investment_total_yi") and shown[card("investment_total_yi")] == "845.6"

    table = unit_rows(at)
    assert list(table["单位"]) == [*SEED_H1, "合计"]
    got = {r["单位"]: (r["新签约项目数（个）"], r["签约金额（亿元）"]) for r in table.to_dict("records")}
    for unit, (signed, money) in SEED_H1.items():
        assert got[unit][0] == signed, unit
        assert got[unit][1] == pytest.approx(money, abs=0.05), unit
    assert got["合计"][0] == 391
    assert got["合计"][1] == pytest.approx(845.6, abs=0.05)

    banners = [i.value for i in at.info]
    assert any("演示数据" in b for b in banners), banners


def test_overview_month_slider_changes_kpis(demo_env):
    at = app_test().run()
    months = next(s for s in at.slider if s.label == t("months"))
    months.set_value((1, 3)).run()
    assert not at.exception
    signed = int(metrics(at)[card("signed")])
    assert signed != 391
    assert signed == demo_env.q1_signed  # layers.projects + analysis.kpis on the same file, computed before the app ran
    assert int(unit_rows(at)["新签约项目数（个）"].iloc[-1]) == signed


def test_layer_page_parks_by_county(demo_env):
    script = PAGES_DIR / "1_图层数据.py"
    at = app_test(script).run()
    assert not at.exception
    assert [x.value for x in at.title] == ["图层数据"]
    layer = next(s for s in at.selectbox if s.label == t("layer_pick"))
    layer.set_value("parks").run()
    assert not at.exception
    assert demo_env.parks_by_county and sum(demo_env.parks_by_county.values()) > 0

    for county, expected in demo_env.parks_by_county.items():
        next(s for s in at.selectbox if s.label == t("county_pick")).set_value(county).run()
        assert not at.exception, county
        assert next(s for s in at.selectbox if s.label == t("layer_pick")).value == "parks"
        rows = [c.value for c in at.caption if re.match(r"共 \d+ 条", c.value)]
        assert len(rows) == 1, [c.value for c in at.caption]
        assert int(re.match(r"共 (\d+) 条", rows[0]).group(1)) == expected, county
        assert len(at.dataframe[0].value) == expected, county


def _is_literal_constant(node: ast.stmt) -> bool:
    """``NAME = <literal>`` (or a tuple of names = literals): harmless before ``page.setup`` (no Streamlit call)."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        return False
    try:
        ast.literal_eval(node.value)
    except ValueError:
        return False
    return True


def _first_statement_after_imports(tree: ast.Module) -> ast.stmt | None:
    """The first statement after the docstring, the imports and any literal constants."""
    body = list(tree.body)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return next(
        (node for node in body if not isinstance(node, (ast.Import, ast.ImportFrom)) and not _is_literal_constant(node)), None
    )


def _is_page_setup_call(node: ast.AST | None) -> bool:
    call = node.value if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr)) else None
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "setup"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "page"
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=_rel)
def test_every_page_starts_with_setup_and_is_listed(script):
    tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
    first = _first_statement_after_imports(tree)
    assert _is_page_setup_call(first), (
        f"{_rel(script)}: the first statement after the imports must call page.setup(...) (only literal constants may come before it)"
    )
    assert _rel(script) in {path for path, _label in page_module.PAGES}, f"{_rel(script)} is missing from ui.page.PAGES"


def test_pages_registry_points_at_existing_files():
    listed = [path for path, _label in page_module.PAGES]
    assert len(listed) == len(set(listed))
    assert listed[0] == "app.py"
    for path in listed:
        assert (ROOT / path).is_file(), path
    assert sorted(listed) == sorted(_rel(s) for s in SCRIPTS)


def test_first_run_offers_demo_or_local_data_and_builds_the_demo_on_request(tmp_path, monkeypatch):
    path = tmp_path / "fresh" / "parkmap.duckdb"
    assert not path.exists()
    monkeypatch.setenv(store.ENV_VAR, str(path))

    at = app_test().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.title] == [t("ob_title")]
    assert {b.label for b in at.button} >= {t("ob_demo_go"), t("ob_local_go")}
    assert not at.metric  # no page until a path is chosen
    next(b for b in at.button if b.label == t("ob_demo_go")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at)[card("signed")] == "391"
    assert any("演示数据" in i.value for i in at.info)
    assert path.exists()

    # Drop the app's cached connection, then read the file on our own.
    del at
    st.cache_data.clear()
    st.cache_resource.clear()
    gc.collect()
    con = store.connect(path, read_only=True)
    try:
        (signed,) = con.execute(
            "SELECT count(*) FROM projects WHERE signed_on BETWEEN DATE '2018-01-01' AND DATE '2018-06-30'"
        ).fetchone()
    finally:
        con.close()
    assert signed == 391
