"""A new city's whole first month, as its clerks would do it in a real browser: 商洛市 (陕西省, 611000), not the demo,
starting from a database file that does not exist yet.

1. onboarding: 建立本地数据 over 陕西省 → 商洛市, named 商洛市招商项目; the overview appears;
2. every ledger kind uploaded on its own page (preview with counts, rejections, grouped warnings and the ledger's
   date with its source, then 确认导入), and that page's figures follow: 园区承载力 (boundaries, capacity ledger),
   厂房匹配 (factory ledger, occupancy), 闲置资产盘活 (asset ledger, KPI cards as of the data's date), 项目进度
   (first-half project ledger);
3. 总览 opens on 2024, months 1–6, and shows the same 新签约项目 and 开工率 as 项目进度 for 2024-06;
4. June is frozen on 项目进度, its 月通报 workbook downloaded; re-importing the unchanged ledger previews no change;
   a ledger with one 到位资金 changed is imported; June still shows the frozen figures (总览, live, shows the new
   资金到位率) and the workbook downloads byte-identical;
5. the server is stopped and the command line reads the same file: ``summary``, ``report --month 2024-06`` (frozen)
   and ``assets --asof 2024-06-30`` agree with what the pages showed.

Expected figures are derived from the fixture rows in this module, independently of the app. The later edit changes
only 到位资金, so ``summary --from 2024-01 --to 2024-06`` (run after it, once the server is stopped: DuckDB lets one
process open the file) must still give the page's 新签约/开工/开工率, and its 到位资金 the edited one, while
``report --month 2024-06`` keeps June's frozen 到位资金.

Problems of the app that do not block the journey are collected (``Journey.check``) and reported together at the
end, so one cosmetic defect does not hide the rest of the month.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest

from tests.browser.browsing import ARTIFACTS, ROOT, WORKBENCH_FRAME, is_local, wait_idle, watch
from tests.browser.conftest import serve

pytestmark = pytest.mark.browser

D = dt.date
AS_OF = D(2024, 6, 30)
CITY, CITY_CODE, PROVINCE, LABEL = "商洛市", "611000", "陕西省", "商洛市招商项目"

# ---------------------------------------------------------------------------------------------------------------------
# The city's ledgers, written at test time (nothing binary is committed), shaped as its offices keep them: titles and
# 填报单位/填报时间 lines above the header, merged title cells, 序号 columns, 合计 and 注 rows, money in 万元 or "1.5亿",
# stage words without dates, county names short or full, coordinates in GPS, 高德 or 百度, a CSV in GB18030.
# ---------------------------------------------------------------------------------------------------------------------

#: name, county, level, positioning, centre (lon, lat) in WGS-84, half-size (deg): both well inside their county
PARKS = (
    ("商洛高新技术产业开发区", "商州区", "省级", "新材料、绿色食品", (109.940, 33.870), (0.020, 0.015)),
    ("山阳工业园区", "山阳县", "市级", "钒钛新材料、光伏", (109.880, 33.530), (0.015, 0.012)),
)


def park_geojson(path: Path) -> Path:
    """The two parks as a FeatureCollection (no ``crs`` member: GeoJSON is WGS-84 by definition)."""
    features = []
    for name, _county, level, positioning, (x, y), (dx, dy) in PARKS:
        ring = [[x - dx, y - dy], [x + dx, y - dy], [x + dx, y + dy * 0.6], [x + dx * 0.4, y + dy], [x - dx, y + dy],
                [x - dx, y - dy]]
        features.append({"type": "Feature", "properties": {"name": name, "level": level, "主导产业": positioning},
                         "geometry": {"type": "Polygon", "coordinates": [[[round(a, 6), round(b, 6)] for a, b in ring]]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


CAPACITY_HEADER = ("序号", "园区名称", "所在县区", "规划面积（亩）", "建成面积（亩）", "可供地（亩）", "供电容量（kVA）", "已用电力（kVA）",
                   "供水能力（吨/日）", "已用水量（吨/日）", "用能指标（吨标准煤）", "已用能耗（吨标准煤）", "年度", "税收（万元）", "产值（万元）",
                   "固定资产投资（万元）")
CAPACITY_ROWS = (
    (1, "商洛高新技术产业开发区", "商州区", 15000, 9800, 1200, 200000, 126000, 30000, 18000, 90000, 61000, 2023, 36000, 880000, 1200000),
    (2, "山阳工业园区", "山阳县", 6000, 3100, 650, 80000, 52000, 12000, 7000, 40000, 26000, 2023, 9000, 210000, 380000),
)


def capacity_xlsx(path: Path) -> Path:
    """园区承载力台账: its date is only in 填报时间 (no 截至 and no period in the title)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "园区承载力"
    ws.append(["商洛市重点园区承载力情况统计表"])
    ws.append(["填报单位：商洛市发展和改革委员会", None, None, None, None, None, None, None, "填报时间：2024年6月30日"])
    ws.append(list(CAPACITY_HEADER))
    for row in CAPACITY_ROWS:
        ws.append(list(row))
    ws.append([None, "合计", None, *(sum(r[i] for r in CAPACITY_ROWS) for i in (3, 4, 5))])
    ws.append(["注：可供地指尚未出让的可供应土地；年度指标为上年数。"])
    wb.save(path)
    return path


FACTORY_FILE = "商洛市标准化厂房台账（2024年6月）.csv"
FACTORY_HEADER = ("序号", "厂房名称", "所在园区", "楼栋", "建筑面积（㎡）", "层数", "首层层高（m）", "楼面荷载（kN/㎡）", "配电容量（kVA）",
                  "租金（元/㎡·月）", "状态", "承租企业", "租约到期", "联系电话", "经度（高德）", "纬度（高德）")
FACTORY_ROWS = (
    (1, "高新区A区1#标准化厂房", "商洛高新区", "A1#", "5000", 2, 9, 30, 630, 12, "已出租", "商洛某电子科技有限公司", "2025-03-31",
     "0914-2311001", 109.9352, 33.8672),
    (2, "高新区A区2#标准化厂房", "商洛高新区", "A2#", "5000", 2, 9, 30, 630, 12, "空置", "", "", "0914-2311001", 109.9391, 33.8668),
    (3, "高新区B区1#标准化厂房", "商洛高新技术产业开发区", "B1#", "8,000", 1, 12, 50, 1250, 10, "已出租", "陕西某核桃食品有限公司",
     "2024-09-30", "0914-2311001", 109.9462, 33.8741),
    (4, "山阳工业园1#厂房", "山阳工业园区", "1#", "3000㎡", 3, 6.5, 8, 400, 8, "空置", "", "", "0914-8321002", 109.8822, 33.5288),
    (5, "山阳工业园2#厂房", "山阳工业园区", "2#", "3000", 3, 6.5, 8, 400, 8, "已租", "山阳县某农业科技有限公司", "2026-06-30",
     "0914-8321002", 109.8795, 33.5311),
    (6, "山阳工业园3#厂房（在建）", "山阳工业园区", "3#", "约五千", 2, 8, 20, 630, 8, "装修改造", "", "", "0914-8321002", None, None),
)
#: sheet row of the bad factory (title, header, then the factories): its 建筑面积 "约五千" is not a number
FACTORY_BAD_ROW = 8


