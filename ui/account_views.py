"""账号管理 support: accounts as a table, and the administrator's writes (new account, reset, disable) with Chinese
refusals; every write is audited under the administrator's name (the password hash never reaches the log)."""

from __future__ import annotations

import json

import pandas as pd

from layers import accounts
from ui import data, identity


def table(counties: dict[str, str], parks: dict[str, str]) -> pd.DataFrame:
    with data.cursor() as con:
        frame = accounts.load(con)
    return pd.DataFrame({
        "用户名": frame["user_name"], "姓名": frame["display_name"], "角色": frame["role"].map(lambda r: accounts.ROLES.get(r, r)),
        "县（市、区）": [("、".join(counties.get(c, c) for c in json.loads(v or "[]")) or "全部") for v in frame["counties"]],
        "园区": ["、".join(parks.get(p, p) for p in json.loads(v or "[]")) for v in frame["parks"]],
        "状态": ["已停用" if d else ("已锁定" if pd.notna(lk) and pd.Timestamp(lk) > pd.Timestamp.now() else "正常")
               for d, lk in zip(frame["disabled"], frame["locked_until"], strict=True)],
        "最近登录": [pd.Timestamp(v).strftime("%Y-%m-%d %H:%M") if pd.notna(v) else "" for v in frame["last_sign_in"]],
    })


def _run(fn) -> tuple[bool, str]:
    if refused := identity.refusal("accounts"):
        return False, refused
    try:
        with data.cursor() as con:
            message = fn(con)
    except accounts.AccountError as exc:
        return False, str(exc)
    return True, message


def add(name: str, role: str, password: str, *, display_name: str, counties: list[str], parks: list[str], park_counties: dict) -> tuple[bool, str]:
    scope = counties or sorted({park_counties[p] for p in parks if park_counties.get(p)})
    return _run(lambda con: (accounts.add(con, name.strip(), role=role, password=password, by=identity.user(), display_name=display_name.strip()
                                          or None, counties=scope, parks=parks), f"已新建账号 {name.strip()}，首次登录须修改密码")[1])


def reset(name: str, password: str) -> tuple[bool, str]:
    return _run(lambda con: (accounts.reset(con, name, password, by=identity.user()), f"已重置 {name} 的密码并解锁，下次登录须修改")[1])


def set_disabled(name: str, disabled: bool) -> tuple[bool, str]:
    if disabled and name == identity.user():
        return False, "不能停用自己正在使用的账号"
    return _run(lambda con: (accounts.set_disabled(con, name, disabled, by=identity.user()), f"已{'停用' if disabled else '启用'}账号 {name}")[1])
