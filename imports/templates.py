"""The downloadable ledger templates (导入模板), one per ledger kind: canonical headers with units, one example row
and an instructions sheet. Each template imports cleanly through its own importer (tested)."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from imports import assets, factories, parks, projects

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
FACTORY_EXAMPLE = {
    "ledger_no": ("厂房编号", "GX-A-01"),
    "name": ("厂房名称", "A区1#标准化厂房"),
    "park_name": ("所在园区", "商洛高新技术产业开发区"),
    "unit": ("县（市、区）", "商州区"),
    "building": ("楼栋", "1#"),
    "floor_area_m2": ("建筑面积（㎡）", 5000),
    "floors": ("层数", 2),
    "clear_height_m": ("首层层高（m）", 9),
    "floor_load_kn_m2": ("楼面荷载（kN/㎡）", 30),
    "crane_t": ("行车（吨）", 10),
    "power_kva": ("配电容量（kVA）", 630),
    "rent_yuan_m2_month": ("租金（元/㎡·月）", 12),
    "lease_mode": ("租售方式", "可租可售"),
    "status": ("状态", "空置"),
    "tenant": ("承租企业", None),
    "lease_end": ("租约到期", None),
    "contact_unit": ("联系单位", "高新区招商局"),
    "contact_phone": ("联系电话", "0914-0000000"),
    "lon": ("经度（高德）", 109.9402),
    "lat": ("纬度（高德）", 33.8688),
}
ASSET_EXAMPLE = {
    "asset_no": ("资产编号", "SZ-ZC-001"),
    "name": ("资产名称", "原粮站仓库"),
    "owner_unit": ("产权单位", "商州区粮食储备中心"),
    "owner_kind": ("单位性质", "事业单位"),
    "unit": ("县（市、区）", "商州区"),
    "asset_type": ("资产类型", "闲置厂房"),
    "land_mu": ("占地面积（亩）", 12),
    "floor_area_m2": ("建筑面积（㎡）", 3600),
    "book_value_wan": ("账面价值（万元）", 480),
    "stage": ("盘活阶段", "招商推介"),
    "mode": ("盘活方式", "出租"),
    "responsible_unit": ("责任单位", "商州区国资中心"),
    "responsible_leader": ("责任领导", "李四"),
    "planned_date": ("计划完成时间", dt.date(2024, 12, 31)),
    "lon": ("经度（百度）", 109.9469),
    "lat": ("纬度（百度）", 33.8752),
}
CAPACITY_EXAMPLE = {
    "park_name": ("园区名称", "商洛高新技术产业开发区"),
    "county": ("所在县区", "商州区"),
    "level": ("园区级别", "省级"),
    "positioning": ("主导产业", "新材料、绿色食品"),
    "planned_area_mu": ("规划面积（亩）", 15000),
    "built_area_mu": ("建成面积（亩）", 9800),
    "available_land_mu": ("可供地（亩）", 1200),
    "power_total_kva": ("供电容量（kVA）", 200000),
    "power_used_kva": ("已用电力（kVA）", 126000),
    "water_total_t_d": ("供水能力（吨/日）", 30000),
    "water_used_t_d": ("已用水量（吨/日）", 18000),
    "gas_total_m3_d": ("供气能力（立方米/日）", 50000),
    "gas_used_m3_d": ("已用气量（立方米/日）", 21000),
    "energy_quota_tce": ("用能指标（吨标准煤）", 90000),
    "energy_used_tce": ("已用能耗（吨标准煤）", 61000),
    "year": ("年度", 2023),
    "tax_wan": ("税收（万元）", 36000),
    "output_wan": ("产值（万元）", 880000),
    "fixed_investment_wan": ("固定资产投资（万元）", 1200000),
}
COMMON = (
    "表头上方可保留标题和“填报单位：××  填报时间：2024年6月30日”，表格下方可有“合计”行和“注：”说明行，导入时自动跳过。",
    "金额、面积等单位写在表头括号里（如“账面价值（万元）”“建筑面积（㎡）”）；空白单元格不会清除已有数据。",
)
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


#: ledger kind → (schema, example columns, instructions after the common ones)
KINDS = {
    "projects": (projects.SCHEMA, PROJECT_EXAMPLE, None),
    "factories": (factories.SCHEMA, FACTORY_EXAMPLE, (
        "每行一处厂房（或一栋、一层、一个单元）；同一厂房再次导入时按厂房编号，其次按园区+楼栋/楼层/单元，再次按园区+名称识别。",
        "状态：空置、已出租、意向洽谈、装修改造；荷载可写 kN/㎡ 或 吨/㎡（表头注明）；租售方式：可租、可售、可租可售。",
        "坐标：经度、纬度两列，表头注明坐标系：高德/腾讯（GCJ-02）、百度（BD-09）、GPS/天地图（WGS-84）。",
    )),
    "assets": (assets.SCHEMA, ASSET_EXAMPLE, (
        "每行一处闲置资产；同一资产再次导入时按本县区内的资产编号，其次按县区+名称识别。",
        "资产类型：闲置楼宇、闲置厂房、闲置土地、烂尾工程；盘活阶段：摸底清查、制定方案、招商推介、洽谈对接、签约、盘活完成。",
        "盘活方式：出租、出售/产权转让、改造扩建、合作/市场化运营、并购重组、作价入股、调剂使用。",
        "坐标：经度、纬度两列，表头注明坐标系：高德/腾讯（GCJ-02）、百度（BD-09）、GPS/天地图（WGS-84）。",
    )),
    "park_capacity": (parks.CAPACITY_SCHEMA, CAPACITY_EXAMPLE, (
        "每行一个园区（按园区名称对应已有园区，未知园区将被拒收并说明原因）；可供地指尚未出让的可供应土地。",
        "填了“年度”和税收/产值/固定资产投资的行，同时记为该园区该年度的亩均效益数据。",
    )),
}


def template_bytes(kind: str = "projects") -> bytes:
    """The ``kind`` ledger template as .xlsx bytes (a sheet named after the ledger with headers and an example row,
    and a sheet 填写说明)."""
    schema, example, notes = KINDS[kind]
    known = {f.name for f in schema.fields}
    columns = [(h, ex) for name, (h, ex) in example.items() if name in known]
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
    lines = INSTRUCTIONS if notes is None else ("填写说明", *(f"{i}. {line}" for i, line in enumerate((*COMMON, *notes), 1)))
    for line in lines:
        help_ws.append([line])
    help_ws.column_dimensions["A"].width = 140
    help_ws["A1"].font = Font(bold=True, size=14)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