def factory_csv(path: Path) -> Path:
    """标准化厂房台账 as CSV in GB18030; its date comes from the file name only."""
    lines = ["商洛市标准化厂房台账", ",".join(FACTORY_HEADER)]
    for row in FACTORY_ROWS:
        lines.append(",".join("" if v is None else (f'"{v}"' if "," in str(v) else str(v)) for v in row))
    lines.append("注：面积按不动产登记面积填写")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    return path


def expected_factories() -> dict:
    good = [r for r in FACTORY_ROWS if r[4] != "约五千"]
    area = lambda r: float(str(r[4]).replace(",", "").removesuffix("㎡"))  # noqa: E731
    leased = sum(area(r) for r in good if r[10] in ("已出租", "已租"))
    return {"count": len(good), "occupancy": leased / sum(area(r) for r in good)}


ASSET_TITLE = "商洛市闲置国有资产台账（截至2024年6月30日）"
ASSET_HEADER = ("序号", "资产名称", "产权单位", "县（市、区）", "资产类型", "占地面积（亩）", "建筑面积（㎡）", "账面价值（万元）", "盘活阶段",
                "盘活方式", "责任单位", "责任领导", "计划完成时间", "实现价值（万元）", "经度（百度）", "纬度（百度）")
ASSET_ROWS = (
    (1, "原商州区粮站仓库", "商州区粮食储备中心", "商州区", "闲置厂房", 12, 3600, 480, "摸底清查", "出租", "商州区国资中心", "王建国",
     D(2024, 9, 30), None, 109.9512, 33.8790),
    (2, "商州区老干部活动中心旧址", "商州区机关事务服务中心", "商州", "闲置楼宇", 3.5, 2200, 650, "制定方案", "改造扩建", "商州区机关事务服务中心",
     "刘敏", D(2024, 5, 31), None, 109.9430, 33.8702),
    (3, "山阳县原县医院旧址", "山阳县卫生健康局", "山阳县", "闲置楼宇", 8, 6400, 1200, "招商推介", "合作/市场化运营", "山阳县国资办", "陈伟",
     D(2024, 12, 31), None, 109.8884, 33.5386),
    (4, "山阳县城关储备地块", "山阳县土地储备中心", "山阳县", "闲置土地", 46, None, 2300, "洽谈对接", "出售/产权转让", "山阳县自然资源局",
     "赵磊", D(2024, 6, 15), None, 109.8910, 33.5452),
    (5, "镇安县原缫丝厂", "镇安县城投公司", "镇安县", "闲置厂房", 20, 9800, 900, "签约", "出租", "镇安县国资办", "孙丽",
     D(2024, 8, 31), 1500, 109.1590, 33.4302),
    (6, "镇安县滨河烂尾商住楼", "镇安县城投公司", "镇安县", "烂尾工程", 15, 21000, 5600, "盘活完成", "并购重组", "镇安县住建局", "孙丽",
     D(2024, 3, 31), 7200, 109.1531, 33.4268),
    (7, "洛南县原农机修造厂", "洛南县国有资产经营公司", "洛南县", "闲置厂房", 18, 7200, 760, "已盘活", "出租", "洛南县国资办", "周强",
     D(2024, 6, 30), 820, None, None),
    (8, "丹凤县原供销社大楼", "丹凤县供销合作社", "丹凤县", "闲置楼宇", 2.2, 3100, 410, "摸底", None, "丹凤县国资办", "吴刚",
     None, None, None, None),
)
ASSET_STAGE_WORDS = {"已盘活": "盘活完成", "摸底": "摸底清查"}
ASSET_STAGES = ("摸底清查", "制定方案", "招商推介", "洽谈对接", "签约", "盘活完成")


