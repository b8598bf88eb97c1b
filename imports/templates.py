"""The downloadable ledger template (导入模板): canonical headers, one example row and an instructions sheet."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from imports.ledger import LedgerSchema
from imports.projects import SCHEMA

#: column → (header as written in the template, example value)
PROJECT_EXAMPLE = {
    "ledger_no": ("项目编号", "SZ-2024-001"),
    "name": ("项目名称", "核桃深加工项目"),
    "investor": ("投资方", "陕西某某食品有限公司"),
    "unit": ("县（市、区）", "商州区"),
    "park_name": ("所在园区", "商洛高新技术产业开发区"),
    "industry_chain": ("产业链", "绿色食品"),
    "category": ("项目类别", "工业"),
    "sign_type": ("签约类型", "合同"),
    "investment_wan": ("合同投资（万元）", 12000),
    "funds_in_place_wan": ("到位资金（万元）", 3000),
    "stage": ("项目进度", "已开工"),
    "signed_on": ("签约时间", dt.date(2024, 3, 15)),
    "registered_on": ("注册时间", dt.date(2024, 4, 2)),
    "started_on": ("开工时间", dt.date(2024, 5, 20)),
    "produced_on": ("投产时间", None),
    "planned_start": ("计划开工时间", dt.date(2024, 5, 1)),
    "land_mu": ("用地面积（亩）", 50),
    "power_kva": ("用电需求（kVA）", 1250),
    "leader": ("包抓领导", "张三"),
    "responsible_unit": ("责任单位", "商州区招商服务中心"),
    "national_code": ("投资项目代码", "2024-611002-13-03-000123"),
    "lon": ("经度（高德）", 109.9402),
    "lat": ("纬度（高德）", 33.8688),
}
INSTRUCTIONS = (
    "填写说明",
    "1. 每行一个项目；表头上方可保留标题和“填报单位：××县  填报时间：2024年6月30日”，表格下方可有“合计”行和“注：”说明行，导入时自动跳过。",
    "2. 金额单位写在表头括号里（万元或亿元）；单元格也可写“1.2亿”“3000万”“12,000”。",
    "3. 日期可写 2024-03-15、2024.3.15、2024年3月 或 Excel 日期。",
    "4. 项目进度可写：线索、在谈、已签约、前期手续办理中、已注册、已开工、在建、竣工投产、停滞、终止 等。",
    "5. 签约类型：合同、协议、框架协议。县（市、区）可写简称或全称（商州 / 商州区）。",
    "6. 坐标：经度、纬度两列，或一列“经度,纬度”；在表头注明坐标系：高德/腾讯（GCJ-02）、百度（BD-09）、GPS/天地图（WGS-84/CGCS2000）。"
    "没有坐标的项目照常导入，标为“位置待定”。",
    "7. 同一项目再次导入时更新而不重复：按投资项目代码，其次按本县区内的项目编号，再次按本县区内的项目名称识别。空白单元格不会清除已有数据。",
)


def template_bytes(schema: LedgerSchema = SCHEMA) -> bytes:
    """The project ledger template as .xlsx bytes (sheet 项目台账 with headers and an example row, sheet 填写说明)."""
    known = {f.name for f in schema.fields}
    columns = [(h, ex) for name, (h, ex) in PROJECT_EXAMPLE.items() if name in known]
    wb = Workbook()
    ws = wb.active
    ws.title = schema.kind
    ws.append([f"{schema.kind}（导入模板）"])
    ws.append(["填报单位：", None, None, "填报时间："])
    ws.append([h for h, _ in columns])
    ws.append([ex for _, ex in columns])
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        ws.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) * 2.2)
    for cell in ws[4]:
        if isinstance(cell.value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    help_ws = wb.create_sheet("填写说明")
    for line in INSTRUCTIONS:
        help_ws.append([line])
    help_ws.column_dimensions["A"].width = 140
    help_ws["A1"].font = Font(bold=True, size=14)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
