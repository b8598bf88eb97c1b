"""imports.records on the 商洛市 fixture store (projects, parks, assets; a project at 位置待定): an edit on screen leaves
the same rows and audit entries as importing the same change from a ledger; Chinese row errors; delete with
confirmation, audited and undoable; scope refusal; row_version conflicts; submitters' edits wait for review."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import layers
import store
from geo import coords
from imports import kinds, pipeline, records, review
from layers import accounts, dataset, submissions
from store import ConflictError, tables, undo

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stores" / "shangluo.duckdb"
AS_OF = date(2024, 6, 30)
PENDING = "IMP-08f9b6c20611"  # 中药材加工项目, 商南县, 位置待定
WALNUT = "IMP-1a6255b3fe44"  # 核桃深加工项目, 商州区, 开工
CEMENT = "AS-2317b96e2054"  # 山阳老水泥厂
HIGH_TECH = "PK-b23437d361"  # 商洛高新区
SHANGNAN_WGS = (110.88, 33.53)  # a point in 商南县
PASSWORD = "Shangluo-2024!"


@pytest.fixture(scope="session")
def upgraded(tmp_path_factory) -> Path:
    """The fixture store as this release keeps it (upgraded once)."""
    path = tmp_path_factory.mktemp("records") / "shangluo.duckdb"
    shutil.copyfile(FIXTURE, path)
    connection = store.connect(path)
    layers.create_all(connection)
    dataset.advance_as_of(connection, AS_OF, user="测试")  # the ledgers below are of this date: neither moves 数据截至
    connection.close()
    return path


@pytest.fixture
def copy(upgraded, tmp_path):
    def made(name: str):
        path = tmp_path / f"{name}.duckdb"
        shutil.copyfile(upgraded, path)
        return store.connect(path)

    return made


@pytest.fixture
def con(copy):
    connection = copy("screen")
    yield connection
    connection.close()


@pytest.fixture
def pair(copy):
    """Two copies of the store: one edited on screen, one importing the same change."""
    screen, ledger = copy("screen"), copy("ledger")
    yield screen, ledger
    screen.close()
    ledger.close()


def cells(con, layer: str, record: str, **typed) -> dict:
    """The form's cells of a stored record with some fields typed over (None empties a field)."""
    row = records.stored_row(con, layer, record)
    shown = records.stored_cells(con, layer, row)
    return records.changed_cells(shown, {**shown, **typed})


def state(con) -> dict:
    """Every data table's rows (without when they were written) and the audit entries (without time, batch and id)."""
    out = {}
    for spec in (records.EDITORS[layer].spec for layer in records.LAYERS):
        frame = tables.load(con, spec).drop(columns=["created_at", "updated_at"])
        frame = pd.DataFrame(frame.drop(columns="geometry")).assign(wkb=[None if g is None else g.wkb_hex for g in frame.geometry])
        out[spec.table] = json.loads(frame.to_json(orient="records", date_format="iso"))
    for table in ("project_stage_history", "asset_stage_history", "reporting_units"):
        out[table] = con.execute(f"SELECT * EXCLUDE (created_at, updated_at) FROM {table} ORDER BY ALL").fetchall()
    out["audit"] = con.execute("SELECT user_name, action, table_name, record_id, CAST(details AS VARCHAR), CAST(changes AS VARCHAR) "
                               "FROM audit_log ORDER BY audit_id").fetchall()
    return out


def run_ledger(con, key: str, text: str, crs: str | None = None):
    report = pipeline.run(con, kinds.get(key), text.encode("utf-8"), user="张科员", filename="台账.csv",
                          options=pipeline.Options(crs=crs))
    assert not report.rejected, report.rejected
    return report


