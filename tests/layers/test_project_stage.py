"""layers.project_stage: a stage change on screen needs its evidence (开工, 投产 by configuration), writes the stage,
its date and a history row in one audited batch, and refuses other counties' projects and stale forms; 到位资金 too.
layers.evidence: the configuration is read in one place."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pytest

from layers import attachments, evidence, project_history, project_stage, projects
from layers.project_stage import StageError
from store import ConflictError, audit

U = "测试员"
PDF = b"%PDF-1.4\n%%EOF\n"
NO_START_EVIDENCE = "变更为“开工”须上传佐证材料（开工照片、施工许可证等）"


@pytest.fixture
def project(con, toy):
    projects.insert(con, gpd.GeoDataFrame([
        {"project_id": "P1", "name": "甲项目", "stage": "注册", "county_adcode": toy.a, "investment_wan": 50000.0,
         "funds_in_place_wan": 1000.0, "signed_on": date(2018, 1, 10), "registered_on": date(2018, 3, 1), "geometry": toy.point_a},
        {"project_id": "P2", "name": "乙项目", "stage": "签约", "county_adcode": toy.b, "signed_on": date(2018, 2, 1),
         "geometry": toy.point_b},
    ], geometry="geometry", crs=toy.crs), user=U)
    project_history.insert_events(con, [
        {"event_id": "P1#签约", "project_id": "P1", "stage": "签约", "changed_on": date(2018, 1, 10), "note": "台账导入"},
        {"event_id": "P1#注册", "project_id": "P1", "stage": "注册", "changed_on": date(2018, 3, 1), "note": "台账导入"}], user=U)
    return "P1"


@pytest.fixture
def configured(tmp_path, monkeypatch):
    """Point the evidence rules at a file of the test's own."""
    def write(text: str):
        path = tmp_path / "evidence.toml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setattr(evidence, "CONFIG", path)
    return write


def stored(con, pid="P1"):
    return con.execute("SELECT stage, started_on, produced_on, updated_by, row_version FROM projects WHERE project_id = ?",
                       [pid]).fetchone()


def batches(con) -> int:
    return con.execute("SELECT count(*) FROM batches").fetchone()[0]


def test_start_without_evidence_is_refused_with_the_chinese_reason(con, project):
    before, n = stored(con), batches(con)
    with pytest.raises(StageError) as refused:
        project_stage.change_stage(con, project, "开工", on=date(2018, 6, 30), user=U)
    assert str(refused.value) == NO_START_EVIDENCE
    assert stored(con) == before and batches(con) == n
    assert len(project_history.load_events(con, project_ids=[project])) == 2


def test_start_with_evidence_writes_stage_date_and_history_in_one_audited_batch(con, project):
    version = stored(con)[4]
    with audit.batch(con, user="李四", kind="stage", label="开工") as made:
        aid = attachments.add(con, "projects", project, "开工", PDF, "施工许可证.pdf", user="李四")
        row = project_stage.change_stage(con, project, "开工", on=date(2018, 6, 30), user="李四", attachment_ids=[aid],
                                         expected_version=version, note="  现场已开工 ")
    assert stored(con) == ("开工", date(2018, 6, 30), None, "李四", version + 1)
    assert row == {"event_id": "P1#开工", "project_id": "P1", "stage": "开工", "changed_on": date(2018, 6, 30),
                   "evidence": "施工许可证.pdf", "note": "现场已开工"}
    events = project_history.load_events(con, project_ids=[project])
    assert list(events["stage"]) == ["签约", "注册", "开工"] and events["evidence"].iloc[-1] == "施工许可证.pdf"
    logged = audit.load(con, batch_id=made.batch_id)
    assert set(logged["user_name"]) == {"李四"}
    assert sorted(logged["table_name"]) == ["attachments", "project_stage_history", "projects"]
    change = logged[logged["table_name"] == "projects"]["changes"].iloc[0]
    assert change == {"stage": ["注册", "开工"], "started_on": [None, "2018-06-30"]}


