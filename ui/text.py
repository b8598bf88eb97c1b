"""User-facing strings (Chinese first; an English table can follow with the same keys)."""

from __future__ import annotations

ZH = {
    "app_title": "园区承载力与项目地图",
    "overview": "总览",
    "demo_banner": "当前为{label}，数据截至 {as_of}。导入本地台账后即显示真实数据。",
    "building_demo": "首次运行：正在生成演示数据库（约 10 秒）…",
    "period": "统计期间",
    "year": "年度",
    "months": "月份",
    "kpi_signed": "新签约项目",
    "kpi_investment": "签约金额（亿元）",
    "kpi_1yi": "亿元以上项目",
    "kpi_10yi": "10亿元以上项目",
    "kpi_start_rate": "开工率",
    "kpi_funds_rate": "资金到位率",
    "of_target": "达成 {pct}",
    "no_target": "未设目标",
    "unit_table": "各县（市、区）完成情况",
    "map": "项目一张图",
    "map_hint": "右上角可切换图层；点击要素查看详情。地图不依赖互联网底图。",
    "layer_pick": "图层",
    "county_pick": "县（市、区）",
    "all": "全部",
    "download_geojson": "下载 GeoJSON（WGS-84）",
    "location_pending": "位置待定",
    "rows": "共 {n} 条",
}
LANG = ZH


def t(key: str, **values) -> str:
    """The text for ``key`` with ``{placeholders}`` filled."""
    return LANG[key].format(**values) if values else LANG[key]
