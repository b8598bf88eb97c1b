"""Which changes need 佐证材料 (evidence attachments), from ``config/evidence.toml``, and the one check for it.

:func:`rules_from` turns the configuration into :class:`Rules` (a pure function); :func:`load_rules` is the one place
that reads it — a setting kept in the store would override the file here. :func:`missing` is what the write functions
call: the Chinese reason a change is refused for want of evidence, or None.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb

from layers import attachments

CONFIG = Path(__file__).resolve().parent.parent / "config" / "evidence.toml"


@dataclass(frozen=True)
class Rules:
    """Whether each change needs an attachment (the defaults apply to keys the file leaves out)."""

    project_started: bool = True
    project_produced: bool = True
    project_funds: bool = False
    asset_completed: bool = True


#: (record table, change) → (rule, attachment purposes that count as its evidence, what to upload)
NEEDS = {
    ("projects", "开工"): ("project_started", ("开工",), "变更为“开工”须上传佐证材料（开工照片、施工许可证等）"),
    ("projects", "投产"): ("project_produced", ("投产",), "变更为“投产”须上传佐证材料（投产照片、竣工验收或试生产材料等）"),
    ("projects", "到位资金"): ("project_funds", ("到位资金",), "修改到位资金须上传佐证材料（银行进账单、验资报告等）"),
    ("idle_assets", "盘活完成"): ("asset_completed", ("盘活完成", "盘活合同"),
                                  "变更为“盘活完成”须上传佐证材料（合同扫描件、交付或运营照片等）"),
}


def rules_from(config: Mapping) -> Rules:
    """:class:`Rules` from a parsed configuration (unknown keys ignored, values read as booleans)."""
    known = {f.name for f in fields(Rules)}
    values = {}
    for key, value in config.items():
        if key in known:
            values[key] = value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1", "yes", "是")
    return Rules(**values)


def load_rules(path: Path | None = None) -> Rules:
    """The rules in ``config/evidence.toml`` (or ``path``); the defaults of :class:`Rules` without a file."""
    target = path or CONFIG
    if not target.exists():
        return Rules()
    with open(target, "rb") as fh:
        return rules_from(tomllib.load(fh))


def required(record_table: str, change: str, rules: Rules | None = None) -> bool:
    """Whether ``change`` (a stage, 到位资金) of a record of ``record_table`` needs an attachment."""
    need = NEEDS.get((record_table, change))
    return bool(need) and getattr(rules or load_rules(), need[0])


def missing(con: duckdb.DuckDBPyConnection, record_table: str, record_id: str, change: str, *,
            rules: Rules | None = None) -> str | None:
    """Why ``change`` of the record cannot be made yet (Chinese), or None: an attachment for it is required and the
    record has none (those uploaded with the change are stored before this check, in the same transaction)."""
    if not required(record_table, change, rules):
        return None
    _rule, purposes, reason = NEEDS[(record_table, change)]
    return None if attachments.held(con, record_table, record_id, purposes) else reason
