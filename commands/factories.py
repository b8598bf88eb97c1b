"""Standard-factory commands: ``import factories FILE`` and ``match`` (an investor's requirement → ranked shortlist)."""

from __future__ import annotations

import pandas as pd

from analysis.matching import Requirement, match, with_places
from commands import UserError, day, import_arguments, open_store, print_json, run_import
from imports.places import UnitMatcher
from layers import parks, regions, standard_factories

CANDIDATE_FIELDS = ("factory_id", "name", "park_id", "park_name", "county_adcode", "county_name", "floor_area_m2", "clear_height_m",
                    "floor_load_kn_m2", "power_kva", "crane_t", "rent_yuan_m2_month", "status", "lease_end", "contact_unit",
                    "contact_phone")


def cmd_import(args) -> int:
    return run_import(args, "factories")


def _counties(con, names: list[str] | None) -> tuple[str, ...]:
    """County adcodes for names written short or full (咸安 / 咸安区 / 421202)."""
    if not names:
        return ()
    units = UnitMatcher(con)
    codes = []
    for name in names:
        unit = units.match(name)
        if unit is None:
            raise UserError(f"无法识别的县（市、区）：{name}")
        codes.append(unit["county_adcode"])
    return tuple(dict.fromkeys(codes))


def candidate_frame(con) -> pd.DataFrame:
    """Every factory with its park positioning and county name: the matching input."""
    return with_places(standard_factories.load(con), parks.load(con), regions.load(con, level="county"))


def _record(rec: dict) -> dict:
    out = {k: rec.get(k) for k in CANDIDATE_FIELDS}
    out.update(park=rec.get("park_name"), county=rec.get("county_name"), area=rec.get("floor_area_m2"),
               feasible=bool(rec["feasible"]), near_miss=bool(rec["near_miss"]), rank=int(rec["rank"]), score=float(rec["score"]),
               reasons=list(rec["reasons"]), fails=list(rec["fails"]))
    end = out.get("lease_end")
    out["lease_end"] = None if end is None or pd.isna(end) else pd.Timestamp(end).date().isoformat()
    return {k: (None if not isinstance(v, list) and pd.isna(v) else v) for k, v in out.items()}


def cmd_match(args) -> int:
    con = open_store(args)
    try:
        req = Requirement(
            min_area_m2=args.min_area, max_area_m2=args.max_area, min_clear_height_m=args.min_clear_height,
            min_floor_load_kn_m2=args.min_floor_load_kn, min_floor_load_t_m2=args.min_floor_load_t,
            min_power_kva=args.min_power_kva, crane_t=args.crane_t, max_rent_yuan_m2_month=args.max_rent,
            whole_building=args.whole_building, counties=_counties(con, args.county),
            excluded_counties=_counties(con, args.exclude_county), industry=args.industry, move_in=args.move_in)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    result = match(candidate_frame(con), req, tolerance=args.tolerance)
    records = [_record(r) for frame in (result.feasible, result.near_misses) for r in frame.to_dict("records")]
    if args.json:
        print_json(records)
        return 0
    print(f"共 {result.considered} 处厂房：符合 {result.feasible_total} 处，接近 {result.near_miss_total} 处")
    for r in records:
        flag = f"{r['rank']:>3}." if r["feasible"] else " 接近"
        print(f"{flag} {r['name']}（{r['county'] or ''} {r['park'] or ''}）{r['score']:.1f} 分")
        for line in r["reasons"]:
            print(f"       {line}")
    return 0


def register_import(imports, common) -> None:
    s = imports.add_parser("factories", parents=[common], help="标准化厂房台账（Excel/CSV，UTF-8 或 GB18030）")
    s.add_argument("file")
    s.add_argument("--crs", help="坐标系：wgs84 / gcj02 / bd09（表头未注明时）")
    import_arguments(s)
    s.set_defaults(func=cmd_import)


def register(sub, common) -> None:
    s = sub.add_parser("match", parents=[common], help="按投资方需求匹配标准化厂房（符合的按得分排序，另列接近的）")
    s.add_argument("--min-area", type=float, help="最小面积 ㎡")
    s.add_argument("--max-area", type=float, help="最大面积 ㎡")
    s.add_argument("--min-clear-height", type=float, help="最低首层层高 m")
    load = s.add_mutually_exclusive_group()
    load.add_argument("--min-floor-load-kn", type=float, help="最低楼面荷载 kN/㎡")
    load.add_argument("--min-floor-load-t", type=float, help="最低楼面荷载 t/㎡（1 t/㎡ = 9.8 kN/㎡）")
    s.add_argument("--min-power-kva", type=float, help="最低配电容量 kVA")
    s.add_argument("--crane-t", type=float, help="需要的行车吨位 t")
    s.add_argument("--max-rent", type=float, help="租金上限 元/㎡·月")
    s.add_argument("--county", nargs="+", help="限定县（市、区），简称或全称")
    s.add_argument("--exclude-county", nargs="+", help="排除的县（市、区）")
    s.add_argument("--industry", help="产业，与园区主导产业比对（计入得分）")
    s.add_argument("--move-in", type=day, help="入驻日期 YYYY-MM-DD：租约在此前到期的厂房也可用")
    s.add_argument("--whole-building", action="store_true", help="只要整栋")
    s.add_argument("--tolerance", type=float, default=0.15, help="“接近”的容差（默认 0.15 = 15%%）")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_match)