def test_an_unchanged_form_writes_nothing(con):
    for layer in records.LAYERS:
        spec = records.EDITORS[layer].spec
        for row in tables.load(con, spec).to_dict("records"):
            saved = records.save(con, layer, records.stored_cells(con, layer, row), user="张科员", record=row[spec.key],
                                 version=row["row_version"])
            assert not saved.changed and saved.batch_id is None, (layer, row["name"], saved)
    assert con.execute("SELECT count(*) FROM batches WHERE kind = 'edit'").fetchone()[0] == 0


def test_editing_on_screen_leaves_what_importing_the_same_ledger_leaves(pair):
    screen, ledger = pair
    gcj = coords.convert(*SHANGNAN_WGS, "wgs84", "gcj02")
    lon, lat = f"{float(gcj[0]):.6f}", f"{float(gcj[1]):.6f}"
    # on screen: place the 位置待定 project by GCJ-02 coordinates and change its money and stage; move the walnut
    # project on; add a project; change an asset's stage; change a park's supply figures
    records.save(screen, "projects", cells(screen, "projects", PENDING, funds_in_place_wan="2500", stage="开工",
                                           started_on="2024-06-20"), user="张科员", record=PENDING, lon=lon, lat=lat, crs="gcj02")
    records.save(screen, "projects", cells(screen, "projects", WALNUT, stage="投产", leader=None), user="张科员", record=WALNUT)
    new = {f.name: None for f in records.EDITORS["projects"].fields} | {"name": "新材料项目", "unit": "山阳县", "investment_wan": "12000",
                                                                      "stage": "签约", "signed_on": "2024-06-28", "sign_type": "合同"}
    records.save(screen, "projects", records.changed_cells({}, new), user="张科员")
    records.save(screen, "idle_assets", cells(screen, "idle_assets", CEMENT, stage="招商推介", counterpart="秦岭建材"), user="张科员",
                 record=CEMENT)
    records.save(screen, "parks", cells(screen, "parks", HIGH_TECH, available_land_mu="380", power_used_kva="32000"), user="张科员",
                 record=HIGH_TECH)
    # the same changes as clerks write them in their ledgers (亿元, 高德 coordinates, their own column names)
    run_ledger(ledger, "projects", "项目名称,县区,到位资金（亿元）,项目进度,开工时间,经度（高德）,纬度（高德）\n"
                                   f"中药材加工项目,商南县,0.25,已开工,2024年6月20日,{lon},{lat}\n")
    run_ledger(ledger, "projects", "项目名称,县（市、区）,项目进度,包抓领导\n核桃深加工项目,商州区,竣工投产,（清空）\n")
    run_ledger(ledger, "projects", "项目名称,县（市、区）,合同投资（亿元）,项目进度,签约时间,签约类型\n新材料项目,山阳,1.2,已签约,2024-06-28,正式合同\n")
    run_ledger(ledger, "assets", "资产名称,县（市、区）,盘活阶段,对接企业\n山阳老水泥厂,山阳县,招商推介,秦岭建材\n")
    run_ledger(ledger, "park_capacity", "园区名称,可供地（亩）,已用电力（kVA）\n商洛高新区,380,32000\n")
    # the asset history's note names the change's source, as the batch's label does: 页面编辑 or the ledger's file
    after_screen, after_ledger = (json.loads(json.dumps(state(c), default=str, ensure_ascii=False).replace(name, "（来源）"))
                                  for c, name in ((screen, "（页面编辑）"), (ledger, "（台账.csv）")))
    for table in after_screen:
        assert after_screen[table] == after_ledger[table], table
    placed = records.stored_row(screen, "projects", PENDING)["geometry"]
    assert placed.distance(__import__("shapely").Point(*SHANGNAN_WGS)) < 1e-6  # GCJ-02 typed, WGS-84 stored
    assert dataset.as_of(screen) == dataset.as_of(ledger) == AS_OF
    kinds_of = screen.execute("SELECT kind, label FROM batches WHERE kind = 'edit' ORDER BY started_at").fetchall()
    assert len(kinds_of) == 5 and kinds_of[0][1].startswith("页面修改项目")


