"""Undo a batch: every record it inserted, changed or deleted returns to its earlier values, in one new batch.

An undo is refused as a whole (nothing written) when any record the batch touched was changed again since, in one of
the fields the batch wrote: undoing it would silently throw away the later change. The refusal names the records.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from store import audit, tables

MAX_NAMED = 8


def _current(con, spec: tables.TableSpec, key) -> dict | None:
    return tables._stored(con, spec, [key]).get(key)


def _restored(spec: tables.TableSpec, column: str, value):
    sqltype = "GEOMETRY" if column == "geom" else spec.sql_type(column)
    return tables.canonical(tables.restore_value(value, sqltype), sqltype)


def undo(con: duckdb.DuckDBPyConnection, batch_id: str, specs: Mapping[str, tables.TableSpec], *, user: str) -> audit.Batch:
    """Reverse ``batch_id`` (specs: table name → spec). Returns the undo's own batch; raises :class:`store.audit.UndoError`."""
    found = con.execute("SELECT kind, label, status FROM batches WHERE batch_id = ?", [batch_id]).fetchone()
    if found is None:
        raise audit.UndoError(f"没有编号为 {batch_id} 的批次")
    kind, label, status = found
    if status == "undone":
        raise audit.UndoError(f"批次 {batch_id} 已经撤销过")
    if kind == "undo":
        raise audit.UndoError("撤销操作本身不能再撤销；如需恢复，请重新导入原台账")
    entries = audit.load(con, batch_id=batch_id)  # newest first: reverse in that order
    if entries.empty:
        raise audit.UndoError(f"批次 {batch_id} 没有写入任何记录，无需撤销")
    if entries["record_id"].isna().any():  # rows logged as a whole (a frozen month's snapshot) have no old values to restore
        raise audit.UndoError(f"批次 {batch_id}（{audit.KIND_LABELS.get(kind, kind)}）写入的快照数据不能逐条撤销，该批次不能撤销")
    with audit.batch(con, user=user, kind="undo", label=f"撤销批次 {batch_id}（{label or audit.KIND_LABELS.get(kind, kind)}）") as made:
        # checked again under the write lock: another session may have undone it since the check above
        if con.execute("SELECT status FROM batches WHERE batch_id = ?", [batch_id]).fetchone()[0] == "undone":
            raise audit.UndoError(f"批次 {batch_id} 已经撤销过")
        stale = []
        for entry in entries.to_dict("records"):
            spec = specs.get(entry["table_name"])
            key, changes = entry["record_id"], entry["changes"]
            if spec is None or (entry["action"] != "insert" and set(spec.secret) & set(changes)):
                # a secret value (a password hash, an uploaded file) is not in the log: it cannot be put back
                raise audit.UndoError(f"无法撤销对表 {entry['table_name']} 的修改")
            now = _current(con, spec, key)
            if entry["action"] == "delete":
                if now is not None:
                    stale.append(key)
                    continue
                row = {spec.key: key, **{c: _restored(spec, c, old) for c, (old, _new) in changes.items()}}
                tables.write(con, spec, [row], user=user, mode="insert")
                continue
            if now is None:  # deleted since: nothing left to take back for an insert, a later change for an update
                if entry["action"] != "insert":
                    stale.append(key)
                continue
            if any(not tables.same(now.get(c), _restored(spec, c, new)) for c, (_old, new) in changes.items() if c not in spec.secret):
                stale.append(key)
                continue
            if entry["action"] == "insert":
                con.execute(f"DELETE FROM {spec.table} WHERE {spec.key} = ?", [key])
                audit.record(con, [{"action": "delete", "table": spec.table, "record": key,
                                    "changes": {c: (v, None) for c, v in now.items() if c not in (spec.key, "row_version") and v is not None}}],
                             user=user)
            else:
                row = {spec.key: key, **{c: _restored(spec, c, old) for c, (old, _new) in changes.items()}}
                tables.write(con, spec, [row], user=user, mode="replace")
        if stale:
            named = "、".join(dict.fromkeys(map(str, stale)))
            shown = "、".join(list(dict.fromkeys(map(str, stale)))[:MAX_NAMED])
            raise audit.UndoError(f"有 {len(set(stale))} 条记录在该批次之后又被修改（{shown}{'……' if len(set(stale)) > MAX_NAMED else ''}），"
                                  f"不能自动撤销；请在记录上逐条核对修改" if named else "")
        con.execute("UPDATE batches SET status = 'undone', undone_by = ? WHERE batch_id = ?", [made.batch_id, batch_id])
    return made
