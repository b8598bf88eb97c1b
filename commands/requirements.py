"""``requirement list|add|close``: the 投资需求库 of 厂房匹配 from the command line (same layer, audit and alerts)."""

from __future__ import annotations

from datetime import date

from analysis import requirement_alerts as ra
from analysis.matching import Requirement
from commands import CLI_USER, UserError, day, open_store, print_json
from commands.capacity import _resolve_counties
from layers import saved_requirements as sr
from store import ConflictError


def _list(con, args) -> int:
    reqs = sr.load(con, status=None if args.all else [sr.OPEN])
    fits = ra.alerts(con, all_matches=True)
    records = []
    for r in reqs.itertuples():
        mine = fits[fits["requirement_id"] == r.requirement_id]
        new = mine[mine["new"].astype(bool)]
        records.append({"requirement_id": r.requirement_id, "investor": r.investor, "contact": r.contact, "county_adcode": r.county_adcode,
                        "status": r.status, "criteria": r.criteria, "fits": int(len(mine)),
                        "new": [{"kind": k, "id": i, "name": n, "why": w} for k, i, n, w in
                                zip(new["item_kind"], new["item_id"], new["name"], new["why"], strict=True)]})
    if args.json:
        print_json(records)
        return 0
    if not records:
        print("没有投资需求")
    for rec in records:
        print(f"{rec['requirement_id']} {rec['investor']}（{rec['status']}）：{ra.describe(ra.requirement_of(rec['criteria']))}；"
              f"当前符合 {rec['fits']} 处，新增可用 {len(rec['new'])} 处")
        for item in rec["new"]:
            print(f"  新增：{item['name']}（{item['why']}）")
    return 0


def _add(con, args) -> int:
    if not args.investor:
        raise UserError("请用 --investor 给出投资方")
    req = Requirement(min_area_m2=args.min_area, max_area_m2=args.max_area, min_clear_height_m=args.height,
                      min_floor_load_kn_m2=args.load, min_power_kva=args.power, max_rent_yuan_m2_month=args.rent,
                      industry=args.industry, move_in=args.move_in)
    county = _resolve_counties(con, [args.county])[0] if args.county else None
    rid = sr.add(con, investor=args.investor, criteria=ra.criteria_of(req), user=CLI_USER, contact=args.contact, notes=args.note,
                 county_adcode=county)
    print(f"已保存投资需求 {rid}")
    return 0


def _close(con, args) -> int:
    if not args.id:
        raise UserError("请给出需求编号，如 requirement close XQ0001 --outcome 已签约")
    sr.close(con, args.id, args.outcome, user=CLI_USER, on=args.on or date.today(), note=args.note)
    print(f"{args.id} 已改为{args.outcome}")
    return 0


def cmd_requirement(args) -> int:
    con = open_store(args)
    try:
        return {"list": _list, "add": _add, "close": _close}[args.action](con, args)
    except (sr.RequirementError, ConflictError, ValueError) as exc:
        raise UserError(str(exc)) from exc


def register(sub, common) -> None:
    s = sub.add_parser("requirement", parents=[common], help="投资需求库：列出（含新增可用的厂房/资产）、保存、签约/放弃")
    s.add_argument("action", choices=("list", "add", "close"))
    s.add_argument("id", nargs="?", help="需求编号（close）")
    s.add_argument("--all", action="store_true", help="list：含已签约、已放弃的需求")
    s.add_argument("--json", action="store_true", help="list：输出 JSON")
    s.add_argument("--investor", help="add：投资方")
    s.add_argument("--contact", help="add：联系人及电话")
    s.add_argument("--county", help="add：所属县（市、区），默认全市")
    s.add_argument("--min-area", type=float, help="add：最小面积 ㎡")
    s.add_argument("--max-area", type=float, help="add：最大面积 ㎡")
    s.add_argument("--height", type=float, help="add：最低层高 m")
    s.add_argument("--load", type=float, help="add：最低承重 kN/㎡")
    s.add_argument("--power", type=float, help="add：最低配电 kVA")
    s.add_argument("--rent", type=float, help="add：租金上限 元/㎡·月")
    s.add_argument("--industry", help="add：产业")
    s.add_argument("--move-in", type=day, help="add：入驻日期 YYYY-MM-DD")
    s.add_argument("--outcome", choices=(*sr.CLOSED, sr.OPEN), default=sr.CLOSED[0], help="close：结果（跟进中 = 重新跟进）")
    s.add_argument("--on", type=day, help="close：日期（默认今天）")
    s.add_argument("--note", help="add：备注；close：说明")
    s.set_defaults(func=cmd_requirement)
