"""Who is using the page: the sign-in gate of every page and the name written to the audit trail.

One identity method at a time, chosen by ``PARKMAP_AUTH``:

- unset or ``none``: no sign-in; every page user is 「本机用户」 with every right. Only allowed while the server
  listens on loopback (``serve.py`` refuses to start otherwise): the product's secure default.
- ``local``: local accounts (:mod:`layers.accounts`): a sign-in form (用户名, 密码, 登录), a password change forced after
  an administrator set it, lockout after repeated failures, and the session ends after ``PARKMAP_SESSION_MINUTES``
  (default 30) without activity.
- ``oidc``: Streamlit's ``st.login`` against a 统一身份认证 platform that speaks OIDC (the ``[auth]`` section of
  ``.streamlit/secrets.toml``); the signed-in e-mail (or name) must have an account here, which gives role and scope.
- ``header``: a trusted reverse-proxy header (``PARKMAP_AUTH_HEADER``, e.g. ``X-Remote-User``, set by nginx/Apache after
  CAS/LDAP/UKey) naming an account; honoured only while the server listens on loopback, so that nobody can reach the
  app around the proxy with a forged header.
"""

from __future__ import annotations

import os
import time

import streamlit as st

from layers import accounts
from ui import data
from ui.safe_html import md
from ui.text import t

PAGE_USER = "本机用户"
MODES = ("none", "local", "oidc", "header")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_SESSION = "identity-account"
_SEEN = "identity-last-seen"
#: everything the page user may do when there is no sign-in (one office on its own machine)
EVERYONE = accounts.Account(PAGE_USER, PAGE_USER, "admin", (), ())


def mode() -> str:
    """The identity method configured (``PARKMAP_AUTH``); an unknown value counts as a configuration error."""
    return (os.environ.get("PARKMAP_AUTH") or "none").strip().lower()


def loopback(address: str | None) -> bool:
    """Whether the server address only accepts connections from this machine (Streamlit's default "" listens on all)."""
    return (address or "").strip() in LOOPBACK


def session_minutes() -> int:
    try:
        return max(1, int(os.environ.get("PARKMAP_SESSION_MINUTES", "30")))
    except ValueError:
        return 30


def oidc_configured() -> bool:
    """Whether Streamlit's secrets hold an ``[auth]`` section for ``st.login``."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def startup_problem(address: str | None) -> str | None:
    """Why the server must not start with this configuration (Chinese), or None."""
    chosen = mode()
    if chosen not in MODES:
        return f"PARKMAP_AUTH 的值“{chosen}”无效：可设为 local（本地账号）、oidc（统一身份认证）或 header（反向代理传入的用户头）"
    if chosen == "oidc" and not oidc_configured():
        return ("PARKMAP_AUTH=oidc 需要在 .streamlit/secrets.toml 中配置 [auth] 一节（redirect_uri、cookie_secret、client_id、"
                "client_secret、server_metadata_url），见 README")
    if chosen == "header" and not os.environ.get("PARKMAP_AUTH_HEADER"):
        return "PARKMAP_AUTH=header 时须用 PARKMAP_AUTH_HEADER 指定反向代理传入用户名的请求头，例如 X-Remote-User"
    if chosen == "header" and not loopback(address):
        return (f"PARKMAP_AUTH=header 只能在服务监听本机（127.0.0.1）、由反向代理转发时使用，当前监听 {address or '所有网卡'}："
                "否则任何人都能绕过代理伪造用户头")
    if chosen == "none" and not loopback(address):
        return (f"服务将监听 {address or '所有网卡'}，但没有配置登录方式：任何能访问该端口的人都能修改数据。"
                "请设置 PARKMAP_AUTH=local（本地账号，先用 cli.py user add 建立管理员）、oidc 或 header，"
                "或只监听本机：--server.address 127.0.0.1")
    return None


def current() -> accounts.Account | None:
    """The signed-in account of this session (the all-rights 「本机用户」 without sign-in), or None."""
    if mode() == "none":
        return EVERYONE
    return st.session_state.get(_SESSION)


def user() -> str:
    """The name written to the audit trail for this session's writes."""
    account = current()
    return account.user_name if account else PAGE_USER


def scope() -> tuple[str, ...] | None:
    """This session's scope value (:mod:`layers._scope`), what every cached loader and every write path is given:
    None — every county; a county user's adcodes; for a park user (园区填报) their counties plus ``park:<id>`` tokens,
    which limit every record to their parks (a park account without parks sees nothing); nobody signed in: ``()``."""
    account = current()
    return account.scope() if account else ()


def counties() -> tuple[str, ...] | None:
    """The same value as :func:`scope` (kept for the write paths that pass it on as ``counties=``): for a park user it
    carries the park tokens, so every write path that passes it on is limited to their parks, never their whole county."""
    return scope()


def may(action: str) -> bool:
    """Whether this session's user may ``action`` (read, write, review, freeze, targets, accounts, undo)."""
    account = current()
    return bool(account and account.may(action))


