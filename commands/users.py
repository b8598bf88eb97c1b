"""Accounts: ``user add NAME --role ROLE [--county …] [--park …] --password-stdin``, ``user list``, ``user disable``,
``user enable``, ``user reset`` (local accounts for ``PARKMAP_AUTH=local``; role and scope for every method)."""

from __future__ import annotations

import json
import sys

from commands import CLI_USER, UserError, open_store, print_json
from layers import accounts, parks, regions


def _password(args) -> str:
    if not args.password_stdin:
        raise UserError("请用 --password-stdin 从标准输入读取密码（不要把密码写在命令行里）")
    return sys.stdin.readline().rstrip("\r\n")


def _counties(con, names) -> list[str]:
    found = regions.load(con, level="county")
    out = []
    for name in names or []:
        hit = found[(found["adcode"] == name) | (found["name"] == name) | (found["name"].str.startswith(name))]
        if len(hit) != 1:
            raise UserError(f"找不到县（市、区）“{name}”（须先加载行政区；可写名称或行政区划代码）")
        out.append(str(hit["adcode"].iloc[0]))
    return out


def _parks(con, names) -> tuple[list[str], list[str]]:
    found = parks.load(con)
    ids, counties = [], []
    for name in names or []:
        hit = found[(found["park_id"] == name) | (found["name"] == name)]
        if len(hit) != 1:
            raise UserError(f"找不到园区“{name}”（可写园区名称或编号）")
        ids.append(str(hit["park_id"].iloc[0]))
        if isinstance(hit["county_adcode"].iloc[0], str):
            counties.append(hit["county_adcode"].iloc[0])
    return ids, counties


def cmd_add(args) -> int:
    con = open_store(args)
    park_ids, park_counties = _parks(con, args.park)
    counties = _counties(con, args.county) or park_counties
    try:
        made = accounts.add(con, args.name, role=args.role, password=_password(args), by=CLI_USER, display_name=args.display_name,
                            counties=counties, parks=park_ids)
    except accounts.AccountError as exc:
        raise UserError(str(exc)) from exc
    print_json({"user": made.user_name, "role": made.role, "role_label": made.role_label, "counties": list(made.counties),
                "parks": list(made.parks), "must_change_password": made.must_change})
    return 0


def cmd_list(args) -> int:
    frame = accounts.load(open_store(args))
    rows = [{"user": r["user_name"], "name": r["display_name"], "role": r["role"], "role_label": accounts.ROLES.get(r["role"], r["role"]),
             "counties": json.loads(r["counties"] or "[]"), "parks": json.loads(r["parks"] or "[]"),
             "disabled": bool(r["disabled"]), "last_sign_in": None if r["last_sign_in"] is None or str(r["last_sign_in"]) == "NaT"
             else str(r["last_sign_in"])} for r in frame.to_dict("records")]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['user']}\t{r['role_label']}\t{'、'.join(r['counties']) or '全部'}\t{'已停用' if r['disabled'] else ''}")
    return 0


def _set(args, disabled: bool) -> int:
    try:
        accounts.set_disabled(open_store(args), args.name, disabled, by=CLI_USER)
    except accounts.AccountError as exc:
        raise UserError(str(exc)) from exc
    print_json({"user": args.name, "disabled": disabled})
    return 0


def cmd_reset(args) -> int:
    try:
        accounts.reset(open_store(args), args.name, _password(args), by=CLI_USER)
    except accounts.AccountError as exc:
        raise UserError(str(exc)) from exc
    print_json({"user": args.name, "reset": True, "must_change_password": True})
    return 0


def register(sub, common) -> None:
    user = sub.add_parser("user", help="账号：新建、列表、停用/启用、重置密码").add_subparsers(dest="user_command", required=True)
    s = user.add_parser("add", parents=[common], help="新建账号（首次登录须修改密码）")
    s.add_argument("name", help="用户名")
    s.add_argument("--role", required=True, choices=sorted(accounts.ROLES), help="角色：" + "、".join(f"{k}={v}" for k, v in accounts.ROLES.items()))
    s.add_argument("--county", nargs="*", help="可见的县（市、区），名称或代码（县级/国资/领导按县限定时）")
    s.add_argument("--park", nargs="*", help="可见的园区（园区填报账号）")
    s.add_argument("--display-name", help="姓名")
    s.add_argument("--password-stdin", action="store_true", help="从标准输入读取初始密码")
    s.set_defaults(func=cmd_add)
    s = user.add_parser("list", parents=[common], help="列出账号")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_list)
    s = user.add_parser("disable", parents=[common], help="停用账号")
    s.add_argument("name")
    s.set_defaults(func=lambda a: _set(a, True))
    s = user.add_parser("enable", parents=[common], help="重新启用账号")
    s.add_argument("name")
    s.set_defaults(func=lambda a: _set(a, False))
    s = user.add_parser("reset", parents=[common], help="重置密码并解锁（下次登录须修改）")
    s.add_argument("name")
    s.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码")
    s.set_defaults(func=cmd_reset)
