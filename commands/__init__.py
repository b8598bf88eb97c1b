"""Command-line commands, one module per capability; ``cli.py`` assembles them.

Each module defines ``register(sub, common)`` adding its sub-commands, and may define
``register_import(imports, common)`` adding a kind to ``cli.py import KIND FILE``. A command function
takes the parsed args and returns the exit status; errors for users are raised as ``UserError``
(printed in Chinese, exit status 2).
"""

from __future__ import annotations

import json

import layers
import store


def cli_user() -> str:
    """Who runs the command, for the audit trail: the operating-system user (until sign-in exists)."""
    import getpass

    try:
        return getpass.getuser() or "命令行"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "命令行"


CLI_USER = cli_user()


class UserError(Exception):
    """A problem the user can fix (bad file, unknown name); the message is Chinese."""


def open_store(args):
    """The store named by ``--db`` (or the default), with the schema created or upgraded (backed up first)."""
    import sys

    con = store.connect(args.db)
    done = layers.create_all(con)
    if done["from"] is not None and done["from"] != done["to"]:
        print(f"提示：数据库结构已从版本 {done['from']} 升级到 {done['to']}，升级前的备份：{done['backup']}", file=sys.stderr)
    return con


def print_json(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=1, default=str))


def modules():
    """Command modules in help order (imported lazily so one broken module cannot hide the others' help)."""
    from commands import foundation

    found = [foundation]
    for name in ("projects", "factories", "capacity", "assets", "supervision", "maps", "admin", "users", "review", "requirements"):
        try:
            found.append(__import__(f"commands.{name}", fromlist=["register"]))
        except ModuleNotFoundError as exc:
            if exc.name != f"commands.{name}":
                raise
    return found


def day(text: str):
    """argparse type for ``YYYY-MM-DD``."""
    import argparse
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def import_arguments(parser, *, dated: bool = True) -> None:
    """The options every ``import KIND`` command shares: --dry-run, --as-of (ledgers with a date), --json."""
    parser.add_argument("--dry-run", action="store_true", help="只预览：列出将新增、更新、拒收的行，不写入")
    if dated:
        parser.add_argument("--as-of", type=day, help="台账数据截至日期 YYYY-MM-DD（默认按标题“截至…”/统计期间/填报时间判断）")
    parser.add_argument("--json", action="store_true", help="输出导入报告 JSON")
    parser.add_argument("--as", dest="as_user", metavar="USER",
                        help="以该账号导入：只写入其县区/园区的记录；县级、园区、国资账号的导入提交为上报，待市级审核")


def run_import(args, key: str, **options) -> int:
    """Import ``args.file`` as ledger kind ``key`` through :func:`imports.pipeline.run`; print the report."""
    from pathlib import Path

    from imports import kinds, pipeline
    from imports.sheet import LedgerError

    if not Path(args.file).exists():
        raise UserError(f"找不到文件：{args.file}")
    con = open_store(args)
    given = {"crs": getattr(args, "crs", None), "as_of": getattr(args, "as_of", None), **options}
    user, chosen = CLI_USER, pipeline.Options(**given)
    if getattr(args, "as_user", None):
        from commands.review import account
        from imports import review
        from layers.submissions import SubmissionError

        who = account(con, args.as_user)
        user, chosen = who.user_name, review.import_options(who, **given)
        if review.needs_review(who) and not args.dry_run:
            try:
                made, report = review.submit_import(con, key, Path(args.file).read_bytes(), Path(args.file).name, account=who, options=chosen)
            except (LedgerError, SubmissionError) as exc:
                raise UserError(str(exc)) from exc
            if getattr(args, "json", False):
                print_json(report.to_dict() | {"submission": made, "status": "待审核"})
            else:
                print(f"已提交上报 {made}（待市级审核，审核通过后写入）：{report.summary_zh()}")
            return 0
    try:
        report = pipeline.run(con, kinds.get(key), args.file, user=user, options=chosen, dry_run=args.dry_run)
    except LedgerError as exc:
        raise UserError(str(exc)) from exc
    if getattr(args, "json", False):
        print_json(report.to_dict())
        return 0
    print(("预览（未写入）：" if report.dry_run else "") + report.summary_zh() + (f"；批次 {report.batch_id}" if report.batch_id else ""))
    if report.as_of_source:
        print(f"  数据截至 {report.as_of}（{report.as_of_source}）")
    for change in report.changes[:50 if report.dry_run else 0]:
        fields = "；".join(f"{k}：{o if o is not None else '（空）'} → {n if n is not None else '（空）'}" for k, (o, n) in change.fields.items())
        print(f"  {change.action} 第 {change.row or '—'} 行 {change.name or change.record}：{fields}")
    for r in report.rejected:
        print(f"  第 {r.row} 行 {r.column}：{r.reason}")
    for w in report.warnings:
        print(f"  提示：{w}")
    return 0