def refusal(action: str) -> str | None:
    """None when allowed, else why not (Chinese), for the write paths of the pages."""
    if may(action):
        return None
    account = current()
    what = {"write": "修改或导入数据", "freeze": "冻结月份", "targets": "修改目标任务", "undo": "撤销批次", "accounts": "管理账号",
            "review": "审核"}.get(action, action)
    return f"当前账号（{account.role_label if account else '未登录'}）无权{what}"


def sign_out(reason: str | None = None) -> None:
    st.session_state.pop(_SESSION, None)
    st.session_state.pop(_SEEN, None)
    if reason:
        st.session_state["identity-reason"] = reason


def _expired() -> bool:
    seen = st.session_state.get(_SEEN)
    return seen is not None and time.monotonic() - seen > session_minutes() * 60


def gate() -> accounts.Account:
    """Called first by every page: the signed-in account, or the sign-in (or first password change) and ``st.stop()``."""
    chosen = mode()
    if chosen == "none":
        return EVERYONE
    if _SESSION in st.session_state and _expired():
        sign_out(t("id_timeout", minutes=session_minutes()))
    account = st.session_state.get(_SESSION)
    if account is None:
        account = _external(chosen)
        if account is not None:
            st.session_state[_SESSION] = account
    if account is None:
        if chosen == "local":
            _sign_in_form()
        else:
            _external_sign_in(chosen)
        st.stop()
    if chosen == "local" and account.must_change:
        _change_password_form(account, forced=True)
        st.stop()
    st.session_state[_SEEN] = time.monotonic()
    _sidebar(account, chosen)
    return account


def _external(chosen: str) -> accounts.Account | None:
    """The account an OIDC sign-in or the proxy's header names (None if none, or not an account here)."""
    if chosen == "header":
        name = (st.context.headers.get(os.environ.get("PARKMAP_AUTH_HEADER", "")) or "").strip()
    elif chosen == "oidc":
        user = st.user.to_dict() if hasattr(st.user, "to_dict") else {}
        name = (user.get("email") or user.get("name") or "") if user.get("is_logged_in") else ""
    else:
        return None
    if not name:
        return None
    with data.cursor() as con:
        found = accounts.get(con, name)
    if found is None:
        st.session_state["identity-reason"] = t("id_unknown", name=md(name))
    return found


def _external_sign_in(chosen: str) -> None:
    st.title(t("id_title"))
    if reason := st.session_state.pop("identity-reason", None):
        st.error(reason)
    if chosen == "oidc":
        st.button(t("id_oidc"), on_click=st.login, type="primary")
    else:
        st.info(t("id_header"))


def _sign_in_form() -> None:
    st.title(t("id_title"))
    if reason := st.session_state.pop("identity-reason", None):
        st.warning(reason)
    with st.form("sign-in"):
        name = st.text_input(t("id_user"))
        password = st.text_input(t("id_password"), type="password")
        submitted = st.form_submit_button(t("id_go"), type="primary")
    if submitted:
        try:
            with data.cursor() as con:
                account = accounts.sign_in(con, name.strip(), password)
        except accounts.AccountError as exc:
            st.error(md(exc))
            return
        st.session_state[_SESSION] = account
        st.session_state[_SEEN] = time.monotonic()
        st.rerun()
    with data.cursor() as con:
        if accounts.load(con).empty:
            st.caption(t("id_no_accounts"))


def _change_password_form(account: accounts.Account, *, forced: bool = False) -> None:
    if forced:
        st.title(t("id_change_title"))
        st.info(t("id_change_forced"))
    with st.form(f"change-password-{'forced' if forced else 'own'}", clear_on_submit=True):
        old = st.text_input(t("id_old"), type="password")
        new = st.text_input(t("id_new"), type="password")
        again = st.text_input(t("id_again"), type="password")
        submitted = st.form_submit_button(t("id_change_go"))
    if not submitted:
        return
    if new != again:
        st.error(t("id_mismatch"))
        return
    try:
        with data.cursor() as con:
            accounts.change_password(con, account.user_name, old, new)
            fresh = accounts.get(con, account.user_name)
    except accounts.AccountError as exc:
        st.error(md(exc))
        return
    st.session_state[_SESSION] = fresh
    st.session_state["identity-changed"] = True
    st.rerun()


def _sidebar(account: accounts.Account, chosen: str) -> None:
    st.sidebar.caption(t("id_signed_in", name=md(account.display_name), role=account.role_label))
    if st.session_state.pop("identity-changed", False):
        st.sidebar.success(t("id_changed"))
    if chosen == "local":
        with st.sidebar.expander(t("id_change_title")):
            _change_password_form(account)
    if chosen != "header" and st.sidebar.button(t("id_sign_out"), key="sign-out"):
        sign_out()
        if chosen == "oidc":
            st.logout()
        st.rerun()
