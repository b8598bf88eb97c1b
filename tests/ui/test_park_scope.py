"""A park user (园区填报) of the demo's 咸宁高新区 signed in (PARKMAP_AUTH=local) sees only the park's records on the pages and
in the exports — nothing of 咸安经济开发区, the other park of 咸安区 —, and a 咸安区 user nothing of another county."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

import store
from layers import LAYER_LABELS, _scope, accounts, projects
from layers.xlsx import HEADER_ROW, NO_ROWS
from tests.ui.test_pages import PAGES_DIR, app_test
from ui import asset_views, capacity_views, data, factory_views
from ui import project_views as pv
from ui.text import t

GX, XA, XIANAN, GX_UNIT = "P-GX", "P-XA", "421202", "GX421200"
GX_NAME, XA_NAME = "咸宁高新技术产业开发区", "咸安经济开发区"  # 图层数据 shows parks and counties by name
PARK_USER = accounts.Account("gaoxin", "高新区招商局", "park", (XIANAN,), (GX,))
COUNTY_USER = accounts.Account("xianan", "咸安区招商局", "county", (XIANAN,), ())
PARK_SCOPE, COUNTY_SCOPE = _scope.make((XIANAN,), (GX,)), _scope.make((XIANAN,))


@pytest.fixture
def signed_in(demo_env, monkeypatch):
    """The demo with sign-in required; returns the project ids each scope should show (read before the app opens)."""
    monkeypatch.setenv("PARKMAP_AUTH", "local")
    con = store.connect(demo_env.path)
    try:
        ids = {scope: set(projects.load(con, county=scope)["project_id"]) for scope in (PARK_SCOPE, COUNTY_SCOPE, None)}
        names = dict(con.execute("SELECT project_id, name FROM projects").fetchall())
    finally:
        con.close()
    return ids, names


def page_as(account, script):
    at = app_test(PAGES_DIR / script)
    at.session_state["identity-account"] = account
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def layer_table(at, layer):
    next(s for s in at.selectbox if s.label == t("layer_pick")).set_value(layer).run()
    assert not at.exception, [e.value for e in at.exception]
    if not at.dataframe:  # nothing in the scope: the page says so instead of drawing an empty table
        assert t("layer_empty", layer=LAYER_LABELS[layer]) in [i.value for i in at.info]
        return pd.DataFrame()
    return at.dataframe[0].value


def test_the_session_scope_of_each_role():
    from ui import identity

    assert identity.scope() is None  # no sign-in configured: 本机用户 sees everything
    assert _scope.make(PARK_USER.counties, PARK_USER.parks) == ("421202", "park:P-GX") != COUNTY_SCOPE


def test_layer_tables_of_a_park_user_hold_only_the_parks_records(signed_in):
    ids, _names = signed_in
    at = page_as(PARK_USER, "1_图层数据.py")
    shown = layer_table(at, "projects")
    assert set(shown["编号"]) == ids[PARK_SCOPE] and len(ids[PARK_SCOPE]) > 100
    assert not (shown["所在园区"] == XA_NAME).any() and (shown["所在园区"] == GX_NAME).any()
    assert list(layer_table(at, "parks")["编号"]) == [GX]
    factories = layer_table(at, "factories")
    assert len(factories) and set(factories["所在园区"]) == {GX_NAME}
    assert layer_table(at, "assets").empty  # state assets are not a park's
    assert list(layer_table(at, "regions")["编号"]) == [XIANAN]  # the county's boundary, as context
    picker = next(s for s in at.selectbox if s.label == t("county_pick"))
    assert picker.options == [t("all")]  # no county to widen the view to


def test_a_county_user_sees_their_county_and_nothing_of_another(signed_in):
    ids, _names = signed_in
    at = page_as(COUNTY_USER, "1_图层数据.py")
    shown = layer_table(at, "projects")
    assert set(shown["编号"]) == ids[COUNTY_SCOPE] and set(shown["县（市、区）"]) == {"咸安区"}
    assert {GX_NAME, XA_NAME} <= set(shown["所在园区"].dropna())
    assert set(layer_table(at, "parks")["县（市、区）"]) == {"咸安区"}
    assert set(layer_table(at, "assets")["县（市、区）"]) == {"咸安区"}
    assert list(layer_table(at, "regions")["编号"]) == [XIANAN]


def test_project_progress_ranks_the_parks_own_unit(signed_in):
    at = page_as(PARK_USER, "3_项目进度.py")
    ranking = next(d.value for d in at.dataframe if "位次" in d.value.columns)
    assert "咸宁高新区" in set(ranking["单位"])
    assert not {"咸安区", "嘉鱼县", "赤壁市", "通城县", "崇阳县", "通山县"} & set(ranking["单位"])
    county = page_as(COUNTY_USER, "3_项目进度.py")
    ranking = next(d.value for d in county.dataframe if "位次" in d.value.columns)
    assert set(ranking["单位"]) == {"咸宁高新区", "咸安区"}


def test_the_month_report_files_of_a_park_user_name_only_the_parks_projects(signed_in):
    ids, names = signed_in
    xlsx, html = pv.report_files("2018-06", PARK_SCOPE)
    text = html.decode("utf-8")
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    others = {names[p] for p in ids[COUNTY_SCOPE] - ids[PARK_SCOPE]}
    mine = {names[p] for p in ids[PARK_SCOPE]}
    assert not (others - mine) & cells and not any(n in text for n in others - mine if len(n) > 6)
    assert "嘉鱼县" not in text and "咸安区" not in cells
    county_xlsx, _ = pv.report_files("2018-06", COUNTY_SCOPE)
    assert county_xlsx != xlsx


def test_exports_and_cached_views_follow_the_scope(signed_in):
    ids, _names = signed_in
    assert set(data.load_layer("projects", PARK_SCOPE)["project_id"]) == ids[PARK_SCOPE]
    assert set(data.load_layer("projects", COUNTY_SCOPE)["project_id"]) == ids[COUNTY_SCOPE]  # no shared cache entry
    assert set(data.month_projects("2018-06", PARK_SCOPE)["project_id"]) <= ids[PARK_SCOPE]
    assert list(data.load_units(PARK_SCOPE)["unit_id"]) == [GX_UNIT]
    summary = data.kpi_summary("2018-01", "2018-06", PARK_SCOPE)
    assert [u["unit_id"] for u in summary["by_unit"]][:1] == [GX_UNIT]
    candidates = factory_views.load_candidates(PARK_SCOPE)
    assert len(candidates) and set(candidates["park_id"]) == {GX}
    parks, located = capacity_views.inputs(PARK_SCOPE)
    assert list(parks["park_id"]) == [GX] and set(located["park_id"]) <= {GX}
    book = openpyxl.load_workbook(io.BytesIO(asset_views.export(PARK_SCOPE, data.as_of().date())))
    lists = [ws for ws in book.worksheets if ws.title != "分阶段统计"]
    # headers only (the one writer's title rows above, its 无记录 line below): no asset of the county
    assert len(lists) == 4 and all(ws.max_row == HEADER_ROW + 1 and ws.cell(ws.max_row, 1).value == NO_ROWS for ws in lists)
    counts = [row[1] for row in book["分阶段统计"].iter_rows(min_row=HEADER_ROW + 1, values_only=True)]
    assert counts and not any(counts)
    county_book = openpyxl.load_workbook(io.BytesIO(asset_views.export(COUNTY_SCOPE, data.as_of().date())))
    assert max(ws.max_row for ws in county_book.worksheets) > 2


def test_map_frames_and_layers_of_a_park_user(signed_in):
    from ui import mapkit

    ids, _names = signed_in
    frames = mapkit.map_frames(PARK_SCOPE)
    assert list(frames["regions"]["adcode"]) == [XIANAN] and list(frames["parks"]["park_id"]) == [GX]
    assert set(frames["factories"]["park_id"]) == {GX} and frames["assets"].empty
    assert set(frames["projects"]["project_id"]) == ids[PARK_SCOPE]
    sent = {layer.name: layer for layer in mapkit.map_layers(PARK_SCOPE)}
    county = {layer.name: layer for layer in mapkit.map_layers(COUNTY_SCOPE)}
    assert sent["parks"].main.ids == (GX,) and set(county["parks"].main.ids) >= {GX, XA}  # never a shared cache entry
    assert set(sent["regions"].main.ids) == {XIANAN}
    if sent["projects"].main.kind == "points":
        assert set(sent["projects"].main.ids) <= ids[PARK_SCOPE]


@pytest.mark.parametrize("script", [None, *sorted(p.name for p in PAGES_DIR.glob("*.py"))])
def test_every_page_runs_for_a_park_user(signed_in, script):
    at = app_test(PAGES_DIR / script if script else None)
    at.session_state["identity-account"] = PARK_USER
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(str(v) for d in at.dataframe for v in d.value.astype(str).to_numpy().ravel())
    assert "咸安经济开发区" not in shown and "嘉鱼" not in shown


def test_the_audit_trail_shows_a_park_user_their_records_only(signed_in):
    ids, _names = signed_in
    at = page_as(PARK_USER, "10_操作记录.py")
    shown = at.dataframe[0].value
    assert len(shown) and set(shown[shown["数据"] == "招商项目"]["记录"]) <= ids[PARK_SCOPE]
    assert not {"账号", "闲置国有资产", "行政区"} & set(shown["数据"])
    assert set(shown[shown["数据"] == "园区"]["记录"]) <= {GX}
    everyone = page_as(accounts.Account("admin1", "管理员", "admin", (), ()), "10_操作记录.py").dataframe[0].value
    assert len(everyone) > len(shown) and "闲置国有资产" in set(everyone["数据"])


def test_the_asset_page_tells_a_park_user_assets_are_not_theirs(signed_in):
    """State assets are outside a park account's scope: the page says so instead of offering an import that would
    reject every row; a county user of the same county sees the county's assets."""
    at = page_as(PARK_USER, "7_闲置资产盘活.py")
    assert t("assets_not_park") in [i.value for i in at.info] and not at.get("file_uploader")
    county = page_as(COUNTY_USER, "7_闲置资产盘活.py")
    assert t("assets_not_park") not in [i.value for i in county.info]
