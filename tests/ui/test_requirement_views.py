"""厂房匹配's 投资需求库 (AppTest on a copy of the demo): save the requirement as entered, a factory that becomes
available alerts on the page and on 总览, 确认已读 clears it, close and delete (with confirmation); refused for 领导."""

from __future__ import annotations

import shutil

import pytest

import store
from layers import accounts, standard_factories
from layers import saved_requirements as sr
from tests.ui.conftest import clear_streamlit_caches
from tests.ui.test_pages import PAGES_DIR, app_test
from ui.text import t

PAGE = PAGES_DIR / "4_厂房匹配.py"


@pytest.fixture
def demo(ui_demo, tmp_path, monkeypatch):
    """A private copy of the demo (this test writes to it)."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(ui_demo.path, path)
    monkeypatch.setenv(store.ENV_VAR, str(path))
    return path


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def page(view: str | None = None, account=None):
    at = app_test(PAGE)
    if account is not None:
        at.session_state["identity-account"] = account
    ok(at.run())
    if view:
        ok(at.radio(key="fm-view").set_value(view).run())
    return at


def labelled(widgets, label):
    return next(w for w in widgets if w.label == label)


def a_leased_factory(path) -> tuple[str, str]:
    """A leased factory whose area fits the page's default requirement (3,000–10,000 ㎡) but not its availability."""
    con = store.connect(path)
    try:
        return con.execute("SELECT factory_id, name FROM standard_factories WHERE status = '已出租' AND floor_area_m2 BETWEEN 3000 AND 10000 "
                           "AND lease_end > DATE '2019-01-01' AND floor IS NULL ORDER BY factory_id LIMIT 1").fetchone()
    finally:
        con.close()


def write(path, fn):
    con = store.connect(path)
    try:
        return fn(con)
    finally:
        con.close()


def test_save_alert_acknowledge_close_delete(demo):
    at = page("saved")
    assert t("rq_none") in [i.value for i in at.info]

    at = page()
    labelled(at.text_input, t("rq_investor")).input("华中精密电子")
    labelled(at.text_input, t("rq_contact")).input("王经理 13900000000")
    ok(labelled(at.button, t("rq_save_go")).click().run())
    assert t("rq_saved", investor="华中精密电子") in [s.value for s in at.success]
    saved = write(demo, lambda con: sr.load(con))
    assert list(saved["investor"]) == ["华中精密电子"] and saved.iloc[0]["criteria"]["min_area_m2"] == 3000
    (rid,) = saved["requirement_id"]
    assert write(demo, lambda con: con.execute("SELECT user_name FROM audit_log WHERE table_name = 'saved_requirements'").fetchall()) \
        == [("本机用户",)]

    at = page("saved")
    assert not at.warning or not any("新近可用" in w.value for w in at.warning)  # nothing became available yet
    listed = at.dataframe[0].value
    assert list(listed["投资方"]) == ["华中精密电子"] and listed.iloc[0]["新增可用"] == 0

    factory_id, name = a_leased_factory(demo)
    write(demo, lambda con: standard_factories.update(con, factory_id, {"status": "空置", "tenant": None}, user="园区管委会"))
    clear_streamlit_caches()
    at = page("saved")
    assert any(t("rq_alert", n=1, r=1) == w.value for w in at.warning)
    fits = at.dataframe[1].value
    new = fits[fits["新增"] == "新"]
    assert list(new["名称"]) == [name] and new["变化"].iloc[0].startswith("状态 已出租 → 空置")
    assert at.radio(key="fm-view").options[2] == t("fm_tab_saved") + t("rq_tab_new", n=1)

    overview = ok(app_test().run())
    assert t("rq_overview", n=1, r=1) in [i.value for i in overview.info]

    ok(labelled(at.button, t("rq_ack")).click().run())
    at = page("saved")
    assert not any("新近可用" in w.value for w in at.warning)
    assert write(demo, lambda con: list(sr.acks(con)["item_id"])) == [factory_id]
    assert t("rq_overview", n=1, r=1) not in [i.value for i in ok(app_test().run()).info]

    ok(labelled(at.button, t("rq_close_go")).click().run())  # the first outcome: 已签约
    assert write(demo, lambda con: sr.get(con, rid)["status"]) == "已签约"
    at = page("saved")
    ok(labelled(at.button, t("rq_delete_go")).click().run())  # not confirmed: kept
    assert t("rq_delete_unconfirmed") in [e.value for e in at.error]
    assert len(write(demo, lambda con: sr.load(con))) == 1
    labelled(at.checkbox, t("rq_delete_sure", id=rid, investor="华中精密电子")).check()
    ok(labelled(at.button, t("rq_delete_go")).click().run())
    assert write(demo, lambda con: sr.load(con)).empty


def test_leaders_read_but_cannot_save(demo, monkeypatch):
    monkeypatch.setenv("PARKMAP_AUTH", "local")
    write(demo, lambda con: sr.add(con, investor="某客商", criteria={"min_area_m2": 3000.0}, user="招商局"))
    leader = accounts.Account("lingdao", "市领导", "leader", (), ())
    at = page(account=leader)
    assert t("rq_investor") not in [w.label for w in at.text_input]
    at = page("saved", account=leader)
    assert list(at.dataframe[0].value["投资方"]) == ["某客商"]
    assert t("rq_close_go") not in [b.label for b in at.button]
