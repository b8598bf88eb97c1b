"""Project lifecycle rules: stage order, stage inferred from milestone dates, national project code check."""

from __future__ import annotations

import re

from layers.vocab import PROJECT_MAIN_STAGES, PROJECT_STAGES

#: Words used in county ledgers → canonical stage.
STAGE_SYNONYMS = {
    "线索": "线索", "项目线索": "线索", "信息": "线索", "项目信息": "线索", "储备": "线索",
    "在谈": "在谈", "洽谈": "在谈", "洽谈中": "在谈", "正在洽谈": "在谈", "意向": "在谈", "有意向": "在谈", "在谈项目": "在谈",
    "签约": "签约", "已签约": "签约", "签约未注册": "签约", "前期手续办理中": "签约", "前期": "签约", "办理前期手续": "签约",
    "未开工": "签约", "待开工": "签约", "未注册": "签约",
    "注册": "注册", "已注册": "注册", "已注册未开工": "注册", "注册未开工": "注册", "完成注册": "注册",
    "开工": "开工", "已开工": "开工", "开工建设": "开工", "在建": "开工", "建设中": "开工", "续建": "开工", "新开工": "开工",
    "投产": "投产", "已投产": "投产", "竣工": "投产", "已竣工": "投产", "竣工投产": "投产", "建成投产": "投产",
    "部分投产": "投产", "试生产": "投产", "投入运营": "投产", "已运营": "投产",
    "停滞": "停滞", "停工": "停滞", "暂停": "停滞", "缓建": "停滞", "停滞不前": "停滞",
    "终止": "终止", "已终止": "终止", "取消": "终止", "退出": "终止", "解约": "终止", "已解约": "终止",
}
MILESTONE_COLUMNS = (("投产", "produced_on"), ("开工", "started_on"), ("注册", "registered_on"), ("签约", "signed_on"))
PROJECT_CODE = re.compile(r"^(\d{4})-(\d{6})-(\d{2})-(\d{2})-(\d{6})$")


def stage_rank(stage: str | None) -> int:
    """Position in the main lifecycle (-1 for side exits or unknown)."""
    return PROJECT_MAIN_STAGES.index(stage) if stage in PROJECT_MAIN_STAGES else -1


def infer_stage(stage: str | None, dates: dict) -> str | None:
    """The stated stage, or the furthest milestone that has a date (签约 … 投产), or None."""
    if stage in PROJECT_STAGES:
        return stage
    for name, column in MILESTONE_COLUMNS:
        if dates.get(column) is not None:
            return name
    return None


def check_project_code(code: str | None) -> str | None:
    """None if ``code`` is empty or a valid 24-character 投资项目代码 (YYYY-AAAAAA-II-TT-NNNNNN); else the reason."""
    if code is None or str(code).strip() == "":
        return None
    text = str(code).strip().replace("－", "-").replace("—", "-")
    m = PROJECT_CODE.match(text)
    if not m:
        return f"投资项目代码应为 24 位，格式如 2018-421202-36-03-012345：“{code}”"
    year = int(m.group(1))
    if not 2000 <= year <= 2100:
        return f"投资项目代码的年份不合理：“{code}”"
    return None
