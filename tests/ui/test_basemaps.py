"""Basemap choices: none by default, 天地图 only with a key, 高德 in GCJ-02, local MBTiles extracted to XYZ files."""

from __future__ import annotations

import json
import sqlite3

import pytest

from ui import basemaps


@pytest.fixture(autouse=True)
def _no_settings(monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    monkeypatch.delenv("PARKMAP_AMAP", raising=False)


def test_default_is_no_basemap(tmp_path):
    offered = basemaps.available(tmp_path)
    assert offered[0] is basemaps.NONE and basemaps.NONE.to_args() is None
    assert not any(b.key.startswith("tianditu") for b in offered)
    assert basemaps.by_key("no-such", tmp_path) is basemaps.NONE


def test_tianditu_with_key(monkeypatch, tmp_path):
    monkeypatch.setenv("TIANDITU_KEY", "ab c&d")
    vec = basemaps.by_key("tianditu_vec", tmp_path)
    assert vec.crs == "wgs84" and len(vec.tiles) == 2
    assert all("tk=ab%20c%26d" in u for u in vec.tiles)
    assert "LAYER=vec" in vec.tiles[0] and "LAYER=cva" in vec.tiles[1]


def test_amap_is_gcj02_and_can_be_hidden(monkeypatch, tmp_path):
    assert basemaps.by_key("amap_vec", tmp_path).crs == "gcj02"
    monkeypatch.setenv("PARKMAP_AMAP", "0")
    assert basemaps.by_key("amap_vec", tmp_path) is basemaps.NONE


def mbtiles(path, fmt="png"):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute("CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)")
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "县域影像"), ("format", fmt)])
    con.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", [(1, 0, 0, b"tile-1-0-0"), (2, 3, 1, b"tile-2-3-1")])
    con.commit()
    con.close()


def test_import_mbtiles_flips_rows(tmp_path):
    src = tmp_path / "x.mbtiles"
    mbtiles(src)
    info = basemaps.import_mbtiles(src, "county_img", folder=tmp_path / "tiles")
    assert info["tiles"] == 2 and (info["minzoom"], info["maxzoom"]) == (1, 2)
    assert (tmp_path / "tiles/county_img/1/0/1.png").read_bytes() == b"tile-1-0-0"  # TMS row 0 at z1 = XYZ row 1
    assert (tmp_path / "tiles/county_img/2/3/2.png").read_bytes() == b"tile-2-3-1"
    assert json.loads((tmp_path / "tiles/county_img/tileset.json").read_text(encoding="utf-8"))["label"] == "县域影像"
    [local] = basemaps.local_tilesets(tmp_path / "tiles")
    assert local.tiles == ("../../app/static/tiles/county_img/{z}/{x}/{y}.png",) and local.max_native_zoom == 2


def test_import_refuses_vector_tiles_and_bad_names(tmp_path):
    src = tmp_path / "v.mbtiles"
    mbtiles(src, fmt="pbf")
    with pytest.raises(basemaps.TileImportError, match="栅格"):
        basemaps.import_mbtiles(src, "v", folder=tmp_path)
    with pytest.raises(basemaps.TileImportError, match="名称"):
        basemaps.import_mbtiles(src, "../evil", folder=tmp_path)
    with pytest.raises(basemaps.TileImportError, match="MBTiles"):
        (tmp_path / "junk.mbtiles").write_bytes(b"not sqlite at all" * 10)
        basemaps.import_mbtiles(tmp_path / "junk.mbtiles", "j", folder=tmp_path)
