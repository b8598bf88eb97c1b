"""「编辑记录」 on 图层数据 (AppTest, 商洛市 fixture store: not the demo): place a 位置待定 project by typed GCJ-02
coordinates, Chinese row errors that keep the form, 新增, 删除 after the typed name, and a conflict with someone
else's save that loses neither person's change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shapely

import layers
import store
from geo import coords
from imports import records
from tests.ui.test_pages import PAGES_DIR, app_test
from ui import data
from ui.text import t

PAGE = PAGES_DIR / "1_图层数据.py"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stores" / "shangluo.duckdb"
PENDING = "IMP-08f9b6c20611"  # 中药材加工项目, 商南县, 位置待定
WALNUT = "IMP-1a6255b3fe44"  # 核桃深加工项目, 商州区
SHANGNAN_WGS = (110.88, 33.53)


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("record_forms") / "shangluo.duckdb"
    shutil.copyfile(FIXTURE, path)
    con = store.connect(path)
    layers.create_all(con)
    con.close()
    return path


@pytest.fixture
def db(upgraded, tmp_path, monkeypatch):
    path = tmp_path / "shangluo.duckdb"
    shutil.copyfile(upgraded, path)
    monkeypatch.setenv(store.ENV_VAR, str(path))
    yield path
    data._connection.clear()


def stored(db, record: str) -> dict | None:
    data._connection.clear()
    con = store.connect(db)
    try:
        return records.stored_row(con, "projects", record)
    finally:
        con.close()


def opened(record: str):
    at = app_test(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="rec-pick-projects").set_value(record).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def field(record: str | None, name: str) -> str:
    return f"rec-projects-{record or 'new'}-{name}"


def save(at):
    next(b for b in at.button if b.label == t("rec_save")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_pending_project_is_placed_by_typed_gcj02_coordinates(db):
    at = opened(PENDING)
    assert any(t("rec_position_pending") in c.value for c in at.caption)
    gcj = coords.convert(*SHANGNAN_WGS, "wgs84", "gcj02")
    at.selectbox(key=field(PENDING, "crs")).set_value("gcj02")
    at.text_input(key=field(PENDING, "lon")).input(f"{float(gcj[0]):.6f}")
    at.text_input(key=field(PENDING, "lat")).input(f"{float(gcj[1]):.6f}")
    at.text_input(key=field(PENDING, "funds_in_place_wan")).input("2500")
    save(at)
    assert any("已保存" in s.value for s in at.success), [s.value for s in at.success]
    row = stored(db, PENDING)
    assert row["funds_in_place_wan"] == 2500.0 and row["geometry"].distance(shapely.Point(*SHANGNAN_WGS)) < 1e-6


def test_a_refused_value_says_why_in_chinese_and_keeps_what_was_typed(db):
    at = opened(WALNUT)
    at.text_input(key=field(WALNUT, "investment_wan")).input("很多")
    at.text_input(key=field(WALNUT, "leader")).input("赵六")
    save(at)
    assert any("金额无法识别：“很多”" in e.value for e in at.error), [e.value for e in at.error]
    assert at.text_input(key=field(WALNUT, "leader")).value == "赵六"
    assert stored(db, WALNUT)["leader"] == "李四"
    at.text_input(key=field(WALNUT, "lon")).input("109.94")
    at.text_input(key=field(WALNUT, "lat")).input("33.0")
    at.text_input(key=field(WALNUT, "investment_wan")).input("1.2亿")
    save(at)
    assert any("位置不在商州区境内" in e.value for e in at.error), [e.value for e in at.error]


def test_a_new_project_is_added_and_a_project_deleted_after_typing_its_name(db):
    at = opened(records_new := "__new__")
    at.text_input(key=field(None, "name")).input("页面新增项目")
    at.selectbox(key=field(None, "unit")).set_value("山阳县")
    at.selectbox(key=field(None, "stage")).set_value("签约")
    at.text_input(key=field(None, "investment_wan")).input("5000")
    save(at)
    assert any("已保存" in s.value for s in at.success), [e.value for e in at.error]
    assert records_new and at.selectbox(key="rec-pick-projects").value not in (None, "__new__")  # the new record is open
    added = at.selectbox(key="rec-pick-projects").value
    assert stored(db, added)["name"] == "页面新增项目"
    go = next(b for b in at.button if b.label == t("rec_delete"))
    assert go.disabled
    at.text_input(key=field(added, "delete")).input("页面新增项目").run()
    next(b for b in at.button if b.label == t("rec_delete")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已删除“页面新增项目”" in s.value for s in at.success)
    assert stored(db, added) is None


def test_a_conflict_keeps_both_changes(db):
    at = opened(WALNUT)
    at.text_input(key=field(WALNUT, "investment_wan")).input("9000")
    con = store.connect(db)  # someone else saves the record meanwhile
    try:
        shown = records.stored_cells(con, "projects", records.stored_row(con, "projects", WALNUT))
        records.save(con, "projects", records.changed_cells(shown, {**shown, "leader": "赵六"}), user="另一人", record=WALNUT)
    finally:
        con.close()
    save(at)
    assert any(t("rec_conflict") in e.value for e in at.error)
    assert at.text_input(key=field(WALNUT, "investment_wan")).value == "9000"  # nothing typed is lost
    next(b for b in at.button if b.label == t("rec_conflict_keep")).click().run()
    assert at.text_input(key=field(WALNUT, "leader")).value == "赵六"
    assert at.text_input(key=field(WALNUT, "investment_wan")).value == "9000"
    save(at)
    row = stored(db, WALNUT)
    assert (row["investment_wan"], row["leader"]) == (9000.0, "赵六")
