"""Match an investor's requirement to available space: hard constraints → feasible, weighted score → rank.

The engine is vectorised (numpy over whole columns) and knows nothing about where rows come from: standard
factories and idle buildings (``idle_assets``) are matched the same way. Input is a plain DataFrame, one row per
rentable space, with these columns (missing columns count as "not reported"):

=====================  =====================================================================
``factory_id``         key (any unique text)
``name``               display name
``park_id``            park key, may be null
``park_name``          park name (kept when the park is not in the store)
``county_adcode``      6-digit county code
``county_name``        optional, for messages
``positioning``        optional: the park's 主导产业, "、"-separated (industry match)
``floor`` / ``unit_no``  null for a whole building (楼栋); set for a floor or unit
``floor_area_m2``      建筑面积 ㎡
``clear_height_m``     首层层高 m
``floor_load_kn_m2``   楼面荷载 kN/㎡ (1 t/㎡ = 9.8 kN/㎡)
``power_kva``          配电容量 kVA
``crane_t``            行车 t (null or 0 = none)
``rent_yuan_m2_month`` 租金 元/㎡·月
``status``             空置 / 已出租 / 意向洽谈 / 装修改造
``lease_end``          租约到期 (date)
=====================  =====================================================================

Availability: only 空置 space, or 已出租 space whose lease ends strictly before the move-in date, is feasible
(with no move-in date only 空置). A missing value fails the criterion that needs it.

Near misses fail exactly one hard criterion narrowly: a numeric one by at most ``tolerance`` of the required
value (default 15 %), or availability because the lease ends at most ``lease_grace_days`` after move-in.
They are returned separately, marked infeasible, with what fails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from layers.vocab import KN_PER_T

#: Hard criteria in display order, with Chinese labels.
CRITERIA = {"available": "可用性", "place": "区域", "whole_building": "整栋", "area": "面积", "clear_height": "层高",
            "floor_load": "承重", "power": "配电", "crane": "行车", "rent": "租金"}
TOLERANCE = 0.15
LEASE_GRACE_DAYS = 90
VACANT, LEASED = "空置", "已出租"


def _codes(values) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(str(v) for v in values)


@dataclass(frozen=True)
class Requirement:
    """An investor's requirement. Units: ㎡, m, kN/㎡ (or t/㎡, converted), kVA, t, 元/㎡·月. None = no limit.

    ``counties`` limits the search (adcodes); ``excluded_*`` remove; ``preferred_*`` only raise the score.
    Parks are given by ``park_id`` or by name.
    """

    min_area_m2: float | None = None
    max_area_m2: float | None = None
    min_clear_height_m: float | None = None
    min_floor_load_kn_m2: float | None = None
    min_floor_load_t_m2: float | None = None
    min_power_kva: float | None = None
    crane_t: float | None = None
    max_rent_yuan_m2_month: float | None = None
    whole_building: bool = False
    counties: tuple[str, ...] = ()
    excluded_counties: tuple[str, ...] = ()
    preferred_counties: tuple[str, ...] = ()
    preferred_parks: tuple[str, ...] = ()
    excluded_parks: tuple[str, ...] = ()
    industry: str | None = None
    move_in: dt.date | None = None

    def __post_init__(self):
        for name in ("counties", "excluded_counties", "preferred_counties", "preferred_parks", "excluded_parks"):
            object.__setattr__(self, name, _codes(getattr(self, name)))
        if self.min_floor_load_kn_m2 is not None and self.min_floor_load_t_m2 is not None:
            raise ValueError("承重只能用一种单位：kN/㎡ 或 t/㎡")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                raise ValueError(f"{f.name} 不能为负数")
        if self.min_area_m2 and self.max_area_m2 and self.min_area_m2 > self.max_area_m2:
            raise ValueError("最小面积大于最大面积")
        if isinstance(self.move_in, dt.datetime):
            object.__setattr__(self, "move_in", self.move_in.date())

    @property
    def floor_load_kn_m2(self) -> float | None:
        """The minimum floor load in kN/㎡, whichever unit it was given in."""
        if self.min_floor_load_t_m2 is not None:
            return round(self.min_floor_load_t_m2 * KN_PER_T, 6)
        return self.min_floor_load_kn_m2


@dataclass(frozen=True)
class Weights:
    """Relative weights of the score components (any non-negative numbers; normalised over the active ones)."""

    area: float = 3.0  # closeness to the wanted area
    clear_height: float = 2.0  # headroom above the minimum
    floor_load: float = 2.0
    power: float = 2.0
    rent: float = 3.0  # cheaper is better
    industry: float = 2.0  # park positioning matches the industry
    preference: float = 2.0  # in a preferred county/park
    ready: float = 1.0  # vacant now rather than at lease end


WEIGHT_LABELS = {"area": "面积贴合", "clear_height": "层高富余", "floor_load": "承重富余", "power": "配电富余", "rent": "租金低",
                 "industry": "产业匹配", "preference": "优先区域", "ready": "即时可用"}


@dataclass(frozen=True)
class MatchResult:
    """``feasible`` ranked by score; ``near_misses`` (infeasible, one narrow failure). Both keep the input columns plus
    ``score`` (0–100), ``feasible``, ``near_miss``, ``rank``, ``checks`` (list of dicts), ``reasons`` and ``fails``
    (lists of Chinese sentences)."""

    feasible: pd.DataFrame
    near_misses: pd.DataFrame
    considered: int = 0
    feasible_total: int = 0
    near_miss_total: int = 0

    def records(self) -> list[dict]:
        """Feasible then near misses, as JSON-ready dicts."""
        out = []
        for frame in (self.feasible, self.near_misses):
            for rec in frame.drop(columns=["geometry"], errors="ignore").to_dict("records"):
                out.append({k: (None if _isna(v) else v) for k, v in rec.items()})
        return out


def _isna(value) -> bool:
    return not isinstance(value, (list, tuple, dict)) and pd.isna(value)


@dataclass
class _Check:
    ok: np.ndarray
    narrow: np.ndarray
    shortfall: np.ndarray = field(default=None)  # relative, for ordering near misses


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _is(frame: pd.DataFrame, name: str, value: str) -> np.ndarray:
    if name not in frame:
        return np.zeros(len(frame), bool)
    return (frame[name] == value).to_numpy(dtype=bool, na_value=False)


def _isin(frame: pd.DataFrame, name: str, values: tuple[str, ...]) -> np.ndarray:
    if name not in frame or not values:
        return np.zeros(len(frame), bool)
    return frame[name].astype(object).isin(values).to_numpy(dtype=bool, na_value=False)


def _blank(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.ones(len(frame), bool)
    column = frame[name]
    return (column.isna() | (column.astype(str) == "")).to_numpy(dtype=bool)


def _minimum(value: np.ndarray, required: float, tolerance: float) -> _Check:
    with np.errstate(invalid="ignore"):
        ok = value >= required
        short = np.where(np.isnan(value), np.inf, np.maximum(required - value, 0) / max(required, 1e-9))
    return _Check(ok, ~ok & (short <= tolerance), short)


def _days(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Dates as days since 1970 (float, NaN for none)."""
    if name not in frame:
        return np.full(len(frame), np.nan)
    values = pd.to_datetime(frame[name], errors="coerce").to_numpy(dtype="datetime64[D]")
    return np.where(np.isnat(values), np.nan, values.astype("int64").astype(float))


