"""上报审核 on the command line: ``review list``, ``review show ID``, ``review approve ID --as USER``, ``review return ID
--as USER --comment TEXT`` (the same workflow as the 上报审核 page; ``import KIND FILE --as USER`` submits a ledger)."""

from __future__ import annotations

from commands import UserError, open_store, print_json
from imports import review
from imports.sheet import LedgerError
from layers import accounts, submissions
from store import StoreError


def account(con, name: str) -> accounts.Account:
    """The account ``--as`` names (it must exist and not be disabled)."""
    found = accounts.get(con, name)
    if found is None:
        raise UserError(f"没有可用的账号“{name}”（不存在或已停用，见 user list）")
    return found


def _row(r) -> dict:
    return {"id": r["submission_id"], "kind": r["kind"], "kind_label": r["kind_label"], "label": r["label"], "month": r["month"],
            "submitted_by": r["submitted_by"], "submitted_at": str(r["submitted_at"]), "status": r["status"], "summary": r["summary"],
            "units": list(r["unit_ids"]), "reviewer": r["reviewer"], "decided_at": None if r["decided_at"] is None else str(r["decided_at"]),
            "comment": r["comment"], "batch": r["batch_id"]}


def cmd_list(args) -> int:
    con = open_store(args)
    frame = review.listing(con, status=args.status, submitted_by=args.user)
    rows = [_row({k: (None if k in ("decided_at", "reviewer", "comment", "batch_id") and v != v else v) for k, v in r.items()})
            for r in frame.to_dict("records")]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("没有上报")
    for r in rows:
        print(f"{r['id']}  {r['status']}  {r['kind_label']}：{r['label']}  {r['month'] or ''}  {r['submitted_by']} {r['submitted_at'][:16]}"
              + (f"  意见：{r['comment']}" if r["comment"] else ""))
    return 0


def cmd_show(args) -> int:
    con = open_store(args)
    try:
        shown = review.preview(con, args.id)
    except (LedgerError, submissions.SubmissionError) as exc:
        raise UserError(str(exc)) from exc
    if args.json:
        print_json(shown)
        return 0
    print(shown["summary"])
    for c in shown["changes"]:
        fields = "；".join(f"{k}：{'（空）' if o is None else o} → {'（空）' if n is None else n}" for k, (o, n) in c["fields"].items())
        print(f"  {c['action']} {c.get('name') or c['record']}：{fields}")
    for r in shown["rejected"]:
        print(f"  拒收 第 {r['row']} 行 {r['column']}：{r['reason']}")
    return 0


def cmd_approve(args) -> int:
    con = open_store(args)
    try:
        batch = review.approve(con, args.id, reviewer=account(con, args.as_user), comment=args.comment)
    except (LedgerError, StoreError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    print_json({"id": args.id, "status": submissions.APPROVED, "batch": batch})
    return 0


def cmd_return(args) -> int:
    con = open_store(args)
    try:
        review.return_(con, args.id, reviewer=account(con, args.as_user), comment=args.comment or "")
    except (StoreError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    print_json({"id": args.id, "status": submissions.RETURNED, "comment": args.comment})
    return 0


def register(sub, common) -> None:
    s = sub.add_parser("review", help="上报审核：列出、查看、审核通过或退回县区/园区的上报")
    rs = s.add_subparsers(dest="review_command", required=True)
    p = rs.add_parser("list", parents=[common], help="列出上报（默认全部，新的在前）")
    p.add_argument("--status", choices=submissions.STATUSES, help="只看某一状态")
    p.add_argument("--user", help="只看某账号提交的")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)
    p = rs.add_parser("show", parents=[common], help="查看一项上报将写入的修改（按当前数据逐字段：原值 → 新值）")
    p.add_argument("id", help="上报编号，如 S000001")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)
    p = rs.add_parser("approve", parents=[common], help="审核通过并写入数据")
    p.add_argument("id", help="上报编号")
    p.add_argument("--as", dest="as_user", required=True, help="审核人的账号（须为市级或系统管理员）")
    p.add_argument("--comment", help="审核意见")
    p.set_defaults(func=cmd_approve)
    p = rs.add_parser("return", parents=[common], help="退回修改（须填写意见）")
    p.add_argument("id", help="上报编号")
    p.add_argument("--as", dest="as_user", required=True, help="审核人的账号")
    p.add_argument("--comment", help="退回意见（必填）：需要如何修改")
    p.set_defaults(func=cmd_return)
