"""Command line for scripts and operators (contract used by scripts and later features).

Every command takes ``--db PATH`` (default: ``$PARKMAP_DB`` or ``data/parkmap.duckdb``). Errors for
users are printed in Chinese on standard error with exit status 2. ``python cli.py -h`` lists commands:

    python cli.py init-demo
    python cli.py load-region 商洛市
    python cli.py summary --from 2018-01 --to 2018-06 --json
    python cli.py export projects --format geojson [--out FILE]
"""

from __future__ import annotations

import argparse
import sys

import store
from commands import UserError, modules
from geo.boundaries import RegionNotFound
from geo.coords import CoordinateError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cli.py", description="园区承载力与项目地图 命令行")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="DuckDB 文件（默认 $PARKMAP_DB 或 data/parkmap.duckdb）")
    sub = p.add_subparsers(dest="command", required=True)
    found = modules()
    importers = [m for m in found if hasattr(m, "register_import")]
    if importers:
        imp = sub.add_parser("import", help="导入台账（Excel/CSV）")
        kinds = imp.add_subparsers(dest="kind", required=True)
        for module in importers:
            module.register_import(kinds, common)
    for module in found:
        module.register(sub, common)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (UserError, RegionNotFound, CoordinateError, store.StoreError) as exc:
        print(f"错误：{exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
