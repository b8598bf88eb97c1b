"""The import report: what was (or, in a preview, would be) added, updated, left unchanged, skipped and rejected, with
reasons in Chinese, the ledger's effective date and the batch it was written in."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

#: At most this many record changes are listed (the counts are always complete).
MAX_CHANGES = 2000
#: At most this many rows are named in one grouped warning ("第 3、5、9 行……共 86 行").
MAX_ROWS_NAMED = 12


@dataclass
class Rejection:
    """One refused cell or row: 1-based sheet row, the column as written in the file, the reason."""

    row: int
    column: str
    reason: str


@dataclass
class Change:
    """One record the import adds or updates: sheet row, record key and name, and per field ``[old, new]`` (Chinese labels)."""

    action: str  # 新增 | 更新
    row: int | None
    record: str
    name: str | None
    fields: dict[str, list] = field(default_factory=dict)


@dataclass
class ImportReport:
    file: str
    kind: str
    imported: int = 0  # new records
    updated: int = 0  # stored records with at least one changed field
    unchanged: int = 0  # stored records the ledger repeats as they are
    skipped_blank: int = 0
    skipped_summary: int = 0  # 合计/小计 rows: never data
    skipped_notes: int = 0  # 注：/填报说明/填报人 rows
    rejected: list[Rejection] = field(default_factory=list)
    crs: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # field → header as written
    as_of: str | None = None  # the ledger's effective date (ISO), see imports.dates
    as_of_source: str | None = None  # where it came from, e.g. 标题“截至2024年6月30日”
    batch_id: str | None = None
    dry_run: bool = False  # a preview: nothing was written
    fingerprint: str | None = None  # what the preview would write; a commit with a stale fingerprint is refused
    events: int = 0  # stage history rows added
    extra: dict[str, list[int]] = field(default_factory=dict)  # secondary records: label → [added, updated]
    changes: list[Change] = field(default_factory=list)
    notes: dict[str, list] = field(default_factory=dict)  # cause → [(row or None, detail or None)]

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected})

    @property
    def warnings(self) -> list[str]:
        """One sentence per cause, naming the rows (and details) it applies to."""
        return [self._sentence(cause, hits) for cause, hits in self.notes.items()]

    def reject(self, row: int, column: str, reason: str) -> None:
        self.rejected.append(Rejection(row, column, reason))

    def warn(self, cause: str, *, row: int | None = None, detail: str | None = None) -> None:
        """Note something the user should check; the same cause for many rows becomes one grouped warning."""
        hits = self.notes.setdefault(cause, [])
        if (row, detail) not in hits:
            hits.append((row, detail))

    @staticmethod
    def _sentence(cause: str, hits: list) -> str:
        details = list(dict.fromkeys(d for _, d in hits if d))
        rows = sorted({r for r, _ in hits if r is not None})
        text = cause
        if details:
            shown = "、".join(details[:MAX_ROWS_NAMED]) + ("……" if len(details) > MAX_ROWS_NAMED else "")
            text += f"：{shown}" + (f"（共 {len(details)} 项）" if len(details) > MAX_ROWS_NAMED else "")
        if rows:
            named = "、".join(map(str, rows[:MAX_ROWS_NAMED])) + ("……" if len(rows) > MAX_ROWS_NAMED else "")
            text += f"（第 {named} 行" + (f"，共 {len(rows)} 行）" if len(rows) > 1 else "）")
        return text

    def add_change(self, change: Change) -> None:
        if len(self.changes) < MAX_CHANGES:
            self.changes.append(change)

    def to_dict(self) -> dict:
        """The report as plain data (kept with the batch as JSON): built field by field, not by ``asdict``'s deep copy
        of every change (2,000 of them for a large ledger)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["rejected"] = [{"row": r.row, "column": r.column, "reason": r.reason} for r in self.rejected]
        out["columns"], out["extra"] = dict(self.columns), {k: list(v) for k, v in self.extra.items()}
        out["changes"] = [{"action": c.action, "row": c.row, "record": c.record, "name": c.name,
                           "fields": {k: list(v) for k, v in c.fields.items()}} for c in self.changes]
        out["rejected_rows"] = self.rejected_rows
        out["warnings"] = self.warnings
        out["notes"] = [{"cause": cause, "rows": sorted({r for r, _ in hits if r is not None}),
                         "details": list(dict.fromkeys(d for _, d in hits if d))} for cause, hits in self.notes.items()]
        return out

    def summary_zh(self) -> str:
        verb = "将新增" if self.dry_run else "新增"
        text = (f"{verb} {self.imported} 条，更新 {self.updated} 条，无变化 {self.unchanged} 条；跳过空行 {self.skipped_blank}、"
                f"合计行 {self.skipped_summary}、说明行 {self.skipped_notes}；拒收 {self.rejected_rows} 行")
        for label, (added, updated) in self.extra.items():
            text += f"；{label}新增 {added} 条、更新 {updated} 条"
        if self.as_of:
            text += f"；数据截至 {self.as_of}"
        return text
