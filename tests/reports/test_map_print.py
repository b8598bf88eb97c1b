"""A3 map sheets: exact A3 pixels, a real PDF, and data text kept literal."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
from PIL import Image
from shapely.geometry import Point

from reports import map_print

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def sheet_layers(county_frame, toy):
    pts = gpd.GeoDataFrame({"name": ["${alert(1)}", "乙"], "stage": ["签约", "开工"]},
                           geometry=[toy.point_a, Point(114.15, 29.05)], crs=toy.crs)
    named = county_frame.assign(name=["测试市", "<b>甲县</b> $x$", "乙县"])
    return [map_print.PrintLayer("regions", "行政区", named[named["level"] == "county"], "polygons", face="#ecf0f1", labels=True),
            map_print.PrintLayer("projects", "招商项目", pts, "points", category="stage",
                                 colors={"签约": "#2980b9", "开工": "#e67e22"}, legend=(("签约", "#2980b9"), ("开工", "#e67e22")))]


def test_png_is_a3_at_the_dpi(sheet_layers, toy):
    png = map_print.render(sheet_layers, bounds=(114.0, 29.0, 114.2, 29.1), title="测试县 项目分布图", unit="测试县招商局",
                           data_date="2018-06-30", printed_on=date(2018, 7, 1))
    image = Image.open(io.BytesIO(png))
    assert image.size == map_print.a3_pixels(150) == (2480, 1754)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "map_print_test.png").write_bytes(png)
    # Not blank: the map area holds the county fill and the points' colours.
    colours = {c for _n, c in image.convert("RGB").resize((248, 175)).getcolors(100_000)}
    assert len(colours) > 20


def test_pdf(sheet_layers):
    pdf = map_print.render(sheet_layers, bounds=(114.0, 29.0, 114.2, 29.1), title="测试", unit="单位", data_date="2018-06-30", fmt="pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000


def test_refuses_bad_requests(sheet_layers):
    with pytest.raises(map_print.PrintError):
        map_print.render(sheet_layers, bounds=(114.2, 29.0, 114.0, 29.1), title="t", unit="u", data_date="d")
    with pytest.raises(map_print.PrintError):
        map_print.render(sheet_layers, bounds=(114.0, 29.0, 114.2, 29.1), title="t", unit="u", data_date="d", fmt="svg")


def test_nice_scale_lengths():
    assert map_print.nice_length(37_000) == 20_000
    assert map_print.nice_length(5_000) == 5_000
    assert map_print.nice_length(0.9) == 0.5


def test_polygons_too_small_for_the_sheet_get_a_diamond():
    from shapely.geometry import box

    parks = gpd.GeoDataFrame({"name": ["小园", "大园"]},
                             geometry=[box(114.00, 29.00, 114.01, 29.01), box(114.2, 29.2, 114.6, 29.6)], crs="EPSG:4326")
    layer = map_print.PrintLayer("parks", "园区", parks, "polygons", anchors=True)
    city = (113.5, 28.8, 115.0, 30.0)  # 1.5° wide: the 0.01° park is invisible, the 0.4° one is not
    (x, y), = map_print.tiny_anchors(layer, city)
    assert parks.geometry[0].contains(Point(x, y))
    assert map_print.tiny_anchors(layer, (113.99, 28.99, 114.05, 29.03)) == []  # zoomed in: the outline shows
    assert map_print.tiny_anchors(map_print.PrintLayer("parks", "园区", parks, "polygons"), city) == []
    assert any(layer.anchors for layer in map_print.standard_layers({"parks": parks}, ["parks"]))
