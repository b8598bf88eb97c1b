"""On-screen editing of one record — a project, a standard factory, a park (its capacity ledger) or an idle asset.

A form's values are written exactly as a ledger would write them: :func:`ledger_bytes` turns them into a one-row
ledger of the record's kind (the kind's own headers, 万元 stated, the coordinates' system named) and :func:`save`
runs it through :func:`imports.pipeline.run` — the same reading, value checks (Chinese row errors), identity rule,
scope check, merge rule, stage history and audited batch as an import of that row. So editing a record on screen
and importing the same change from a ledger leave identical rows and audit entries; only the batch differs (kind
``edit``, labelled 页面修改). A cell the user empties clears the stored value (the ledger's ``（清空）``).

What a ledger cannot say, the form adds around the same pipeline:

- the record is pinned: a renamed record keeps its id (the row is resolved under its stored name, then renamed;
  a factory is pinned by its id in 厂房编号), a change that would make it another record (a project moved to another
  county, a 投资项目代码 of another project) is refused, and a new record that matches a stored one is refused;
- the ``row_version`` the form was filled from must still be the stored one (:class:`store.ConflictError`);
- a point must lie in the record's county (when that county's boundary is loaded);
- :func:`delete` removes a record and its history rows in one audited batch (undoable), after the user typed its name.

Submitter roles (:func:`imports.review.needs_review`) do not call these directly: :func:`submit` keeps the change as
a 上报 whose approval runs :func:`apply_payload`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
import shapely

from geo import coords
from imports import assets, factories, kinds, parks, pipeline, projects
from imports.ledger import LedgerSchema
from imports.report import ImportReport
from imports.values import norm
from layers import accounts, asset_cases, idle_assets, park_metrics, project_history, regions, standard_factories
from layers import parks as park_layer
from layers import projects as project_layer
from layers._scope import record_in_scope
from store import ConflictError, audit, tables

#: what the form writes in a cell the user emptied (the ledger's clear marker)
CLEAR_WORD = "（清空）"
#: the "file name" of an on-screen edit in its report
FILENAME = "页面编辑"
LAYERS = ("projects", "standard_factories", "parks", "idle_assets")


class RecordError(ValueError):
    """A change that cannot be saved: the Chinese reason, and per field the ledger's row errors."""

    def __init__(self, message: str, problems: tuple[tuple[str, str], ...] = ()):
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class Editor:
    """How the form of one layer maps to its ledger kind."""

    layer: str  # the table
    kind: str  # the ledger kind (:mod:`imports.kinds`)
    label: str  # 项目 …
    schema: LedgerSchema
    spec: tables.TableSpec
    name: str  # the field holding the record's name
    unit: str  # the field naming the county (or reporting unit)
    skip: tuple[str, ...] = ()  # ledger fields the form does not show (identity helpers, yearly figures)
    pin: str | None = None  # a field the record's id is written into (the kind's identity rule finds it)
    place: bool = True  # whether the form places a point
    create: bool = True  # whether the form adds records (parks are created by their boundary)

    @property
    def fields(self):
        """The ledger fields the form shows, in the ledger's order."""
        return tuple(f for f in self.schema.fields if f.name not in self.skip and f.kind not in ("lonlat", "lon", "lat"))


_COORDS = ("lonlat", "lon", "lat")
EDITORS = {
    "projects": Editor("projects", "projects", "项目", projects.SCHEMA, project_layer.SPEC, "name", "unit", skip=("ledger_no", *_COORDS)),
    "standard_factories": Editor("standard_factories", "factories", "标准化厂房", factories.SCHEMA, standard_factories.SPEC, "name", "unit",
                                 skip=("ledger_no", "lease_mode", *_COORDS), pin="ledger_no"),
    "parks": Editor("parks", "park_capacity", "园区", parks.CAPACITY_SCHEMA, park_layer.SPEC, "park_name", "county",
                    skip=("year", *parks.METRIC_FIELDS), place=False, create=False),
    "idle_assets": Editor("idle_assets", "assets", "闲置资产", assets.SCHEMA, idle_assets.SPEC, "name", "unit", skip=("asset_no", *_COORDS)),
}


def editor(layer: str) -> Editor:
    if layer not in EDITORS:
        raise RecordError(f"“{layer}”不能在页面上编辑")
    return EDITORS[layer]


# --- cells ----------------------------------------------------------------------------------------------------------


def header(field) -> str:
    """The column header of ``field`` in the one-row ledger (money stated in 万元, everything else in stored units)."""
    return f"{field.label}（万元）" if field.kind == "money" else field.label


def _text(value) -> str | None:
    """A stored value as the cell that reads back as the same value."""
    if value is None or tables.blank(value):
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, (pd.Timestamp, date)):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else (repr(value) if "e" not in repr(value) else f"{value:.12f}".rstrip("0"))
    return str(value)


