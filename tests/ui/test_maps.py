"""folium builders (ui.maps): a metric-only scale bar on every map, a folding legend whose texts stay text."""

from __future__ import annotations

import json
import re

import pytest

from ui import maps
from ui.assets import localise


def _html(m) -> str:
    return localise(m).get_root().render()


def test_every_base_map_has_a_metric_scale_bar_only():
    html = _html(maps.base_map((114.0, 29.5, 114.5, 30.0)))
    scales = re.findall(r"L\.control\.scale\(([^)]*)\)", html)
    assert scales == ['{imperial: false, metric: true, maxWidth: 120, position: "bottomleft"}'], scales
    assert '"attributionControl": false' in html  # no tiles, so no English "Leaflet" credit in the corner


def test_legend_folds_keeps_its_state_per_key_and_sets_text_only():
    m = maps.base_map(None)
    hostile = '</script><img src=x onerror=alert(1)>'
    maps.add_legend(m, [("空置", "#e74c3c"), (hostile, "#abc")], key="vacancy", title="厂房状态")
    html = _html(m)
    assert "</script><img" not in html and "\\u003c/script\\u003e" in html
    spec = json.loads(re.search(r"\}\)\(\w+, (\{.*?\})\);", html, re.S).group(1))
    assert spec["key"] == "vacancy" and spec["title"] == "厂房状态"
    assert spec["items"] == [["空置", "#e74c3c"], [hostile, "#abc"]]
    assert spec["show"] == "展开图例" and spec["hide"] == "收起图例"
    script = html[html.index('var store = "parkmap:legend:"'):]
    assert "sessionStorage.getItem(store)" in script and "sessionStorage.setItem(store" in script
    assert "innerHTML" not in script and "createTextNode(item[0])" in script


def test_legend_title_defaults_to_图例_and_refuses_colours_that_are_not_literals():
    assert maps.legend_spec([("a", "#fff")], key="k")["title"] == "图例"
    with pytest.raises(ValueError):
        maps.legend_spec([("a", "red;background:url(http://x)")], key="k")
