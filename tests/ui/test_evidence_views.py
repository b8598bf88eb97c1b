"""ui.evidence_views: the project card's stage form refuses 开工 without evidence; files uploaded with a change are
stored in the change's batch (a refused change keeps none); the attachment list shows thumbnails and downloads."""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from layers import accounts, attachments
from ui import asset_views, data, evidence_views, identity
from ui.safe_html import md
from ui.text import t

PNG = io.BytesIO()
Image.new("RGB", (640, 480), "orange").save(PNG, "PNG")
PNG = PNG.getvalue()
NO_START_EVIDENCE = "变更为“开工”须上传佐证材料（开工照片、施工许可证等）"


def upload(raw: bytes, name: str):
    """What ``st.file_uploader`` returns, as far as the write path reads it."""
    return SimpleNamespace(name=name, getvalue=lambda: raw)


def registered_project() -> str:
    with data.cursor() as con:
        return con.execute("SELECT project_id FROM projects WHERE stage = '注册' ORDER BY project_id LIMIT 1").fetchone()[0]


def stage_of(project_id: str) -> str:
    with data.cursor() as con:
        return con.execute("SELECT stage FROM projects WHERE project_id = ?", [project_id]).fetchone()[0]


def held(table: str, record_id: str) -> list[str]:
    with data.cursor() as con:
        return list(attachments.load(con, record_table=table, record_ids=[record_id])["filename"])


def card(project_id: str) -> None:
    from ui import evidence_views

    evidence_views.project_section(project_id, None)


def test_the_card_refuses_a_start_without_evidence(demo_copy_env):
    pid = registered_project()
    at = AppTest.from_function(card, args=(pid,), default_timeout=60).run()
    assert not at.exception
    assert any(c.value == t("ev_none") for c in at.caption)
    picker = at.selectbox(key=f"ev-stage-pick-{pid}-0")
    assert picker.value == "开工"  # the next stage is offered
    next(b for b in at.button if b.label == t("ev_save_stage")).click().run()
    assert [e.value for e in at.error] == [NO_START_EVIDENCE]
    assert stage_of(pid) == "注册"


def test_a_change_with_its_photo_is_stored_in_one_batch(demo_copy_env):
    pid = registered_project()
    refused = evidence_views.change_project_stage(pid, "开工", date(2018, 6, 30), [upload(b"<html>", "开工照片.png")])
    assert refused == "文件“开工照片.png”不是允许的类型：佐证材料只接受JPEG、PNG 图片，PDF 文件，TIFF 扫描件（按文件内容判断，与扩展名无关）"
    assert stage_of(pid) == "注册" and held("projects", pid) == []
    assert evidence_views.change_project_stage(pid, "开工", date(2018, 6, 30), [upload(PNG, "开工照片.png")], note="现场") is None
    assert stage_of(pid) == "开工" and held("projects", pid) == ["开工照片.png"]
    with data.cursor() as con:
        made = con.execute("SELECT DISTINCT b.batch_id, b.kind, b.user_name FROM audit_log a JOIN batches b USING (batch_id) "
                           "WHERE (a.record_id = ? OR a.table_name = 'attachments') AND b.kind <> 'demo'", [pid]).fetchall()
    assert [(kind, who) for _, kind, who in made] == [("stage", identity.PAGE_USER)]  # file, project, history: one batch

    at = AppTest.from_function(card, args=(pid,), default_timeout=60).run()
    assert not at.exception
    assert len(at.get("image")) == 1  # the thumbnail
    assert [d.proto.label for d in at.get("download_button")] == [t("ev_download")]
    assert f"**开工** {md('开工照片.png')}" in [m.value for m in at.markdown]
    assert any(c.value.startswith(f"2 KB · {identity.PAGE_USER} · 20") for c in at.caption)  # size · who · when


def test_funds_and_read_only_accounts(demo_copy_env, monkeypatch):
    pid = registered_project()
    assert evidence_views.change_project_funds(pid, None) == t("ev_funds_missing")
    assert evidence_views.change_project_funds(pid, 12345.0) is None
    with data.cursor() as con:
        assert con.execute("SELECT funds_in_place_wan FROM projects WHERE project_id = ?", [pid]).fetchone()[0] == 12345.0
    monkeypatch.setattr(identity, "current", lambda: accounts.Account("领导", "领导", "leader", (), ()))
    assert evidence_views.change_project_stage(pid, "开工", date(2018, 6, 30), [upload(PNG, "a.png")]) == "当前账号（领导）无权修改或导入数据"
    assert held("projects", pid) == []


@pytest.mark.parametrize("with_scan", [False, True])
def test_asset_completion_from_the_page(demo_copy_env, with_scan):
    with data.cursor() as con:
        asset_id = con.execute("SELECT asset_id FROM idle_assets WHERE stage = '签约' ORDER BY asset_id LIMIT 1").fetchone()[0]
    refused = asset_views.change_stage(asset_id, "盘活完成", date(2018, 6, 30), note=None, mode=None, realised_value_wan=None,
                                       counterpart="华鑫电子", contract_no=None)
    assert refused.startswith("变更为“盘活完成”须")
    files = {"contract_files": [upload(b"%PDF-1.4\n%%EOF", "合同.pdf")]} if with_scan else {
        "contract_no": "HX-1", "files": [upload(PNG, "交付.png")]}
    assert asset_views.change_stage(asset_id, "盘活完成", date(2018, 6, 30), note=None, mode=None, realised_value_wan=880.0,
                                    counterpart="华鑫电子", **files) is None
    assert held("idle_assets", asset_id) == (["合同.pdf"] if with_scan else ["交付.png"])
