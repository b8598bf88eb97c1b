"""Map ↔ table selection (ui.mapkit.linking): a click selects the row, a row selects and pans to the feature, a
selection follows its feature when the table changes, and a county pick gives that county's bounds."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from ui.mapkit.linking import Link, county_bounds, id_at, reconcile, row_of

IDS = ["P-3", "P-1", "P-7"]


def step(prev, *, ids=IDS, clicked=None, click=None, rows=(), layer="projects"):
    return reconcile(prev, layer=layer, ids=ids, clicked=clicked, click=click, rows=rows)


def test_row_of_and_id_at_map_ids_and_rows_both_ways():
    assert row_of(IDS, "P-7") == 2 and row_of(IDS, "P-9") is None and row_of(IDS, None) is None
    assert row_of([101, 102], "102") == 1  # the map reports ids as text
    assert id_at(IDS, [1]) == "P-1" and id_at(IDS, []) is None and id_at(IDS, [5]) is None
    for i, fid in enumerate(IDS):
        assert id_at(IDS, [row_of(IDS, fid)]) == fid and row_of(IDS, id_at(IDS, [i])) == i


def test_a_click_on_the_map_selects_its_row_listed_first_without_panning():
    link = step(None, clicked={"layer": "projects", "id": "P-7"}, click=(1, (114.1, 29.8)))
    assert (link.id, link.rows, link.source, link.pinned) == ("P-7", (0,), "map", "P-7")
    assert link.order(IDS) == [2, 0, 1]  # the table lists P-7, P-3, P-1: the selected row is in view
    assert link.highlight() == {"projects": ["P-7"]} and link.focus() is None
    assert link.selection() == {"selection": {"rows": [0], "columns": [], "cells": []}}
    # the next run: the table now reports the row this link set; nothing changes, nothing pans
    again = step(link, clicked={"layer": "projects", "id": "P-7"}, click=(1, (114.1, 29.8)), rows=(0,))
    assert again == link
    # a row picked below it keeps the order (P-7 stays first until the next click) and pans to P-1
    picked = step(again, clicked={"layer": "projects", "id": "P-7"}, click=(1, (114.1, 29.8)), rows=(2,))
    assert (picked.id, picked.rows, picked.pinned, picked.order(IDS)) == ("P-1", (2,), "P-7", [2, 0, 1])
    assert picked.focus() == ("projects", "P-1", 1)


def test_a_row_picked_in_the_table_highlights_and_pans_once():
    first = step(None, rows=(1,))
    assert (first.id, first.rows, first.source) == ("P-1", (1,), "table")
    assert first.highlight() == {"projects": ["P-1"]} and first.focus() == ("projects", "P-1", 1)
    assert step(first, rows=(1,)) == first  # a rerun keeps the same focus: the map does not pan again
    cleared = step(first, rows=())
    assert cleared.id is None and cleared.highlight() == {} and cleared.focus() is None
    back = step(cleared, rows=(1,))
    assert back.focus() == ("projects", "P-1", 2)  # picked again after the user panned away: pans again


def test_the_newest_action_wins():
    clicked = step(step(None, rows=(0,)), clicked={"layer": "projects", "id": "P-7"}, click=(1, (1.0, 2.0)), rows=(0,))
    assert (clicked.id, clicked.rows, clicked.source) == ("P-7", (0,), "map")
    picked = step(clicked, clicked={"layer": "projects", "id": "P-7"}, click=(1, (1.0, 2.0)), rows=(1,))
    assert (picked.id, picked.source) == ("P-3", "table")  # row 1 as listed: P-7, P-3, P-1
    # a reloaded map frame restarts its click counter: the same number at another position is a new click
    reloaded = step(picked, clicked={"layer": "projects", "id": "P-1"}, click=(1, (3.0, 4.0)), rows=(1,))
    assert (reloaded.id, reloaded.rows, reloaded.order(IDS)) == ("P-1", (0,), [1, 0, 2])


@pytest.mark.parametrize("clicked", [None, {"layer": "parks", "id": "P-GX"}, {"layer": "projects", "id": None}])
def test_a_click_beside_every_feature_or_on_another_layer_clears(clicked):
    link = step(step(None, rows=(0,)), clicked=clicked, click=(4, (1.0, 1.0)), rows=(0,))
    assert link.id is None and link.rows == () and link.highlight() == {} and link.order(IDS) == [0, 1, 2]


def test_a_clicked_feature_the_table_does_not_list_is_highlighted_without_a_row():
    link = step(None, clicked={"layer": "projects", "id": "P-9"}, click=(1, (1.0, 1.0)))
    assert link.id == "P-9" and link.rows == () and link.highlight() == {"projects": ["P-9"]} and link.order(IDS) == [0, 1, 2]


def test_the_selection_follows_its_feature_when_the_table_changes():
    link = step(None, rows=(1,))
    moved = step(link, ids=["P-8", "P-3", "P-1"], rows=(1,))  # a filter added a row before it
    assert (moved.id, moved.rows) == ("P-1", (2,)) and moved.focus() == link.focus()
    gone = step(moved, ids=["P-8"], rows=(2,))
    assert gone.id == "P-1" and gone.rows == ()  # still highlighted, no row to select
    other_layer = step(moved, layer="factories", ids=["F-1", "F-2", "F-3"], rows=(2,))
    assert other_layer.id is None and other_layer.rows == ()  # the table now lists another layer
    clicked = step(None, clicked={"layer": "projects", "id": "P-1"}, click=(1, (1.0, 1.0)))
    refiltered = step(clicked, ids=["P-8", "P-1", "P-3"], clicked={"layer": "projects", "id": "P-1"}, click=(1, (1.0, 1.0)), rows=(0,))
    assert refiltered.order(["P-8", "P-1", "P-3"]) == [1, 0, 2] and refiltered.rows == (0,)  # still first, still selected


def test_county_bounds_are_the_picked_regions_bounds():
    regions = gpd.GeoDataFrame({"adcode": ["421202", "421221", "421200"]},
                               geometry=[shapely.box(114.0, 29.6, 114.6, 30.1), shapely.box(113.6, 29.8, 114.1, 30.2),
                                         shapely.box(113.5, 28.9, 114.9, 30.3)], crs="EPSG:4326")
    assert county_bounds(regions, ["421202"]) == (114.0, 29.6, 114.6, 30.1)
    assert county_bounds(regions, ("421202", "421221")) == (113.6, 29.6, 114.6, 30.2)
    assert county_bounds(regions, []) is None and county_bounds(regions, None) is None
    assert county_bounds(regions, ["999999"]) is None
    metric = regions.to_crs("EPSG:3857")
    assert county_bounds(metric, ["421202"]) == pytest.approx((114.0, 29.6, 114.6, 30.1))


def test_an_empty_link_selects_nothing():
    assert Link().highlight() == {} and Link().focus() is None and Link().selection()["selection"]["rows"] == []


def test_a_selection_streamlit_drops_when_the_data_changes_stays():
    """After a save the table's data change and Streamlit reports no row selected (streamlit#9505): the feature stays
    selected, at its row. The same empty report with unchanged data is the visitor clearing it."""
    clicked = reconcile(None, layer="projects", ids=IDS, clicked={"layer": "projects", "id": "P-1"}, click=(1, (1.0, 1.0)),
                        rows=(), data="v1")
    assert (clicked.id, clicked.rows, clicked.data) == ("P-1", (0,), "v1")
    saved = reconcile(clicked, layer="projects", ids=IDS, clicked=None, click=None, rows=(), data="v2")
    assert (saved.id, saved.rows, saved.data) == ("P-1", (0,), "v2")
    cleared = reconcile(saved, layer="projects", ids=IDS, clicked=None, click=None, rows=(), data="v2")
    assert cleared.id is None and cleared.data == "v2"
    untold = reconcile(clicked, layer="projects", ids=IDS, clicked=None, click=None, rows=())
    assert untold.id is None  # without versions an empty selection is the visitor's
