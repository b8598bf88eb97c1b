"""督办 commands: ``supervision`` (the triaged 督办 list of a month, filtered, printed or exported one sheet per 包抓领导)
and ``problem`` (record a project's 问题/困难, or change its status)."""

from __future__ import annotations

import sys
from datetime import date

from analysis import lights
from analysis import supervision as sv
from commands import CLI_USER, UserError, day, open_store, print_json
from layers import dataset, project_issues
from store import ConflictError


def _month(con, text: str | None) -> str:
    import pandas as pd

    if text:
        try:
            return str(pd.Period(text, freq="M"))
        except ValueError:
            raise UserError(f"月份格式应为 YYYY-MM：{text}") from None
    as_of = dataset.as_of(con) or date.today()
    return f"{as_of:%Y-%m}"


def cmd_supervision(args) -> int:
    from reports import monthly
    from reports import supervision as report

    con = open_store(args)
    month = _month(con, args.month)
    r = monthly.collect(con, month)
    rules = lights.load_rules()
    items = report.triaged(r, rules)
    leaders, units = sv.choices(items)
    for wanted, known, what in ((args.leader, leaders, "包抓领导"), (args.unit, units, "责任单位")):
        unknown = [w for w in wanted or () if w not in known]
        if unknown:  # not an error: a leader whose items are all solved has an empty list
            print(f"提示：{month} 的督办清单中没有{what}“{'、'.join(unknown)}”的事项；现有：{'、'.join(known) or '（无）'}", file=sys.stderr)
    shown = sv.filter_items(items, leaders=args.leader or (), units=args.unit or ())
    top = rules.top_per_leader if args.top is None else args.top
    if args.top is not None and args.top < 1:
        raise UserError("--top 至少为 1")
    written = str(report.write(shown, args.to, title=f"{r.title}·督办清单", as_of=r.problems_as_of, top=top, rules=rules)) if args.to else None
    if args.json:
        print_json({"month": month, "as_of": r.problems_as_of, "frozen": r.frozen, "items": len(shown),
                    "money_wan": sv.rest_money(shown), "file": written,
                    "leaders": [{"leader": s.leader, "items": len(s.shown) + s.rest, "rest": s.rest, "rest_money_wan": s.rest_money_wan,
                                 "score": s.total_score} for s in sv.by_leader(shown, top)],
                    "list": [{k: row[k] for k in ("rank", "item", "project_id", "problem_id", "subject", "unit", "leader",
                                                  "responsible_unit", "owner", "light", "reason", "money_wan", "months_late", "score",
                                                  "deadline")} for row in shown.astype(object).where(shown.notna(), None).to_dict("records")]})
        return 0
    print(f"{month} 督办清单（截至 {r.problems_as_of}{'，已冻结' if r.frozen else ''}）：{len(shown)} 项，涉及金额 {sv.rest_money(shown):,.2f} 万元")
    for row in shown.head(top).to_dict("records"):
        print(f"  {row['rank']}\t{row['light']}\t{row['item']}\t{row['subject']}\t{row['leader'] or sv.NO_LEADER}\t"
              f"{row['responsible_unit']}\t{row['score']:,.0f}\t{row['reason']}")
    if len(shown) > top:
        print(f"  其余 {len(shown) - top} 项，合计 {sv.rest_money(shown.iloc[top:]):,.2f} 万元")
    if written:
        print(f"  xlsx: {written}")
    return 0


def cmd_problem(args) -> int:
    con = open_store(args)
    try:
        if args.status:
            if not args.id:
                raise UserError("更新状态请用 --id 指定问题编号（如 XN-2017-0392-Q001）")
            project_issues.update_status(con, args.id, args.status, user=CLI_USER, on=args.on, note=args.note)
            print(f"{args.id} 已改为{args.status}")
            return 0
        if not (args.project and args.text):
            raise UserError("登记问题/困难请给出 --project 项目编号 和 --text 内容")
        issue_id = project_issues.add(con, args.project, args.text, user=CLI_USER, kind=args.kind, owner=args.owner,
                                      raised_on=args.on or date.today(), due_on=args.due, note=args.note)
    except (project_issues.IssueError, ConflictError) as exc:
        raise UserError(str(exc)) from exc
    print(f"已登记 {issue_id}")
    return 0


def register(sub, common) -> None:
    s = sub.add_parser("supervision", parents=[common], help="督办清单：按金额 × 逾期月数排序，可按包抓领导/责任单位筛选，按领导分表导出")
    s.add_argument("--month", help="月份 YYYY-MM（默认数据截至月份）")
    s.add_argument("--leader", action="append", help="包抓领导（可重复；无领导的事项为“未明确包抓领导”）")
    s.add_argument("--unit", action="append", help="责任单位，或问题/困难的责任人/单位（可重复）")
    s.add_argument("--top", type=int, help="每位领导列出的事项数（默认见 config/lights.toml，20）")
    s.add_argument("--to", help="导出 Excel 文件 .xlsx（每位包抓领导一张表）")
    s.add_argument("--json", action="store_true", help="输出清单 JSON")
    s.set_defaults(func=cmd_supervision)
    p = sub.add_parser("problem", parents=[common], help="登记项目的问题/困难，或更新其状态")
    p.add_argument("--project", help="项目编号（登记时）")
    p.add_argument("--text", help="问题/困难内容（登记时）")
    p.add_argument("--kind", choices=project_issues.KINDS, default="问题")
    p.add_argument("--owner", help="责任人/责任单位")
    p.add_argument("--due", type=day, help="办结时限 YYYY-MM-DD")
    p.add_argument("--id", help="问题编号（更新状态时）")
    p.add_argument("--status", choices=project_issues.STATUSES, help="新状态（给出时更新 --id 的状态）")
    p.add_argument("--on", type=day, help="提出日期（登记时，默认今天）或解决日期（改为已解决时）")
    p.add_argument("--note", help="说明")
    p.set_defaults(func=cmd_problem)