def test_form_errors_are_the_ledgers_chinese_row_errors(con):
    with pytest.raises(records.RecordError) as bad_money:
        records.save(con, "projects", cells(con, "projects", WALNUT, investment_wan="很多"), user="张科员", record=WALNUT)
    assert "金额无法识别：“很多”" in str(bad_money.value)
    assert bad_money.value.problems[0][0] == "合同投资（万元）"
    with pytest.raises(records.RecordError, match="无法识别的项目进度“说不清”"):
        records.save(con, "projects", cells(con, "projects", WALNUT, stage="说不清"), user="张科员", record=WALNUT)
    with pytest.raises(records.RecordError, match="不能清空"):
        records.save(con, "projects", cells(con, "projects", WALNUT, name=None), user="张科员", record=WALNUT)
    with pytest.raises(records.RecordError, match="金额不能为负"):
        records.save(con, "idle_assets", cells(con, "idle_assets", CEMENT, book_value_wan="-5"), user="张科员", record=CEMENT)
    with pytest.raises(records.RecordError, match="位置不在商南县境内"):
        records.save(con, "projects", cells(con, "projects", PENDING), user="张科员", record=PENDING, lon="109.94", lat="33.87")
    with pytest.raises(records.RecordError, match="不在中国境内|超出"):
        records.save(con, "projects", cells(con, "projects", PENDING), user="张科员", record=PENDING, lon="10", lat="10")
    assert con.execute("SELECT count(*) FROM batches WHERE kind = 'edit'").fetchone()[0] == 0  # nothing kept of a refusal
    assert records.stored_row(con, "projects", WALNUT)["investment_wan"] == 8000.0


def test_a_rename_keeps_the_record_and_a_duplicate_is_refused(con):
    saved = records.save(con, "projects", cells(con, "projects", WALNUT, name="核桃精深加工项目"), user="张科员", record=WALNUT)
    assert saved.record == WALNUT and records.stored_row(con, "projects", WALNUT)["name"] == "核桃精深加工项目"
    assert dataset.as_of(con) == AS_OF  # an edit states no ledger date: 数据截至 stays
    assert con.execute("SELECT count(*) FROM projects").fetchone()[0] == 9
    new = {f.name: None for f in records.EDITORS["projects"].fields} | {"name": "核桃精深加工项目", "unit": "商州区", "stage": "签约"}
    with pytest.raises(records.RecordError, match="已有同一项目“核桃精深加工项目”"):
        records.save(con, "projects", records.changed_cells({}, new), user="张科员")
    with pytest.raises(records.RecordError, match="另一条记录"):
        records.save(con, "projects", cells(con, "projects", WALNUT, unit="山阳县"), user="张科员", record=WALNUT)


def test_a_stale_form_is_a_conflict_and_nothing_is_lost(con):
    row = records.stored_row(con, "projects", WALNUT)
    records.save(con, "projects", cells(con, "projects", WALNUT, leader="赵六"), user="另一人", record=WALNUT, version=row["row_version"])
    typed = cells(con, "projects", WALNUT, investment_wan="9000")
    with pytest.raises(ConflictError, match="已被他人修改"):
        records.save(con, "projects", typed, user="张科员", record=WALNUT, version=row["row_version"])
    assert records.stored_row(con, "projects", WALNUT)["leader"] == "赵六"
    with pytest.raises(ConflictError):
        records.delete(con, "projects", WALNUT, user="张科员", confirm="核桃深加工项目", version=row["row_version"])