def _date_days(day: dt.date) -> float:
    return float((np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(int))


def evaluate(frame: pd.DataFrame, req: Requirement, *, tolerance: float = TOLERANCE,
             lease_grace_days: int = LEASE_GRACE_DAYS) -> dict[str, _Check]:
    """Per active hard criterion: boolean ``ok``, ``narrow`` (failed within tolerance) and ``shortfall``."""
    n = len(frame)
    checks: dict[str, _Check] = {}
    vacant = _is(frame, "status", VACANT)
    lease_end = _days(frame, "lease_end")
    if req.move_in is None:
        checks["available"] = _Check(vacant, np.zeros(n, bool), np.full(n, np.inf))
    else:
        move_in = _date_days(req.move_in)
        leased = _is(frame, "status", LEASED)
        with np.errstate(invalid="ignore"):
            ends_before = leased & (lease_end < move_in)
            late = np.where(leased & ~np.isnan(lease_end), lease_end - move_in + 1, np.inf)
        ok = vacant | ends_before
        narrow = ~ok & (late <= lease_grace_days)
        checks["available"] = _Check(ok, narrow, np.where(ok, 0.0, late / max(lease_grace_days, 1) * tolerance))
    if req.counties or req.excluded_counties or req.excluded_parks:
        ok = np.ones(n, bool)
        if req.counties:
            ok &= _isin(frame, "county_adcode", req.counties)
        ok &= ~_isin(frame, "county_adcode", req.excluded_counties)
        ok &= ~(_isin(frame, "park_id", req.excluded_parks) | _isin(frame, "park_name", req.excluded_parks))
        checks["place"] = _Check(ok, np.zeros(n, bool), np.full(n, np.inf))
    if req.whole_building:
        whole = _blank(frame, "floor") & _blank(frame, "unit_no")
        checks["whole_building"] = _Check(whole, np.zeros(n, bool), np.full(n, np.inf))
    if req.min_area_m2 or req.max_area_m2:
        area = _col(frame, "floor_area_m2")
        lo, hi = req.min_area_m2 or 0.0, req.max_area_m2 or np.inf
        with np.errstate(invalid="ignore"):
            ok = (area >= lo) & (area <= hi)
            short = np.maximum((lo - area) / max(lo, 1e-9), (area - hi) / hi if np.isfinite(hi) else 0.0)
        short = np.where(np.isnan(area), np.inf, np.maximum(short, 0))
        checks["area"] = _Check(ok, ~ok & (short <= tolerance), short)
    for key, column, required in (("clear_height", "clear_height_m", req.min_clear_height_m),
                                  ("floor_load", "floor_load_kn_m2", req.floor_load_kn_m2),
                                  ("power", "power_kva", req.min_power_kva)):
        if required:
            checks[key] = _minimum(_col(frame, column), required, tolerance)
    if req.crane_t:
        checks["crane"] = _minimum(np.nan_to_num(_col(frame, "crane_t"), nan=0.0), req.crane_t, tolerance)
    if req.max_rent_yuan_m2_month is not None:
        rent = _col(frame, "rent_yuan_m2_month")
        ceiling = req.max_rent_yuan_m2_month
        with np.errstate(invalid="ignore"):
            ok = rent <= ceiling
            short = np.where(np.isnan(rent), np.inf, np.maximum(rent - ceiling, 0) / max(ceiling, 1e-9))
        checks["rent"] = _Check(ok, ~ok & (short <= tolerance), short)
    return checks


def with_places(factories: pd.DataFrame, parks: pd.DataFrame, counties: pd.DataFrame | None = None) -> pd.DataFrame:
    """``factories`` plus ``positioning`` (from ``parks`` by ``park_id``) and ``county_name`` (from a regions or units
    frame with ``adcode``/``county_adcode`` and ``name``): the input :func:`match` expects. Geometry is kept."""
    out = factories.copy()
    positioning = dict(zip(parks["park_id"], parks["positioning"])) if len(parks) else {}
    out["positioning"] = out["park_id"].map(positioning)
    if counties is not None and len(counties):
        code = "adcode" if "adcode" in counties else "county_adcode"
        out["county_name"] = out["county_adcode"].map(dict(zip(counties[code], counties["name"])))
    elif "county_name" not in out:
        out["county_name"] = None
    return out


def _mentions(positioning: str, wanted: list[str]) -> bool:
    items = [p.strip() for p in positioning.split("、") if p.strip()]
    # "汽车" wanted, park says "汽车及零部件"; or "新能源汽车" wanted, park says "汽车".
    return any(w in positioning for w in wanted) or any(p in w for p in items for w in wanted)


def industry_match(frame: pd.DataFrame, industry: str | None) -> np.ndarray:
    """Whether the park positioning names the industry (either contains the other, per "、"-separated item)."""
    if not industry or "positioning" not in frame:
        return np.zeros(len(frame), bool)
    wanted = [w.strip() for w in str(industry).replace("，", "、").replace(",", "、").split("、") if w.strip()]
    codes, uniques = pd.factorize(frame["positioning"].fillna("").astype(str))  # a few parks, many factories
    hits = np.array([_mentions(u, wanted) for u in uniques], dtype=bool)
    return hits[codes] if len(hits) else np.zeros(len(frame), bool)


def _headroom(value: np.ndarray, required: float | None, full: float = 0.5) -> np.ndarray:
    rel = (value - required) / required / full
    return np.clip(np.nan_to_num(rel, nan=0.0), 0.0, 1.0)


def score(frame: pd.DataFrame, req: Requirement, weights: Weights = Weights()) -> np.ndarray:
    """Score 0–100 per row: the weighted mean of the active components (each 0–1)."""
    n = len(frame)
    parts: list[tuple[float, np.ndarray]] = []
    area = _col(frame, "floor_area_m2")
    if req.min_area_m2 or req.max_area_m2:
        lo, hi = req.min_area_m2, req.max_area_m2
        target = (lo + hi) / 2 if lo and hi else (lo or hi)
        parts.append((weights.area, np.clip(1 - np.abs(np.nan_to_num(area, nan=0.0) - target) / target, 0, 1)))
    for w, column, required in ((weights.clear_height, "clear_height_m", req.min_clear_height_m),
                                (weights.floor_load, "floor_load_kn_m2", req.floor_load_kn_m2),
                                (weights.power, "power_kva", req.min_power_kva)):
        if required:
            parts.append((w, _headroom(_col(frame, column), required)))
    rent = _col(frame, "rent_yuan_m2_month")
    if req.max_rent_yuan_m2_month:
        parts.append((weights.rent, np.clip(np.nan_to_num((req.max_rent_yuan_m2_month - rent) / req.max_rent_yuan_m2_month / 0.3), 0, 1)))
    elif n and not np.all(np.isnan(rent)):
        lo, hi = np.nanmin(rent), np.nanmax(rent)
        parts.append((weights.rent, np.nan_to_num((hi - rent) / (hi - lo), nan=0.0) if hi > lo else np.ones(n)))
    if req.industry:
        parts.append((weights.industry, industry_match(frame, req.industry).astype(float)))
    if req.preferred_counties or req.preferred_parks:
        pref = (_isin(frame, "county_adcode", req.preferred_counties) | _isin(frame, "park_id", req.preferred_parks)
                | _isin(frame, "park_name", req.preferred_parks))
        parts.append((weights.preference, pref.astype(float)))
    parts.append((weights.ready, _is(frame, "status", VACANT).astype(float)))
    total = sum(w for w, _ in parts)
    if total <= 0:
        return np.zeros(n)
    return np.round(100 * sum(w * c for w, c in parts) / total, 1)


def match(frame: pd.DataFrame, req: Requirement, weights: Weights = Weights(), *, tolerance: float = TOLERANCE,
          lease_grace_days: int = LEASE_GRACE_DAYS, limit: int | None = None) -> MatchResult:
    """Feasible spaces ranked by score (ties: lower rent, then key) and near misses (one narrow failure).

    ``limit`` caps how many of each are returned (and explained); totals are always counted in full.
    """
    checks = evaluate(frame, req, tolerance=tolerance, lease_grace_days=lease_grace_days)
    n = len(frame)
    oks = np.vstack([c.ok for c in checks.values()]) if checks else np.ones((1, n), bool)
    failures = (~oks).sum(axis=0)
    feasible = failures == 0
    narrow = np.vstack([c.narrow for c in checks.values()]).any(axis=0) if checks else np.zeros(n, bool)
    near = (failures == 1) & narrow
    scores = score(frame, req, weights)
    rent = np.nan_to_num(_col(frame, "rent_yuan_m2_month"), nan=np.inf)
    keys = pd.factorize(frame["factory_id"], sort=True)[0] if "factory_id" in frame else np.arange(n)
    order = np.lexsort((keys, rent, -scores, ~feasible))  # last key sorts first
    best = order[: int(feasible.sum())][:limit]
    shortfall = np.vstack([np.where(c.ok, 0.0, c.shortfall) for c in checks.values()]).sum(axis=0) if checks else np.zeros(n)
    near_idx = np.flatnonzero(near)
    near_idx = near_idx[np.lexsort((keys[near_idx], -scores[near_idx], shortfall[near_idx]))][:limit]
    return MatchResult(
        feasible=_explain(frame, best, checks, req, scores, True),
        near_misses=_explain(frame, near_idx, checks, req, scores, False),
        considered=n, feasible_total=int(feasible.sum()), near_miss_total=int(near.sum()),
    )


#: Columns the sentences read (taken as plain Python values: faster than ``to_dict`` on a wide frame).
SENTENCE_COLUMNS = ("status", "lease_end", "county_name", "county_adcode", "park_name", "floor_area_m2", "clear_height_m",
                    "floor_load_kn_m2", "power_kva", "crane_t", "rent_yuan_m2_month", "positioning")


def _explain(frame, index: np.ndarray, checks: dict[str, _Check], req: Requirement, scores: np.ndarray, feasible: bool) -> pd.DataFrame:
    out = frame.iloc[index].copy()
    out["score"] = scores[index]
    out["feasible"] = feasible
    out["near_miss"] = not feasible
    out["rank"] = np.arange(1, len(index) + 1)
    industry = industry_match(out, req.industry) if req.industry else None
    values = {c: out[c].to_numpy(dtype=object) if c in out else np.full(len(out), None) for c in SENTENCE_COLUMNS}
    oks = {key: c.ok[index].tolist() for key, c in checks.items()}
    all_checks, reasons, fails = [], [], []
    for i in range(len(index)):
        rec = {c: v[i] for c, v in values.items()}
        items = [{"criterion": key, "label": CRITERIA[key], "hard": True, "passed": oks[key][i],
                  "text": sentence(key, rec, req, oks[key][i])} for key in checks]
        if industry is not None:
            items.append({"criterion": "industry", "label": "产业", "hard": False, "passed": bool(industry[i]),
                          "text": sentence("industry", rec, req, bool(industry[i]))})
        all_checks.append(items)
        reasons.append([("✓ " if c["passed"] else "✗ ") + c["text"] for c in items])
        fails.append([c["text"] for c in items if c["hard"] and not c["passed"]])
    out["checks"], out["reasons"], out["fails"] = all_checks, reasons, fails
    return out.reset_index(drop=True)


def _missing(value) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value)