def stored_cells(con: duckdb.DuckDBPyConnection, layer: str, row: Mapping) -> dict[str, str | None]:
    """The form's cells for a stored record (``row`` as loaded): field → text as a ledger would hold it."""
    ed = editor(layer)
    names = dict(con.execute("SELECT adcode, name FROM regions").fetchall())
    out: dict[str, str | None] = {}
    for f in ed.fields:
        if f.name == ed.unit:
            if layer == "projects":
                unit = row.get("unit_id")
                found = con.execute("SELECT name FROM reporting_units WHERE unit_id = ?", [unit]).fetchone() if unit else None
                out[f.name] = found[0] if found else names.get(row.get("county_adcode"))
            else:
                out[f.name] = names.get(row.get("county_adcode"))
        elif f.name == "park_name" and layer == "parks":
            out[f.name] = row.get("name")
        else:
            out[f.name] = _text(row.get(f.name))
    if ed.pin:
        out[ed.pin] = str(row[ed.spec.key])
    return out


def changed_cells(stored: Mapping[str, str | None], typed: Mapping[str, str | None]) -> dict[str, str | None]:
    """The cells of the one-row ledger: what the user typed; an emptied cell that held a value is ``（清空）``."""
    out = {}
    for name, value in typed.items():
        text = None if value is None else str(value).strip()
        if not text:
            out[name] = CLEAR_WORD if stored.get(name) not in (None, "") else None
        else:
            out[name] = text
    return out


