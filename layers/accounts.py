"""Local accounts (本地账号): who may sign in, with which role and over which counties and parks.

Passwords are hashed with argon2id (``argon2-cffi``), never stored or logged in clear; the hash itself is kept out of
the audit log (``TableSpec.secret``). After :data:`MAX_FAILURES` wrong passwords in a row an account is locked for
:data:`LOCK_MINUTES` (both configurable by environment); an administrator's reset unlocks it and asks for a new
password at the next sign-in. A disabled account cannot sign in; nothing is ever deleted (the audit trail names it).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from store import audit, tables

#: role → Chinese name; what each may do is in :data:`CAN`
ROLES = {"admin": "系统管理员", "city": "市级", "county": "县级填报", "park": "园区填报", "assets": "国资", "leader": "领导"}
CAN = {
    "admin": {"read", "write", "review", "freeze", "targets", "accounts", "undo"},
    "city": {"read", "write", "review", "freeze", "targets", "undo"},
    "county": {"read", "write"},
    "park": {"read", "write"},
    "assets": {"read", "write"},
    "leader": {"read"},
}
SPEC = tables.TableSpec(
    table="accounts",
    key="user_name",
    columns=(
        ("user_name", "VARCHAR"),
        ("display_name", "VARCHAR"),
        ("role", "VARCHAR NOT NULL"),
        ("counties", "VARCHAR"),  # JSON list of county adcodes (empty: every county)
        ("parks", "VARCHAR"),  # JSON list of park ids (park users)
        ("password_hash", "VARCHAR"),
        ("must_change", "BOOLEAN"),  # a new or reset password: change it at the next sign-in
        ("disabled", "BOOLEAN"),
        ("failed_attempts", "INTEGER"),
        ("locked_until", "TIMESTAMP"),
        ("last_sign_in", "TIMESTAMP"),
    ),
    has_geometry=False,
    secret=("password_hash",),
)
NAME = re.compile(r"^[\w.\-@\u4e00-\u9fff]{2,40}$")
MIN_PASSWORD = 8
_HASHER = PasswordHasher()


def _setting(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


MAX_FAILURES = _setting("PARKMAP_LOCKOUT_ATTEMPTS", 5)
LOCK_MINUTES = _setting("PARKMAP_LOCKOUT_MINUTES", 15)


class AccountError(ValueError):
    """An account operation or sign-in refused; the message is Chinese and never says which half was wrong."""


@dataclass(frozen=True)
class Account:
    user_name: str
    display_name: str
    role: str
    counties: tuple[str, ...]
    parks: tuple[str, ...]
    must_change: bool = False

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def may(self, action: str) -> bool:
        return action in CAN.get(self.role, set())

    def scope(self) -> tuple[str, ...] | None:
        """The scope value (:mod:`layers._scope`) of what this account may see and write: a park user's parks, else its
        counties, else everything."""
        from layers._scope import make

        if self.role == "park":
            return make(self.counties, self.parks)
        return make(self.counties or None)


def check_password(password: str) -> None:
    """A password policy people can follow: at least 8 characters, letters and digits."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位")
    if not (re.search(r"\d", password) and re.search(r"[A-Za-z]", password)):
        raise AccountError("密码须同时包含字母和数字")


def _account(row: dict) -> Account:
    return Account(row["user_name"], row["display_name"] or row["user_name"], row["role"],
                   tuple(json.loads(row["counties"] or "[]")), tuple(json.loads(row["parks"] or "[]")), bool(row["must_change"]))


def load(con: duckdb.DuckDBPyConnection, *, include_disabled: bool = True) -> pd.DataFrame:
    """Accounts without their password hashes."""
    frame = pd.DataFrame(tables.load(con, SPEC, [] if include_disabled else ["NOT coalesce(disabled, FALSE)"]).drop(columns="geometry"))
    return frame.drop(columns=["password_hash"])


def get(con: duckdb.DuckDBPyConnection, user_name: str) -> Account | None:
    row = con.execute("SELECT * FROM accounts WHERE user_name = ? AND NOT coalesce(disabled, FALSE)", [user_name]).df()
    return _account(row.iloc[0].to_dict()) if len(row) else None