def _num(value, digits: int = 0) -> str:
    return "—" if _missing(value) else f"{float(value):,.{digits}f}"


def _minimum_text(label: str, value, required: float, unit: str, digits: int, passed: bool) -> str:
    if _missing(value):
        return f"{label}未填报（要求 ≥ {_num(required, digits)} {unit}）"
    if passed:
        return f"{label} {_num(value, digits)} {unit} ≥ {_num(required, digits)} {unit}，富余 {_num(value - required, digits)} {unit}"
    return f"{label} {_num(value, digits)} {unit} < {_num(required, digits)} {unit}，差 {_num(required - value, digits)} {unit}"


def _area_text(area, req: Requirement, passed: bool) -> str:
    lo, hi = req.min_area_m2, req.max_area_m2
    if _missing(area):
        return "面积未填报"
    if passed:
        if lo and hi:
            return f"面积 {_num(area)} ㎡，在 {_num(lo)}–{_num(hi)} ㎡ 范围内"
        if lo:
            return f"面积 {_num(area)} ㎡ ≥ {_num(lo)} ㎡，富余 {_num(area - lo)} ㎡"
        return f"面积 {_num(area)} ㎡ ≤ {_num(hi)} ㎡"
    if lo and area < lo:
        return f"面积 {_num(area)} ㎡ < 最小 {_num(lo)} ㎡，差 {_num(lo - area)} ㎡"
    return f"面积 {_num(area)} ㎡ > 最大 {_num(hi)} ㎡，超 {_num(area - hi)} ㎡"


