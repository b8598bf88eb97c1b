"""上报 → 审核 on a 商洛市 store: a county's upload is not counted until the city approves it; a returned one keeps the
comment for its submitter; the preview is computed against the data as it stands; the 上报情况 board follows."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import reporting
from imports import review
from imports.projects import import_projects
from layers import accounts, projects, submissions
from layers.submissions import SubmissionError
from store import ConflictError, audit, undo

PASSWORD = "Shangluo-2024!"
HEADER = "项目名称,县（市、区）,合同投资（万元）,项目进度,签约时间\n"


def ledger(*rows: str, month: str = "2024年6月30日") -> bytes:
    return (f"项目台账（截至{month}）\n" + HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


@pytest.fixture
def con(shangluo_con):
    shangluo_con.execute("INSERT INTO reporting_units (unit_id, name, kind, county_adcode, sort_order) VALUES "
                         "('611002', '商州区', 'county', '611002', 1), ('611024', '山阳县', 'county', '611024', 2)")
    return shangluo_con


@pytest.fixture
def county(con):
    return accounts.add(con, "商州区招商局", role="county", password=PASSWORD, by="测试", counties=["611002"])


@pytest.fixture
def city(con):
    return accounts.add(con, "市招商局", role="city", password=PASSWORD, by="测试")


def submit(con, account, raw, name="商州区6月台账.csv"):
    return review.submit_import(con, "projects", raw, name, account=account, options=review.import_options(account))


def test_a_county_upload_is_counted_only_once_approved(con, county, city):
    sid, report = submit(con, county, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"))
    assert report.imported == 1 and projects.load(con).empty  # nothing written while it waits
    found = submissions.get(con, sid)
    assert (found["status"], found["month"], found["unit_ids"], found["submitted_by"]) == ("待审核", "2024-06", ["611002"], "商州区招商局")
    shown = review.preview(con, sid)
    assert [(c["action"], c["name"]) for c in shown["changes"]] == [("新增", "核桃深加工项目")]
    batch = review.approve(con, sid, reviewer=city, expect=shown["fingerprint"])
    assert list(projects.load(con)["name"]) == ["核桃深加工项目"]
    assert submissions.get(con, sid)["status"] == "已通过"
    log = audit.load(con, batch_id=batch)
    assert set(log.loc[log["table_name"] == "projects", "user_name"]) == {"商州区招商局"}  # written under the submitter
    assert set(log.loc[log["table_name"] == "submissions", "user_name"]) == {"市招商局"}  # decided by the reviewer
    with pytest.raises(SubmissionError, match="只能审核待审核"):
        review.approve(con, sid, reviewer=city)


def test_a_returned_upload_keeps_the_comment_and_writes_nothing(con, county, city):
    sid, _ = submit(con, county, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"))
    with pytest.raises(SubmissionError, match="退回意见"):
        review.return_(con, sid, reviewer=city, comment="  ")
    review.return_(con, sid, reviewer=city, comment="合同投资与签约文本不一致，请核实")
    mine = review.listing(con, submitted_by="商州区招商局")
    assert list(mine[["status", "comment", "kind_label"]].itertuples(index=False, name=None)) == [
        ("已退回", "合同投资与签约文本不一致，请核实", "项目台账")]
    assert projects.load(con).empty


def test_only_reviewers_approve_and_only_the_submitter_withdraws(con, county, city):
    sid, _ = submit(con, county, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"))
    with pytest.raises(SubmissionError, match="无权审核"):
        review.approve(con, sid, reviewer=county)
    with pytest.raises(SubmissionError, match="本人"):
        review.withdraw(con, sid, account=city)
    review.withdraw(con, sid, account=county)
    assert submissions.get(con, sid)["status"] == "已撤回"


def test_approving_a_stale_preview_is_refused(con, county, city):
    import_projects(con, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"), filename="市台账.csv", user="市招商局")
    sid, _ = submit(con, county, ledger("核桃深加工项目,商州区,15000,已签约,2024-03-15"))
    shown = review.preview(con, sid)
    assert shown["changes"][0]["fields"]["合同投资"] == [12000, 15000]
    import_projects(con, ledger("核桃深加工项目,商州区,13000,已签约,2024-03-15"), filename="市台账2.csv", user="市招商局")
    with pytest.raises(ConflictError):
        review.approve(con, sid, reviewer=city, expect=shown["fingerprint"])
    assert projects.load(con)["investment_wan"].tolist() == [13000.0]
    again = review.preview(con, sid)  # what the reviewer sees now: from today's value
    assert again["changes"][0]["fields"]["合同投资"] == [13000, 15000]


def test_the_submitters_scope_holds_at_approval(con, county, city):
    sid, report = submit(con, county, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15", "钒矿项目,山阳县,8000,已签约,2024-04-01"))
    assert [r.reason for r in report.rejected] == ["不在本账号可填报的范围内（山阳县）"]
    review.approve(con, sid, reviewer=city)  # a city reviewer approving does not widen what the county could write
    assert list(projects.load(con)["name"]) == ["核桃深加工项目"]


def test_undoing_an_approval_puts_the_submission_back(con, county, city):
    sid, _ = submit(con, county, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"))
    batch = review.approve(con, sid, reviewer=city)
    import layers

    undo.undo(con, batch, layers.SPEC_BY_TABLE, user="市招商局")
    assert projects.load(con).empty and submissions.get(con, sid)["status"] == "待审核"


def test_nothing_to_submit_is_refused(con, county, city):
    import_projects(con, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"), filename="市台账.csv", user="市招商局")
    with pytest.raises(SubmissionError, match="没有需要上报"):
        submit(con, county, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"))


def test_an_asset_stage_change_waits_for_review(con, county, city):
    from imports.assets import import_assets
    from layers import idle_assets

    raw = ("资产台账（截至2024年6月30日）\n资产名称,县（市、区）,资产类型,建筑面积（㎡）,盘活阶段\n原粮站仓库,商州区,闲置厂房,6000,招商推介\n").encode()
    import_assets(con, raw, filename="资产.csv", user="市国资委")
    asset_id = idle_assets.load(con)["asset_id"].iloc[0]
    sid = review.submit_change(con, "asset_stage", {"asset_id": asset_id, "stage": "洽谈对接", "on": "2024-07-05", "note": "秦岭物流来访"},
                               account=county, label=f"{asset_id} → 洽谈对接", on=date(2024, 7, 5))
    assert idle_assets.load(con)["stage"].tolist() == ["招商推介"]
    shown = review.preview(con, sid)
    stage_change = next(c for c in shown["changes"] if c["name"] == "idle_assets")
    assert stage_change["fields"]["stage"] == ["招商推介", "洽谈对接"]
    review.approve(con, sid, reviewer=city, expect=shown["fingerprint"])
    assert idle_assets.load(con)["stage"].tolist() == ["洽谈对接"]
    with pytest.raises(Exception, match="没有编号"):  # another county's user cannot even submit a change to it
        other = accounts.add(con, "山阳县国资", role="assets", password=PASSWORD, by="测试", counties=["611024"])
        review.submit_change(con, "asset_stage", {"asset_id": asset_id, "stage": "制定方案", "on": "2024-07-06"}, account=other,
                             label="x", on=date(2024, 7, 6))


def test_the_board_shows_each_units_status(con, county, city):
    units = con.execute("SELECT unit_id, name FROM reporting_units ORDER BY sort_order").df()
    sid, _ = submit(con, county, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"))
    frame = reporting.board(units, submissions.load(con), "2024-06", date(2024, 7, 10))
    assert frame.set_index("单位")["上报状态"].to_dict() == {"商州区": "审核中", "山阳县": "未上报"}
    review.return_(con, sid, reviewer=city, comment="请补充签约时间")
    frame = reporting.board(units, submissions.load(con), "2024-06", date(2024, 7, 10))
    assert frame.set_index("单位").loc["商州区", ["上报状态", "退回意见"]].tolist() == ["已退回", "请补充签约时间"]
    sid, _ = submit(con, county, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"))
    review.approve(con, sid, reviewer=city)
    frame = reporting.board(units, submissions.load(con), "2024-06", date.today())
    row = frame.set_index("单位").loc["商州区"]
    assert (row["上报状态"], row["本月上报次数"], row["距今（天）"]) == ("已上报", 2, 0)
    assert reporting.counts(frame) == {"已上报": 1, "审核中": 0, "已退回": 0, "未上报": 1}
    assert reporting.board(units, submissions.load(con), "2024-07", date.today()).set_index("单位").loc["商州区", "上报状态"] == "未上报"


def test_a_new_countys_first_submission_counts_for_its_unit(shangluo_con):
    """On a new store a county has no reporting unit until its first project is written (on approval): its submission
    names the county's adcode, the id its unit gets, so the board shows it 审核中 then 已上报."""
    county = accounts.add(shangluo_con, "商州区招商局", role="county", password=PASSWORD, by="测试", counties=["611002"])
    city = accounts.add(shangluo_con, "市招商局", role="city", password=PASSWORD, by="测试")
    sid, _ = submit(shangluo_con, county, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"))
    assert submissions.get(shangluo_con, sid)["unit_ids"] == ["611002"]
    review.approve(shangluo_con, sid, reviewer=city)
    units = shangluo_con.execute("SELECT unit_id, name FROM reporting_units").df()
    assert reporting.board(units, submissions.load(shangluo_con), "2024-06", date.today())["上报状态"].tolist() == ["已上报"]


def test_a_park_user_submits_for_the_park_and_sees_only_its_submissions(demo_copy):
    """咸宁高新区 staff (a park with its own reporting unit) submit for the park: a row of another park of 咸安区 is
    rejected; the park's submissions are theirs to see, 咸安区's are not."""
    gx = accounts.add(demo_copy, "高新区招商局", role="park", password=PASSWORD, by="测试", counties=["421202"], parks=["P-GX"])
    xa = accounts.add(demo_copy, "咸安区招商局", role="county", password=PASSWORD, by="测试", counties=["421202"])
    raw = ("项目台账（截至2018年6月30日）\n项目名称,县（市、区）,所在园区,合同投资（万元）,项目进度,签约时间\n"
           "高新区新材料项目,咸安区,咸宁高新技术产业开发区,9000,已签约,2018-06-10\n"
           "咸安经开区食品项目,咸安区,咸安经济开发区,5000,已签约,2018-06-12\n").encode()
    sid, report = review.submit_import(demo_copy, "projects", raw, "高新区6月.csv", account=gx, options=review.import_options(gx))
    assert report.imported == 1 and len(report.rejected) == 1 and "园区" in report.rejected[0].reason
    assert submissions.get(demo_copy, sid)["unit_ids"] == ["GX421200"]
    other, _ = review.submit_import(demo_copy, "projects", raw, "咸安区6月.csv", account=xa, options=review.import_options(xa))
    assert list(submissions.load(demo_copy, county=gx.scope())["submission_id"]) == [sid]
    assert set(submissions.load(demo_copy, county=xa.scope())["submission_id"]) == {sid, other}


def png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def test_a_county_stage_change_to_started_needs_evidence_and_waits_for_review(con, county, city):
    from layers import attachments

    import_projects(con, ledger("核桃深加工项目,商州区,12000,已签约,2024-03-15"), filename="市台账.csv", user="市招商局")
    project_id = projects.load(con)["project_id"].iloc[0]
    change = {"project_id": project_id, "stage": "开工", "on": "2024-06-20"}
    with pytest.raises(ValueError, match="须上传佐证材料"):  # refused at once, not left for the reviewer
        review.submit_change(con, "project_stage", change, account=county, label="核桃深加工项目 → 开工", on=date(2024, 6, 20))
    assert attachments.load(con, record_table="projects", record_ids=[project_id]).empty
    sid = review.submit_change(con, "project_stage", change, account=county, label="核桃深加工项目 → 开工", on=date(2024, 6, 20),
                               files=(review.Evidence("开工", "开工现场.png", png()),))
    assert projects.load(con)["stage"].tolist() == ["签约"]  # waits for review
    listed = attachments.load(con, record_table="projects", record_ids=[project_id])
    assert listed["filename"].tolist() == ["开工现场.png"]  # the reviewer sees the evidence
    shown = review.preview(con, sid)
    assert shown["records"] == [project_id] and shown["table"] == "projects"
    assert any(c["fields"].get("stage") == ["签约", "开工"] for c in shown["changes"])
    review.approve(con, sid, reviewer=city, expect=shown["fingerprint"])
    assert projects.load(con)["stage"].tolist() == ["开工"]
