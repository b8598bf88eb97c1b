"""闲置国有资产盘活 commands: ``import assets FILE`` and ``assets`` (progress summary as of a date)."""

from __future__ import annotations

from datetime import date

from analysis import revitalisation
from commands import UserError, day, import_arguments, open_store, print_json, run_import
from layers import asset_cases, dataset, idle_assets, regions


def cmd_import(args) -> int:
    return run_import(args, "assets")


def progress(con, as_of: date, county: str | None = None) -> dict:
    """The ``assets`` command's figures: :func:`analysis.revitalisation.summarize` plus per-county rows with names."""
    assets = idle_assets.load(con, county=county)
    events = asset_cases.load_events(con, asset_ids=list(assets["asset_id"]))
    result = revitalisation.summarize(assets, as_of=as_of, events=events)
    counties = regions.load(con, level="county")
    names = dict(zip(counties["adcode"], counties["name"], strict=True))
    current = revitalisation.stages_as_of(assets, events, as_of) if len(events) else assets
    by_county = revitalisation.breakdown(current, "county_adcode", as_of=as_of)
    result["by_county"] = [
        {"county_adcode": r["county_adcode"], "county": names.get(r["county_adcode"], r["county_adcode"]), "assets": int(r["assets"]),
         "book_value_yi": r["book_value_yi"], "revitalised": int(r["revitalised"]), "overdue": int(r["overdue"])}
        for r in by_county.to_dict("records")
    ]
    for case in result["overdue_cases"]:
        case["county"] = names.get(case["county_adcode"], case["county_adcode"])
    return result


def cmd_assets(args) -> int:
    con = open_store(args)
    as_of = args.asof or dataset.as_of(con) or date.today()
    county = None
    if args.county:
        found = regions.load(con, level="county")
        hit = found[(found["adcode"] == args.county) | (found["name"] == args.county)]
        if hit.empty:
            raise UserError(f"找不到县（市、区）：{args.county}")
        county = hit["adcode"].iloc[0]
    result = progress(con, as_of, county)
    if args.json:
        print_json(result)
        return 0
    print(f"截至 {result['as_of']}：闲置资产 {result['assets']} 处，账面价值 {result['book_value_yi']:.2f} 亿元；"
          f"已盘活 {result['revitalised']} 处，实现价值 {result['revitalised_value_yi']:.2f} 亿元；逾期 {result['overdue']} 处")
    print("  " + "  ".join(f"{s} {n}" for s, n in result["by_stage"].items()))
    for case in result["overdue_cases"]:
        print(f"  逾期 {case['days_overdue']} 天\t{case['name']}\t{case['stage']}\t计划 {case['planned_date']}\t"
              f"{case['responsible_unit'] or ''} {case['responsible_leader'] or ''}")
    return 0


def register_import(imports, common) -> None:
    s = imports.add_parser("assets", parents=[common], help="导入闲置国有资产台账（Excel/CSV）")
    s.add_argument("file", help="台账文件 .xlsx 或 .csv")
    s.add_argument("--crs", choices=["gcj02", "bd09", "wgs84"], help="坐标系（默认按表头判断，如“百度坐标”→ bd09）")
    import_arguments(s)
    s.set_defaults(func=cmd_import)


def register(sub, common) -> None:
    s = sub.add_parser("assets", parents=[common], help="闲置资产盘活进展：分阶段、价值、逾期")
    s.add_argument("--asof", type=day, help="统计日期 YYYY-MM-DD（默认数据截止日或今天）")
    s.add_argument("--county", help="县（市、区）名称或代码")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_assets)
