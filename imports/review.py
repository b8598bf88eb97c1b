"""上报 → 审核: a county's or park's change waits as a submission until the city approves it.

Who submits: accounts whose role is in :data:`REVIEWED_ROLES` (县级填报, 园区填报, 国资) while review is on
(``PARKMAP_REVIEW``, default on; ``off`` lets them write directly). Their ledger uploads and on-screen changes are kept
as :mod:`layers.submissions` rows and written only when a reviewer (a role with the ``review`` right: 市级, 系统管理员)
approves — so every published figure, ranking and 月通报 counts approved data only.

What the reviewer sees is computed when they look: the submission is previewed against the data as it stands then
(field by field, old → new, with the rows refused and why), and approving writes exactly that preview — or is refused
if the data changed in between (the preview's fingerprint). The writes of an approval are one audited batch under the
submitter's name, labelled with the reviewer, together with the submission's status change under the reviewer's; undoing
that batch puts the submission back to 待审核.

On-screen changes are listed in :data:`CHANGES` (``kind`` → how to write it from its JSON parameters); their preview
runs the write and rolls it back, reading the field changes from the audit trail.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from imports import kinds, pipeline
from imports.report import ImportReport
from layers import accounts, asset_cases, attachments, project_stage, submissions
from layers.submissions import APPROVED, PENDING, RETURNED, WITHDRAWN, SubmissionError
from store import ConflictError, audit

REVIEWED_ROLES = ("county", "park", "assets")
IMPORT_PREFIX = "import:"


@dataclass(frozen=True)
class ChangeKind:
    """An on-screen change that can wait for review: its Chinese name, the table and record it changes, the writer."""

    label: str
    table: str
    record: Callable[[Mapping], str]  # payload → the record id it changes
    apply: Callable[..., object]  # (con, payload, *, user) → anything; raises a Chinese ValueError when refused
    batch_kind: str = "stage"


def _asset_stage(con, payload: Mapping, *, user: str):
    return asset_cases.change_stage(con, payload["asset_id"], payload["stage"], on=date.fromisoformat(payload["on"]), user=user,
                                    note=payload.get("note"), mode=payload.get("mode"), counterpart=payload.get("counterpart"),
                                    realised_value_wan=payload.get("realised_value_wan"), contract_no=payload.get("contract_no"),
                                    counties=_tuple(payload.get("counties")), attachment_ids=tuple(payload.get("attachment_ids") or ()))


def _project_stage(con, payload: Mapping, *, user: str):
    return project_stage.change_stage(con, payload["project_id"], payload["stage"], on=date.fromisoformat(payload["on"]), user=user,
                                      note=payload.get("note"), counties=_tuple(payload.get("counties")),
                                      attachment_ids=tuple(payload.get("attachment_ids") or ()))


def _project_funds(con, payload: Mapping, *, user: str):
    return project_stage.change_funds(con, payload["project_id"], payload["funds_in_place_wan"], user=user,
                                      counties=_tuple(payload.get("counties")), attachment_ids=tuple(payload.get("attachment_ids") or ()))


CHANGES: dict[str, ChangeKind] = {
    "asset_stage": ChangeKind("盘活阶段变更", "idle_assets", lambda p: p["asset_id"], _asset_stage),
    "project_stage": ChangeKind("项目阶段变更", "projects", lambda p: p["project_id"], _project_stage),
    "project_funds": ChangeKind("到位资金变更", "projects", lambda p: p["project_id"], _project_funds, batch_kind="edit"),
}


def _record_edit(con, payload: Mapping, *, user: str):
    from imports import records  # builds on this module

    return records.apply_payload(con, payload, user=user)


for _layer, _label in (("projects", "项目"), ("standard_factories", "标准化厂房"), ("parks", "园区"), ("idle_assets", "闲置资产")):
    CHANGES[f"edit_{_layer}"] = ChangeKind(f"页面编辑{_label}", _layer, lambda p: p.get("record") or "（新增）", _record_edit, batch_kind="edit")


def _tuple(value):
    return None if value is None else tuple(value)


def enabled() -> bool:
    return (os.environ.get("PARKMAP_REVIEW") or "on").strip().lower() not in ("off", "0", "false", "否")


def needs_review(account: accounts.Account | None) -> bool:
    """Whether this account's writes wait for the city's review."""
    return bool(account) and enabled() and account.role in REVIEWED_ROLES


def kind_label(kind: str) -> str:
    if kind.startswith(IMPORT_PREFIX):
        return kinds.get(kind.removeprefix(IMPORT_PREFIX)).label
    return CHANGES[kind].label if kind in CHANGES else kind


def units_of(con: duckdb.DuckDBPyConnection, account: accounts.Account) -> list[str]:
    """The reporting units an account reports for: its parks' units, else its counties' county units."""
    if account.parks:
        marks = ", ".join("?" for _ in account.parks)
        rows = con.execute(f"SELECT DISTINCT unit_id FROM parks WHERE park_id IN ({marks}) AND unit_id IS NOT NULL ORDER BY 1",
                           list(account.parks)).fetchall()
        return [r[0] for r in rows]
    if account.counties:
        marks = ", ".join("?" for _ in account.counties)
        found = dict(con.execute(f"SELECT county_adcode, unit_id FROM reporting_units WHERE kind = 'county' AND county_adcode IN ({marks})",
                                 list(account.counties)).fetchall())
        # a county with no unit yet (a new store: its unit is made when its first project is written) reports as its
        # adcode, the id the import gives a county's unit
        return [found.get(code, code) for code in account.counties]
    return []


def import_options(account: accounts.Account, **given) -> pipeline.Options:
    """Import options limited to what ``account`` may write."""
    return pipeline.Options(**given, counties=account.scope())


def _options_payload(options: pipeline.Options) -> dict:
    out = {}
    for f in dataclasses.fields(options):
        value = getattr(options, f.name)
        out[f.name] = value.isoformat() if isinstance(value, date) else (list(value) if isinstance(value, tuple) else value)
    return out


def _options(payload: Mapping) -> pipeline.Options:
    known = {f.name for f in dataclasses.fields(pipeline.Options)}
    given = {}
    for name, value in payload.get("options", {}).items():
        if name not in known:
            continue
        if name == "as_of" and value:
            value = date.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        given[name] = value
    return pipeline.Options(**given)


def _wrote(report: ImportReport) -> bool:
    return bool(report.imported or report.updated or report.events or any(sum(v) for v in report.extra.values()))


def submit_import(con: duckdb.DuckDBPyConnection, key: str, raw: bytes, filename: str, *, account: accounts.Account,
                  options: pipeline.Options, expect: str | None = None) -> tuple[str, ImportReport]:
    """Keep a ledger upload as a 待审核 submission (nothing written to the data): (its id, the preview's report).
    ``expect`` is the fingerprint of the preview the submitter saw (refused if the data changed since)."""
    kind = kinds.get(key)
    report = pipeline.run(con, kind, raw, user=account.user_name, filename=filename, options=options, dry_run=True, expect=expect)
    if not _wrote(report):
        raise SubmissionError("台账与已有数据相同（或全部被拒收），没有需要上报的内容")
    payload = {"options": _options_payload(dataclasses.replace(options, as_of=date.fromisoformat(report.as_of) if report.as_of else options.as_of)),
               "fingerprint": report.fingerprint, "as_of": report.as_of}
    with audit.batch(con, user=account.user_name, kind="submit", label=f"上报 {kind.label}：{filename}"):
        made = submissions.add(con, kind=IMPORT_PREFIX + key, label=filename, user=account.user_name, payload=payload,
                               county=account.counties[0] if account.counties else None, unit_ids=units_of(con, account),
                               month=report.as_of[:7] if report.as_of else None, summary=report.summary_zh(), filename=filename,
                               content=raw)
    return made, report


class _Rollback(Exception):
    pass


def _batch_changes(con, batch_id: str) -> list[dict]:
    rows = con.execute("SELECT action, table_name, record_id, changes FROM audit_log WHERE batch_id = ? ORDER BY audit_id",
                       [batch_id]).fetchall()
    return [{"action": audit.ACTION_LABELS.get(action, action), "table": table, "record": record, "fields": json.loads(changes or "{}")}
            for action, table, record, changes in rows]


def _fingerprint_of(changes: list[dict]) -> str:
    """What a change depends on: which records and fields it touches and their values before (not the new values,
    which may carry the time of writing)."""
    parts = [[c["action"], c["table"], c["record"], {k: v[0] for k, v in sorted(c["fields"].items())}] for c in changes]
    return json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class Evidence:
    """A file uploaded with an on-screen change (佐证材料, a contract scan): stored as an attachment of the record."""

    purpose: str
    filename: str
    raw: bytes


def _store(con, change: ChangeKind, payload: Mapping, files, *, user: str, counties) -> dict:
    """``payload`` with the ids of ``files`` stored as attachments of the changed record."""
    record = change.record(payload)
    ids = [attachments.add(con, change.table, record, f.purpose, f.raw, f.filename, user=user, counties=counties) for f in files]
    return dict(payload) | {"attachment_ids": [*payload.get("attachment_ids", ()), *ids]}


def _change_preview(con, change: ChangeKind, payload: Mapping, user: str, files=(), counties=None) -> list[dict]:
    """Run the change (with its files stored) and roll it all back: the field changes it would make, from the audit
    trail. Never inside another batch: its rollback is the outer transaction's."""
    if audit.current() is not None:
        raise RuntimeError("a change preview cannot run inside another batch")
    found: list[dict] = []
    try:
        with audit.batch(con, user=user, kind=change.batch_kind, label="预览") as made:
            change.apply(con, _store(con, change, payload, files, user=user, counties=counties) if files else payload, user=user)
            found = _batch_changes(con, made.batch_id)
            raise _Rollback
    except _Rollback:
        pass
    return found


def submit_change(con: duckdb.DuckDBPyConnection, kind: str, payload: Mapping, *, account: accounts.Account, label: str,
                  on: date, files: tuple[Evidence, ...] = ()) -> str:
    """Keep an on-screen change as a 待审核 submission, after checking it would be accepted now (a refused change is
    raised at once, with the layer's Chinese reason, rather than waiting for the reviewer). ``files`` (佐证材料) are
    stored with it as attachments of the record, for the reviewer to see; nothing is kept when it is refused."""
    change = CHANGES[kind]
    scope = account.scope()
    payload = dict(payload) | {"counties": None if scope is None else list(scope)}
    if not _change_preview(con, change, payload, account.user_name, files, scope):
        raise SubmissionError("这项修改不会改变任何数据，无需上报")
    with audit.batch(con, user=account.user_name, kind="submit", label=f"上报 {change.label}：{label}"):
        payload = _store(con, change, payload, files, user=account.user_name, counties=scope) if files else payload
        return submissions.add(con, kind=kind, label=label, user=account.user_name, payload=payload,
                               county=account.counties[0] if account.counties else None, unit_ids=units_of(con, account),
                               month=on.isoformat()[:7], summary=label)


def _pending(con, submission_id: str, *, content: bool = False) -> dict:
    found = submissions.get(con, submission_id, with_content=content)
    if found is None:
        raise SubmissionError(f"没有编号为 {submission_id} 的上报")
    return found


def preview(con: duckdb.DuckDBPyConnection, submission_id: str) -> dict:
    """What approving would write now: ``summary``, ``changes`` (action, row, record, name, fields {label: [old, new]}),
    ``rejected``, ``warnings``, ``fingerprint``, and ``table``/``records`` (for the evidence of those records)."""
    found = _pending(con, submission_id, content=True)
    kind = found["kind"]
    if kind.startswith(IMPORT_PREFIX):
        key = kind.removeprefix(IMPORT_PREFIX)
        report = pipeline.run(con, kinds.get(key), found["content"], user=found["submitted_by"], filename=found["filename"],
                              options=_options(found["payload"]), dry_run=True)
        out = report.to_dict() | {"summary": report.summary_zh()}
        table = kinds.get(key).layer
    else:
        change = CHANGES[kind]
        try:
            changes = _change_preview(con, change, found["payload"], found["submitted_by"])
        except ValueError as exc:  # no longer possible (the asset moved on, a county's scope changed …)
            return {"summary": str(exc), "changes": [], "rejected": [], "warnings": [str(exc)], "fingerprint": None,
                    "table": change.table, "records": [change.record(found["payload"])], "blocked": str(exc)}
        out = {"summary": found["label"], "changes": [{"action": c["action"], "row": None, "record": c["record"], "name": c["table"],
                                                      "fields": c["fields"]} for c in changes],
               "rejected": [], "warnings": [], "fingerprint": _fingerprint_of(changes)}
        table = change.table
    out["table"] = table
    if kind.startswith(IMPORT_PREFIX):
        out["records"] = sorted({str(c["record"]) for c in out["changes"] if c.get("record") is not None})
    else:
        out["records"] = [CHANGES[kind].record(found["payload"])]
    return out


def _reviewer(account: accounts.Account) -> None:
    if not account.may("review"):
        raise SubmissionError(f"当前账号（{account.role_label}）无权审核上报")


def approve(con: duckdb.DuckDBPyConnection, submission_id: str, *, reviewer: accounts.Account, comment: str | None = None,
            expect: str | None = None) -> str:
    """Write a 待审核 submission (as previewed, when ``expect`` is the preview's fingerprint) and mark it 已通过;
    returns the batch id."""
    _reviewer(reviewer)
    found = _pending(con, submission_id, content=True)
    if found["status"] != PENDING:
        raise SubmissionError(f"上报 {submission_id} 当前状态为“{found['status']}”，只能审核待审核的上报")
    submitter = found["submitted_by"]
    label = f"上报 {submission_id} {kind_label(found['kind'])}：{found['label']}（{reviewer.user_name} 审核通过）"
    kind = found["kind"]
    if kind.startswith(IMPORT_PREFIX):
        key = kind.removeprefix(IMPORT_PREFIX)
        options = _options(found["payload"])
        with audit.batch(con, user=submitter, kind="import", label=label, layer=kinds.get(key).layer, as_of=options.as_of) as made:
            pipeline.run(con, kinds.get(key), found["content"], user=submitter, filename=found["filename"], options=options, expect=expect)
            submissions.decide(con, submission_id, APPROVED, user=reviewer.user_name, comment=comment, batch_id=made.batch_id)
    else:
        change = CHANGES[kind]
        with audit.batch(con, user=submitter, kind=change.batch_kind, label=label) as made:
            change.apply(con, found["payload"], user=submitter)
            if expect is not None and _fingerprint_of(_batch_changes(con, made.batch_id)) != expect:
                raise ConflictError("预览之后数据已有变化，请重新查看后再审核")
            submissions.decide(con, submission_id, APPROVED, user=reviewer.user_name, comment=comment, batch_id=made.batch_id)
    return made.batch_id


def return_(con: duckdb.DuckDBPyConnection, submission_id: str, *, reviewer: accounts.Account, comment: str) -> None:
    """Return a 待审核 submission to its submitter with the reviewer's comment (required); nothing is written."""
    _reviewer(reviewer)
    if not (comment or "").strip():
        raise SubmissionError("退回上报须填写退回意见，说明需要如何修改")
    with audit.batch(con, user=reviewer.user_name, kind="review", label=f"退回上报 {submission_id}"):
        submissions.decide(con, submission_id, RETURNED, user=reviewer.user_name, comment=comment.strip())


def withdraw(con: duckdb.DuckDBPyConnection, submission_id: str, *, account: accounts.Account) -> None:
    """The submitter takes back a submission still waiting for review."""
    found = _pending(con, submission_id)
    if found["submitted_by"] != account.user_name:
        raise SubmissionError("只能撤回本人提交的上报")
    with audit.batch(con, user=account.user_name, kind="submit", label=f"撤回上报 {submission_id}"):
        submissions.decide(con, submission_id, WITHDRAWN, user=account.user_name)


def listing(con: duckdb.DuckDBPyConnection, *, county=None, status=None, submitted_by: str | None = None) -> pd.DataFrame:
    """Submissions for a list (Chinese kind names), newest first."""
    frame = submissions.load(con, county=county, status=status, submitted_by=submitted_by)
    frame["kind_label"] = frame["kind"].map(kind_label)
    return frame
