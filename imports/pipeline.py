"""One import pipeline for every ledger kind: read → map columns → parse values → validate → resolve identity → merge with
stored → write, each step once. A kind (:class:`Kind`) contributes its reader (schema), its identity rule and its own
validations (``resolve``); everything else is here:

- the ledger's effective date (:mod:`imports.dates`, or the user's ``as_of``) dates every state the ledger states
  without a date of its own, and moves the dataset's 数据截至 forward;
- values no ledger can mean (negative or non-finite amounts and areas, a 亿/万 mix-up) are rejected by row;
- one merge rule (:func:`store.tables.write`, mode ``merge``): a blank cell or a missing column keeps the stored value,
  the marker ``（清空）`` clears it; unchanged records are counted, not rewritten;
- reading, resolving and writing happen in one transaction under the store's write lock, so two imports racing on one
  record lose nothing (the second sees the first's result);
- every import is a batch (:mod:`store.audit`) with its report; ``dry_run`` runs it all and rolls back (the preview
  shows exactly what the commit would write), and a commit given the preview's ``expect`` fingerprint is refused when
  the stored data changed in between.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from imports.dates import ledger_date
from imports.report import MAX_CHANGES, Change, ImportReport
from layers import dataset
from layers._scope import PARK_RULES, park_units, split
from store import ConflictError, audit, tables

#: Upper bounds no county record reaches: above them a value is a unit mistake (元 written under 万元 …).
MONEY_MAX_WAN = 50_000_000.0  # 5,000 亿元
AREA_MAX_M2 = 50_000_000.0  # 50 km²
LAND_MAX_MU = 500_000.0  # ≈ 333 km²
#: A project this many times the ledger's median amount (and above 100 亿元) is reported for checking.
OUTLIER_FACTOR = 1000.0
OUTLIER_MIN_WAN = 1_000_000.0


@dataclass(frozen=True)
class Options:
    """What the user chose on the upload form or the command line."""

    crs: str | None = None  # coordinate system of lon/lat columns or of a boundary file
    as_of: date | None = None  # the effective date, overriding what the ledger says
    name_field: str | None = None  # boundary files: the attribute holding the park name
    encoding: str | None = None  # boundary files: the .dbf encoding
    #: the importing user's scope (:mod:`layers._scope`): None every county, adcodes a county user's counties, with
    #: ``park:<id>`` tokens a park user's parks (``ui.identity.counties()`` / ``scope()`` give it)
    counties: tuple[str, ...] | None = None


@dataclass
class Context:
    """What ``Kind.resolve`` works with: the open store (inside the import's transaction), the report, the options and
    the effective date."""

    con: duckdb.DuckDBPyConnection
    report: ImportReport
    options: Options
    as_of: date
    user: str
    title_cells: list = field(default_factory=list)


@dataclass(frozen=True)
class Write:
    """Rows for one table. ``rows`` may carry ``_row`` (sheet row) and ``_name`` (what to call the record in the report);
    the ``primary`` write is what the report's 新增/更新/无变化 counts; ``events`` writes are history rows."""

    spec: tables.TableSpec
    rows: pd.DataFrame
    mode: str = "merge"
    primary: bool = False
    events: bool = False
    label: str | None = None  # a secondary record kind counted on its own line of the report (园区年度指标)


@dataclass(frozen=True)
class Limit:
    """A plausible range for a numeric column: below ``low`` or above ``high`` the row is rejected."""

    low: float | None = 0.0
    high: float | None = None
    what: str = "数值"


@dataclass(frozen=True)
class Kind:
    key: str  # "projects", "factories", "assets", "park_capacity", "park_polygons"
    label: str  # 项目台账 …
    layer: str  # the table it fills
    read: Callable  # (source, filename, Options) -> (frame, ImportReport)
    resolve: Callable  # (Context, frame) -> list[Write]
    labels: Mapping[str, str] = field(default_factory=dict)  # column → Chinese label for the report
    limits: Mapping[str, Limit] = field(default_factory=dict)
    dated: bool = True  # whether the ledger's date becomes the dataset's 数据截至
    outliers: tuple[str, ...] = ()  # money columns checked for a 亿/万 mix-up against the ledger's median


class _Preview(Exception):
    """Raised inside the transaction of a dry run so that everything it wrote is rolled back."""


def _effective_date(con, frame: pd.DataFrame, report: ImportReport, options: Options) -> date:
    if options.as_of:
        report.as_of_source = "导入时指定"
        return options.as_of
    found, where = ledger_date(frame.attrs.get("title_cells", []), report.file)
    if found:
        report.as_of_source = where
        return found
    current = dataset.as_of(con)
    if current:
        report.as_of_source = "台账未注明，按现有数据截至日"
        report.warn(f"台账标题中没有“截至××日”或统计期间，也没有填报时间：数据日期按现有数据截至日 {current} 记，可在导入时修改")
        return current
    report.as_of_source = "台账未注明，按导入当天"
    report.warn("台账标题中没有“截至××日”或统计期间，也没有填报时间：数据日期按导入当天记，可在导入时修改")
    return date.today()


def validate(frame: pd.DataFrame, kind: Kind, report: ImportReport) -> pd.DataFrame:
    """Reject rows whose numbers no ledger can mean (non-finite, outside the kind's limits); warn on 亿/万 mix-ups."""
    bad: set[int] = set()
    for column, limit in kind.limits.items():
        if column not in frame:
            continue
        header = report.columns.get(column, kind.labels.get(column, column))
        for row, value in zip(frame["_row"], frame[column], strict=True):
            if value is None or value is tables.CLEAR or (isinstance(value, float) and math.isnan(value)):
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(number):
                reason = f"{limit.what}不是有效数字：“{value}”"
            elif limit.low is not None and number < limit.low:
                reason = f"{limit.what}不能为负：{value:g}" if limit.low == 0 else f"{limit.what}不能小于 {limit.low:g}：{value:g}"
            elif limit.high is not None and number > limit.high:
                reason = f"{limit.what}异常（{number:,.6g}），超出合理范围：请核对单位（万元/亿元/元、㎡/亩）"
            else:
                continue
            report.reject(int(row), header, reason)
            bad.add(int(row))
    frame = frame[~frame["_row"].isin(bad)]
    for column in kind.outliers:
        if column not in frame:
            continue
        values = pd.to_numeric(frame[column].where(frame[column].map(lambda v: v is not tables.CLEAR), None), errors="coerce")
        median = values[values > 0].median()
        if pd.isna(median) or median <= 0:
            continue
        header = report.columns.get(column, kind.labels.get(column, column))
        for row, value in zip(frame["_row"], values, strict=True):
            if pd.notna(value) and value >= OUTLIER_MIN_WAN and value >= OUTLIER_FACTOR * median:
                report.warn(f"“{header}”远高于本台账其他行（中位数 {median:,.0f} 万元的 {value / median:,.0f} 倍），请核对是否把元或万元写成了亿元",
                            row=int(row))
    return frame.reset_index(drop=True)


#: columns by which a secondary write (history rows, yearly figures) belongs to a primary record
OWNER_COLUMNS = ("project_id", "asset_id", "park_id", "factory_id")


def _in_scope(con, writes: list[Write], scope: tuple[str, ...] | None, report: ImportReport) -> list[Write]:
    """The writes without the records outside the user's scope (each rejected by row, with the rows that depend on it):
    a county's user cannot write another county's records, a park's user (scope with park tokens) nothing but their
    parks' records (:data:`layers._scope.PARK_RULES`), whatever the file holds."""
    counties, parks = split(scope)
    if counties is None:
        return list(writes)
    if parks is not None:
        outside = _outside_parks(con, writes, parks, report)
    else:
        outside = _outside_counties(con, writes, counties, report)
        if not outside:
            return list(writes)
    kept = []
    for write in writes:
        rows = write.rows
        if rows is not None and len(rows):
            drop = rows[write.spec.key].astype(str).isin(outside)
            if not write.primary and parks is not None:
                if write.spec.table == "reporting_units":  # a park's user does not create reporting units
                    drop |= True
                elif "park_id" in rows:  # e.g. another park's yearly figures
                    drop |= ~rows["park_id"].isin(parks)
            elif not write.primary and "county_adcode" in rows:  # e.g. a new reporting unit of another county
                drop |= ~rows["county_adcode"].isin(counties)
            for column in OWNER_COLUMNS:
                if column in rows:
                    drop |= rows[column].astype(str).isin(outside)
            rows = rows[~drop]
        kept.append(Write(write.spec, rows, write.mode, write.primary, write.events, write.label))
    return kept


def _rows_of(write: Write):
    rows = write.rows
    return rows if write.primary and rows is not None and not rows.empty else None


def _reject(report: ImportReport, row, column: str, reason: str) -> None:
    report.reject(int(row) if row is not None and not pd.isna(row) else 0, column, reason)


def _outside_counties(con, writes: list[Write], counties: tuple[str, ...], report: ImportReport) -> set[str]:
    """Keys of the primary records outside ``counties`` (rejected): the row's own county, else the stored record's (a
    capacity ledger, a new boundary of a stored park)."""
    names = dict(con.execute("SELECT adcode, name FROM regions").fetchall())
    outside: set[str] = set()
    for write in writes:
        if (rows := _rows_of(write)) is None:
            continue
        stored = dict(con.execute(f"SELECT {write.spec.key}, county_adcode FROM {write.spec.table}").fetchall())
        own = rows["county_adcode"].astype(object) if "county_adcode" in rows else pd.Series([None] * len(rows), index=rows.index)
        county = own.where(own.map(lambda c: isinstance(c, str)), rows[write.spec.key].map(stored))
        bad = ~county.isin(counties)
        for key, row, place in zip(rows.loc[bad, write.spec.key], rows.loc[bad].get("_row", pd.Series(dtype=object)), county[bad], strict=False):
            outside.add(str(key))
            _reject(report, row, "县（市、区）", f"不在本账号可填报的范围内（{names.get(place, place or '未知县区')}）")
    return outside


def _theirs(values, theirs: dict[str, set]) -> bool:
    """Whether a record with these park/unit ``values`` (in the order of ``theirs``) is a park user's."""
    return any(isinstance(v, str) and v in allowed for v, allowed in zip(values, theirs.values(), strict=True))


def _outside_parks(con, writes: list[Write], parks: tuple[str, ...], report: ImportReport) -> set[str]:
    """Keys of the primary records a park's user may not write (rejected): a record is theirs when, after the merge,
    its park is one of ``parks`` or its reporting unit is one of theirs — and, when it is stored already, it was
    theirs before (no taking over another park's record by naming one's own park). Tables without a park rule
    (闲置国有资产) are not theirs at all."""
    park_names = dict(con.execute("SELECT park_id, name FROM parks").fetchall())
    units = set(park_units(con, parks))
    unit_names = dict(con.execute("SELECT unit_id, name FROM reporting_units").fetchall())
    allowed = set(parks)
    outside: set[str] = set()
    for write in writes:
        if (rows := _rows_of(write)) is None:
            continue
        key = write.spec.key
        park_column, unit_column, _name = PARK_RULES.get(write.spec.table, (None, None, None))
        if park_column == key:  # the parks themselves
            park_column = None
        columns = [c for c in (park_column, unit_column) if c]
        stored = {str(r[0]): r[1:] for r in con.execute(f"SELECT {', '.join([key, *columns])} FROM {write.spec.table}").fetchall()} \
            if columns else {}
        header = report.columns.get("park_name", "所在园区")
        theirs = {c: (allowed if c == park_column else units) for c in columns}
        for rec in rows.to_dict("records"):
            record = str(rec[key])
            if write.spec.table == "parks":
                ok, place = record in allowed, park_names.get(record, rec.get("name") or rec.get("_name") or record)
            elif not columns:  # e.g. 闲置国有资产: state assets belong to 国资 and the counties
                outside.add(record)
                _reject(report, rec.get("_row"), header, "不在本账号可填报的园区范围内：园区填报账号只能填报本园区的项目、厂房和园区数据")
                continue
            else:
                before = stored.get(record)
                after = []
                for i, column in enumerate(columns):
                    value = rec.get(column)
                    if value is tables.CLEAR:
                        value = None
                    elif not isinstance(value, str):  # blank: the stored value stays
                        value = before[i] if before is not None else None
                    after.append(value)
                ok = _theirs(after, theirs) and (before is None or _theirs(before, theirs))
                shown = before if before is not None and not _theirs(before, theirs) else after  # what makes it another's
                values = dict(zip(columns, shown, strict=True))
                written = rec.get("park_name") if shown is after and isinstance(rec.get("park_name"), str) else None
                place = park_names.get(values.get(park_column)) or written or unit_names.get(values.get(unit_column)) or "未填所在园区"
            if not ok:
                outside.add(record)
                _reject(report, rec.get("_row"), header, f"不在本账号可填报的园区范围内（{place}）")
    return outside


def _fingerprint(parts: list) -> str:
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


#: Columns the report's change list leaves out: internal ids the user never typed (the park's and unit's names show).
HIDDEN = {"park_id", "unit_id", "project_id", "factory_id", "asset_id", "metric_id"}
#: Labels of columns no ledger schema names.
LABELS = {"geom": "位置", "county_adcode": "县（市、区）", "park_name": "所在园区", "name": "名称", "year": "年度"}


def _shown(value, column: str = "", places: Mapping[str, str] | None = None):
    """A value as a clerk reads it: a county by name, a position as lon,lat, 8000.0 as 8000."""
    if value is None:
        return None
    if column == "county_adcode" and places:
        return places.get(str(value), value)
    if hasattr(value, "geom_type"):
        point = value.representative_point()
        return f"{point.x:.6f},{point.y:.6f}" if value.geom_type == "Point" else f"{value.geom_type}（边界）"
    value = audit.jsonable(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e15 else round(value, 6)
    return value


def _record_changes(con, kind: Kind, write: Write, result: tables.WriteResult, inserted: pd.DataFrame, meta: dict,
                    report: ImportReport) -> None:
    room = MAX_CHANGES - len(report.changes)  # the report lists this many; the rest are counted, not described
    if room <= 0:
        return
    places = dict(con.execute("SELECT adcode, name FROM regions").fetchall())
    label = lambda c: kind.labels.get(c) or LABELS.get(c, c)  # noqa: E731
    for key, row in zip(result.inserted[:room], inserted.head(room).to_dict("records"), strict=True):
        sheet_row, name = meta.get(key, (None, None))
        fields = {label(c): [None, _shown(v, c, places)] for c, v in row.items()
                  if c != write.spec.key and c not in HIDDEN and v is not None}
        report.add_change(Change("新增", sheet_row, str(key), name, fields))
    for key in result.updated[:max(0, MAX_CHANGES - len(report.changes))]:
        sheet_row, name = meta.get(key, (None, None))
        fields = {label(c): [_shown(o, c, places), _shown(n, c, places)] for c, (o, n) in result.changes[key].items() if c not in HIDDEN}
        report.add_change(Change("更新", sheet_row, str(key), name, fields))


def run(con: duckdb.DuckDBPyConnection, kind: Kind, source, *, user: str, filename: str | None = None,
        options: Options = Options(), dry_run: bool = False, expect: str | None = None) -> ImportReport:
    """Import ``source`` (a path or the file's bytes; pass ``filename`` with bytes) as ``kind``; returns the report.

    Raises :class:`imports.sheet.LedgerError` when the file as a whole cannot be used (nothing written), and
    :class:`store.ConflictError` when ``expect`` (a preview's fingerprint) no longer matches.
    """
    frame, report = kind.read(source, filename, options)
    if kind.dated:
        as_of = _effective_date(con, frame, report, options)
        report.as_of = as_of.isoformat()
    else:  # boundaries state no date and do not move 数据截至
        as_of = dataset.as_of(con) or date.today()
    frame = validate(frame, kind, report)
    try:
        with audit.batch(con, user=user, kind="import", label=report.file, layer=kind.layer,
                         as_of=as_of if kind.dated else None) as made:
            ctx = Context(con, report, options, as_of, user, frame.attrs.get("title_cells", []))
            parts = []
            for write in _in_scope(con, kind.resolve(ctx, frame), options.counties, report):
                rows = write.rows
                if rows is None or rows.empty:
                    continue
                meta = {}
                if "_row" in rows or "_name" in rows:
                    keys = rows[write.spec.key].astype(str)
                    meta = dict(zip(keys, zip(rows.get("_row", pd.Series([None] * len(rows))).tolist(),
                                              rows.get("_name", pd.Series([None] * len(rows))).tolist(), strict=True), strict=True))
                    rows = rows.drop(columns=[c for c in ("_row", "_name") if c in rows])
                result = tables.write(con, write.spec, rows, user=user, mode=write.mode)
                if write.primary:
                    report.imported += len(result.inserted)
                    report.updated += len(result.updated)
                    report.unchanged += len(result.unchanged)
                    _record_changes(con, kind, write, result, result.inserted_rows, meta, report)
                if write.events:
                    report.events += len(result.inserted)
                if write.label:  # counted on its own line of the summary, listed with the records
                    report.extra[write.label] = [len(result.inserted), len(result.updated)]
                    _record_changes(con, kind, write, result, result.inserted_rows, meta, report)
                parts.append([write.spec.table, sorted(map(str, result.inserted)),
                              {str(k): {c: [audit.jsonable(o), audit.jsonable(n)] for c, (o, n) in v.items()} for k, v in result.changes.items()}])
            if kind.dated and (report.imported or report.updated or report.events or any(sum(v) for v in report.extra.values())):
                dataset.advance_as_of(con, as_of, user=user)
            report.fingerprint = _fingerprint(parts)
            if expect is not None and expect != report.fingerprint:
                raise ConflictError("预览之后数据已有变化，请重新预览后再确认导入")
            report.batch_id = made.batch_id
            audit.set_report(con, made.batch_id, report.to_dict())
            if dry_run:
                raise _Preview
    except _Preview:
        report.dry_run = True
        report.batch_id = None
    return report


def blank(value) -> bool:
    """Missing (None/NaN/NaT) — but not the explicit clear marker."""
    return tables.blank(value)


def ledger_reader(schema, parse: Callable | None = None) -> Callable:
    """A kind's reader: :func:`imports.ledger.read_ledger` with the user's coordinate system, then ``parse(frame,
    report)`` for what the kind reads itself (units written in cells, areas in 公顷 …); the lines above the header are kept."""
    from imports.ledger import read_ledger

    def read(source, filename, options: Options):
        frame, report = read_ledger(source, schema, filename=filename, crs=options.crs)
        if parse is None:
            return frame, report
        parsed = parse(frame, report)
        parsed.attrs = frame.attrs
        return parsed, report

    return read


def record_rows(rows: pd.DataFrame, spec: tables.TableSpec) -> pd.DataFrame:
    """Resolved rows as a write for ``spec``: its columns the rows have, ``_row``/``_name`` for the report, the geometry."""
    import geopandas as gpd

    columns = [c for c in spec.names if c in rows.columns]
    frame = rows.reindex(columns=["_row", "_name", *columns]).reset_index(drop=True)
    if not spec.has_geometry:
        return frame
    geoms = list(rows["geometry"]) if "geometry" in rows else [None] * len(rows)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")


def scaled(values: pd.Series, factor: float) -> pd.Series:
    """Numbers of a parsed column times ``factor`` (a unit conversion); blanks and the clear marker stay as they are."""
    return pd.Series([v if v is None or v is tables.CLEAR or blank(v) or isinstance(v, bool) else float(v) * factor for v in values],
                     index=values.index, dtype=object)