def test_evidence_uploaded_earlier_counts_and_is_named_in_the_history(con, project):
    attachments.add(con, "projects", project, "开工", PDF, "开工照片.pdf", user=U)
    row = project_stage.change_stage(con, project, "开工", on=date(2018, 6, 30), user=U)
    assert row["evidence"] == "开工照片.pdf"
    with audit.batch(con, user=U, kind="stage") as made:
        project_stage.change_stage(con, project, "注册", on=date(2018, 7, 1), user=U)
    assert audit.load(con, batch_id=made.batch_id, table="projects")["changes"].iloc[0]["started_on"] == ["2018-06-30", None]


def test_production_needs_its_own_evidence(con, project):
    attachments.add(con, "projects", project, "开工", PDF, "开工照片.pdf", user=U)
    project_stage.change_stage(con, project, "开工", on=date(2018, 5, 1), user=U)
    with pytest.raises(StageError, match="变更为“投产”须上传佐证材料（投产照片、竣工验收或试生产材料等）"):
        project_stage.change_stage(con, project, "投产", on=date(2018, 6, 30), user=U)
    aid = attachments.add(con, "projects", project, "投产", PDF + b" ", "试生产.pdf", user=U)
    project_stage.change_stage(con, project, "投产", on=date(2018, 6, 30), user=U, attachment_ids=[aid])
    assert stored(con)[:3] == ("投产", date(2018, 5, 1), date(2018, 6, 30))


def test_the_rule_follows_the_configuration(con, project, configured):
    configured("project_started = false\n")
    project_stage.change_stage(con, project, "开工", on=date(2018, 6, 30), user=U)
    assert stored(con)[0] == "开工"
    configured("project_started = true\nproject_produced = false\n")
    project_stage.change_stage(con, project, "投产", on=date(2018, 6, 30), user=U)
    assert stored(con)[0] == "投产"


def test_stages_without_a_rule_need_no_evidence(con, project):
    project_stage.change_stage(con, project, "停滞", on=date(2018, 6, 30), user=U, note="资金未到位")
    assert stored(con)[0] == "停滞"
    assert con.execute("SELECT registered_on FROM projects WHERE project_id = 'P1'").fetchone()[0] == date(2018, 3, 1)  # kept


def test_another_countys_project_is_refused_as_if_absent(con, project, toy):
    with pytest.raises(StageError, match="没有编号为 P2 的项目"):
        project_stage.change_stage(con, "P2", "注册", on=date(2018, 6, 30), user=U, counties=(toy.a,))
    with pytest.raises(StageError, match="没有编号为 P9 的项目"):
        project_stage.change_stage(con, "P9", "注册", on=date(2018, 6, 30), user=U)
    with pytest.raises(StageError, match="没有编号为 P1 的项目"):
        project_stage.change_funds(con, project, 2000, user=U, counties=())
    project_stage.change_stage(con, "P2", "注册", on=date(2018, 6, 30), user=U, counties=(toy.b,))
    assert stored(con, "P2")[0] == "注册"


def test_a_stale_form_is_a_conflict(con, project):
    version = stored(con)[4]
    project_stage.change_stage(con, project, "停滞", on=date(2018, 6, 1), user="甲", expected_version=version)
    with pytest.raises(ConflictError):
        project_stage.change_stage(con, project, "终止", on=date(2018, 6, 2), user="乙", expected_version=version)
    assert stored(con)[0] == "停滞"
    # recording the stage it already has changes no field but still makes older forms stale
    version = stored(con)[4]
    project_stage.change_stage(con, project, "停滞", on=date(2018, 6, 3), user="甲", expected_version=version, note="复核")
    assert stored(con)[4] == version + 1
    with pytest.raises(ConflictError):
        project_stage.change_funds(con, project, 5.0, user="乙", expected_version=version)


