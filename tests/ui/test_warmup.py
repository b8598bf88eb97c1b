"""The server's warm-up fills the caches the overview reads, with the overview's own default arguments."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui import data, mapkit, warmup
from ui.mapkit import payload


def test_overview_period_is_the_overviews_default(demo_env):
    year, first, last = warmup.overview_period(data.as_of())
    assert (year, first, last) == (2018, "2018-01", "2018-06")  # the demo's as-of date is 2018-06-30
    at = AppTest.from_file("../../app.py", default_timeout=60).run()
    assert not at.exception
    assert at.number_input[0].value == year and at.slider[0].value == (1, 6)


def test_warm_up_fills_the_map_and_kpi_caches(demo_env, monkeypatch):
    assert warmup.run() > 0
    def fail(*args, **kwargs):
        raise AssertionError("computed again: the warm-up did not fill this cache")

    monkeypatch.setattr(payload, "encode_points", fail)
    monkeypatch.setattr(data, "summarize", fail)
    assert {layer.name for layer in mapkit.map_layers(None)} == {"regions", "parks", "assets", "factories", "projects"}
    year, first, last = warmup.overview_period(data.as_of())
    assert data.kpi_summary(first, last, None)["signed"] == 391


def test_warm_up_on_an_empty_store_does_nothing_and_never_raises(tmp_path, monkeypatch):
    import store

    monkeypatch.setenv(store.ENV_VAR, str(tmp_path / "empty.duckdb"))
    assert warmup.run() == 0.0


def test_a_failing_warm_up_is_logged_not_raised(monkeypatch, caplog):
    def broken():
        raise RuntimeError("数据库损坏")

    monkeypatch.setattr(data, "dataset_info", broken)
    warmup.run()
    assert "warm-up failed" in caplog.text and "数据库损坏" in caplog.text


@pytest.fixture(autouse=True)
def _no_connection_left(demo_env):
    yield
    data._connection.clear()


def test_the_servers_lifespan_declares_no_component_outside_a_script_run():
    """streamlit_folium registers its component when imported; imported by the lifespan (outside any script run) it is
    never registered and every folium map is a blank frame (404 on its index.html). The lifespan's modules must not
    import it, directly or through ui.widgets."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = ("import sys; import ui.backups, ui.warmup, ui.errors; from ui import data, mapkit; "
            "bad = sorted(m for m in sys.modules if m.startswith('streamlit_folium') or m == 'ui.widgets'); print(bad)")
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