def asset_xlsx(path: Path) -> Path:
    """闲置国有资产台账: the title (merged across the sheet, as offices do) says 截至2024年6月30日; 填报时间 is 7月2日."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "闲置资产"
    ws.append([ASSET_TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ASSET_HEADER))
    ws.append(["填报单位：商洛市国资委", *[None] * 11, "填报时间：2024年7月2日"])
    ws.append(list(ASSET_HEADER))
    for row in ASSET_ROWS:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ws.append([None, "合计", None, None, None, None, None, sum(r[7] for r in ASSET_ROWS)])
    wb.save(path)
    return path


def expected_assets(as_of: dt.date = AS_OF) -> dict:
    stages = [ASSET_STAGE_WORDS.get(r[8], r[8]) for r in ASSET_ROWS]
    overdue = [r[1] for r, s in zip(ASSET_ROWS, stages, strict=True) if r[12] is not None and r[12] < as_of and s != "盘活完成"]
    by_stage = {s: stages.count(s) for s in ASSET_STAGES}
    return {"assets": len(ASSET_ROWS), "by_stage": by_stage, "overdue": len(overdue), "overdue_names": sorted(overdue),
            "revitalised": by_stage["盘活完成"]}


PROJECT_TITLE = "商洛市2024年1-6月招商引资项目台账"
PROJECT_HEADER = ("序号", "项目名称", "投资方", "县（市、区）", "所在园区", "产业链", "项目类别", "签约类型", "合同投资（万元）", "到位资金（万元）",
                  "项目进度", "签约时间", "注册时间", "开工时间", "计划开工时间", "用地面积（亩）", "包抓领导", "经度（GPS）", "纬度（GPS）")
#: name, investor, county, park, chain, category, sign type, investment, funds, stage word, signed, registered,
#: started, planned start, land (亩), leader, lon, lat (None: location pending)
PROJECTS = (
    ("核桃深加工及仓储物流项目", "陕西某核桃食品有限公司", "商州区", "商洛高新区", "绿色食品", "工业", "合同", 12000, 3000, "已开工",
     D(2024, 1, 15), D(2024, 2, 1), D(2024, 4, 10), None, 50, "张明", 109.9381, 33.8695),
    ("锂电池负极材料项目", "深圳某新能源材料有限公司", "商州区", "商洛高新技术产业开发区", "新材料", "工业", "合同", "1.5亿", 5000, "在建",
     D(2024, 2, 20), None, None, None, 120, "张明", 109.9455, 33.8720),
    ("秦岭康养小镇项目", "西安某文旅集团有限公司", "商州区", None, "文化旅游", "非工业", "协议", 80000, 0, "已签约",
     D(2024, 3, 8), None, None, D(2024, 5, 31), 300, "李华", None, None),
    ("钒产业链延伸项目", "陕西某钒业有限公司", "山阳县", "山阳工业园区", "钒钛新材料", "工业", "合同", 50000, 8000, "已开工",
     D(2024, 1, 26), None, None, None, 200, "陈刚", 109.8801, 33.5290),
    ("香菇精深加工项目", "山阳县某食用菌有限公司", "山阳县", "山阳工业园区", "绿色食品", "工业", "合同", 6000, 1200, "已注册",
     D(2024, 4, 12), D(2024, 5, 6), None, D(2024, 9, 30), 30, "陈刚", 109.8833, 33.5310),
    ("100MW农光互补光伏电站项目", "某新能源（山阳）有限公司", "山阳", None, "光伏", "工业", "合同", 110000, 20000, "开工建设",
     D(2024, 3, 28), D(2024, 4, 15), D(2024, 6, 18), None, 2000, "陈刚", 109.8200, 33.5600),
    ("中药材种植加工基地项目", "镇安县某药业有限公司", "镇安县", None, "中医药", "工业", "协议", 6000, 0, "已签约",
     D(2024, 5, 10), None, None, D(2024, 10, 31), 80, "孙涛", None, None),
    ("农产品冷链物流中心项目", "商洛某供应链管理有限公司", "镇安县", None, "现代物流", "非工业", "合同", 3000, 500, "签约",
     D(2024, 6, 5), None, None, None, 25, "孙涛", 109.1560, 33.4310),
    ("洛南县硅基新材料项目", "陕西某硅业有限公司", "洛南县", None, "新材料", "工业", "合同", 20000, 6000, "已开工",
     D(2024, 2, 2), None, None, None, 150, "周伟", None, None),
    ("丹凤葡萄酒庄扩建项目", "丹凤某葡萄酒有限公司", "丹凤县", "丹凤县工业集中区", "绿色食品", "工业", "合同", 15000, 4000, "已开工",
     D(2024, 4, 22), D(2024, 5, 8), D(2024, 6, 10), None, 60, "吴军", 110.3300, 33.6950),
    ("商南茶叶精深加工项目", "商南县某茶业有限公司", "商南县", "商南县产业园", "绿色食品", "工业", "协议", 8000, 1500, "在建",
     D(2024, 5, 28), None, None, None, 40, "郑强", None, None),
    ("柞水木耳产业园项目", "柞水县某农业开发有限公司", "柞水县", None, "绿色食品", "工业", "合同", 10000, 0, "已签约",
     D(2024, 6, 20), None, None, None, 45, "冯军", 109.1130, 33.6860),
)
#: the one value the second upload of the month changes (after June is frozen): 到位资金 of one project
EDITED_PROJECT, EDITED_FUNDS = "钒产业链延伸项目", 15000
STARTED_WORDS = {"已开工", "在建", "开工建设"}
#: sheet rows of the projects whose park is not in the store (one grouped warning names both)
UNKNOWN_PARK_ROWS = [4 + i for i, p in enumerate(PROJECTS) if p[3] and "商洛高新" not in p[3] and p[3] != "山阳工业园区"]


def _wan(value) -> float:
    return float(value[:-1]) * 10_000 if isinstance(value, str) and value.endswith("亿") else float(value)


def project_xlsx(path: Path, *, edited: bool = False) -> Path:
    """The first-half ledger as the city's 招商局 keeps it (its date: the title's 1-6月, not 填报时间 7月3日);
    ``edited``: the same ledger with one 到位资金 changed."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目台账"
    ws.append([PROJECT_TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(PROJECT_HEADER))
    ws.append(["填报单位：商洛市招商局", *[None] * 12, "填报时间：2024年7月3日"])
    ws.append(list(PROJECT_HEADER))
    for i, p in enumerate(PROJECTS, start=1):
        funds = EDITED_FUNDS if edited and p[0] == EDITED_PROJECT else p[8]
        ws.append([i, *p[:8], funds, *p[9:]])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ws.append([None, "合计", None, None, None, None, None, None, sum(_wan(p[7]) for p in PROJECTS)])
    ws.append(["注：项目进度按6月底情况填写；无开工时间的项目以项目进度为准。"])
    wb.save(path)
    return path


def expected_projects(*, edited: bool = False) -> dict:
    """What 总览 (2024, 1–6月), 项目进度 2024-06 and ``summary --from 2024-01 --to 2024-06`` must say. A project with
    only a stage word (已开工 / 在建 / 开工建设) and no 开工时间 has started by the ledger's date, 2024-06-30."""
    n = len(PROJECTS)
    started = sum(1 for p in PROJECTS if p[9] in STARTED_WORDS or p[12] is not None)
    investment = sum(_wan(p[7]) for p in PROJECTS)
    funds = sum(EDITED_FUNDS if edited and p[0] == EDITED_PROJECT else p[8] for p in PROJECTS)
    return {"signed": n, "started": started, "start_rate": round(started / n, 4),
            "investment_total_yi": round(investment / 10_000, 2), "funds_in_place_yi": round(funds / 10_000, 2),
            "funds_in_place_rate": round(funds / investment, 4)}


def pct(rate: float) -> str:
    """As the KPI cards write a rate (ui.widgets.percent): 0.5833 → "58.3%"."""
    return f"{rate * 100:.1f}%"


# ---------------------------------------------------------------------------------------------------------------------
# Driving the pages
# ---------------------------------------------------------------------------------------------------------------------

PAGE_MS = 90_000
#: Runs in every page and frame of the tab: reports any traceback, or ui.errors' message, the moment it appears.
WATCH_ERRORS_JS = """(() => {
  const reported = new WeakSet();
  const look = () => {
    for (const e of document.querySelectorAll('[data-testid=stException], [data-testid=stAlertContentError]')) {
      const text = (e.innerText || e.textContent || '').trim();
      if (reported.has(e) || !(e.matches('[data-testid=stException]') || /参考编号|页面出错了/.test(text))) continue;
      reported.add(e);
      if (window.__pageProblem) window.__pageProblem(decodeURIComponent(location.pathname) + '：' + text.slice(0, 600));
    }
  };
  new MutationObserver(look).observe(document, {subtree: true, childList: true, characterData: true});
})();"""
FOLIUM_FRAME = 'iframe[src*="streamlit_folium.st_folium"]'
ERROR_ALERT = "[data-testid=stAlert]:has-text('参考编号'), [data-testid=stAlert]:has-text('页面出错了')"


class Journey:
    """One clerk's browser tab on the city's server, with the app problems found on the way."""

    def __init__(self, tab, base: str):
        self.tab, self.base = tab, base
        self.problems: list[str] = []
        self.blank_maps: list[str] = []  # pages whose folium map did not draw
        self.internal_fields: dict[str, list[str]] = {}  # ledger kind → internal column names its preview shows
        self.shots: list[Path] = []
        self.requests = watch(tab)
        self.errors: list[str] = []  # every traceback or error message any page showed, even for a moment
        tab.context.expose_binding("__pageProblem", lambda _source, text: self.errors.append(text))
        tab.context.add_init_script(WATCH_ERRORS_JS)
        self.failed: list[str] = []  # "404 http://…" of every response that failed
        tab.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    # --- checks ---
    def check(self, ok: bool, problem: str) -> bool:
        """A defect that does not block the journey: recorded, reported (all together) at the end."""
        if not ok:
            self.problems.append(problem)
        return ok

    def healthy(self, where: str) -> None:
        """No traceback (stException) and no error message from ui.errors (参考编号) on the page."""
        tab = self.tab
        exception = tab.locator("[data-testid=stException]")
        if exception.count():
            pytest.fail(f"{where}: the page shows an exception: {exception.first.inner_text()[:600]}")
        if tab.locator(ERROR_ALERT).count():
            pytest.fail(f"{where}: the page shows an error: {tab.locator(ERROR_ALERT).first.inner_text()[:600]}")

    def no_raw_values(self, where: str) -> None:
        """No "nan"/"NaT"/"undefined" written for a missing value in the page's text."""
        text = self.tab.locator("[data-testid=stMain]").inner_text()
        found = sorted(set(re.findall(r"[^\n]{0,30}(?<![A-Za-z])(?:nan|NaN|NaT|undefined)(?![A-Za-z])[^\n]{0,10}", text)))
        self.check(not found, f"{where}: a missing value is written as nan/NaT/undefined: {found}")

    def folium_features(self, layer: str, expected: int, where: str, timeout_s: float = 30) -> int:
        """How many ``layer`` features a folium map on the page has drawn, once it has drawn ``expected`` (else the
        last count seen, -1 for no map at all, and the shortfall is recorded as a problem). Gives up at once when the
        map component's own page failed to load."""
        from playwright.sync_api import Error

        script = """(layer) => (window.map_div && window.map_div._layers) ? Object.values(window.map_div._layers)
            .filter(l => l.feature && l.feature.properties.layer === layer).length : -1"""
        deadline, best = time.monotonic() + timeout_s, -1
        while time.monotonic() < deadline:
            for element in self.tab.query_selector_all(FOLIUM_FRAME):
                frame = element.content_frame()
                try:
                    best = max(best, frame.evaluate(script, layer) if frame else -1)
                except Error:  # the frame is (re)loading
                    continue
            if best >= expected:
                return best
            broken = [f for f in self.failed if "/component/streamlit_folium" in f]
            if broken and time.monotonic() > deadline - timeout_s + 5:  # the component's own page is missing
                self.blank_maps.append(f"{where} ({broken[0].split('?')[0].split('/', 3)[-1]} → {broken[0].split()[0]})")
                return best
            time.sleep(0.25)
        self.check(False, f"{where}: the folium map drew {best} {layer} features within {timeout_s:.0f} s, expected {expected}")
        return best

    def workbench_counts(self, timeout_ms: int = 60_000) -> dict:
        """Features drawn per layer by the overview's map component, once it is ready."""
        self.tab.wait_for_selector(WORKBENCH_FRAME, timeout=timeout_ms)
        frame = self.tab.query_selector(WORKBENCH_FRAME).content_frame()
        frame.wait_for_function("() => window.workbench && window.workbench.ready()", timeout=timeout_ms)
        return frame.evaluate("() => window.workbench.counts()")

    def shot(self, name: str, at=None) -> None:
        """A screenshot with ``at`` (a locator; default the page's title) scrolled into view: Streamlit scrolls
        inside its main block, so a "full page" is the viewport."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"first_month_{len(self.shots) + 1:02d}_{name}.png"
        with contextlib.suppress(Exception):
            (at or self.tab.locator("h1")).first.evaluate("e => e.scrollIntoView({block: 'start'})", timeout=5_000)
        self.tab.wait_for_timeout(400)  # let maps and grids paint
        self.tab.screenshot(path=str(path), full_page=True)
        self.shots.append(path)

    # --- navigation ---
    def open(self, page: str) -> None:
        """Open a page as the sidebar link does (``/项目进度``; the overview at ``/``) and wait for its run to end."""
        self.tab.goto(self.base + ("/" if page == "总览" else "/" + quote(page)))
        self.tab.locator("h1").filter(has_text=page).first.wait_for(timeout=PAGE_MS)
        wait_idle(self.tab)
        self.healthy(page)

    def choose(self, label: str, option: str, *, typed: str | None = None) -> None:
        """Pick ``option`` in the selectbox labelled ``label`` (typing ``typed`` first to filter a long list), once the
        page has settled (a list opened during a rerun is redrawn under the pointer)."""
        wait_idle(self.tab)
        self.tab.get_by_role("combobox", name=label).click()
        if typed:
            self.tab.keyboard.type(typed)
        self.tab.get_by_role("option", name=option, exact=True).click()
        wait_idle(self.tab)

    # --- reading ---
    def metric(self, label: str) -> str:
        """The value of the KPI card labelled exactly ``label``, read from the DOM."""
        cards = self.tab.locator("[data-testid=stMetric]")
        with contextlib.suppress(Exception):  # a card still being drawn: wait for it (the failure below says what is there)
            cards.filter(has=self.tab.locator("[data-testid=stMetricLabel]", has_text=label)).first.wait_for(timeout=30_000)
        wait_idle(self.tab)
        for i in range(cards.count()):
            card = cards.nth(i)
            if card.locator("[data-testid=stMetricLabel]").inner_text().strip() == label:
                return card.locator("[data-testid=stMetricValue]").inner_text().strip()
        shown = [cards.nth(i).inner_text().replace("\n", " ") for i in range(cards.count())]
        pytest.fail(f"no KPI card labelled {label!r} on the page; cards: {shown}")

    def grids(self) -> list[str]:
        return self.tab.evaluate("() => [...document.querySelectorAll('[data-testid=stDataFrame]')].map(d => d.textContent)")

    def wait_grid(self, *parts: str, timeout_ms: int = 30_000) -> str:
        """The text of the first data grid containing every one of ``parts`` (grids fill their table once visible)."""
        script = """(parts) => [...document.querySelectorAll('[data-testid=stDataFrame]')]
            .some(d => parts.every(p => d.textContent.includes(p)))"""
        try:
            self.tab.wait_for_function(script, arg=list(parts), timeout=timeout_ms)
        except Exception:  # noqa: BLE001 - say what the grids held instead
            pytest.fail(f"no table shows {parts}; tables: {[g[:160] for g in self.grids()]}")
        return next(g for g in self.grids() if all(p in g for p in parts))

    def changes(self, where: str, *names: str) -> str:
        """The preview's change table (操作/行号/名称/内容) once it lists ``names``; its 内容 must name fields as the
        ledger does, not by internal column (``park_id：PK-…``)."""
        text = self.wait_grid("操作", "行号", "内容", *names)
        internal = sorted(set(re.findall(r"[a-z]+_[a-z_]+(?=：)", text)))
        if internal:
            self.internal_fields[where] = [f"{name}：{text[text.find(name) + len(name) + 1:].split('；')[0][:14]}" for name in internal]
        return text

    def findings(self) -> list[str]:
        """The problems, with those of one cause on several pages said once."""
        out = list(self.problems)
        if self.blank_maps:
            out.append("the folium maps are blank under `streamlit run serve.py` (the app as ./parkmap.sh runs it): "
                       f"{'; '.join(self.blank_maps)}. The same pages draw under `streamlit run app.py`: serve.py's lifespan "
                       "imports ui.audit_views → ui.widgets → streamlit_folium outside any script run, so the st_folium "
                       "component is never registered (a serve.py copy without that import draws every map)")
        if self.internal_fields:
            out.append("the previews' change tables (内容) name resolved columns by their internal names with raw ids: "
                       + "; ".join(f"{kind}: {', '.join(v)}" for kind, v in self.internal_fields.items())
                       + " (imports/pipeline.py _record_changes labels only the schema's fields)")
        return out

    def alert(self, starts: str, timeout_ms: int = PAGE_MS) -> str:
        box = self.tab.locator("[data-testid=stAlert]").filter(has_text=starts).first
        box.wait_for(timeout=timeout_ms)
        return box.inner_text().strip()

    # --- the upload forms (ui/uploads.py) ---
    def preview(self, kind: str, uploader_label: str, path: Path) -> dict:
        """Choose ``path`` in the form whose uploader says ``uploader_label``, press 预览: the preview's texts (read in
        the form's expander, or the page when the form is not in one). A preview already pending must differ from
        the new one (it is how the new one is told from the old)."""
        form = self.tab.locator("[data-testid=stForm]").filter(has_text=uploader_label).first
        form.wait_for(timeout=PAGE_MS)
        pending = self.tab.locator("[data-testid=stAlert]").filter(has_text="预览（尚未写入）")
        before = pending.first.inner_text() if pending.count() else None
        with self.tab.expect_response(lambda r: "/_stcore/upload_file" in r.url and r.request.method == "PUT", timeout=30_000):
            form.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(path))  # sent before 预览
        form.get_by_role("button", name="预览", exact=True).click()
        self.tab.locator(f".st-key-upload-preview-{kind}-ok").wait_for(timeout=PAGE_MS)
        if before is not None:
            self.tab.wait_for_function("""(before) => [...document.querySelectorAll('[data-testid=stAlert]')]
                .some(a => a.innerText.includes('预览（尚未写入）') && a.innerText !== before)""", arg=before, timeout=PAGE_MS)
        wait_idle(self.tab)
        self.healthy(f"preview of {path.name}")
        expander = self.tab.locator("[data-testid=stExpander]").filter(has=self.tab.locator(f".st-key-upload-preview-{kind}-ok"))
        scope = expander.last if expander.count() else self.tab
        info = scope.locator("[data-testid=stAlert]").filter(has_text="预览（尚未写入）").first.inner_text().strip()
        source = scope.get_by_text("台账数据日期的来源", exact=False)
        date_box = scope.locator("[data-testid=stDateInput]").filter(has_text="数据截至")
        warnings = [w.inner_text().strip() for w in scope.locator("[data-testid=stAlertContentWarning]").all()]
        return {"info": info, "source": source.first.inner_text().strip() if source.count() else None,
                "date": date_box.first.locator("input").input_value() if date_box.count() else None, "warnings": warnings}

    def confirm(self, kind: str) -> str:
        """Press 确认导入 on the pending preview of ``kind``: the 已导入 message (after the page's refresh)."""
        self.tab.locator(f".st-key-upload-preview-{kind}-ok button").click()
        done = self.alert("已导入：")
        wait_idle(self.tab)
        self.healthy(f"import of {kind}")
        return done

    def download(self, label: str, target: Path) -> bytes:
        button = self.tab.get_by_role("button", name=label)
        button.wait_for(timeout=PAGE_MS)
        wait_idle(self.tab)
        with self.tab.expect_download(timeout=60_000) as info:
            button.click()
        info.value.save_as(str(target))
        wait_idle(self.tab)
        return target.read_bytes()


def counts_in(summary: str) -> tuple[int, int, int]:
    """(新增, 更新, 无变化) of an import summary (imports/report.py summary_zh)."""
    m = re.search(r"新增 (\d+) 条，更新 (\d+) 条，无变化 (\d+) 条", summary)
    assert m, summary
    return int(m[1]), int(m[2]), int(m[3])


def cli(*args: str) -> dict:
    done = subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"cli.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}"
    return json.loads(done.stdout)


# ---------------------------------------------------------------------------------------------------------------------
# The month
# ---------------------------------------------------------------------------------------------------------------------


def test_a_new_city_first_month(tab, tmp_path):
    from shapely.geometry import shape

    from geo import boundaries

    started_at = time.monotonic()
    (tmp_path / "edited").mkdir()
    files = {
        "parks": park_geojson(tmp_path / "商洛市重点园区边界.geojson"),
        "capacity": capacity_xlsx(tmp_path / "商洛市重点园区承载力台账.xlsx"),
        "factories": factory_csv(tmp_path / FACTORY_FILE),
        "assets": asset_xlsx(tmp_path / "商洛市闲置国有资产台账.xlsx"),
        "projects": project_xlsx(tmp_path / "商洛市招商引资项目台账.xlsx"),
        "projects_edited": project_xlsx(tmp_path / "edited" / "商洛市招商引资项目台账.xlsx", edited=True),
    }
    # The fixture parks lie inside the counties they are said to be in (the offline boundaries the app loads).
    counties = boundaries.load_boundaries([boundaries.find_region(c).adcode for c in ("商州区", "山阳县")]).set_index("name")
    for feature, park in zip(json.loads(files["parks"].read_text(encoding="utf-8"))["features"], PARKS, strict=True):
        assert counties.geometry[park[1]].contains(shape(feature["geometry"])), park[0]
    want, want_edited = expected_projects(), expected_projects(edited=True)
    want_assets, want_factories = expected_assets(), expected_factories()
    db = tmp_path / "shangluo.duckdb"
    assert not db.exists()

    figures: dict = {}
    try:
        with serve(db, tmp_path / "streamlit.log") as base:
            j = Journey(tab, base)

            # 1. Onboarding: an empty store offers the demo or a local dataset; 陕西省 → 商洛市, 商洛市招商项目.
            tab.goto(base + "/")
            tab.locator("h1").filter(has_text="欢迎使用园区承载力与项目地图").first.wait_for(timeout=PAGE_MS)
            wait_idle(tab)
            j.healthy("onboarding")
            assert tab.get_by_role("button", name="使用演示数据").count() == 1
            j.choose("省（自治区、直辖市）", PROVINCE, typed="陕西")
            county_box = tab.get_by_role("combobox", name="县（市、区）")
            after_province = county_box.input_value()
            j.choose("市（州、盟）", CITY, typed="商洛")
            j.check(county_box.input_value() == "（整个）",
                    f"onboarding (ui/onboarding.py): the 县（市、区） picker should show its default （整个） (the whole city); after "
                    f"the province it shows {after_province!r}, after the city {county_box.input_value()!r}, i.e. an empty box "
                    f"with Streamlit's English placeholder {county_box.get_attribute('placeholder')!r} (only the province picker "
                    "has a Chinese one). It shows （整个） on the first render only; its list does offer （整个）")
            name_box = tab.get_by_label("数据集名称")
            j.check(name_box.input_value() == LABEL,
                    f"onboarding: after {PROVINCE} → {CITY} the 数据集名称 box proposes {name_box.input_value()!r}, not {LABEL!r}")
            name_box.fill(LABEL)
            name_box.press("Enter")
            wait_idle(tab)
            j.shot("onboarding")
            tab.get_by_role("button", name="建立本地数据").click()
            tab.locator("h1").filter(has_text="总览").first.wait_for(timeout=PAGE_MS)
            wait_idle(tab)
            j.healthy("overview after onboarding")
            assert db.exists()
            assert LABEL in tab.locator("[data-testid=stSidebar]").inner_text()
            j.shot("overview_empty")

            # 2a. 园区承载力, empty: both forms open under an info box; the park boundaries first.
            j.open("园区承载力")
            j.alert("尚未导入园区")
            assert tab.locator("[data-testid=stForm]").filter(has_text="选择园区承载力台账").count() == 1  # open too
            got = j.preview("park_polygons", "选择园区边界", files["parks"])
            assert counts_in(got["info"]) == (2, 0, 0), got["info"]
            j.check(got["date"] is None, f"园区边界 preview offers a 数据截至 date: {got['date']}")
            j.check("数据截至" not in got["info"] and not any("数据日期" in w for w in got["warnings"]),
                    f"园区边界 preview: a boundary file has no data date (imports/parks.py polygon_kind dated=False: it never moves "
                    f"数据截至) and the form has no date input, yet the summary says “{got['info'].splitlines()[-1]}” and warns "
                    f"{got['warnings']} (“…按导入当天记，可在导入时修改”): imports/pipeline.py _effective_date runs for undated kinds")
            changes = j.changes("园区边界", PARKS[0][0], PARKS[1][0])
            j.check("611002" not in changes,
                    f"园区边界 preview: the change table shows the county as its adcode (“所在县区：611002”), not 商州区: “{changes[changes.find('所在县区'):][:14]}…”")
            j.shot("parks_preview", at=tab.locator("[data-testid=stAlert]").filter(has_text="预览（尚未写入）"))
            done = j.confirm("park_polygons")
            assert counts_in(done)[:2] == (2, 0) and "批次" in done, done
            table = j.wait_grid("园区", "县（市、区）", *(p[0] for p in PARKS))
            assert "商州区" in table and "山阳县" in table, table[:300]

            # 2b. The capacity ledger of those parks (its date: 填报时间).
            tab.get_by_text("导入园区承载力台账", exact=False).first.click()
            got = j.preview("park_capacity", "选择园区承载力台账", files["capacity"])
            assert counts_in(got["info"]) == (0, 2, 0), got["info"]  # 2 parks updated …
            assert "园区年度指标新增 2 条" in got["info"], got["info"]  # … and their 2023 亩均 rows, on their own line
            assert "合计行 1、说明行 1；拒收 0 行；园区年度指标新增 2 条、更新 0 条；数据截至 2024-06-30" in got["info"], got["info"]
            assert got["date"] == "2024-06-30" and got["source"] and "来源：填报时间" in got["source"], got
            j.changes("园区承载力台账", "更新", "新增", f"{PARKS[0][0]} 2023年")
            j.shot("capacity_preview", at=tab.locator("[data-testid=stAlert]").filter(has_text="预览（尚未写入）"))
            j.confirm("park_capacity")
            j.wait_grid("用地供给（亩）", "用电供给（kVA）", *(p[0] for p in PARKS))
            j.choose("园区", PARKS[0][0])
            figures["park_land_remaining_before_projects"] = j.metric("用地剩余（亩）")
            assert figures["park_land_remaining_before_projects"] == "1,200", figures  # 可供地, nothing reserved yet
            j.no_raw_values("园区承载力 (park detail)")
            figures["capacity_map_parks"] = j.folium_features("parks", len(PARKS), "园区承载力 map")
            j.shot("capacity")

            # 2c. 厂房匹配, empty → the factory ledger (CSV in GB18030, its date from the file name, one bad row).
            j.open("厂房匹配")
            j.alert("尚未导入标准化厂房")
            got = j.preview("factories", "选择标准化厂房台账", files["factories"])
            assert counts_in(got["info"]) == (want_factories["count"], 0, 0) and "拒收 1 行" in got["info"], got["info"]
            assert got["date"] == "2024-06-30" and got["source"] and f"文件名“{FACTORY_FILE}”" in got["source"], got
            rejected = j.wait_grid("行号", "原因", "约五千")
            assert f"{FACTORY_BAD_ROW}建筑面积" in rejected, rejected
            j.changes("标准化厂房台账", *(r[1] for r in FACTORY_ROWS[:5]))
            j.shot("factories_preview", at=tab.locator("[data-testid=stAlert]").filter(has_text="预览（尚未写入）"))
            j.confirm("factories")
            tab.get_by_text("出租情况", exact=True).first.click()
            wait_idle(tab)
            figures["factories"], figures["factory_occupancy"] = j.metric("厂房（处）"), j.metric("出租率（按面积）")
            assert figures["factories"] == str(want_factories["count"]), figures
            assert figures["factory_occupancy"] == pct(want_factories["occupancy"]), figures
            assert j.metric("3个月内到期租约") == "1", "B1# ends 2024-09-30, within 3 months of the data's date"
            figures["vacancy_map_factories"] = j.folium_features("factories", want_factories["count"], "厂房匹配 vacancy map")
            j.shot("factories_occupancy")

            # 2d. 闲置资产盘活, empty → the asset ledger (its date: the title's 截至).
            j.open("闲置资产盘活")
            j.alert("尚未导入闲置国有资产")
            got = j.preview("assets", "选择闲置资产台账", files["assets"])
            assert counts_in(got["info"]) == (want_assets["assets"], 0, 0) and "合计行 1" in got["info"], got["info"]
            assert got["date"] == "2024-06-30" and got["source"] and ASSET_TITLE in got["source"], got
            asset_source = got["source"].split("。")[0]
            j.changes("闲置资产台账", *(r[1] for r in ASSET_ROWS))
            j.shot("assets_preview", at=tab.locator("[data-testid=stAlert]").filter(has_text="预览（尚未写入）"))
            j.confirm("assets")
            as_of_box = tab.locator("[data-testid=stDateInput]").filter(has_text="统计日期").locator("input")
            assert as_of_box.input_value() == "2024-06-30", as_of_box.input_value()  # the data's date, not today
            figures["assets"], figures["assets_overdue"] = j.metric("闲置资产（处）"), j.metric("逾期（处）")
            figures["assets_done"] = j.metric("已盘活（处）")
            assert figures["assets"] == str(want_assets["assets"]), figures
            assert figures["assets_overdue"] == str(want_assets["overdue"]), figures
            assert figures["assets_done"] == str(want_assets["revitalised"]), figures
            located = sum(1 for r in ASSET_ROWS if r[14] is not None)
            figures["asset_map_assets"] = j.folium_features("assets", located, "闲置资产盘活 map")
            j.shot("assets_map")
            tab.get_by_role("tab", name="逾期督办").click()
            overdue = j.wait_grid(*want_assets["overdue_names"])
            assert "原商州区粮站仓库" not in overdue and "镇安县滨河烂尾商住楼" not in overdue, overdue
            tab.get_by_text(f"截至 2024-06-30，逾期 {want_assets['overdue']} 处", exact=False).first.wait_for(timeout=10_000)
            j.shot("assets_overdue")

            # 2e. 项目进度, no projects → the first-half project ledger, at the bottom of the page.
            j.open("项目进度")
            j.alert("尚未导入项目台账")
            assert tab.get_by_role("combobox", name="通报月份").input_value() == "2024-06"  # the data's month, not today's
            got = j.preview("projects", "选择项目台账", files["projects"])
            assert counts_in(got["info"]) == (len(PROJECTS), 0, 0), got["info"]
            assert "合计行 1、说明行 1；拒收 0 行；数据截至 2024-06-30" in got["info"], got["info"]
            assert got["date"] == "2024-06-30", got  # the title's 1-6月, not 填报时间 2024-07-03
            assert got["source"] and PROJECT_TITLE in got["source"], got["source"]
            j.check(f"表头上方“{ASSET_TITLE}”" in asset_source and f"标题“{PROJECT_TITLE}”" in got["source"],
                    f"the preview's date source should quote a ledger's title once (表头上方“{ASSET_TITLE}”, 标题“{PROJECT_TITLE}”); "
                    f"it says “{asset_source}” and “{got['source'].split('。')[0]}”: imports/dates.py joins every cell of the "
                    "title row, and a merged title repeats its text in every cell it covers, then cuts at 40 characters")
            park_warning = [w for w in got["warnings"] if w.startswith("园区尚未入库")]
            assert park_warning and "丹凤县工业集中区、商南县产业园" in park_warning[0], got["warnings"]
            assert f"第 {UNKNOWN_PARK_ROWS[0]}、{UNKNOWN_PARK_ROWS[1]} 行，共 2 行" in park_warning[0], park_warning
            j.changes("项目台账", *(p[0] for p in PROJECTS))
            j.shot("projects_preview", at=tab.locator("[data-testid=stAlert]").filter(has_text="预览（尚未写入）"))
            j.confirm("projects")
            tab.get_by_text("本月未冻结", exact=False).first.wait_for(timeout=PAGE_MS)
            figures["pp_signed"], figures["pp_start_rate"] = j.metric("新签约项目数"), j.metric("开工率")
            figures["pp_funds_rate"], figures["pp_investment"] = j.metric("资金到位率"), j.metric("签约金额（亿元）")
            assert figures["pp_signed"] == str(want["signed"]), figures
            assert figures["pp_start_rate"] == pct(want["start_rate"]), (figures, "stage-only 已开工/在建 rows count as started")
            assert figures["pp_funds_rate"] == pct(want["funds_in_place_rate"]), figures
            assert f"{LABEL} · 数据截至 2024-06-30" in tab.locator("[data-testid=stSidebar]").inner_text()
            assert tab.get_by_role("button", name="冻结本月（发布月通报）").count() == 1  # June is over by the data's date
            j.shot("progress_live")

            # 3. 总览 opens on 2024, months 1–6, and agrees with 项目进度 2024-06.
            j.open("总览")
            assert tab.get_by_label("年度").input_value() == "2024"
            thumbs = tab.locator("[data-testid=stSlider]").filter(has_text="月份").locator("[data-testid=stSliderThumbValue]")
            assert thumbs.all_inner_texts() == ["1月", "6月"], thumbs.all_inner_texts()
            figures["ov_signed"], figures["ov_start_rate"] = j.metric("新签约项目数"), j.metric("开工率")
            figures["ov_investment"] = j.metric("签约金额（亿元）")
            assert (figures["ov_signed"], figures["ov_start_rate"], figures["ov_investment"]) == \
                (figures["pp_signed"], figures["pp_start_rate"], figures["pp_investment"]), figures
            assert figures["ov_investment"] == f"{want['investment_total_yi']:.1f}", figures
            units = j.wait_grid("单位", "新签约项目数（个）", "合计", "商州区", "柞水县")
            assert "山阳县" in units, units[:300]
            figures["overview_map"] = j.workbench_counts()
            drawn = figures["overview_map"]
            j.check((drawn.get("projects"), drawn.get("parks"), drawn.get("factories"), drawn.get("assets")) ==
                    (sum(1 for p in PROJECTS if p[16] is not None), len(PARKS), want_factories["count"], located),
                    f"总览 map: drew {drawn}; expected the located projects, both parks, every factory and located asset")
            j.shot("overview")

            # 园区承载力: the started projects' land in 商洛高新区 (核桃 50 亩 + 负极材料 120 亩) was granted before
            # construction, so it is already out of 可供地 and not reserved again (config/capacity.toml, rule "granted").
            j.open("园区承载力")
            j.choose("园区", PARKS[0][0])
            figures["park_land_remaining"] = j.metric("用地剩余（亩）")
            assert figures["park_land_remaining"] == "1,200", figures  # not 1,030: no double count of the 170 亩
            j.wait_grid("编号", "项目名称", PROJECTS[0][0], PROJECTS[1][0])  # the park's pipeline lists them

            # 4. Freeze June, download its 月通报.
            j.open("项目进度")
            tab.get_by_role("button", name="冻结本月（发布月通报）").click()
            tab.get_by_role("button", name="确认冻结 2024-06").click()
            j.alert("2024-06 已冻结")
            wait_idle(tab)
            frozen_caption = tab.get_by_text("本月已冻结（", exact=False).first
            frozen_caption.wait_for(timeout=PAGE_MS)
            assert tab.get_by_role("button", name="冻结本月（发布月通报）").count() == 0
            j.shot("progress_frozen")
            first_xlsx = j.download("月通报（Excel）", tmp_path / "月通报_2024-06_a.xlsx")
            wb = openpyxl.load_workbook(tmp_path / "月通报_2024-06_a.xlsx")
            rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
            assert rows[0][0] == "2024年6月招商引资项目推进情况通报", rows[0]
            header = next(r for r in rows if r and r[0] == "单位")
            total = dict(zip(header, next(r for r in rows if r and r[0] == "合计"), strict=False))
            assert (total["新签约项目数（个）"], total["开工项目数（个）"], total["开工率"], total["到位资金（亿元）"]) == \
                (want["signed"], want["started"], want["start_rate"], want["funds_in_place_yi"]), total
            assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)

            # Re-importing the unchanged ledger: nothing to add or update (and nothing to confirm).
            got = j.preview("projects", "选择项目台账", files["projects"])
            assert f"将新增 0 条，更新 0 条，无变化 {len(PROJECTS)} 条" in got["info"], got["info"]
            assert tab.locator(".st-key-upload-preview-projects-ok button").is_disabled()
            j.shot("projects_unchanged_preview", at=tab.locator("[data-testid=stAlert]").filter(has_text="预览（尚未写入）"))

            # The same ledger with one 到位资金 changed: one update, shown old → new.
            got = j.preview("projects", "选择项目台账", files["projects_edited"])
            assert f"将新增 0 条，更新 1 条，无变化 {len(PROJECTS) - 1} 条" in got["info"], got["info"]
            change = j.changes("项目台账 (edited)", "更新", EDITED_PROJECT, "到位资金")
            assert re.search(r"到位资金：8,?000(\.0)? → 15,?000(\.0)?", change), change
            j.shot("projects_edit_preview", at=tab.locator("[data-testid=stAlert]").filter(has_text="预览（尚未写入）"))
            done = j.confirm("projects")
            assert counts_in(done)[:2] == (0, 1), done

            # June stays as published: same cards, byte-identical workbook.
            tab.get_by_text("本月已冻结（", exact=False).first.wait_for(timeout=PAGE_MS)
            assert (j.metric("新签约项目数"), j.metric("开工率")) == (figures["pp_signed"], figures["pp_start_rate"])
            assert j.metric("资金到位率") == figures["pp_funds_rate"], "the frozen month's 资金到位率 moved after a later edit"
            second_xlsx = j.download("月通报（Excel）", tmp_path / "月通报_2024-06_b.xlsx")
            assert second_xlsx == first_xlsx, "the frozen month's 月通报 workbook changed after a later edit"
            j.shot("progress_after_edit")

            # 总览 is live: it shows the edit; the start figures are untouched by it.
            j.open("总览")
            figures["ov_funds_rate_after_edit"] = j.metric("资金到位率")
            assert figures["ov_funds_rate_after_edit"] == pct(want_edited["funds_in_place_rate"]), figures
            assert j.metric("开工率") == figures["pp_start_rate"]

            assert not j.errors, f"pages showed errors on the way: {j.errors}"
            outside = sorted({u for u in j.requests if not is_local(u)})
            assert not outside, f"requests left the machine: {outside}"
            problems = j.findings()
        log = (tmp_path / "streamlit.log").read_text(encoding="utf-8", errors="replace")
        assert "页面错误" not in log and "Traceback" not in log, log[-3000:]
    except BaseException:  # the page as the failure left it
        ARTIFACTS.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):
            tab.screenshot(path=str(ARTIFACTS / "first_month_FAILED.png"), full_page=True)
        raise

    # 5. The server is stopped: the command line (and the store) open the same file.
    import store
    from layers import dataset

    con = store.connect(db, read_only=True)
    try:
        info = dataset.get_info(con)
        county_codes = {a for (a,) in con.execute("SELECT adcode FROM regions WHERE level = 'county'").fetchall()}
    finally:
        con.close()
    assert (info.get("label"), info.get("region"), info.get("demo"), info.get("as_of")) == (LABEL, CITY_CODE, "false", "2024-06-30"), info
    assert county_codes == {r.adcode for r in boundaries.children(CITY_CODE)}, county_codes  # the whole city, every county
    summary = cli("summary", "--from", "2024-01", "--to", "2024-06", "--json", "--db", str(db))
    headline = ("signed", "started", "start_rate")
    assert [summary[k] for k in headline] == [want[k] for k in headline], summary
    assert (str(summary["signed"]), pct(summary["start_rate"])) == (figures["pp_signed"], figures["pp_start_rate"]), figures
    assert summary["funds_in_place_yi"] == want_edited["funds_in_place_yi"], summary  # live: after the edit
    report = cli("report", "--month", "2024-06", "--json", "--db", str(db))
    assert report["frozen"] is True, report
    assert [report[k] for k in headline] == [want[k] for k in headline], report
    assert report["funds_in_place_yi"] == want["funds_in_place_yi"], report  # as published, before the edit
    assert pct(report["funds_in_place_rate"]) == figures["pp_funds_rate"], report
    assets = cli("assets", "--asof", "2024-06-30", "--json", "--db", str(db))
    assert assets["assets"] == want_assets["assets"] == int(figures["assets"]), assets
    assert assets["by_stage"] == want_assets["by_stage"], assets["by_stage"]
    assert assets["overdue"] == want_assets["overdue"] == int(figures["assets_overdue"]), assets
    assert assets["revitalised"] == int(figures["assets_done"]), assets
    assert sorted(c["name"] for c in assets["overdue_cases"]) == want_assets["overdue_names"], assets["overdue_cases"]

    print(f"\nfirst month: {time.monotonic() - started_at:.0f} s; figures: {figures}")
    assert not problems, f"{len(problems)} app problems found on the way:\n" + "\n".join(f"{i}. {p}" for i, p in enumerate(problems, 1))
