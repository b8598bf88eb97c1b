"""The import report: what was imported, skipped (blank/summary/notes) and rejected, with reasons in Chinese."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Rejection:
    """One refused cell or row: 1-based sheet row, the column as written in the file, the reason."""

    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    file: str
    kind: str
    imported: int = 0  # new rows
    updated: int = 0  # rows that replaced an earlier import of the same record
    skipped_blank: int = 0
    skipped_summary: int = 0  # 合计/小计 rows: never data
    skipped_notes: int = 0  # 注：/填报说明/填报人 rows
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    crs: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # field → header as written

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected})

    def reject(self, row: int, column: str, reason: str) -> None:
        self.rejected.append(Rejection(row, column, reason))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["rejected_rows"] = self.rejected_rows
        return out

    def summary_zh(self) -> str:
        return (f"导入 {self.imported} 行，更新 {self.updated} 行；跳过空行 {self.skipped_blank}、合计行 {self.skipped_summary}、"
                f"说明行 {self.skipped_notes}；拒收 {self.rejected_rows} 行")
