"""Map commands: ``print-map`` (an A3 sheet, PDF or PNG) and ``tiles import`` (a local MBTiles basemap)."""

from __future__ import annotations

from pathlib import Path

from commands import UserError, open_store, print_json
from layers import LAYER_LABELS, LAYERS, dataset
from layers import regions as region_layer


def cmd_print_map(args) -> int:
    from reports.map_print import PrintError, render, standard_layers

    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        raise UserError(f"输出文件须为 .pdf 或 .png：{out}")
    wanted = args.layers or list(LAYER_LABELS)
    unknown = sorted(set(wanted) - set(LAYER_LABELS))
    if unknown:
        raise UserError(f"未知图层：{'、'.join(unknown)}（可选 {'、'.join(LAYER_LABELS)}）")
    con = open_store(args)
    counties = args.county or None
    frames = {"regions": region_layer.load(con, county=counties, level="county")}
    if frames["regions"].empty:
        frames["regions"] = region_layer.load(con, county=counties)
    frames.update({name: LAYERS[name].load(con, county=counties) for name in ("parks", "factories", "assets", "projects")})
    info = dataset.get_info(con)
    bounds = tuple(args.bounds) if args.bounds else tuple(frames["regions"].total_bounds)
    title = args.title or f"{info.get('label', '')}项目分布图"
    try:
        sheet = render(standard_layers(frames, wanted), bounds=bounds, title=title, unit=args.unit or info.get("unit") or "园区承载力与项目地图",
                       data_date=info.get("as_of", ""), fmt=fmt, dpi=args.dpi)
    except PrintError as exc:
        raise UserError(str(exc)) from None
    out.write_bytes(sheet)
    print_json({"out": str(out), "bytes": len(sheet), "layers": wanted, "bounds": bounds})
    return 0


def cmd_tiles_import(args) -> int:
    from ui.basemaps import TileImportError, import_mbtiles

    try:
        info = import_mbtiles(args.file, args.name, crs=args.crs, label=args.label)
    except (TileImportError, ValueError) as exc:
        raise UserError(str(exc)) from None
    print_json(info)
    return 0


def register(sub, common) -> None:
    s = sub.add_parser("print-map", parents=[common], help="导出 A3 地图（PDF/PNG），含图例、比例尺、指北针")
    s.add_argument("--out", required=True, help="输出文件 .pdf 或 .png")
    s.add_argument("--layers", nargs="+", help=f"图层（默认全部）：{' '.join(LAYER_LABELS)}")
    s.add_argument("--county", nargs="+", help="只打印这些县（行政区划代码）")
    s.add_argument("--bounds", nargs=4, type=float, metavar=("W", "S", "E", "N"), help="范围（WGS-84 经纬度）")
    s.add_argument("--title", help="图名")
    s.add_argument("--unit", help="制图单位")
    s.add_argument("--dpi", type=int, default=150)
    s.set_defaults(func=cmd_print_map)
    tiles = sub.add_parser("tiles", help="本地底图瓦片").add_subparsers(dest="tiles_command", required=True)
    s = tiles.add_parser("import", parents=[common], help="把 MBTiles 栅格瓦片解压到 static/tiles/NAME 供地图使用")
    s.add_argument("file", help="MBTiles 文件")
    s.add_argument("--name", required=True, help="瓦片集名称（字母、数字、_、-）")
    s.add_argument("--crs", default="wgs84", help="瓦片坐标系：wgs84（天地图/CGCS2000，默认）或 gcj02")
    s.add_argument("--label", help="在底图列表中显示的名称")
    s.set_defaults(func=cmd_tiles_import)
