"""Foundation commands: init-demo, load-region, summary, export."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import layers
import store
from analysis import indicators
from analysis.kpis import Period, summarize
from commands import CLI_USER, UserError, open_store, print_json
from layers import months, projects, regions, reporting_units
from layers.exports import to_geojson
from store import audit


def month(text: str) -> str:
    """argparse type for ``YYYY-MM``."""
    try:
        Period.from_months(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"月份格式应为 YYYY-MM：{text}") from None
    return text


def cmd_init_demo(args) -> int:
    from datetime import datetime

    from data import demo
    from store import backup

    con = open_store(args)
    saved = None
    if not layers.is_empty(con):
        if not args.force:
            held = sum(layers.row_counts(con).values())
            raise UserError(f"数据库中已有 {held} 行数据，不能生成演示数据（演示数据只写入全新的空数据库）。"
                            "确需用演示数据覆盖，请加 --force（会先自动备份当前数据库）")
        target = Path(args.db or store.default_db_path())
        saved = backup.backup(con, target.parent / "backups" / f"{target.stem}-before-demo-{datetime.now():%Y%m%d-%H%M%S}.duckdb")
    counts = demo.build(con, force=args.force)
    print_json({"db": str(args.db or store.default_db_path()), "rows": counts, "backup": str(saved) if saved else None})
    return 0


def cmd_load_region(args) -> int:
    con = open_store(args)
    with audit.batch(con, user=CLI_USER, kind="region", label=f"加载行政区 {args.region}"):
        frame = regions.import_region(con, args.region, user=CLI_USER)
    rows = [{"adcode": a, "name": n, "level": lv} for a, n, lv in zip(frame["adcode"], frame["name"], frame["level"])]
    print_json({"loaded": len(rows), "regions": rows})
    return 0


def cmd_summary(args) -> int:
    con = open_store(args)
    # Up to a month: the projects as they stood at its end (what that month's 月通报 and 总览 show); else as they stand.
    frame = months.live_frame(con, args.end) if args.end else projects.load(con)
    result = summarize(frame, Period.from_months(args.start, args.end), reporting_units.load(con))
    if args.json:
        print_json(result)
    else:
        print(indicators.sentence(result))
        shown = indicators.cards()
        print("\t".join(["  单位", *(i.heading for i in shown)]))
        for u in result["by_unit"]:
            print("\t".join([f"  {u['unit']}", *(i.show(u[i.key]) for i in shown)]))
    return 0


def cmd_export(args) -> int:
    frame = layers.LAYERS[args.layer].load(open_store(args))
    text = json.dumps(to_geojson(frame), ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print_json({"layer": args.layer, "features": len(frame), "out": args.out})
    else:
        sys.stdout.write(text + "\n")
    return 0


def register(sub, common) -> None:
    s = sub.add_parser("init-demo", parents=[common], help="生成演示数据（咸宁市），只写入全新的空数据库")
    s.add_argument("--force", action="store_true", help="数据库已有数据时也覆盖（先自动备份）")
    s.set_defaults(func=cmd_init_demo)
    s = sub.add_parser("load-region", parents=[common], help="离线加载行政区及其下级边界")
    s.add_argument("region", help="中文名称或 6 位行政区划代码，如 商洛市 / 611000")
    s.set_defaults(func=cmd_load_region)
    s = sub.add_parser("summary", parents=[common], help="签约、开工、到位资金等指标")
    s.add_argument("--from", dest="start", type=month, help="起始月份 YYYY-MM")
    s.add_argument("--to", dest="end", type=month, help="截止月份 YYYY-MM")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_summary)
    s = sub.add_parser("export", parents=[common], help="导出图层为 GeoJSON（WGS-84）")
    s.add_argument("layer", choices=sorted(layers.LAYERS))
    s.add_argument("--format", default="geojson", choices=["geojson"])
    s.add_argument("--out")
    s.set_defaults(func=cmd_export)
