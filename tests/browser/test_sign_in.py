"""Sign-in in a real browser: local accounts (form, forced password change, lockout, sign out), a forged identity
header ignored when the proxy method is off, and the proxy method honouring its header (server on loopback)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.browser.browsing import ARTIFACTS, ROOT, wait_idle
from tests.browser.conftest import serve
from tests.browser.proxy import header_proxy, port_of

pytestmark = pytest.mark.browser

PASSWORD = "Initial123"


@pytest.fixture(scope="module")
def city_db(tmp_path_factory):
    """商洛市's boundaries and three accounts (created with the CLI, as an administrator would before starting)."""
    folder = tmp_path_factory.mktemp("sign_in")
    db = folder / "city.duckdb"
    run = lambda *a, stdin=None: subprocess.run([sys.executable, "cli.py", *a, "--db", str(db)], cwd=ROOT, input=stdin,  # noqa: E731
                                                capture_output=True, text=True, timeout=180)
    assert run("load-region", "商洛市").returncode == 0
    for name, role, extra in (("wang", "city", []), ("li", "leader", []), ("shanyang", "county", ["--county", "山阳县"])):
        done = run("user", "add", name, "--role", role, *extra, "--password-stdin", stdin=PASSWORD + "\n")
        assert done.returncode == 0, done.stderr
    return folder, db


def field(tab, label):
    return tab.get_by_label(label, exact=True)


def sign_in(tab, name, password):
    field(tab, "用户名").fill(name)
    field(tab, "密码").fill(password)
    tab.get_by_role("button", name="登录", exact=True).click()
    wait_idle(tab)


def test_local_accounts(city_db, tab):
    folder, db = city_db
    with serve(db, folder / "local.log", {"PARKMAP_AUTH": "local", "PARKMAP_LOCKOUT_ATTEMPTS": "3"}) as base:
        tab.goto(base + "/")
        tab.get_by_role("heading", name="登录").wait_for(timeout=60_000)
        assert not tab.get_by_text("新签约项目").count()  # nothing of the data before sign-in
        sign_in(tab, "wang", "wrong-pass1")
        tab.get_by_text("用户名或密码不正确").first.wait_for(timeout=30_000)
        sign_in(tab, "wang", PASSWORD)
        tab.get_by_role("heading", name="修改密码").first.wait_for(timeout=30_000)  # forced change of the set password
        field(tab, "原密码").fill(PASSWORD)
        field(tab, "新密码").fill("Secret2024")
        field(tab, "再次输入新密码").fill("Secret2024")
        tab.get_by_role("button", name="修改密码").click()
        tab.locator("h1").filter(has_text="总览").first.wait_for(timeout=60_000)
        wait_idle(tab)
        assert "市级" in tab.locator("[data-testid=stSidebar]").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "signed_in.png"))
        tab.get_by_role("button", name="退出登录").click()
        tab.get_by_role("heading", name="登录").wait_for(timeout=30_000)
        for _ in range(3):  # the leader's account: three wrong passwords lock it
            sign_in(tab, "li", "wrong-pass1")
        tab.get_by_text("已锁定", exact=False).first.wait_for(timeout=30_000)
        sign_in(tab, "li", PASSWORD)
        tab.get_by_text("已锁定", exact=False).first.wait_for(timeout=30_000)
        assert tab.get_by_role("heading", name="登录").count() == 1
        tab.screenshot(path=str(ARTIFACTS / "locked.png"))


def test_a_forged_identity_header_is_ignored(city_db, chromium):
    folder, db = city_db
    with serve(db, folder / "forged.log", {"PARKMAP_AUTH": "local"}) as base:
        context = chromium.new_context(locale="zh-CN", extra_http_headers={"X-Remote-User": "wang", "X-Forwarded-User": "wang"})
        page = context.new_page()
        try:
            page.goto(base + "/")
            page.get_by_role("heading", name="登录").wait_for(timeout=60_000)
            wait_idle(page)
            assert not page.get_by_text("新签约项目").count()
        finally:
            context.close()


def test_the_proxy_header_names_the_account(city_db, chromium):
    """Behind a proxy that sets X-Remote-User on every request (as the README's nginx sample does), the app signs the
    named account in; without the header, or for an unknown name, it says so and shows no data. The browser's own
    X-Remote-User is replaced by the proxy's."""
    folder, db = city_db
    env = {"PARKMAP_AUTH": "header", "PARKMAP_AUTH_HEADER": "X-Remote-User"}
    with serve(db, folder / "header.log", env) as base:
        for proxied, expected in (("shanyang", "县级填报"), (None, "请通过单位的统一身份认证入口访问"), ("stranger", "尚未在本系统开通账号")):
            with header_proxy(port_of(base), "X-Remote-User", proxied) as front:
                context = chromium.new_context(locale="zh-CN", extra_http_headers={"X-Remote-User": "wang"})  # forged, replaced
                page = context.new_page()
                try:
                    page.goto(front + "/")
                    page.get_by_text(expected, exact=False).first.wait_for(timeout=60_000)
                    wait_idle(page)
                    body = page.inner_text("body")
                    assert "市级" not in body  # never the forged wang
                    if proxied == "shanyang":
                        assert "shanyang（县级填报）" in body
                finally:
                    context.close()
