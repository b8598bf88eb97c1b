"""Project commands: ``import projects FILE`` (ledger import) and ``report --month`` (月通报 Excel / Word / HTML / PDF)."""

from __future__ import annotations

from pathlib import Path

from commands import UserError, import_arguments, open_store, print_json, run_import
from commands.foundation import month


def cmd_import_projects(args) -> int:
    return run_import(args, "projects")


def cmd_report(args) -> int:
    from analysis import indicators
    from reports import monthly, notice, pdf, printable, sections

    if not (args.out or args.docx or args.html or args.pdf or args.json):
        raise UserError("请至少指定一个输出：--out FILE.xlsx、--docx FILE.docx、--html FILE.html、--pdf FILE.pdf 或 --json")
    con = open_store(args)
    report = monthly.collect(con, args.month)
    chromium = args.pdf and args.pdf_engine == "chromium"
    where = sections.place(con) if (args.docx or (args.pdf and not chromium)) else None
    written = {}
    if args.out:
        written["xlsx"] = str(monthly.write(report, args.out))
    if args.docx:
        written["docx"] = str(notice.write(report, args.docx, where))
    page = printable.render(report, paper=args.paper) if (args.html or chromium) else None
    if args.html:
        Path(args.html).write_text(page, encoding="utf-8")
        written["html"] = args.html
    if chromium:
        try:
            written["pdf"] = str(printable.to_pdf(page, args.pdf))
        except printable.PdfUnavailable as exc:
            raise UserError(str(exc)) from exc
    elif args.pdf:
        written["pdf"] = str(pdf.write(report, args.pdf, where))
    if args.json:
        print_json({**report.figures, "files": written})
    else:
        print(f"{report.title}（{'已冻结' if report.frozen else '未冻结，实时数据'}）：{indicators.sentence(report.summary)}")
        for kind, path in written.items():
            print(f"  {kind}: {path}")
    return 0


def register_import(imports, common) -> None:
    s = imports.add_parser("projects", parents=[common], help="导入招商项目台账（.xlsx / .csv）")
    s.add_argument("file", help="台账文件（Excel .xlsx 或 CSV，UTF-8/GB18030）")
    s.add_argument("--crs", choices=["gcj02", "bd09", "wgs84"], help="坐标系（不指定时按表头注明：高德/百度/GPS…）")
    import_arguments(s)
    s.set_defaults(func=cmd_import_projects)


def register(sub, common) -> None:
    s = sub.add_parser("report", parents=[common], help="生成月通报（Excel，可选 Word/HTML/PDF）")
    s.add_argument("--month", type=month, required=True, help="月份 YYYY-MM")
    s.add_argument("--out", help="Excel 文件 .xlsx")
    s.add_argument("--docx", help="Word 通报 .docx（标题、总体情况、分县排名、红黄灯、督办事项、附表）")
    s.add_argument("--html", help="可打印页面 .html")
    s.add_argument("--pdf", help="PDF 通报（内容同 Word 通报，附项目分布图，A4 横向；无需浏览器）")
    s.add_argument("--pdf-engine", choices=["python", "chromium"], default="python",
                   help="PDF 的生成方式：python（默认）或 chromium（用本机 Chromium 打印可打印页面，可配合 --paper）")
    s.add_argument("--paper", choices=["A4", "A3"], default="A4", help="可打印页面的纸张（--html，--pdf-engine chromium）")
    s.add_argument("--json", action="store_true", help="输出该月通报的指标（与 Excel 一致；含是否已冻结 frozen）")
    s.set_defaults(func=cmd_report)