def test_delete_needs_the_name_is_audited_and_undone(con):
    with pytest.raises(records.RecordError, match="请输入项目名称“核桃深加工项目”以确认删除"):
        records.delete(con, "projects", WALNUT, user="张科员", confirm="核桃")
    events = con.execute("SELECT count(*) FROM project_stage_history WHERE project_id = ?", [WALNUT]).fetchone()[0]
    assert events > 0
    batch = records.delete(con, "projects", WALNUT, user="张科员", confirm="核桃深加工项目")
    assert records.stored_row(con, "projects", WALNUT) is None
    logged = con.execute("SELECT action, table_name, user_name FROM audit_log WHERE batch_id = ? ORDER BY audit_id", [batch]).fetchall()
    assert logged[-1] == ("delete", "projects", "张科员") and len(logged) == events + 1
    undo.undo(con, batch, layers.SPEC_BY_TABLE, user="张科员")
    assert records.stored_row(con, "projects", WALNUT)["name"] == "核桃深加工项目"
    assert con.execute("SELECT count(*) FROM project_stage_history WHERE project_id = ?", [WALNUT]).fetchone()[0] == events
    with pytest.raises(records.RecordError, match="还有项目 .* 条"):
        records.delete(con, "parks", HIGH_TECH, user="张科员", confirm="商洛高新区")


def test_records_outside_the_scope_are_refused_in_chinese(con):
    shangzhou = ("611002",)
    with pytest.raises(records.RecordError, match="不在本账号可填报的范围内"):
        records.save(con, "projects", cells(con, "projects", PENDING, leader="某人"), user="商州区", record=PENDING, counties=shangzhou)
    with pytest.raises(records.RecordError, match="不在本账号可填报的范围内"):
        records.delete(con, "projects", PENDING, user="商州区", confirm="中药材加工项目", counties=shangzhou)
    new = {f.name: None for f in records.EDITORS["projects"].fields} | {"name": "外县项目", "unit": "山阳县", "stage": "签约"}
    with pytest.raises(records.RecordError, match="不在本账号可填报的范围内（山阳县）"):
        records.save(con, "projects", records.changed_cells({}, new), user="商州区", counties=shangzhou)
    saved = records.save(con, "projects", cells(con, "projects", WALNUT, leader="某人"), user="商州区", record=WALNUT, counties=shangzhou)
    assert saved.changed


def test_a_county_users_edit_waits_for_review(con):
    county = accounts.add(con, "商州区招商局", role="county", password=PASSWORD, by="测试", counties=["611002"])
    city = accounts.add(con, "市招商局", role="city", password=PASSWORD, by="测试")
    change = records.payload("projects", cells(con, "projects", WALNUT, investment_wan="9000"), record=WALNUT)
    made = records.submit(con, change, account=county, on=AS_OF)
    assert records.stored_row(con, "projects", WALNUT)["investment_wan"] == 8000.0  # not written yet
    shown = review.preview(con, made)
    assert shown["changes"][0]["fields"]["investment_wan"] == [8000.0, 9000.0]
    review.approve(con, made, reviewer=city, expect=shown["fingerprint"])
    assert records.stored_row(con, "projects", WALNUT)["investment_wan"] == 9000.0
    assert submissions.get(con, made)["status"] == submissions.APPROVED
    logged = con.execute("SELECT user_name FROM audit_log WHERE table_name = 'projects' AND record_id = ? ORDER BY audit_id DESC LIMIT 1",
                         [WALNUT]).fetchone()
    assert logged == ("商州区招商局",)
    outside = records.payload("projects", cells(con, "projects", PENDING, leader="某人"), record=PENDING)
    with pytest.raises(records.RecordError, match="不在本账号可填报的范围内"):
        records.submit(con, outside, account=county, on=AS_OF)


def test_clicks_and_typed_coordinates_become_the_same_point():
    from imports.records import clicked_point

    assert clicked_point(None, "gcj02") is None
    assert clicked_point({"lat": 33.53, "lng": 110.88}, "wgs84") == ("110.880000", "33.530000")
    lon, lat = clicked_point({"lat": 33.53, "lng": 110.88}, "gcj02")
    back = coords.convert(float(lon), float(lat), "gcj02", "wgs84")
    assert abs(float(back[0]) - 110.88) < 1e-5 and abs(float(back[1]) - 33.53) < 1e-5