def _available_text(rec: dict, req: Requirement, passed: bool) -> str:
    status, end = rec.get("status"), rec.get("lease_end")
    end = None if _missing(end) else pd.Timestamp(end).date()
    if status == VACANT:
        return "空置，可随时入驻"
    if status == LEASED and end is not None and req.move_in is not None:
        if passed:
            return f"租约 {end:%Y-%m-%d} 到期，早于入驻日 {req.move_in:%Y-%m-%d}"
        return f"已出租，租约 {end:%Y-%m-%d} 到期，晚于入驻日 {req.move_in:%Y-%m-%d}（{(end - req.move_in).days + 1} 天）"
    if status == LEASED:
        return f"已出租（租约 {end:%Y-%m-%d} 到期）" if end else "已出租，租约到期日未填报"
    return f"状态：{status}，暂不可用" if status else "状态未填报"


def _place_text(rec: dict, req: Requirement, passed: bool) -> str:
    county_name = rec.get("county_adcode") if _missing(rec.get("county_name")) else rec.get("county_name")
    where = " · ".join(str(x) for x in (county_name, rec.get("park_name")) if x and not _missing(x))
    if passed:
        return f"位于 {where}" if where else "位置符合"
    county = rec.get("county_adcode")
    if req.counties and county not in req.counties:
        return f"{where or '该厂房'} 不在限定的县（市、区）内"
    if county in req.excluded_counties:
        return f"{where} 所在县（市、区）已排除"
    return f"{where} 所在园区已排除"


