"""A point layer over its budget is sent as grid cells; a zoomed-in view gets that layer's own features
(ui.mapkit.view_detail), and clicks on them resolve to stored ids."""

from __future__ import annotations

import pytest
import shapely

from layers.vocab import STAGE_COLORS
from ui import data, mapkit
from ui.mapkit import payload

BUDGET = 100


@pytest.fixture
def small_budget(demo_env, monkeypatch):
    monkeypatch.setenv(payload.BUDGET_ENV, str(BUDGET))  # the demo's 1,216 projects are then "too many"
    return demo_env


def test_detail_box_covers_the_view_and_is_stable_under_small_pans():
    view = (114.31, 29.81, 114.41, 29.87)
    box = mapkit.detail_box(view)
    assert box[0] <= view[0] - 0.05 and box[1] <= view[1] - 0.05 and box[2] >= view[2] + 0.05 and box[3] >= view[3] + 0.05
    step = 0.125  # 2 ** ceil(log2(0.1))
    assert all(abs(v / step - round(v / step)) < 1e-9 for v in box)
    assert mapkit.detail_box((114.312, 29.811, 114.412, 29.871)) == box  # a small pan: the same document


def test_budget_setting_caps_every_layer(monkeypatch):
    monkeypatch.setenv(payload.BUDGET_ENV, "500")
    assert payload.budget_for("projects") == 500 and payload.budget_for("parks") == 500
    monkeypatch.setenv(payload.BUDGET_ENV, "nonsense")
    assert payload.budget_for("projects") == payload.BUDGETS["projects"]


def test_over_budget_layer_gets_the_features_of_a_zoomed_in_view(small_budget):
    layers = {layer.name: layer for layer in mapkit.map_layers(None)}
    cells = layers["projects"]
    assert cells.main.kind == "cells" and cells.detail.name == "projects" and cells.detail.counties is None
    assert cells.meta()["dl"] == [[stage, colour] for stage, colour in STAGE_COLORS.items()]  # the panel's legend
    assert layers["factories"].main.kind == "cells"  # 148 > 100 as well

    located = data.load_layer("projects", None)
    located = located[located.geometry.notna()]
    x, y = shapely.get_x(located.geometry.values), shapely.get_y(located.geometry.values)
    for centre in zip(x, y):  # a view around some project whose area holds no more than the budget
        view = (centre[0] - 0.01, centre[1] - 0.008, centre[0] + 0.01, centre[1] + 0.008)
        box = mapkit.detail_box(view)
        inside = (x >= box[0]) & (x <= box[2]) & (y >= box[1]) & (y <= box[3])
        if 5 <= inside.sum() <= BUDGET:
            break
    else:
        pytest.fail("no view with a few projects in the demo")
    expected = set(located["project_id"][inside])
    doc = mapkit.view_detail(cells.detail, box)
    assert doc is not None and doc.kind == "points" and set(doc.ids) == expected

    # Zoomed out, or more features in the area than the budget: cells only.
    assert mapkit.view_detail(cells.detail, mapkit.detail_box((113.5, 29.0, 114.9, 30.3))) is None
    assert mapkit._with_view_detail([cells], {"bounds": view, "zoom": 7}, "wgs84") == [cells]
    attached = mapkit._with_view_detail([cells], {"bounds": view, "zoom": 13}, "wgs84")[0]
    assert attached.view_doc == doc and attached.meta()["vd"] == doc.version and attached.meta()["db"] == list(box)
    assert doc in attached.documents()

    # A click on the view's features resolves through the documents sent earlier.
    click = {"click": {"layer": "projects", "i": 0, "v": doc.version, "lon": centre[0], "lat": centre[1], "seq": 1}}
    assert mapkit.normalise(click, [cells])["clicked"] is None
    assert mapkit.normalise(click, [cells], details=[doc])["clicked"] == {"layer": "projects", "id": doc.ids[0]}


def test_detail_in_gcj02_is_shifted_for_display(small_budget):
    cells = next(layer for layer in mapkit.map_layers(None, "gcj02") if layer.name == "projects")
    located = data.load_layer("projects", None).dropna(subset=["geometry"])
    p = located.geometry.iloc[0]
    view = (p.x - 0.005, p.y - 0.004, p.x + 0.005, p.y + 0.004)
    attached = mapkit._with_view_detail([cells], {"bounds": view, "zoom": 15}, "gcj02")[0]
    assert attached.view_doc is not None
    box, shown = mapkit.detail_box(view), attached.meta()["db"]
    assert 0.001 < shown[0] - box[0] < 0.01  # GCJ-02 lies a few hundred metres east of WGS-84 here
    doc = attached.view_doc.data.decode()
    assert attached.view_doc.kind == "points" and '"x"' in doc