def add(con: duckdb.DuckDBPyConnection, user_name: str, *, role: str, password: str, by: str, display_name: str | None = None,
        counties: Sequence[str] = (), parks: Sequence[str] = ()) -> Account:
    """Create an account (its password must be changed at the first sign-in)."""
    if not NAME.match(user_name or ""):
        raise AccountError("用户名应为 2–40 个汉字、字母、数字或 . _ - @")
    if role not in ROLES:
        raise AccountError(f"未知的角色“{role}”，可选：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}")
    if role == "park" and not parks:
        raise AccountError("园区填报账号须指定园区")
    if role == "county" and not counties:
        raise AccountError("县级填报账号须指定县（市、区）")
    check_password(password)
    with audit.batch(con, user=by, kind="account", label=f"新建账号 {user_name}"):
        if con.execute("SELECT count(*) FROM accounts WHERE user_name = ?", [user_name]).fetchone()[0]:
            raise AccountError(f"账号“{user_name}”已存在")
        tables.insert(con, SPEC, [{"user_name": user_name, "display_name": display_name or user_name, "role": role,
                                   "counties": json.dumps(list(counties), ensure_ascii=False), "parks": json.dumps(list(parks), ensure_ascii=False),
                                   "password_hash": _HASHER.hash(password), "must_change": True, "disabled": False, "failed_attempts": 0}],
                      user=by)
    return get(con, user_name)


def sign_in(con: duckdb.DuckDBPyConnection, user_name: str, password: str, *, now: datetime | None = None) -> Account:
    """The account for a correct user name and password; :class:`AccountError` otherwise (locked, disabled, wrong).
    Every attempt on an existing account is recorded (a success resets the count of failures; the
    :data:`MAX_FAILURES`-th failure in a row locks the account for :data:`LOCK_MINUTES`)."""
    now = now or datetime.now()
    row = con.execute("SELECT * FROM accounts WHERE user_name = ?", [user_name or ""]).df()
    if row.empty:
        _HASHER.hash(password or "")  # as long as for a real account: no hint which names exist
        raise AccountError("用户名或密码不正确")
    rec = row.iloc[0].to_dict()
    if rec["disabled"]:
        raise AccountError("该账号已停用，请联系系统管理员")
    locked = rec["locked_until"]
    if locked is not None and not pd.isna(locked) and pd.Timestamp(locked) > pd.Timestamp(now):
        raise AccountError(f"密码连续输错 {MAX_FAILURES} 次，账号已锁定至 {pd.Timestamp(locked):%H:%M}，请稍后再试或联系系统管理员")
    try:
        ok = _HASHER.verify(rec["password_hash"] or "", password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    with audit.batch(con, user=user_name, kind="sign_in", label="登录" if ok else "登录失败"):
        if ok:
            tables.update(con, SPEC, user_name, {"failed_attempts": 0, "locked_until": None, "last_sign_in": now}, user=user_name)
            return _account(rec)
        (failures,) = con.execute("SELECT coalesce(failed_attempts, 0) + 1 FROM accounts WHERE user_name = ?", [user_name]).fetchone()
        lock = failures >= MAX_FAILURES
        tables.update(con, SPEC, user_name, {"failed_attempts": 0 if lock else failures,
                                             **({"locked_until": now + timedelta(minutes=LOCK_MINUTES)} if lock else {})}, user=user_name)
    if lock:
        raise AccountError(f"密码连续输错 {MAX_FAILURES} 次，账号已锁定 {LOCK_MINUTES} 分钟")
    raise AccountError("用户名或密码不正确")


def change_password(con: duckdb.DuckDBPyConnection, user_name: str, old: str, new: str) -> None:
    """The user changes their own password (the old one must be right)."""
    check_password(new)
    if new == old:
        raise AccountError("新密码不能与原密码相同")
    sign_in(con, user_name, old)
    with audit.batch(con, user=user_name, kind="account", label=f"修改密码 {user_name}"):
        tables.update(con, SPEC, user_name, {"password_hash": _HASHER.hash(new), "must_change": False}, user=user_name)


def reset(con: duckdb.DuckDBPyConnection, user_name: str, password: str, *, by: str) -> None:
    """An administrator sets a new password (to be changed at the next sign-in) and unlocks the account."""
    check_password(password)
    with audit.batch(con, user=by, kind="account", label=f"重置密码 {user_name}"):
        if not tables.update(con, SPEC, user_name, {"password_hash": _HASHER.hash(password), "must_change": True, "failed_attempts": 0,
                                                    "locked_until": None}, user=by):
            raise AccountError(f"没有账号“{user_name}”")


def set_disabled(con: duckdb.DuckDBPyConnection, user_name: str, disabled: bool, *, by: str) -> None:
    """Disable (or enable again) an account; a disabled account cannot sign in."""
    with audit.batch(con, user=by, kind="account", label=f"{'停用' if disabled else '启用'}账号 {user_name}"):
        if not tables.update(con, SPEC, user_name, {"disabled": disabled}, user=by):
            raise AccountError(f"没有账号“{user_name}”")