def sentence(key: str, rec: dict, req: Requirement, passed: bool) -> str:
    """One Chinese sentence on criterion ``key`` for row ``rec``: the value, the limit and the margin."""
    if key == "available":
        return _available_text(rec, req, passed)
    if key == "place":
        return _place_text(rec, req, passed)
    if key == "whole_building":
        return "整栋" if passed else "为楼层/单元，非整栋"
    if key == "area":
        return _area_text(rec.get("floor_area_m2"), req, passed)
    if key == "clear_height":
        return _minimum_text("层高", rec.get("clear_height_m"), req.min_clear_height_m, "m", 1, passed)
    if key == "floor_load":
        return _minimum_text("承重", rec.get("floor_load_kn_m2"), req.floor_load_kn_m2, "kN/㎡", 1, passed)
    if key == "power":
        return _minimum_text("配电", rec.get("power_kva"), req.min_power_kva, "kVA", 0, passed)
    if key == "crane":
        crane = rec.get("crane_t")
        if _missing(crane) or crane == 0:
            return f"无行车，需要 {_num(req.crane_t, 0)} t"
        return _minimum_text("行车", crane, req.crane_t, "t", 0, passed)
    if key == "rent":
        rent, ceiling = rec.get("rent_yuan_m2_month"), req.max_rent_yuan_m2_month
        if _missing(rent):
            return "租金未填报（面议）"
        if passed:
            return f"租金 {_num(rent, 1)} 元/㎡·月 ≤ {_num(ceiling, 1)} 元，低 {_num(ceiling - rent, 1)} 元"
        return f"租金 {_num(rent, 1)} 元/㎡·月 > {_num(ceiling, 1)} 元，高 {_num(rent - ceiling, 1)} 元"
    if key == "industry":
        positioning = "未填报" if _missing(rec.get("positioning")) or not rec.get("positioning") else rec["positioning"]
        return f"园区主导产业（{positioning}）{'含' if passed else '不含'}“{req.industry}”"
    raise KeyError(key)
