"""Deterministic 盘活 case records for the 30 demo idle assets: stage history and meeting tasks.

Every asset enters the ledger in the city's 2017 inventory campaign (摸底清查, March–August 2017), then
walks the lifecycle up to its current stage with dated steps that all fall before the demo date
(2018-06-30). 淦河国际医疗城 shows a deal that fell through (洽谈对接 → 招商推介 → 洽谈对接). Tasks come from
two meetings (2018-03-15, 2018-05-20): some done, some open and overdue at the demo date, some open.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from data import demo_catalog as cat
from layers import asset_cases, idle_assets
from layers.vocab import ASSET_STAGES

AS_OF = date.fromisoformat(cat.AS_OF)
INVENTORY_START = date(2017, 3, 1)
INVENTORY_DAYS = 180
FELL_THROUGH = "A-002"
MEETINGS = (("市国资委闲置资产盘活推进会", date(2018, 3, 15)), ("市政府闲置资产盘活专题会", date(2018, 5, 20)))
#: asset, meeting (index), conclusion/task, due, done on (None = open)
TASKS = (
    ("A-002", 0, "梳理债权债务，委托第三方机构开展资产评估", date(2018, 4, 30), date(2018, 4, 26)),
    ("A-014", 0, "作价入股方案征求财政、国资部门意见后报市政府", date(2018, 5, 15), None),
    ("A-021", 0, "下调起租价，按楼层分区招租", date(2018, 4, 30), date(2018, 4, 20)),
    ("A-005", 0, "完成招租方案并报高新区管委会审定", date(2018, 4, 15), None),
    ("A-025", 0, "完成产权和在建工程量核查，形成摸底报告", date(2018, 5, 31), None),
    ("A-001", 1, "对接省文旅集团，提交合作运营方案", date(2018, 6, 30), None),
    ("A-002", 1, "与意向企业确定重组框架协议主要条款", date(2018, 7, 31), None),
    ("A-008", 1, "明确续建资金来源，形成并购重组方案", date(2018, 6, 15), None),
    ("A-012", 1, "在文旅产业推介会上集中推介", date(2018, 5, 31), date(2018, 5, 28)),
    ("A-017", 1, "化解施工方债务纠纷，扫清重组障碍", date(2018, 8, 31), None),
    ("A-028", 1, "研究调剂给市职教集团使用的可行性", date(2018, 7, 15), None),
    ("A-004", 1, "督促承租方按合同支付首年租金", date(2018, 6, 30), date(2018, 6, 28)),
)


def _note(stage: str, asset: dict) -> str:
    counterpart = asset["counterpart"] if isinstance(asset.get("counterpart"), str) else "意向企业"
    return {
        "摸底清查": "纳入全市闲置国有资产清查台账，完成权属、面积核实",
        "制定方案": f"一处一策方案审议通过，拟采取“{asset['mode']}”方式盘活",
        "招商推介": "在公共资源交易平台和招商推介会发布资产信息",
        "洽谈对接": f"与{counterpart}开展洽谈",
        "签约": f"与{counterpart}签订盘活协议",
        "盘活完成": f"资产交付使用，实现价值 {asset['realised_value_wan']:.0f} 万元",
    }[stage]


def _steps(rng: np.random.Generator, asset: dict) -> list[tuple]:
    """(stage, date, mode, note) from 摸底清查 to the asset's current stage, dates strictly increasing."""
    path = list(ASSET_STAGES[: ASSET_STAGES.index(asset["stage"]) + 1])
    if asset["asset_id"] == FELL_THROUGH:
        path += ["招商推介", "洽谈对接"]
    start = INVENTORY_START + timedelta(days=int(rng.integers(0, INVENTORY_DAYS)))
    span = (AS_OF - timedelta(days=5) - start).days
    gaps = rng.uniform(0.5, 1.5, len(path) - 1)
    gaps = gaps / gaps.sum() * span * rng.uniform(0.55, 0.95) if len(gaps) else gaps
    days = np.concatenate([[0], np.cumsum(np.maximum(gaps, 1))]).astype(int)
    steps = []
    for i, (stage, offset) in enumerate(zip(path, days, strict=True)):
        note = _note(stage, asset)
        if asset["asset_id"] == FELL_THROUGH and i == len(path) - 2:
            note = "意向企业资金未落实退出洽谈，重新对外推介"
        steps.append((stage, start + timedelta(days=int(offset)), None if stage == "摸底清查" else asset["mode"], note))
    return steps


def events(seed: int, assets: pd.DataFrame) -> pd.DataFrame:
    """Stage history rows for ``assets`` (as loaded from ``idle_assets``); author = the responsible unit."""
    rng = np.random.default_rng(seed + 606)
    rows: list[dict] = []
    for asset in assets.sort_values("asset_id").to_dict("records"):
        rows += asset_cases.event_rows(asset["asset_id"], _steps(rng, asset), author=asset["responsible_unit"])
    return pd.DataFrame(rows)


def tasks(assets: pd.DataFrame) -> pd.DataFrame:
    """The meeting tasks, responsible = the asset's responsible unit and leader."""
    by_id = assets.set_index("asset_id")
    rows, counts = [], {}
    for asset_id, meeting, text, due, done_on in TASKS:
        counts[asset_id] = counts.get(asset_id, 0) + 1
        row = by_id.loc[asset_id]
        rows.append({"task_id": f"{asset_id}-T{counts[asset_id]:03d}", "asset_id": asset_id, "meeting": MEETINGS[meeting][0],
                     "meeting_on": MEETINGS[meeting][1], "text": text, "due_on": due,
                     "responsible": f"{row['responsible_unit']}（{row['responsible_leader']}）", "done": done_on is not None,
                     "done_on": done_on})
    return pd.DataFrame(rows)


def insert(con, *, seed: int, user: str) -> None:
    """Write history and tasks for the idle assets already in ``con`` (inside the caller's transaction)."""
    assets = pd.DataFrame(idle_assets.load(con).drop(columns="geometry"))
    asset_cases.insert_events(con, events(seed, assets), user=user)
    asset_cases.insert_tasks(con, tasks(assets), user=user)
