"""Deterministic demo standard factories (in parks) and idle state assets (in counties) for 咸宁市."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from data import demo_catalog as cat
from data.demo_geometry import points_in

FACTORIES_PER_PARK = {"P-GX": 30, "P-XA": 16, "P-JY": 18, "P-JYP": 8, "P-CB": 20, "P-CBM": 10, "P-TC": 16, "P-CY": 16, "P-TS": 14}
TENANTS = ("华鑫电子", "恒通精密", "德盛食品", "龙腾新材", "宏达纺织", "鼎信光电", "瑞丰机械", "金源涂料", "联创智能",
           "博源医疗", "锦程包装", "星河家居", "汇川电机", "永安竹业")
ASSET_ROWS = (
    # name, owner, owner kind, county, type, stage, mode
    ("温泉文化城", "咸宁市城市建设投资开发有限公司", "国企", "421202", "闲置楼宇", "招商推介", "合作/市场化运营"),
    ("淦河国际医疗城", "咸宁市城市建设投资开发有限公司", "国企", "421202", "烂尾工程", "洽谈对接", "并购重组"),
    ("原咸宁苎麻纺织厂厂区", "咸宁市国有资本投资运营集团", "国企", "421202", "闲置厂房", "盘活完成", "改造扩建"),
    ("咸安区政务服务中心旧址", "咸安区机关事务服务中心", "行政事业单位", "421202", "闲置楼宇", "签约", "出租"),
    ("高新区创业孵化大楼B座", "咸宁高新投资集团", "国企", "421202", "闲置楼宇", "制定方案", "出租"),
    ("横沟桥镇储备地块", "咸安区城市发展投资集团", "国企", "421202", "闲置土地", "摸底清查", "出售/产权转让"),
    ("嘉鱼县原纺织厂", "嘉鱼县国有资产经营公司", "国企", "421221", "闲置厂房", "招商推介", "出租"),
    ("嘉鱼滨江商业广场", "嘉鱼县城市建设投资公司", "国企", "421221", "烂尾工程", "制定方案", "并购重组"),
    ("簰洲湾物流园闲置仓库", "嘉鱼县交通投资公司", "国企", "421221", "闲置厂房", "洽谈对接", "出租"),
    ("嘉鱼县老党校", "嘉鱼县机关事务服务中心", "行政事业单位", "421221", "闲置楼宇", "盘活完成", "调剂使用"),
    ("赤壁市原造纸厂地块", "赤壁市国有资本投资集团", "国企", "421281", "闲置土地", "签约", "出售/产权转让"),
    ("赤壁古战场游客中心二期", "赤壁市文旅投资公司", "国企", "421281", "烂尾工程", "招商推介", "合作/市场化运营"),
    ("赤马港老粮站", "赤壁市粮食储备公司", "国企", "421281", "闲置厂房", "摸底清查", "改造扩建"),
    ("赤壁市原卫生学校", "赤壁市教育局", "行政事业单位", "421281", "闲置楼宇", "制定方案", "作价入股"),
    ("赤壁经开区标准厂房三期", "赤壁经开区投资公司", "国企", "421281", "闲置厂房", "洽谈对接", "出租"),
    ("通城县原茶厂", "通城县国有资产经营公司", "国企", "421222", "闲置厂房", "盘活完成", "出售/产权转让"),
    ("通城隽水河滨酒店", "通城县城市建设投资公司", "国企", "421222", "烂尾工程", "洽谈对接", "并购重组"),
    ("通城县老汽车站", "通城县交通运输局", "行政事业单位", "421222", "闲置土地", "招商推介", "合作/市场化运营"),
    ("通城经开区闲置宿舍楼", "通城经开区管委会", "行政事业单位", "421222", "闲置楼宇", "摸底清查", "出租"),
    ("崇阳县原纸厂", "崇阳县国有资产经营公司", "国企", "421223", "闲置厂房", "签约", "改造扩建"),
    ("崇阳天城商贸城", "崇阳县城市建设投资公司", "国企", "421223", "闲置楼宇", "招商推介", "出租"),
    ("崇阳县老水泥厂地块", "崇阳县国有资本投资公司", "国企", "421223", "闲置土地", "制定方案", "出售/产权转让"),
    ("青山镇农贸市场", "崇阳县供销合作社", "行政事业单位", "421223", "闲置楼宇", "盘活完成", "出租"),
    ("通山县原石材厂", "通山县国有资产经营公司", "国企", "421224", "闲置厂房", "洽谈对接", "作价入股"),
    ("九宫山温泉度假酒店", "通山县旅游投资公司", "国企", "421224", "烂尾工程", "摸底清查", "合作/市场化运营"),
    ("通山县老城区粮库", "通山县粮食储备公司", "国企", "421224", "闲置土地", "制定方案", "改造扩建"),
    ("通山县原竹器厂", "通山县国有资产经营公司", "国企", "421224", "闲置厂房", "招商推介", "出租"),
    ("咸宁市原农机校", "咸宁市教育局", "行政事业单位", "421202", "闲置楼宇", "摸底清查", "调剂使用"),
    ("嘉鱼县原供销大楼", "嘉鱼县供销合作社", "行政事业单位", "421221", "闲置楼宇", "签约", "出租"),
    ("赤壁市原啤酒厂", "赤壁市国有资本投资集团", "国企", "421281", "闲置厂房", "制定方案", "并购重组"),
)


def factories(rng: np.random.Generator, parks: dict) -> list[dict]:
    """About 150 factory rows (whole buildings or floor units) with full specs; ``parks`` id → (name, county, polygon)."""
    as_of = date.fromisoformat(cat.AS_OF)
    rows: list[dict] = []
    for park_id, n in FACTORIES_PER_PARK.items():
        name, county, polygon = parks[park_id]
        short = name.replace("技术产业开发区", "").replace("经济开发区", "经开区")
        for k, point in enumerate(points_in(rng, polygon, n), start=1):
            single = rng.random() < 0.6
            floors = 1 if single else int(rng.integers(3, 6))
            status = rng.choice(["已出租", "空置", "意向洽谈", "装修改造"], p=[0.55, 0.3, 0.1, 0.05])
            leased = status == "已出租"
            rows.append({
                "factory_id": f"F-{park_id[2:]}-{k:03d}",
                "name": f"{short}{k}#标准化厂房",
                "park_id": park_id,
                "park_name": name,
                "county_adcode": county,
                "building": f"{k}#",
                "floor": None,
                "unit_no": None,
                "floor_area_m2": float(round(rng.uniform(2000, 12000) if single else rng.uniform(4000, 15000), -1)),
                "floors": floors,
                "clear_height_m": float(rng.choice([8.0, 9.0, 10.0, 12.0])) if single else round(float(rng.uniform(5.5, 7.5)), 1),
                "floor_load_kn_m2": float(rng.choice([30.0, 40.0, 50.0])) if single else float(rng.choice([7.8, 9.8, 12.0, 14.7])),
                "span_m": float(rng.choice([18.0, 21.0, 24.0, 30.0])) if single else float(rng.choice([8.0, 9.0, 12.0])),
                "column_grid": str(rng.choice(["6×24", "7.5×24", "8×30"])) if single else str(rng.choice(["8×9", "9×9", "8×12"])),
                "crane_t": float(rng.choice([0.0, 0.0, 5.0, 10.0, 16.0, 20.0])) if single else 0.0,
                "power_kva": float(rng.choice([400, 630, 800, 1000, 1250, 1600, 2000])) if single else float(rng.choice([250, 400, 630, 800, 1250])),
                "rent_yuan_m2_month": round(float(rng.uniform(8, 20)), 1),
                "for_rent": True,
                "for_sale": bool(rng.random() < 0.25),
                "status": str(status),
                "tenant": f"咸宁{rng.choice(TENANTS)}有限公司" if status in ("已出租", "意向洽谈") else None,
                "lease_end": as_of + timedelta(days=int(rng.integers(30, 1600))) if leased else None,
                "contact_unit": f"{name}管委会招商局",
                "contact_phone": f"0715-8{int(rng.integers(100000, 999999))}",
                "geometry": point,
            })
    return rows


def idle_assets(rng: np.random.Generator, counties: dict) -> list[dict]:
    """The 30 idle state assets across all 盘活 stages; ``counties`` adcode → polygon."""
    rows = []
    for i, (name, owner, kind, county, atype, stage, mode) in enumerate(ASSET_ROWS, start=1):
        (point,) = points_in(rng, counties[county], 1, margin=0.01)
        land = round(float(rng.uniform(5, 120)), 1)
        floor = 0.0 if atype == "闲置土地" else round(float(land * 666.67 * rng.uniform(0.5, 2.5)), -1)
        book = round(float(land * rng.uniform(20, 80) + floor * rng.uniform(0.05, 0.25)), 0)
        done = stage in ("签约", "盘活完成")
        rows.append({
            "asset_id": f"A-{i:03d}",
            "name": name,
            "owner_unit": owner,
            "owner_kind": kind,
            "county_adcode": county,
            "asset_type": atype,
            "land_mu": land,
            "floor_area_m2": floor,
            "book_value_wan": book,
            "appraised_value_wan": round(book * float(rng.uniform(0.9, 1.6)), 0),
            "vacancy_share": 1.0 if atype in ("闲置土地", "烂尾工程") else round(float(rng.uniform(0.4, 1.0)), 2),
            "stage": stage,
            "mode": mode,
            "responsible_unit": owner,
            "responsible_leader": str(rng.choice(cat.LEADERS)),
            "planned_date": date(2018, 1, 31) + timedelta(days=int(rng.integers(0, 540))),
            "counterpart": f"{rng.choice(cat.HOME_PLACES)}{rng.choice(cat.INVESTOR_HEADS)}实业有限公司" if stage in ("洽谈对接", "签约", "盘活完成") else None,
            "realised_value_wan": round(book * float(rng.uniform(0.6, 1.3)), 0) if done else 0.0,
            "geometry": point,
        })
    return rows
