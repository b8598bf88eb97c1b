"""上报审核 page with local accounts on 商洛市: a county's submission waits, the city sees it field by field and approves
or returns it, the county sees the status and the comment, the board follows; figures count approved data only."""

from __future__ import annotations

import pytest

import store
from imports import review
from layers import accounts, projects
from tests.ui.test_identity import PASSWORD, add, change_password, sign_in
from tests.ui.test_pages import PAGES_DIR, app_test
from ui import data
from ui.text import t

PAGE = PAGES_DIR / "12_上报审核.py"
NEW = "Shangluo2024"
LEDGER = ("项目台账（截至2024年6月30日）\n项目名称,县（市、区）,合同投资（万元）,项目进度,签约时间\n"
          "核桃深加工项目,商州区,12000,已签约,2024-03-15\n").encode()


@pytest.fixture
def env(shangluo_env, monkeypatch):
    monkeypatch.setenv("PARKMAP_AUTH", "local")
    con = store.connect(shangluo_env)
    try:
        con.execute("INSERT INTO reporting_units (unit_id, name, kind, county_adcode, sort_order) VALUES "
                    "('611002', '商州区', 'county', '611002', 1), ('611024', '山阳县', 'county', '611024', 2)")
    finally:
        con.close()
    add(shangluo_env, "shangzhou", "county", counties=["611002"])
    add(shangluo_env, "city", "city")
    return shangluo_env


def submitted(db) -> str:
    data._connection.clear()
    con = store.connect(db)
    try:
        account = accounts.get(con, "shangzhou")
        made, _ = review.submit_import(con, "projects", LEDGER, "商州区6月台账.csv", account=account, options=review.import_options(account))
        return made
    finally:
        con.close()


def signed_in(name):
    at = change_password(sign_in(app_test(PAGE).run(), name, PASSWORD), PASSWORD, NEW)
    assert not at.exception, [e.value for e in at.exception]
    return at


def stored_projects(db):
    data._connection.clear()
    con = store.connect(db)
    try:
        return list(projects.load(con)["name"])
    finally:
        con.close()


def test_the_city_approves_a_county_submission_field_by_field(env):
    sid = submitted(env)
    county = signed_in("shangzhou")
    assert [x.label for x in county.tabs] == [t("rv_mine"), t("rv_board")]
    mine = county.dataframe[0].value
    assert list(mine["编号"]) == [sid] and "待审核" in mine["状态"].iloc[0]
    city = signed_in("city")
    assert [x.label for x in city.tabs] == [t("rv_pending"), t("rv_board"), t("rv_all")]
    fields = next(d.value for d in city.dataframe if "字段" in d.value.columns)
    assert {(r.字段, r.原值, r.新值) for r in fields.itertuples()} >= {("合同投资", "（空）", "12000"), ("项目名称", "（空）", "核桃深加工项目")}
    assert stored_projects(env) == []  # not counted before approval
    next(b for b in city.button if b.label == t("rv_approve")).click().run()
    assert not city.exception, [e.value for e in city.exception]
    assert any(t("rv_approved", id=sid) in s.value for s in city.success)
    assert stored_projects(env) == ["核桃深加工项目"]
    board = next(d.value for d in city.dataframe if "上报状态" in d.value.columns)
    status = board.set_index("单位")["上报状态"]
    assert "已上报" in status["商州区"] and "未上报" in status["山阳县"]
    assert len(status) == 7 and status.str.contains("未上报").sum() == 6  # every county of 商洛市, units or not yet


def test_a_returned_submission_shows_its_comment_to_the_submitter(env):
    sid = submitted(env)
    city = signed_in("city")
    next(b for b in city.button if b.label == t("rv_return")).click().run()
    assert any("退回意见" in e.value for e in city.error)  # a return needs a comment
    next(x for x in city.text_area if x.label == t("rv_comment")).set_value("合同投资请附签约文本")
    next(b for b in city.button if b.label == t("rv_return")).click().run()
    assert any(t("rv_returned", id=sid) in s.value for s in city.success)
    county = signed_in("shangzhou")
    assert any("合同投资请附签约文本" in w.value for w in county.warning)
    assert "已退回" in county.dataframe[0].value["状态"].iloc[0]
    assert stored_projects(env) == []


def test_a_county_user_withdraws_and_cannot_review(env):
    sid = submitted(env)
    county = signed_in("shangzhou")
    assert not [b for b in county.button if b.label == t("rv_approve")]
    next(b for b in county.button if b.label == t("rv_withdraw")).click().run()
    assert any(t("rv_withdrawn", id=sid) in s.value for s in county.success)
    assert "已撤回" in county.dataframe[0].value["状态"].iloc[0]


def test_a_county_asset_stage_change_on_the_page_waits_for_review(env):
    from imports.assets import import_assets
    from layers import idle_assets

    data._connection.clear()
    con = store.connect(env)
    try:
        raw = "资产台账（截至2024年6月30日）\n资产名称,县（市、区）,资产类型,建筑面积（㎡）,盘活阶段\n原粮站仓库,商州区,闲置厂房,6000,招商推介\n"
        import_assets(con, raw.encode(), filename="资产.csv", user="市国资委")
    finally:
        con.close()
    at = change_password(sign_in(app_test(PAGES_DIR / "7_闲置资产盘活.py").run(), "shangzhou", PASSWORD), PASSWORD, NEW)
    assert not at.exception, [e.value for e in at.exception]
    stage = next(s for s in at.selectbox if s.label == t("assets_stage"))
    stage.set_value("洽谈对接")
    next(b for b in at.button if b.label == t("assets_save")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已提交上报" in s.value for s in at.success), [s.value for s in at.success]
    data._connection.clear()
    con = store.connect(env)
    try:
        assert idle_assets.load(con)["stage"].tolist() == ["招商推介"]  # not written before review
        pending = review.listing(con, status="待审核")
        assert pending["kind"].tolist() == ["asset_stage"]
    finally:
        con.close()
    city = signed_in("city")
    next(b for b in city.button if b.label == t("rv_approve")).click().run()
    assert not city.exception, [e.value for e in city.exception]
    data._connection.clear()
    con = store.connect(env)
    try:
        assert idle_assets.load(con)["stage"].tolist() == ["洽谈对接"]
    finally:
        con.close()
