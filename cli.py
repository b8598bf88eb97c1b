"""Command line for scripts and operators: build the demo, load real boundaries, summarise, export.

Every command takes ``--db PATH`` (default: ``$PARKMAP_DB`` or ``data/parkmap.duckdb``).
Errors are printed in Chinese on standard error with exit status 2.

    python cli.py init-demo
    python cli.py load-region 商洛市
    python cli.py summary --from 2018-01 --to 2018-06 --json
    python cli.py export projects --format geojson [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import layers
import store
from analysis.kpis import Period, summarize
from geo.boundaries import RegionNotFound
from geo.coords import CoordinateError
from layers import projects, regions, reporting_units
from layers.exports import to_geojson

CLI_USER = "命令行"


def _open(args, *, create: bool = True):
    con = store.connect(args.db)
    if create:
        layers.create_all(con)
    return con


def cmd_init_demo(args) -> int:
    from data import demo

    con = _open(args)
    counts = demo.build(con)
    print(json.dumps({"db": str(args.db or store.default_db_path()), "rows": counts}, ensure_ascii=False, indent=1))
    return 0


def cmd_load_region(args) -> int:
    con = _open(args)
    with store.transaction(con):
        frame = regions.import_region(con, args.region, user=CLI_USER)
    rows = [{"adcode": a, "name": n, "level": lv} for a, n, lv in zip(frame["adcode"], frame["name"], frame["level"])]
    print(json.dumps({"loaded": len(rows), "regions": rows}, ensure_ascii=False, indent=1))
    return 0


def _month(text: str) -> str:
    try:
        Period.from_months(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"月份格式应为 YYYY-MM：{text}") from None
    return text


def cmd_summary(args) -> int:
    con = _open(args)
    result = summarize(projects.load(con), Period.from_months(args.start, args.end), reporting_units.load(con))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"签约项目 {result['signed']} 个，合同投资 {result['investment_total_yi']} 亿元，开工率 {result['start_rate']}")
        for u in result["by_unit"]:
            print(f"  {u['unit']}\t{u['signed']}\t{u['investment_total_yi']}")
    return 0


def cmd_export(args) -> int:
    con = _open(args)
    frame = layers.LAYERS[args.layer].load(con)
    text = json.dumps(to_geojson(frame), ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(json.dumps({"layer": args.layer, "features": len(frame), "out": args.out}, ensure_ascii=False))
    else:
        sys.stdout.write(text + "\n")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cli.py", description="园区承载力与项目地图 命令行")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="DuckDB 文件（默认 $PARKMAP_DB 或 data/parkmap.duckdb）")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("init-demo", parents=[common], help="生成演示数据（咸宁市）").set_defaults(func=cmd_init_demo)
    s = sub.add_parser("load-region", parents=[common], help="离线加载行政区及其下级边界")
    s.add_argument("region", help="中文名称或 6 位行政区划代码，如 商洛市 / 611000")
    s.set_defaults(func=cmd_load_region)
    s = sub.add_parser("summary", parents=[common], help="签约、开工、到位资金等指标")
    s.add_argument("--from", dest="start", type=_month, help="起始月份 YYYY-MM")
    s.add_argument("--to", dest="end", type=_month, help="截止月份 YYYY-MM")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_summary)
    s = sub.add_parser("export", parents=[common], help="导出图层为 GeoJSON（WGS-84）")
    s.add_argument("layer", choices=sorted(layers.LAYERS))
    s.add_argument("--format", default="geojson", choices=["geojson"])
    s.add_argument("--out")
    s.set_defaults(func=cmd_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (RegionNotFound, CoordinateError, store.StoreError, ValueError, KeyError) as exc:
        print(f"错误：{exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
