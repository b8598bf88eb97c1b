"""Sign-in with local accounts (PARKMAP_AUTH=local) in AppTest on 商洛市: the form, wrong passwords and lockout, the
forced first password change, the session timeout, a read-only 领导, a county user's scope; and the server's secure
default (no sign-in configured → loopback only)."""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from pathlib import Path

import pytest
import streamlit as st

import store
from layers import accounts
from tests.ui.test_pages import PAGES_DIR, app_test
from ui import identity
from ui.text import t

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Initial123"


def add(db, name, role, **kw):
    st.cache_data.clear()
    st.cache_resource.clear()
    gc.collect()
    con = store.connect(db)
    try:
        return accounts.add(con, name, role=role, password=PASSWORD, by="测试", **kw)
    finally:
        con.close()


@pytest.fixture
def local(shangluo_env, monkeypatch):
    monkeypatch.setenv("PARKMAP_AUTH", "local")
    monkeypatch.setenv("PARKMAP_LOCKOUT_ATTEMPTS", "5")
    return shangluo_env


def sign_in(at, name, password):
    next(x for x in at.text_input if x.label == t("id_user")).set_value(name)
    next(x for x in at.text_input if x.label == t("id_password")).set_value(password)
    next(b for b in at.button if b.label == t("id_go")).click().run()
    return at


def change_password(at, old, new):
    next(x for x in at.text_input if x.label == t("id_old")).set_value(old)
    next(x for x in at.text_input if x.label == t("id_new")).set_value(new)
    next(x for x in at.text_input if x.label == t("id_again")).set_value(new)
    next(b for b in at.button if b.label == t("id_change_go")).click().run()
    return at


def test_every_page_asks_for_sign_in_first(local):
    add(local, "wang", "city")
    for script in (None, PAGES_DIR / "3_项目进度.py", PAGES_DIR / "10_操作记录.py"):
        at = app_test(script).run()
        assert not at.exception, [e.value for e in at.exception]
        assert [x.value for x in at.title] == [t("id_title")]
        assert {x.label for x in at.text_input} == {t("id_user"), t("id_password")}
        assert not at.metric and not at.dataframe  # nothing of the data before sign-in


def test_sign_in_forces_a_new_password_then_opens_the_page(local):
    add(local, "wang", "city", display_name="王科长")
    at = sign_in(app_test().run(), "wang", PASSWORD)
    assert [x.value for x in at.title] == [t("id_change_title")]  # an administrator's password must be changed first
    change_password(at, PASSWORD, "short")
    assert any("至少 8 位" in e.value for e in at.error)
    change_password(at, PASSWORD, "Secret2024")
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.title] == [f"{t('app_title')} · {t('overview')}"]
    assert any("王科长" in c.value and "市级" in c.value for c in at.sidebar.caption)
    assert identity.user() in ("wang", identity.PAGE_USER)  # outside a session: the default


def test_wrong_passwords_lock_the_account(local):
    add(local, "wang", "city")
    at = app_test().run()
    for _ in range(4):
        sign_in(at, "wang", "wrong-one1")
        assert any(e.value == "用户名或密码不正确" for e in at.error)
    sign_in(at, "wang", "wrong-one1")
    assert any("已锁定" in e.value for e in at.error)
    sign_in(at, "wang", PASSWORD)  # even the right password, while locked
    assert any("已锁定" in e.value for e in at.error) and [x.value for x in at.title] == [t("id_title")]
    sign_in(at, "nobody", PASSWORD)
    assert any(e.value == "用户名或密码不正确" for e in at.error)  # no hint which names exist


def test_the_session_ends_after_inactivity(local, monkeypatch):
    add(local, "wang", "city")
    monkeypatch.setenv("PARKMAP_SESSION_MINUTES", "1")
    at = change_password(sign_in(app_test().run(), "wang", PASSWORD), PASSWORD, "Secret2024")
    assert [x.value for x in at.title] != [t("id_title")]
    real = time.monotonic
    monkeypatch.setattr(identity.time, "monotonic", lambda: real() + 120)
    at.run()
    assert [x.value for x in at.title] == [t("id_title")]
    assert any("重新登录" in w.value for w in at.warning)


