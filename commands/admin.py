"""Administration: ``freeze --month`` (publish a month), ``backup`` / ``restore``, ``audit`` (who changed what),
``batches`` and ``undo BATCH`` (take an import back)."""

from __future__ import annotations

from pathlib import Path

import layers
import store
from commands import CLI_USER, UserError, day, open_store, print_json
from commands.foundation import month
from layers import LAYER_LABELS, months
from store import audit, backup, undo


def cmd_freeze(args) -> int:
    con = open_store(args)
    try:
        done = months.freeze(con, args.month, user=CLI_USER, note=args.note)
    except months.FreezeError as exc:
        raise UserError(str(exc)) from exc
    result = {"month": done.month, "frozen": True, "already": done.already, "seq": done.seq, "projects": done.projects}
    if args.json:
        print_json(result)
    else:
        print(f"{done.month} {'此前已冻结，未作改动' if done.already else '已冻结'}（第 {done.seq} 个冻结月份，项目 {done.projects} 个）")
    return 0


def cmd_backup(args) -> int:
    con = open_store(args)
    out = backup.backup(con, args.out)
    info = backup.check(out)
    print_json({"backup": str(out), "bytes": out.stat().st_size, "schema_version": info["schema_version"],
                "rows": {k: v for k, v in info["rows"].items() if v}})
    return 0


def cmd_restore(args) -> int:
    target = Path(args.db) if args.db else store.default_db_path()
    print_json(backup.restore(args.file, target))
    return 0


#: layer names users type (``--layer projects``) → tables
TABLES = {"regions": "regions", "parks": "parks", "factories": "standard_factories", "assets": "idle_assets", "projects": "projects"}


def cmd_audit(args) -> int:
    con = open_store(args)
    table = TABLES.get(args.layer, args.layer) if args.layer else None
    if table and table not in layers.SPEC_BY_TABLE:
        raise UserError(f"未知图层或数据表：{args.layer}（可选 {'、'.join(TABLES)} 或数据表名）")
    frame = audit.load(con, user=args.user, since=args.since, until=args.until, table=table, record_id=args.record, batch_id=args.batch,
                       limit=args.limit)
    entries = [{"id": int(r["audit_id"]), "user": r["user_name"], "at": r["logged_at"].isoformat(sep=" ", timespec="seconds"),
                "action": r["action"], "layer": r["table_name"], "record": r["record_id"], "batch": r["batch_id"],
                "batch_kind": r["batch_kind"], "changes": r["changes"]} for r in frame.to_dict("records")]
    if args.json:
        print_json(entries)
        return 0
    for e in entries:
        fields = "；".join(f"{k}：{o} → {n}" for k, (o, n) in e["changes"].items() if not str(o).startswith("WKB:")
                          and not str(n).startswith("WKB:"))
        print(f"{e['at']}  {e['user']}  {audit.ACTION_LABELS.get(e['action'], e['action'])}  {e['layer']} {e['record'] or ''}  "
              f"{e['batch'] or ''}  {fields}")
    return 0


def cmd_batches(args) -> int:
    frame = audit.batches(open_store(args), kind=args.kind, limit=args.limit)
    rows = [{"batch": r["batch_id"], "kind": r["kind"], "label": r["label"], "layer": r["layer"], "user": r["user_name"],
             "at": r["started_at"].isoformat(sep=" ", timespec="seconds"), "status": r["status"], "records": int(r["records"]),
             "undone_by": r["undone_by"]} for r in frame.to_dict("records")]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['batch']}  {r['at']}  {audit.KIND_LABELS.get(r['kind'], r['kind'])}  {r['label'] or ''}  {r['user']}  "
                  f"{r['records']} 条  {'已撤销' if r['status'] == 'undone' else ''}")
    return 0


def cmd_undo(args) -> int:
    con = open_store(args)
    try:
        made = undo.undo(con, args.batch, layers.SPEC_BY_TABLE, user=CLI_USER)
    except audit.UndoError as exc:
        raise UserError(str(exc)) from exc
    print_json({"undone": args.batch, "batch": made.batch_id})
    return 0


def register(sub, common) -> None:
    s = sub.add_parser("freeze", parents=[common], help="冻结月份：保存该月项目、对比月与目标，此后月通报不再变化")
    s.add_argument("--month", type=month, required=True, help="月份 YYYY-MM（须已结束）")
    s.add_argument("--note", help="备注")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_freeze)
    s = sub.add_parser("backup", parents=[common], help="备份数据库（一致的副本，含未落盘的写入）")
    s.add_argument("--out", required=True, help="备份文件 .duckdb")
    s.set_defaults(func=cmd_backup)
    s = sub.add_parser("restore", parents=[common], help="从备份恢复数据库（应用须先停止；当前数据库先另存一份）")
    s.add_argument("file", help="备份文件 .duckdb")
    s.set_defaults(func=cmd_restore)
    s = sub.add_parser("audit", parents=[common], help="操作记录：谁、何时、改了哪条记录的哪些字段（旧值 → 新值）")
    s.add_argument("--layer", help=f"图层：{' '.join(LAYER_LABELS)}，或数据表名")
    s.add_argument("--since", type=day, help="起始日期 YYYY-MM-DD")
    s.add_argument("--until", type=day, help="截止日期 YYYY-MM-DD")
    s.add_argument("--user", help="操作人")
    s.add_argument("--record", help="记录编号")
    s.add_argument("--batch", help="批次编号")
    s.add_argument("--limit", type=int, default=1000, help="最多条数（默认 1000）")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_audit)
    s = sub.add_parser("batches", parents=[common], help="导入与修改批次（可撤销的单位）")
    s.add_argument("--kind", choices=sorted(audit.KIND_LABELS), help="只看某类批次")
    s.add_argument("--limit", type=int, default=50)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_batches)
    s = sub.add_parser("undo", parents=[common], help="撤销一个批次：其写入的记录恢复为原值")
    s.add_argument("batch", help="批次编号（见 batches）")
    s.set_defaults(func=cmd_undo)