def ledger_bytes(layer: str, cells: Mapping[str, str | None], *, lon: str | float | None = None, lat: str | float | None = None) -> bytes:
    """The change as a one-row ledger of the layer's kind (CSV, UTF-8): its headers, the cells, the position."""
    ed = editor(layer)
    fields = [f for f in ed.schema.fields if f in ed.fields or f.name == ed.pin]
    heads = [header(f) for f in fields]
    row = [cells.get(f.name) or "" for f in fields]
    if ed.place:
        heads += ["经度", "纬度"]
        row += ["" if lon in (None, "") else str(lon), "" if lat in (None, "") else str(lat)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(heads)
    writer.writerow(row)
    return out.getvalue().encode("utf-8")


# --- save -------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """What a save did: the record's id, the batch (None when nothing changed), the report's summary and changes."""

    record: str | None
    batch_id: str | None
    changed: bool
    summary: str
    changes: list
    warnings: list


class _Refused(Exception):
    def __init__(self, report: ImportReport):
        self.report = report


class _Unchanged(Exception):
    pass


def stored_row(con: duckdb.DuckDBPyConnection, layer: str, record: str) -> dict | None:
    """The stored record (its columns, ``row_version`` and ``geometry``), or None."""
    spec = editor(layer).spec
    frame = tables.load(con, spec, [f"{spec.key} = ?"], [str(record)])
    return None if frame.empty else frame.iloc[0].to_dict()


def _county_name(con, adcode) -> str:
    found = con.execute("SELECT name FROM regions WHERE adcode = ?", [adcode]).fetchone()
    return found[0] if found else str(adcode)


def _outside_county(con, geom, county) -> bool:
    """Whether a point lies outside its county's boundary (False when the boundary is not loaded)."""
    if geom is None or not isinstance(county, str) or geom.geom_type != "Point":
        return False
    boundary = regions.load(con, county=county, level="county")
    return len(boundary) > 0 and not bool(boundary.geometry.iloc[0].buffer(1e-6).contains(geom))


def _pinned(ed: Editor, kind: pipeline.Kind, record: str | None, stored: dict | None, typed_name: str | None) -> pipeline.Kind:
    """``kind`` resolving the form's row as the record being edited (see the module docstring)."""
    stored_name = None if stored is None else stored.get("name")

    def resolve(ctx: pipeline.Context, frame: pd.DataFrame) -> list[pipeline.Write]:
        renamed = record is not None and typed_name and stored_name and norm(typed_name) != norm(stored_name)
        if renamed and ed.pin is None:  # found under its stored name, renamed below
            frame = frame.assign(**{ed.name: stored_name})
        writes = kind.resolve(ctx, frame)
        primary = next((w for w in writes if w.primary and w.rows is not None and len(w.rows)), None)
        if primary is None:
            return writes
        rows = primary.rows.copy()
        key = str(rows[ed.spec.key].iloc[0])
        row = int(rows["_row"].iloc[0]) if "_row" in rows else 2
        name_column = ctx.report.columns.get(ed.name, ed.name)
        if record is None and stored_row(ctx.con, ed.layer, key) is not None:
            ctx.report.reject(row, name_column, f"已有同一{ed.label}“{(stored_row(ctx.con, ed.layer, key) or {}).get('name')}”："
                                                "请在列表中选中它修改，不要重复新增")
            return []
        if record is not None and key != record:
            other = stored_row(ctx.con, ed.layer, key)
            reason = (f"按所填内容，这是另一{ed.label}“{other.get('name')}”（如投资项目代码相同）" if other else
                      f"所填县（市、区）或编号使这条{ed.label}成为另一条记录：改变所属县（市、区）请删除后重新新增，或由市级账号处理")
            ctx.report.reject(row, name_column, reason)
            return []
        if renamed:
            rows["name"] = typed_name
            rows["_name"] = typed_name
        if "geometry" in rows and len(rows) and _outside_county(ctx.con, rows.geometry.iloc[0], rows.get("county_adcode", pd.Series([None])).iloc[0]):
            ctx.report.reject(row, "坐标", f"位置不在{_county_name(ctx.con, rows['county_adcode'].iloc[0])}境内：请核对坐标和坐标系")
            return []
        return [dataclasses.replace(w, rows=rows) if w is primary else w for w in writes]

    return dataclasses.replace(kind, resolve=resolve, dated=False)  # no ledger date: 数据截至 stays


def save(con: duckdb.DuckDBPyConnection, layer: str, cells: Mapping[str, str | None], *, user: str, record: str | None = None,
         version: int | None = None, lon=None, lat=None, crs: str = "wgs84", counties: tuple[str, ...] | None = None) -> Saved:
    """Write the form's ``cells`` (see :func:`changed_cells`) for ``record`` (None: a new record) as one audited batch.

    ``lon``/``lat`` place the record (in ``crs``: wgs84, gcj02 or bd09). ``version`` is the ``row_version`` the form
    was filled from. An edit states no ledger date: it never moves the dataset's 数据截至, and a stage change without
    a date of its own is dated with that 数据截至 (today on a store without one), as a ledger without a date is.
    Raises :class:`RecordError` (Chinese reasons, nothing written) and :class:`store.ConflictError`.
    """
    ed = editor(layer)
    if record is None and not ed.create:
        raise RecordError(f"新{ed.label}请在「数据管理」导入其边界后再在此编辑")
    cells = dict(cells)
    if ed.pin and record is not None:
        cells[ed.pin] = record
    typed_name = cells.get(ed.name)
    raw = ledger_bytes(layer, cells, lon=lon, lat=lat)
    options = pipeline.Options(crs=crs, counties=counties)
    try:
        with audit.batch(con, user=user, kind="edit", layer=layer,
                         label=f"页面{'修改' if record else '新增'}{ed.label}：{typed_name or record}") as made:
            stored = None
            if record is not None:
                stored = stored_row(con, layer, record)
                if stored is None or not record_in_scope(con, layer, record, counties):
                    raise RecordError(f"没有找到这条{ed.label}，或它不在本账号可填报的范围内")
                if version is not None and int(stored["row_version"]) != int(version):
                    raise ConflictError()
            report = pipeline.run(con, _pinned(ed, kinds.get(ed.kind), record, stored, typed_name), raw, user=user,
                                  filename=FILENAME, options=options)
            if report.rejected:
                raise _Refused(report)
            if not (report.imported or report.updated or report.events or any(sum(v) for v in report.extra.values())):
                raise _Unchanged
            key = record or (report.changes[0].record if report.changes else None)
    except _Refused as refused:
        problems = tuple((r.column, r.reason) for r in refused.report.rejected)
        raise RecordError("；".join(f"{c}：{r}" for c, r in problems), problems) from None
    except _Unchanged:
        return Saved(record, None, False, "没有修改任何内容", [], [])
    warnings = [w for w in report.to_dict()["warnings"]]
    return Saved(key, made.batch_id, True, report.summary_zh(), [dataclasses.asdict(c) for c in report.changes], warnings)


# --- delete -----------------------------------------------------------------------------------------------------------

#: rows that make a record's deletion a decision for someone else (problems to solve, evidence, tasks, records in a park)
_BLOCKERS = {
    "projects": (("问题/困难", "SELECT count(*) FROM project_issues WHERE project_id = ?"),
                 ("佐证材料", "SELECT count(*) FROM attachments WHERE record_table = 'projects' AND record_id = ?")),
    "idle_assets": (("督办任务", "SELECT count(*) FROM asset_tasks WHERE asset_id = ?"),
                    ("佐证材料", "SELECT count(*) FROM attachments WHERE record_table = 'idle_assets' AND record_id = ?")),
    "parks": (("项目", "SELECT count(*) FROM projects WHERE park_id = ?"),
              ("标准化厂房", "SELECT count(*) FROM standard_factories WHERE park_id = ?")),
    "standard_factories": (),
}
#: history rows deleted with their record (undoing the batch brings both back): layer → (spec, owner column)
_CHILDREN = {
    "projects": ((project_history.EVENTS, "project_id"),),
    "idle_assets": ((asset_cases.EVENTS, "asset_id"),),
    "parks": ((park_metrics.SPEC, "park_id"),),
    "standard_factories": (),
}


def delete(con: duckdb.DuckDBPyConnection, layer: str, record: str, *, user: str, confirm: str, version: int | None = None,
           counties: tuple[str, ...] | None = None) -> str:
    """Delete ``record`` once ``confirm`` is its name as typed by the user; returns the batch id (undo brings it back).

    Refused (:class:`RecordError`) outside the user's scope, when the name does not match, and while the record has
    problems, evidence or tasks (or, for a park, projects and factories) that would be left without it."""
    ed = editor(layer)
    spec = ed.spec
    with audit.batch(con, user=user, kind="edit", layer=layer, label=f"页面删除{ed.label}：{record}") as made:
        stored = stored_row(con, layer, record)
        if stored is None or not record_in_scope(con, layer, record, counties):
            raise RecordError(f"没有找到这条{ed.label}，或它不在本账号可填报的范围内")
        if norm(confirm or "") != norm(stored["name"]):
            raise RecordError(f"请输入{ed.label}名称“{stored['name']}”以确认删除")
        if version is not None and int(stored["row_version"]) != int(version):
            raise ConflictError()
        held = [f"{what} {n} 条" for what, sql in _BLOCKERS[layer] if (n := con.execute(sql, [record]).fetchone()[0])]
        if held:
            raise RecordError(f"“{stored['name']}”还有{'、'.join(held)}，不能删除：请先处理或转到其他记录")
        for child, owner in _CHILDREN[layer]:
            for (key,) in con.execute(f"SELECT {child.key} FROM {child.table} WHERE {owner} = ? ORDER BY 1", [record]).fetchall():
                tables.delete(con, child, key, user=user)
        tables.delete(con, spec, record, user=user, expected_version=version)
    return made.batch_id


# --- review -----------------------------------------------------------------------------------------------------------


def payload(layer: str, cells: Mapping[str, str | None], *, record: str | None = None, lon=None, lat=None, crs: str = "wgs84",
            delete_confirm: str | None = None) -> dict:
    """An edit as the JSON a 上报 keeps (:data:`imports.review.CHANGES`, kind ``edit_<layer>``)."""
    return {"layer": layer, "record": record, "cells": dict(cells), "lon": lon, "lat": lat, "crs": crs,
            "delete": delete_confirm is not None, "confirm": delete_confirm}


def apply_payload(con: duckdb.DuckDBPyConnection, change: Mapping, *, user: str):
    """Write a 上报's edit (at approval, or in its preview) under the submitter's name and scope."""
    counties = None if change.get("counties") is None else tuple(change["counties"])
    if change.get("delete"):
        return delete(con, change["layer"], change["record"], user=user, confirm=change.get("confirm") or "", counties=counties)
    saved = save(con, change["layer"], change["cells"], user=user, record=change.get("record"), lon=change.get("lon"),
                 lat=change.get("lat"), crs=change.get("crs") or "wgs84", counties=counties)
    if not saved.changed:
        raise RecordError("这项修改不会改变任何数据")
    return saved


def submit(con: duckdb.DuckDBPyConnection, change: Mapping, *, account: accounts.Account, on: date) -> str:
    """Keep an edit of a submitter (县级填报/园区填报/国资) as a 待审核 上报; returns its id. Refused at once (Chinese)
    when it would not be accepted now."""
    from imports import review  # review registers this module's changes; imported here to keep the import order one way

    ed = editor(change["layer"])
    name = change["cells"].get(ed.name) or change.get("confirm") or change.get("record") or ""
    verb = "删除" if change.get("delete") else ("修改" if change.get("record") else "新增")
    return review.submit_change(con, f"edit_{ed.layer}", change, account=account, label=f"{verb}{ed.label}：{name}", on=on)



def point_of(geom) -> tuple[float, float] | None:
    """The (lon, lat) in WGS-84 the form shows for a stored geometry (a polygon's representative point), or None."""
    if geom is None or tables.blank(geom) or shapely.is_empty(geom):
        return None
    point = geom if geom.geom_type == "Point" else geom.representative_point()
    return float(point.x), float(point.y)


def clicked_point(clicked: Mapping | None, crs: str) -> tuple[str, str] | None:
    """A click on the form's map (``st_folium``'s ``last_clicked``: ``{"lat", "lng"}`` in WGS-84, the map's own system)
    as the (经度, 纬度) texts to type in ``crs`` (6 decimals, ≈ 0.1 m), or None for no click."""
    if not clicked or clicked.get("lat") is None or clicked.get("lng") is None:
        return None
    lon, lat = coords.convert(float(clicked["lng"]), float(clicked["lat"]), "wgs84", crs)
    return f"{float(lon):.6f}", f"{float(lat):.6f}"