def test_unknown_stages_and_dates_out_of_order_are_refused(con, project):
    with pytest.raises(StageError, match="未知的项目阶段“已开工”"):
        project_stage.change_stage(con, project, "已开工", on=date(2018, 6, 30), user=U)
    with pytest.raises(StageError, match="变更日期 2018-02-01 早于该项目上一次记录的日期 2018-03-01"):
        project_stage.change_stage(con, project, "停滞", on=date(2018, 2, 1), user=U)
    with pytest.raises(StageError, match="注册日期 2018-01-20 早于签约日期 2018-02-01"):
        project_stage.change_stage(con, "P2", "注册", on=date(2018, 1, 20), user=U)


def test_attachments_of_another_project_do_not_count(con, project):
    other = attachments.add(con, "projects", "P2", "开工", PDF, "别人的.pdf", user=U)
    with pytest.raises(attachments.AttachmentError, match=f"佐证材料 {other} 不属于项目 P1"):
        project_stage.change_stage(con, project, "开工", on=date(2018, 6, 30), user=U, attachment_ids=[other])
    assert stored(con)[0] == "注册"


def test_history_ids_never_collide(con, project):
    con.execute("INSERT INTO project_stage_history (event_id, project_id, stage, changed_on) VALUES ('P1#停滞', 'P1', '停滞', '2018-04-01')")
    first = project_stage.change_stage(con, project, "停滞", on=date(2018, 6, 30), user=U)
    second = project_stage.change_stage(con, project, "停滞", on=date(2018, 6, 30), user=U)
    assert (first["event_id"], second["event_id"]) == ("P1#停滞#2018-06-30", "P1#停滞#2018-06-30#2")


def test_funds_change_is_audited_and_needs_evidence_when_configured(con, project, configured):
    assert project_stage.change_funds(con, project, 1000.0, user=U) is False  # unchanged: no batch at all
    n = batches(con)
    assert project_stage.change_funds(con, project, 2500.0, user="李四") is True
    assert batches(con) == n + 1
    assert con.execute("SELECT funds_in_place_wan, updated_by FROM projects WHERE project_id = 'P1'").fetchone() == (2500.0, "李四")
    with pytest.raises(StageError, match="到位资金不能为负数"):
        project_stage.change_funds(con, project, -1, user=U)
    with pytest.raises(StageError, match="到位资金应为数字"):
        project_stage.change_funds(con, project, "很多", user=U)
    configured("project_funds = true\n")
    with pytest.raises(StageError, match="修改到位资金须上传佐证材料（银行进账单、验资报告等）"):
        project_stage.change_funds(con, project, 3000.0, user=U)
    aid = attachments.add(con, "projects", project, "到位资金", PDF, "进账单.pdf", user=U)
    assert project_stage.change_funds(con, project, 3000.0, user=U, attachment_ids=[aid]) is True


def test_rules_are_read_in_one_place(tmp_path):
    assert evidence.rules_from({}) == evidence.Rules()
    assert evidence.rules_from({"project_funds": True, "asset_completed": "false", "other": 1}) == evidence.Rules(
        project_funds=True, asset_completed=False)
    assert evidence.load_rules(tmp_path / "absent.toml") == evidence.Rules()
    shipped = evidence.load_rules()
    assert (shipped.project_started, shipped.project_produced, shipped.project_funds, shipped.asset_completed) == (True, True, False, True)
    assert evidence.required("projects", "开工", shipped) and not evidence.required("projects", "签约", shipped)
    assert not evidence.required("projects", "到位资金", shipped) and evidence.required("idle_assets", "盘活完成", shipped)


def test_a_park_user_changes_only_its_parks_projects(con, project, toy):
    from layers._scope import make

    con.execute("UPDATE projects SET park_id = 'PK1' WHERE project_id = 'P2'")
    park = make((toy.a, toy.b), ["PK1"])
    with pytest.raises(StageError, match="没有编号为 P1 的项目"):  # in the park user's county, not in its park
        project_stage.change_stage(con, project, "停滞", on=date(2018, 6, 30), user=U, counties=park)
    project_stage.change_stage(con, "P2", "注册", on=date(2018, 6, 30), user=U, counties=park)
    assert stored(con, "P2")[0] == "注册"
