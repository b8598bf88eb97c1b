"""Project commands: ``import projects FILE`` (ledger import) and ``report --month`` (月通报 Excel / HTML / PDF)."""

from __future__ import annotations

from pathlib import Path

from commands import CLI_USER, UserError, open_store, print_json, run_import
from commands.foundation import month
from imports.projects import import_projects


def cmd_import_projects(args) -> int:
    return run_import(args, import_projects)


def cmd_report(args) -> int:
    from reports import monthly, printable

    if not (args.out or args.html or args.pdf):
        raise UserError("请至少指定一个输出：--out FILE.xlsx、--html FILE.html 或 --pdf FILE.pdf")
    report = monthly.collect(open_store(args), args.month, user=CLI_USER)
    written = {}
    if args.out:
        written["xlsx"] = str(monthly.write(report, args.out))
    page = printable.render(report, paper=args.paper) if (args.html or args.pdf) else None
    if args.html:
        Path(args.html).write_text(page, encoding="utf-8")
        written["html"] = args.html
    if args.pdf:
        try:
            written["pdf"] = str(printable.to_pdf(page, args.pdf))
        except printable.PdfUnavailable as exc:
            raise UserError(str(exc)) from exc
    print_json({"month": args.month, "frozen": report.frozen, "signed": report.summary["signed"],
                "investment_total_yi": report.summary["investment_total_yi"], "supervision": len(report.supervision), **written})
    return 0


def register_import(imports, common) -> None:
    s = imports.add_parser("projects", parents=[common], help="导入招商项目台账（.xlsx / .csv）")
    s.add_argument("file", help="台账文件（Excel .xlsx 或 CSV，UTF-8/GB18030）")
    s.add_argument("--crs", choices=["gcj02", "bd09", "wgs84"], help="坐标系（不指定时按表头注明：高德/百度/GPS…）")
    s.add_argument("--json", action="store_true", help="输出导入报告 JSON")
    s.set_defaults(func=cmd_import_projects)


def register(sub, common) -> None:
    s = sub.add_parser("report", parents=[common], help="生成月通报（Excel，可选 HTML/PDF）")
    s.add_argument("--month", type=month, required=True, help="月份 YYYY-MM")
    s.add_argument("--out", help="Excel 文件 .xlsx")
    s.add_argument("--html", help="可打印页面 .html")
    s.add_argument("--pdf", help="PDF 文件（需本机 Chromium）")
    s.add_argument("--paper", choices=["A4", "A3"], default="A4", help="打印纸张")
    s.set_defaults(func=cmd_report)
