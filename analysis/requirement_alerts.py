"""投资需求提醒: what fits a saved investor requirement now, and what of it **became available** since the requirement
was saved (or its criteria changed) or the match was last acknowledged (确认已读).

**Fits** = meets every hard criterion of :func:`analysis.matching.match` — for a standard factory its 可用性 too (空置, or
已出租 with the lease ending before the requirement's 入驻日期) — or, for an idle building (闲置楼宇/闲置厂房), of
:func:`analysis.asset_matching.offer_assets` (offerable stages 摸底清查 … 洽谈对接, unrecorded specs to verify). The
candidates are those of the requirement's own scope: its park (a park user's), else its county, else the whole city.

**Became available** = fits now, but at some moment since the reference point did not fit (or did not exist) — the
reference being the requirement's ``baseline_audit_id``, or the audit position when that very match was acknowledged,
whichever is later. The record at each moment is the current row rolled back, batch by batch, over its audit entries
written after that point (:mod:`store.audit` keeps every field's old value), so every way a space can open up counts
and nothing else does: a new record (登记), a status
changed to 空置 (a lease ended, a tenant left, 装修改造 finished), a lease end moved before the move-in date, an asset
back to 招商推介 from 签约, or specs corrected so that it now meets the requirement. A space that was already
available when the requirement was saved never alerts; one acknowledged alerts again only after it stopped fitting
and fits again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from analysis import asset_matching, matching
from analysis.matching import Requirement
from layers import _scope, idle_assets, parks, regions, saved_requirements, standard_factories
from store import tables

TUPLES = ("counties", "excluded_counties", "preferred_counties", "preferred_parks", "excluded_parks")
COLUMNS = ["requirement_id", "investor", "item_kind", "kind_label", "item_id", "name", "county_adcode", "county_name",
           "park_name", "floor_area_m2", "state", "score", "reasons", "new", "why", "changed_at"]
#: fields whose change is named in ``why`` (factory, asset)
WATCHED = {"factory": {"status": "状态", "lease_end": "租约到期", "floor_area_m2": "面积", "clear_height_m": "层高",
                       "floor_load_kn_m2": "承重", "power_kva": "配电", "rent_yuan_m2_month": "租金", "park_id": "园区"},
           "asset": {"stage": "盘活阶段", "floor_area_m2": "建筑面积", "vacancy_share": "空置比例", "asset_type": "资产类型"}}
TABLES = {"factory": (standard_factories.SPEC, "factory_id"), "asset": (idle_assets.SPEC, "asset_id")}


def criteria_of(req: Requirement) -> dict:
    """A requirement as JSON-ready criteria (only what differs from "no limit"): what ``saved_requirements`` stores."""
    out = {}
    for f in dataclasses.fields(Requirement):
        value = getattr(req, f.name)
        if value == f.default or (f.name in TUPLES and not value):
            continue
        out[f.name] = list(value) if f.name in TUPLES else (value.isoformat() if isinstance(value, dt.date) else value)
    return out


def requirement_of(criteria: Mapping) -> Requirement:
    """Stored criteria back as a :class:`Requirement` (unknown keys ignored)."""
    known = {f.name for f in dataclasses.fields(Requirement)}
    values = {k: v for k, v in dict(criteria).items() if k in known and v is not None}
    if isinstance(values.get("move_in"), str):
        values["move_in"] = dt.date.fromisoformat(values["move_in"][:10])
    for name in TUPLES:
        if name in values:
            values[name] = tuple(values[name])
    return Requirement(**values)


def describe(req: Requirement, county_names: Mapping[str, str] | None = None) -> str:
    """The requirement in one Chinese line (for lists and the 月通报 annex)."""
    names = dict(county_names or {})
    parts = []
    if req.min_area_m2 or req.max_area_m2:
        parts.append(f"面积 {req.min_area_m2 or 0:,.0f}–{req.max_area_m2:,.0f} ㎡" if req.max_area_m2 else f"面积 ≥ {req.min_area_m2:,.0f} ㎡")
    for value, label in ((req.min_clear_height_m, "层高 ≥ {:.1f} m"), (req.floor_load_kn_m2, "承重 ≥ {:.1f} kN/㎡"),
                         (req.min_power_kva, "配电 ≥ {:,.0f} kVA"), (req.crane_t, "行车 ≥ {:.0f} t"),
                         (req.max_rent_yuan_m2_month, "租金 ≤ {:.1f} 元/㎡·月")):
        if value:
            parts.append(label.format(value))
    if req.whole_building:
        parts.append("整栋")
    for codes, label in ((req.counties, "限"), (req.preferred_counties, "优先"), (req.excluded_counties, "排除")):
        if codes:
            parts.append(f"{label} {'、'.join(names.get(c, c) for c in codes)}")
    if req.industry:
        parts.append(f"产业：{req.industry}")
    if req.move_in:
        parts.append(f"入驻 {req.move_in:%Y-%m-%d}")
    return "；".join(parts) or "不限"


def owner_scope(row: Mapping):
    """The scope value a saved requirement's candidates come from: its park, else its county, else everything."""
    park, county = row.get("park_id"), row.get("county_adcode")
    if isinstance(park, str) and park:
        return _scope.make((county,) if isinstance(county, str) else (), (park,))
    return (county,) if isinstance(county, str) and county else None


