"""Capacity commands: ``capacity`` (per park and resource), ``site`` (rank parks for a project's needs) and the
imports ``import parks FILE`` (boundaries) and ``import park-capacity FILE`` (承载力台账)."""

from __future__ import annotations

import argparse
import math

from analysis import capacity as cap
from analysis import siting
from commands import UserError, import_arguments, open_store, print_json, run_import
from imports.places import UnitMatcher
from layers import regions

STAGE_LABELS = {key: label for label, key in cap.STAGE_KEYS.items()}


def _clean(value, digits: int = 3):
    """JSON-safe number: NaN → None, floats rounded (no 2391.2000000001)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits) if isinstance(value, float) else value


def _county_names(con) -> dict[str, str]:
    frame = regions.load(con, level="county")
    return dict(zip(frame["adcode"], frame["name"], strict=True))


def _resolve_counties(con, names: list[str] | None) -> tuple[str, ...]:
    if not names:
        return ()
    units, out = UnitMatcher(con), []
    for name in names:
        unit = units.match(name)
        if unit is None or not unit.get("county_adcode"):
            raise UserError(f"无法识别的县（市、区）：“{name}”")
        out.append(unit["county_adcode"])
    return tuple(dict.fromkeys(out))


def capacity_records(tidy, parks_frame, names: dict[str, str]) -> list[dict]:
    """The ``capacity --json`` list: one entry per park with a block per resource."""
    info = parks_frame.set_index("park_id")
    out = []
    for park_id, part in tidy.groupby("park_id", sort=False):
        county = part["county_adcode"].iloc[0]
        entry = {"park": part["park"].iloc[0], "park_id": park_id, "county": names.get(county, county), "county_adcode": county,
                 "positioning": _clean(info.at[park_id, "positioning"]), "planned_area_mu": _clean(info.at[park_id, "planned_area_mu"]),
                 "built_area_mu": _clean(info.at[park_id, "built_area_mu"])}
        for row in part.to_dict("records"):
            entry[row["resource"]] = {
                "unit": row["unit"], "supply": _clean(row["supply"]), "occupied": _clean(row["occupied"]),
                "reserved": _clean(row["reserved"]),
                "reserved_by_stage": {label: _clean(row[f"reserved_{key}"]) for key, label in STAGE_LABELS.items()},
                "remaining": _clean(row["remaining"]), "if_negotiating_lands": _clean(row["if_negotiating_lands"]),
                "remaining_if_negotiating": _clean(row["remaining_if_negotiating"]),
                "over_committed": _clean(row["over_committed"]), "known": bool(row["known"]),
            }
        out.append(entry)
    return out


def cmd_capacity(args) -> int:
    con = open_store(args)
    counties = _resolve_counties(con, args.county) or None
    parks_frame, projects_frame = cap.load_inputs(con, counties)
    tidy = cap.capacity(parks_frame, projects_frame)
    records = capacity_records(tidy, parks_frame, _county_names(con))
    if args.json:
        print_json(records)
        return 0
    for r in records:
        parts = [f"{cap.BY_KEY[k].label} 剩余 {siting.fmt(r[k]['remaining'])} {r[k]['unit']}"
                 + (f"（超载 {siting.fmt(r[k]['over_committed'])}）" if r[k]["over_committed"] else "")
                 for k in cap.BY_KEY if r[k]["known"]]
        print(f"{r['park']}（{r['county']}）：" + "；".join(parts))
    return 0


def cmd_site(args) -> int:
    con = open_store(args)
    need = siting.Need(land_mu=args.land_mu, power_kva=args.power_kva or 0.0, water_t_d=args.water_t or 0.0,
                       energy_tce=args.energy_tce or 0.0, industry=args.industry, counties=_resolve_counties(con, args.county))
    parks_frame, projects_frame = cap.load_inputs(con)
    ranked = siting.rank_parks(cap.capacity(parks_frame, projects_frame), parks_frame, need, county_names=_county_names(con))
    after = siting.what_if(parks_frame, projects_frame, need)
    after = after[after["need"] > 0]
    records = []
    for rank, row in enumerate(ranked.to_dict("records"), start=1):
        mine = after[after["park_id"] == row["park_id"]]
        records.append({"rank": rank, "park": row["park"], "park_id": row["park_id"], "county": row["county"],
                        "feasible": row["feasible"], "score": row["score"],
                        "score_parts": {"slack": row["slack_score"], "positioning": row["positioning_score"],
                                        "preference": row["preference_score"]},
                        "fits_if_negotiating": row["fits_if_negotiating"], "reasons": row["reasons"],
                        "remaining_after": {r["resource"]: {"remaining": _clean(r["remaining_with"]), "over_committed": _clean(r["over_committed_with"])}
                                            for r in mine.to_dict("records")}})
    if args.json:
        print_json(records)
        return 0
    feasible = [r for r in records if r["feasible"]]
    print(f"满足全部需求的园区 {len(feasible)} 个" if feasible else "没有满足全部需求的园区")
    for r in records:
        print(f"{r['rank']}. {r['park']}（{r['county']}）{'✓' if r['feasible'] else '✗'} {r['score']} 分：" + "；".join(r["reasons"]))
    return 0


def cmd_import_parks(args) -> int:
    return run_import(args, "park_polygons", name_field=args.name_field, encoding=args.encoding)


def cmd_import_capacity(args) -> int:
    return run_import(args, "park_capacity")


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为数字：{text}") from None
    if value < 0 or math.isnan(value):
        raise argparse.ArgumentTypeError(f"不能为负：{text}")
    return value


def register(sub, common) -> None:
    s = sub.add_parser("capacity", parents=[common], help="各园区承载力：供给、已占用、项目储备、剩余（按资源）")
    s.add_argument("--county", nargs="*", help="只看这些县（市、区），名称或行政区划代码")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_capacity)
    s = sub.add_parser("site", parents=[common], help="项目选址：按用地、用电、用水、用能需求为园区排序并说明理由")
    s.add_argument("--land-mu", type=_amount, required=True, help="用地需求（亩）")
    s.add_argument("--power-kva", type=_amount, help="用电需求（kVA）")
    s.add_argument("--water-t", type=_amount, help="用水需求（吨/日）")
    s.add_argument("--energy-tce", type=_amount, help="用能需求（吨标准煤/年）")
    s.add_argument("--industry", help="产业，如 电子信息")
    s.add_argument("--county", nargs="*", help="意向县（市、区），可多个")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_site)


def register_import(imports, common) -> None:
    s = imports.add_parser("parks", parents=[common], help="园区边界（GeoJSON / Shapefile(.zip/.shp) / GPKG）")
    s.add_argument("file")
    s.add_argument("--crs", help="文件没有坐标系时必填：EPSG 代码（如 4547）或 wgs84 / gcj02 / bd09")
    s.add_argument("--name-field", help="园区名称所在字段（默认自动识别 name、名称、园区名称…）")
    s.add_argument("--encoding", help="Shapefile 属性编码（如 GBK），缺少 .cpg 时使用")
    import_arguments(s, dated=False)
    s.set_defaults(func=cmd_import_parks)
    s = imports.add_parser("park-capacity", parents=[common], help="园区承载力台账（Excel/CSV）：可供地、电、水、气、用能等")
    s.add_argument("file")
    import_arguments(s)
    s.set_defaults(func=cmd_import_capacity)
