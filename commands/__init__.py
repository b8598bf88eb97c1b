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

CLI_USER = "命令行"


class UserError(Exception):
    """A problem the user can fix (bad file, unknown name); the message is Chinese."""


def open_store(args):
    """The store named by ``--db`` (or the default), with the schema created."""
    con = store.connect(args.db)
    layers.create_all(con)
    return con


def print_json(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=1, default=str))


def modules():
    """Command modules in help order (imported lazily so one broken module cannot hide the others' help)."""
    from commands import foundation

    found = [foundation]
    for name in ("projects", "factories", "capacity", "assets", "maps"):
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


def run_import(args, importer) -> int:
    """Run a ledger importer ``importer(con, path, crs=, user=)`` and print its report (JSON with ``--json``)."""
    from imports.sheet import LedgerError

    con = open_store(args)
    try:
        report = importer(con, args.file, crs=getattr(args, "crs", None), user=CLI_USER)
    except LedgerError as exc:
        raise UserError(str(exc)) from exc
    if getattr(args, "json", False):
        print_json(report.to_dict())
    else:
        print(report.summary_zh())
        for r in report.rejected:
            print(f"  第 {r.row} 行 {r.column}：{r.reason}")
        for w in report.warnings:
            print(f"  提示：{w}")
    return 0
