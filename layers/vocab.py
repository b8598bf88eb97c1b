"""Controlled vocabularies shared by the layers: lifecycles, statuses and types (Chinese, as users say them)."""

from __future__ import annotations

#: Project lifecycle in order; 停滞/终止 are side exits.
PROJECT_STAGES = ("线索", "在谈", "签约", "注册", "开工", "投产", "停滞", "终止")
PROJECT_MAIN_STAGES = PROJECT_STAGES[:6]
#: Stages at or after signing (used for "signed" counts; side exits keep their signing date).
SIGNED_STAGES = ("签约", "注册", "开工", "投产", "停滞", "终止")
SIGN_TYPES = ("合同", "协议", "框架协议")
ORIGINS = ("省外", "市外省内", "市内")
PROJECT_CATEGORIES = ("工业", "非工业")

FACTORY_STATUSES = ("空置", "已出租", "意向洽谈", "装修改造")
ASSET_TYPES = ("闲置楼宇", "闲置厂房", "闲置土地", "烂尾工程")
ASSET_STAGES = ("摸底清查", "制定方案", "招商推介", "洽谈对接", "签约", "盘活完成")
ASSET_MODES = ("出租", "出售/产权转让", "改造扩建", "合作/市场化运营", "并购重组", "作价入股", "调剂使用")
PARK_LEVELS = ("国家级", "省级", "市级")

MU_M2 = 10000 / 15  # 1 亩 = 666.67 ㎡
WAN_PER_YI = 10000  # 1 亿元 = 10,000 万元
KN_PER_T = 9.8  # 1 t/㎡ ≈ 9.8 kN/㎡

# One palette for every map, print and report (the browser map, A3 sheets, the monthly report).
STAGE_COLORS = {"线索": "#95a5a6", "在谈": "#f1c40f", "签约": "#2980b9", "注册": "#16a085", "开工": "#e67e22",
                "投产": "#27ae60", "停滞": "#8e44ad", "终止": "#2c3e50"}
FACTORY_COLORS = {"空置": "#e74c3c", "已出租": "#7f8c8d", "意向洽谈": "#f39c12", "装修改造": "#3498db"}
ASSET_COLORS = {"摸底清查": "#bdc3c7", "制定方案": "#9b59b6", "招商推介": "#e67e22", "洽谈对接": "#f1c40f",
                "签约": "#2980b9", "盘活完成": "#27ae60"}
PARK_STYLE = {"color": "#c0392b", "weight": 2, "fillColor": "#e74c3c", "fillOpacity": 0.12}
REGION_STYLE = {"color": "#34495e", "weight": 1.5, "fillColor": "#ecf0f1", "fillOpacity": 0.35, "dashArray": "4 3"}
