"""Compact layer documents: coordinates survive the round trip, versions are stable, budgets and ids hold."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from geo import coords
from ui import mapkit
from ui.mapkit import payload

DECODE_JS = Path(__file__).resolve().parents[2] / "ui" / "mapkit" / "frontend" / "decode.js"
COLOURS = {"签约": "#2980b9", "开工": "#e67e22"}


def points(n: int = 50, seed: int = 1) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xs, ys = rng.uniform(114.0, 114.5, n), rng.uniform(29.5, 30.0, n)
    return gpd.GeoDataFrame({"pid": [f"P{i:03d}" for i in range(n)], "name": [f"项目{i}" for i in range(n)],
                             "stage": rng.choice(["签约", "开工", "其他"], n)},
                            geometry=[Point(x, y) for x, y in zip(xs, ys)], crs="EPSG:4326")


def encode(frame, **kw):
    return payload.encode_points("projects", "招商项目", frame, key="pid", category="stage", colors=COLOURS, **kw)


def test_deltas_round_trip():
    q = payload.quantise([114.123456, 114.123466, 113.9])
    assert q.tolist() == [11412346, 11412347, 11390000]
    assert payload.undelta(payload.deltas(q)).tolist() == q.tolist()


def test_points_keep_position_category_and_id():
    frame = points()
    layer = encode(frame)
    doc = json.loads(layer.data)
    x, y = payload.undelta(doc["x"]) / payload.QUANT, payload.undelta(doc["y"]) / payload.QUANT
    by_id = frame.set_index("pid")
    for i, fid in enumerate(layer.ids):
        assert abs(x[i] - by_id.loc[fid].geometry.x) <= 0.5e-5 and abs(y[i] - by_id.loc[fid].geometry.y) <= 0.5e-5
        stage = by_id.loc[fid, "stage"]
        assert doc["colors"][doc["c"][i]] == COLOURS.get(stage, "#7f8c8d")
        assert doc["names"][i] == by_id.loc[fid, "name"]
    assert sorted(layer.ids) == sorted(frame["pid"]) and layer.id_at(3) == layer.ids[3] and layer.id_at(999) is None
    assert layer.indices([layer.ids[7], "nope"]) == [7]
    assert "P001" not in layer.data.decode()  # ids never travel


def test_version_is_stable_and_follows_the_data():
    a, b = encode(points()), encode(points().sample(frac=1, random_state=3))
    assert a.version == b.version and a.ids == b.ids  # row order of the frame does not matter
    moved = points()
    moved.loc[0, "geometry"] = Point(114.2, 29.7)
    assert encode(moved).version != a.version


def test_budget_and_label_budget(monkeypatch):
    frame = points(30)
    assert encode(frame, budget=29) is None
    monkeypatch.setattr(payload, "LABEL_BUDGET", 10)
    assert "names" not in json.loads(encode(frame).data)


def test_missing_geometry_is_skipped_and_footprints_become_points():
    frame = points(3)
    frame.loc[1, "geometry"] = None
    frame.loc[2, "geometry"] = box(114.0, 29.0, 114.01, 29.01)
    layer = encode(frame)
    assert layer.count == 2 and "P001" not in layer.ids


def test_compact_enough():
    layer = encode(points(5000, seed=2), budget=10_000)
    blob = payload.bundle([layer], have=[])
    assert len(blob) / 5000 < 30, len(blob) / 5000  # bytes per point including names, gzip'd


def test_bundle_sends_only_what_the_browser_lacks():
    a = encode(points())
    b = payload.encode_polygons("parks", "园区", gpd.GeoDataFrame({"park_id": ["K1"], "name": ["园"]},
                                geometry=[box(114, 29, 114.1, 29.1)], crs="EPSG:4326"), key="park_id", style={})
    assert payload.bundle([a, b], have=[a.version, b.version]) == b""
    docs = payload.unbundle(payload.bundle([a, b], have=[a.version]))
    assert list(docs) == [b.version] and docs[b.version]["names"] == ["园"]


def test_gcj02_display_shift():
    frame = points(5)
    shifted = json.loads(encode(frame, crs="gcj02").data)
    plain = json.loads(encode(frame).data)
    dx = (payload.undelta(shifted["x"]) - payload.undelta(plain["x"])) / payload.QUANT
    assert np.all(np.abs(dx) > 0.003)  # a few hundred metres east


def test_normalise_resolves_ids_and_shifts_back():
    layer = mapkit.MapLayer(encode(points()))
    lon, lat = coords.wgs84_to_gcj02(114.3, 29.8)
    value = {"click": {"layer": "projects", "i": 4, "v": layer.main.version, "lon": lon, "lat": lat, "seq": 3},
             "shape": {"type": "circle", "center": [lon, lat], "radius_m": 500}}
    out = mapkit.normalise(value, [layer], "gcj02")
    assert out["clicked"] == {"layer": "projects", "id": layer.main.ids[4]}
    assert abs(out["position"][0] - 114.3) < 1e-6 and abs(out["shape"]["center"][1] - 29.8) < 1e-6
    stale = mapkit.normalise({"click": {**value["click"], "v": "old"}}, [layer], "gcj02")
    assert stale["clicked"] is None and stale["position"] is not None


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
def test_browser_decoder_matches(tmp_path):
    layer = encode(points(20))
    doc = tmp_path / "doc.json"
    doc.write_bytes(layer.data)
    script = f"const D = require({json.dumps(str(DECODE_JS))}); const d = D.points(require({json.dumps(str(doc))}));" \
             "console.log(JSON.stringify([Array.from(d.lon), Array.from(d.lat)]));"
    lon, lat = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    doc_json = json.loads(layer.data)
    assert np.allclose(lon, payload.undelta(doc_json["x"]) / payload.QUANT)
    assert np.allclose(lat, payload.undelta(doc_json["y"]) / payload.QUANT)


def test_point_tooltip_values_follow_their_feature_past_missing_geometry():
    frame = points(20)
    frame.loc[[3, 11], "geometry"] = None
    texts = [f"第{i}行" for i in range(len(frame))]
    layer = mapkit.point_layer("candidates", "候选厂房", frame, key="pid", values=texts)
    doc = json.loads(layer.main.data)
    assert len(doc["values"]) == len(layer.main.ids) == 18
    for fid, text in zip(layer.main.ids, doc["values"]):
        assert text == f"第{int(fid[1:])}行"
    # One colour and one legend entry when the layer has no category.
    assert doc["colors"][0] == "#7f8c8d" and set(doc["c"]) == {0} and layer.main.legend == (("候选厂房", "#7f8c8d"),)


def test_polygon_fills_values_and_labels_stay_with_their_row():
    frame = gpd.GeoDataFrame({"park_id": ["B", "A", "C"], "name": ["乙园", "甲园", "丙园"]},
                             geometry=[box(114.2, 29.6, 114.3, 29.7), box(114.0, 29.5, 114.1, 29.6), None], crs="EPSG:4326")
    layer = payload.encode_polygons("capacity", "园区剩余", frame, key="park_id", style={}, fills=["#111111", "#222222", "#333333"],
                                    values=["剩余 10%", "剩余 20%", "剩余 30%"], show_labels=True)
    doc = json.loads(layer.data)
    assert layer.ids == ("A", "B")  # sorted by id; the row without geometry is left out
    assert doc["fill"] == ["#222222", "#111111"] and doc["values"] == ["剩余 20%", "剩余 10%"]
    assert doc["names"] == ["甲园", "乙园"] and len(doc["lx"]) == 2


def test_polygon_anchors_are_a_point_inside_each_polygon():
    frame = gpd.GeoDataFrame({"park_id": ["B", "A"], "name": ["乙园", "甲园"]},
                             geometry=[box(114.2, 29.6, 114.3, 29.7), box(114.0, 29.5, 114.1, 29.6)], crs="EPSG:4326")
    doc = json.loads(payload.encode_polygons("parks", "园区", frame, key="park_id", style={}, anchors=True).data)
    assert "lx" not in doc and len(doc["ax"]) == 2  # anchors without labels
    for x, y, geom in zip(doc["ax"], doc["ay"], [frame.geometry[1], frame.geometry[0]]):  # wire order: by id
        assert geom.contains(Point(x / payload.QUANT, y / payload.QUANT))
    assert "ax" not in json.loads(payload.encode_polygons("parks", "园区", frame, key="park_id", style={}).data)