def test_a_leader_reads_but_cannot_write(local):
    add(local, "li", "leader")
    at = change_password(sign_in(app_test(PAGES_DIR / "3_项目进度.py").run(), "li", PASSWORD), PASSWORD, "Secret2024")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.get("file_uploader")  # no import form
    assert any("无权修改或导入数据" in c.value for c in at.caption)
    at = app_test(PAGES_DIR / "9_数据管理.py")
    at.session_state["identity-account"] = accounts.Account("li", "李", "leader", (), ())
    at.run()
    assert any("无权撤销批次" in i.value for i in at.info)


def test_a_county_user_sees_only_their_county(local):
    add(local, "shanyang", "county", counties=["611024"])
    at = app_test(PAGES_DIR / "1_图层数据.py")
    at.session_state["identity-account"] = accounts.Account("shanyang", "山阳", "county", ("611024",), ())
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    next(s for s in at.selectbox if s.label == t("layer_pick")).set_value("regions").run()
    shown = at.dataframe[0].value
    assert list(shown["编号"]) == ["611024"]  # the region's adcode, under its Chinese header


def serve_once(extra_env: dict, address: str) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PARKMAP_AUTH")} | {"PYTHONUNBUFFERED": "1", **extra_env}
    return subprocess.run([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.address", address, "--server.port", "0",
                           "--server.headless", "true"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("env", "reason"), [
    ({}, "没有配置登录方式"),
    ({"PARKMAP_AUTH": "header", "PARKMAP_AUTH_HEADER": "X-Remote-User"}, "只能在服务监听本机"),
    ({"PARKMAP_AUTH": "magic"}, "无效"),
    ({"PARKMAP_AUTH": "oidc"}, "secrets.toml"),
])
def test_the_server_refuses_to_listen_beyond_this_machine_without_sign_in(env, reason, tmp_path):
    done = serve_once({"PARKMAP_DB": str(tmp_path / "x.duckdb"), **env}, "0.0.0.0")
    assert done.returncode == 2, done.stderr[-1500:]
    assert "拒绝启动" in done.stderr and reason in done.stderr, done.stderr[-1500:]


def test_startup_rules():
    assert identity.loopback("127.0.0.1") and not identity.loopback("") and not identity.loopback("0.0.0.0")
    assert identity.startup_problem("127.0.0.1") is None  # no sign-in on loopback: one office's own machine


def test_an_administrator_manages_accounts_on_the_page(local):
    add(local, "admin1", "admin")
    at = app_test(PAGES_DIR / "11_账号管理.py")
    at.session_state["identity-account"] = accounts.Account("admin1", "管理员", "admin", (), ())
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    form = {x.label: x for x in at.text_input}
    form[t("id_user")].set_value("shanyang")
    form[t("ac_password")].set_value("Start2024x")
    next(s for s in at.selectbox if s.label == t("ac_role")).set_value("county")
    next(m for m in at.multiselect if m.label == t("ac_counties")).set_value(["611024"])
    next(b for b in at.button if b.label == t("ac_add_go")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已新建账号 shanyang" in s.value for s in at.success), [e.value for e in at.error]
    table = at.dataframe[0].value
    assert table.set_index("用户名").loc["shanyang", "县（市、区）"] == "山阳县"
    next(s for s in at.selectbox if s.label == t("id_user")).set_value("shanyang").run()
    next(b for b in at.button if b.label == t("ac_disable")).click().run()
    assert any("已停用账号 shanyang" in s.value for s in at.success)
    assert at.dataframe[0].value.set_index("用户名").loc["shanyang", "状态"] == "已停用"
    from ui import data  # the app's own connection holds the file

    with pytest.raises(accounts.AccountError, match="已停用"), data.cursor() as cur:
        accounts.sign_in(cur, "shanyang", "Start2024x")


def test_only_administrators_reach_the_accounts_page(local):
    add(local, "wang", "city")
    at = app_test(PAGES_DIR / "11_账号管理.py")
    at.session_state["identity-account"] = accounts.Account("wang", "王", "city", (), ())
    at.run()
    assert any("无权管理账号" in i.value for i in at.info) and not at.dataframe


def test_oidc_offers_the_platforms_sign_in(shangluo_env, monkeypatch):
    monkeypatch.setenv("PARKMAP_AUTH", "oidc")
    at = app_test().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [x.value for x in at.title] == [t("id_title")]
    assert any(b.label == t("id_oidc") for b in at.button) and not at.metric