@dataclasses.dataclass
class Candidates:
    """Everything one scope offers: factories (matching's columns), idle assets (their own columns), county names."""

    factories: pd.DataFrame
    assets: pd.DataFrame
    counties: pd.DataFrame
    parks: pd.DataFrame

    @classmethod
    def load(cls, con, scope) -> Candidates:
        county_rows = pd.DataFrame(regions.load(con, level="county").drop(columns="geometry"))
        park_rows = pd.DataFrame(parks.load(con, county=scope).drop(columns="geometry"))
        factories = pd.DataFrame(standard_factories.load(con, county=scope).drop(columns="geometry"))
        assets = pd.DataFrame(idle_assets.load(con, county=scope).drop(columns="geometry"))
        return cls(factories, assets, county_rows[["adcode", "name"]], park_rows[["park_id", "name", "positioning"]])

    def spaces(self, kind: str, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` of ``kind`` as the matching engine's input."""
        if kind == "factory":
            return matching.with_places(rows, self.parks, self.counties)
        return rows


def _fits(kind: str, spaces: pd.DataFrame, req: Requirement, counties: pd.DataFrame) -> pd.DataFrame:
    if spaces.empty:
        return pd.DataFrame()
    if kind == "factory":
        return matching.match(spaces, req).feasible
    return asset_matching.offer_assets(spaces, req, counties=counties).feasible


def roll_back(row: Mapping, entries: pd.DataFrame, spec: tables.TableSpec) -> dict | None:
    """The record ``row`` as it stood before the audit ``entries`` (its own, newest first): None when one of them
    inserted it, else every field they changed back at its old value."""
    types = {n: spec.sql_type(n) for n in spec.names}
    out = dict(row)
    for entry in entries.itertuples(index=False):
        if entry.action == "insert":
            return None
        for column, (old, _new) in (entry.changes or {}).items():
            if column in types:
                out[column] = tables.restore_value(old, types[column])
    return out


def _states(row: Mapping, entries: pd.DataFrame, spec: tables.TableSpec) -> list[tuple[dict | None, object]]:
    """The record before each batch of ``entries`` (newest first), with that batch's time: [(state, logged_at)]."""
    states, state = [], dict(row)
    # a write outside any batch is a step of its own
    steps = [b if isinstance(b, str) else f"#{a}" for a, b in zip(entries["audit_id"], entries["batch_id"], strict=True)]
    for _step, group in entries.groupby(steps, sort=False):  # newest first, as the entries come
        state = roll_back(state, group, spec)
        states.append((state, group["logged_at"].max()))
        if state is None:
            break
    return states


def _why(kind: str, now: Mapping, then: Mapping | None) -> str:
    if then is None:
        return "新登记"
    parts = []
    for column, label in WATCHED[kind].items():
        old, new = then.get(column), now.get(column)
        if tables.blank(old) and tables.blank(new):
            continue
        if tables.blank(old) or tables.blank(new) or str(old) != str(new):
            show = [("未填" if tables.blank(v) else (pd.Timestamp(v).date().isoformat() if column == "lease_end" else
                                                     f"{v:,.0f}" if isinstance(v, float) and column != "vacancy_share" else str(v)))
                    for v in (old, new)]
            parts.append(f"{label} {show[0]} → {show[1]}")
    return "；".join(parts) or "信息更新后符合"


def matches(con, requirement: Mapping, candidates: Candidates, acknowledged: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every space fitting ``requirement`` (a row of :func:`layers.saved_requirements.load`) now, best first, with
    ``new`` (became available since its reference point, see the module docstring) and ``why`` (what changed)."""
    req = requirement_of(requirement["criteria"])
    baseline = int(requirement.get("baseline_audit_id") or 0)
    acked = {}
    if acknowledged is not None and len(acknowledged):
        mine = acknowledged[acknowledged["requirement_id"] == requirement["requirement_id"]]
        acked = {(k, i): int(a) for k, i, a in zip(mine["item_kind"], mine["item_id"], mine["audit_id"], strict=True)}
    rows = []
    for kind, (spec, key) in TABLES.items():
        source = candidates.factories if kind == "factory" else candidates.assets
        fit = _fits(kind, candidates.spaces(kind, source), req, candidates.counties)
        if fit.empty:
            continue
        ids = [str(i) for i in fit["factory_id"]]  # the engine's key column for both kinds
        refs = {i: max(baseline, acked.get((kind, i), 0)) for i in ids}
        history = saved_requirements.changes_after(con, spec.table, ids, min(refs.values()))
        now_rows = {str(r[key]): r for r in source[source[key].astype(str).isin(ids)].to_dict("records")}
        states = {i: _states(now_rows[i], history[(history["record_id"] == i) & (history["audit_id"] > refs[i])], spec) for i in ids}
        earlier = [{**state, key: f"{i}#{k}"} for i, found in states.items() for k, (state, _at) in enumerate(found) if state]
        fitted = set(_fits(kind, candidates.spaces(kind, pd.DataFrame(earlier)), req, candidates.counties)["factory_id"]) if earlier else set()
        for r in fit.to_dict("records"):
            i = str(r["factory_id"])
            # new: at some point since its reference it did not fit (or did not exist); the latest such state explains it
            gap = next(((state, at) for k, (state, at) in enumerate(states[i]) if state is None or f"{i}#{k}" not in fitted), None)
            rows.append({"requirement_id": requirement["requirement_id"], "investor": requirement.get("investor"), "item_kind": kind,
                         "kind_label": saved_requirements.ITEM_KINDS[kind], "item_id": i, "name": r.get("name"),
                         "county_adcode": r.get("county_adcode"), "county_name": r.get("county_name"),
                         "park_name": r.get("park_name"), "floor_area_m2": r.get("floor_area_m2"),
                         "state": r.get("status") if kind == "factory" else r.get("stage"), "score": r.get("score"),
                         "reasons": list(r.get("reasons") or []), "new": gap is not None,
                         "why": _why(kind, now_rows[i], gap[0]) if gap else "",
                         "changed_at": pd.Timestamp(gap[1]).to_pydatetime() if gap else None})
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["new", "score", "item_id"], ascending=[False, False, True], kind="stable").reset_index(drop=True)


def alerts(con, *, county=None, requirement_ids: Sequence[str] | None = None, all_matches: bool = False) -> pd.DataFrame:
    """The new fits (``all_matches``: every fit) of the open requirements in scope ``county``, requirement by
    requirement (columns :data:`COLUMNS`). Reads only."""
    reqs = saved_requirements.load(con, county=county, status=[saved_requirements.OPEN])
    if requirement_ids is not None:
        reqs = reqs[reqs["requirement_id"].isin(list(requirement_ids))]
    if reqs.empty:
        return pd.DataFrame(columns=COLUMNS)
    acknowledged = saved_requirements.acks(con, list(reqs["requirement_id"]))
    loaded: dict = {}
    frames = []
    for row in reqs.sort_values("requirement_id").to_dict("records"):
        scope = owner_scope(row)
        if scope not in loaded:
            loaded[scope] = Candidates.load(con, scope)
        found = matches(con, row, loaded[scope], acknowledged)
        frames.append(found if all_matches else found[found["new"]])
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def counts(found: pd.DataFrame) -> tuple[int, int]:
    """(requirements with a new fit, new fits) of an :func:`alerts` frame."""
    new = found[found["new"].astype(bool)] if len(found) else found
    return (int(new["requirement_id"].nunique()), int(len(new))) if len(new) else (0, 0)
