"""Deterministic demo projects for 咸宁市: the 2018 H1 signings of seed 003, the 2017 cohort and the pipeline.

Returns plain records (dicts); :mod:`data.demo` places them on the map and writes them.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from data import demo_catalog as cat
from data.demo_money import BIG1, SMALL, draw, split_cell

AS_OF = date.fromisoformat(cat.AS_OF)
STEPS = ("签约", "注册", "开工", "投产")
UNIT_NAME = {u[0]: u[1] for u in cat.UNITS}
UNIT_COUNTY = {u[0]: u[4] for u in cat.UNITS}
#: Land needs are drawn as investment ÷ 投资强度 and then scaled by this: the demo's pipeline (hundreds of signed 亿元
#: projects) at full size would over-commit 8 of its 9 parks, leaving 项目选址 nothing to show. Scaling the land
#: (and the power and water drawn from it) draws no extra random numbers, so every seed figure stays as it was.
LAND_SCALE = 0.3


class ProjectFactory:
    """Builds project records with unique ids and names from one seeded random generator."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.records: list[dict] = []
        self.names: set[str] = set()

    # -- names -------------------------------------------------------------------------------
    def _pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def _identity(self, category: str, unit: str) -> tuple[str, str, str, str]:
        home = self._pick(cat.HOME_PLACES)
        head = self._pick(cat.INVESTOR_HEADS)
        investor = f"{home}{head}{self._pick(cat.INVESTOR_TAILS)}"
        if category == "工业":
            chain = self._pick(list(cat.INDUSTRIAL_CHAINS))
            product = self._pick(cat.INDUSTRIAL_CHAINS[chain])
            name = f"{head}{product}{self._pick(('生产基地', '产业园', '生产线', '智能制造'))}项目"
        else:
            chain = self._pick(list(cat.NON_INDUSTRIAL))
            name = f"{UNIT_NAME[unit].removesuffix('区').removesuffix('县').removesuffix('市')}{self._pick(cat.NON_INDUSTRIAL[chain])}项目"
        base, n = name, 2
        while name in self.names:
            name = base.replace("项目", f"（{'二三四五六七八九十'[min(n - 2, 8)]}期）项目") if n < 11 else f"{base}{n}"
            n += 1
        origin = "市内" if home == "咸宁" else ("市外省内" if home == "武汉" else "省外")
        return name, investor, chain, origin

    # -- dates -------------------------------------------------------------------------------
    def _day(self, lo: date, hi: date) -> date:
        span = max(0, (hi - lo).days)
        return lo + timedelta(days=int(self.rng.integers(span + 1)))

    def lifecycle(self, stage: str, signed: tuple[date, date], start: tuple[date, date] | None = None) -> dict:
        """Stage dates consistent with ``stage`` as of the demo date; ``start`` pins the start window."""
        reach = STEPS.index(stage) if stage in STEPS else 0
        steps_after = reach
        latest_sign = min(signed[1], AS_OF - timedelta(days=12 * steps_after))
        if start is not None:
            latest_sign = min(latest_sign, start[1] - timedelta(days=20))
        d = {"signed_on": self._day(signed[0], latest_sign)}
        prev = d["signed_on"]
        for i, step in enumerate(STEPS[1 : reach + 1], start=1):
            key = {"注册": "registered_on", "开工": "started_on", "投产": "produced_on"}[step]
            left = reach - i
            hi = AS_OF - timedelta(days=10 * left)
            lo = prev + timedelta(days=5)
            if step == "开工" and start is not None:
                lo, hi = max(lo, start[0]), min(hi, start[1])
            elif step == "注册" and start is not None:
                hi = min(hi, start[1] - timedelta(days=5))
            span_days = max(0, (hi - lo).days)
            # Earlier steps come sooner: take a fraction of the window so later steps still fit.
            day = lo + timedelta(days=int(span_days * self.rng.uniform(0.05, 0.6 if left else 1.0)))
            d[key] = day
            prev = day
        return d

    # -- records -----------------------------------------------------------------------------
    def add(self, *, unit: str, category: str, amount: int, stage: str, dates: dict, cohort: str,
            name: str | None = None, source: str | None = None) -> dict:
        rng = self.rng
        gen_name, investor, chain, origin = self._identity(category, unit)
        name = name or gen_name
        self.names.add(name)
        big = amount >= BIG1[0]
        if category == "工业":
            sign_type = "合同" if rng.random() < 0.82 else "协议"
            land = amount / rng.uniform(150, 450) * LAND_SCALE
            power = land * rng.uniform(15, 50)
        else:
            sign_type = "合同" if rng.random() < 0.62 else ("框架协议" if big and rng.random() < 0.4 else "协议")
            land = amount / rng.uniform(300, 1500) * LAND_SCALE if rng.random() < 0.7 else 0.0
            power = land * rng.uniform(3, 12)
        funds_share = {"投产": (0.55, 0.95), "开工": (0.12, 0.45), "注册": (0.0, 0.08), "停滞": (0.0, 0.05)}.get(stage, (0.0, 0.01))
        signed_on = dates.get("signed_on")
        rec = {
            "project_id": f"XN-{cohort}-{len(self.records) + 1:04d}",
            "name": name,
            "investor": investor,
            "source": source or self._pick(cat.SOURCES[1:]),
            "origin": origin,
            "industry_chain": chain,
            "category": category,
            "sign_type": sign_type if signed_on else None,
            "investment_wan": float(amount),
            "funds_in_place_wan": float(round(amount * rng.uniform(*funds_share), 1)) if signed_on else 0.0,
            "unit_id": unit,
            "county_adcode": UNIT_COUNTY[unit],
            "land_mu": round(float(land), 1),
            "power_kva": float(round(power / 10) * 10),
            "water_t_d": round(float(land * rng.uniform(0.5, 6)), 0),
            "energy_tce": round(float(amount * rng.uniform(0.004, 0.02)), 0) if category == "工业" else round(float(amount * 0.002), 0),
            "leader": self._pick(cat.LEADERS),
            "responsible_unit": f"{UNIT_NAME[unit]}{'招商局' if unit != cat.GX_UNIT else '招商服务局'}",
            "fortune500": bool(big and rng.random() < 0.04),
            "national_code": None,
            "stage": stage,
            "signed_on": signed_on,
            "registered_on": dates.get("registered_on"),
            "started_on": dates.get("started_on"),
            "produced_on": dates.get("produced_on"),
            "planned_start": signed_on + timedelta(days=int(rng.integers(60, 240))) if signed_on else None,
        }
        if rec["started_on"] is not None:
            rec["planned_start"] = rec["started_on"] - timedelta(days=int(rng.integers(-30, 90)))
            if rng.random() < 0.7:
                kind = "03" if category == "工业" else "01"
                rec["national_code"] = f"{rec['signed_on'].year}-{UNIT_COUNTY[unit]}-{int(rng.integers(13, 90)):02d}-{kind}-{int(rng.integers(1, 999999)):06d}"
        self.records.append(rec)
        return rec


def _assign(rng: np.random.Generator, n: int, counts: dict[str, int], rest: str) -> list[str]:
    """Shuffle ``n`` stage labels with exact ``counts`` and ``rest`` for the remainder."""
    labels = [s for s, k in counts.items() for _ in range(k)]
    labels += [rest] * (n - len(labels))
    rng.shuffle(labels)
    return labels


def projects_2018h1(f: ProjectFactory) -> None:
    """The 391 projects signed 2018-01..06, reproducing seed 003's per-unit table exactly."""
    rng = f.rng
    window = (date(2018, 1, 3), date(2018, 6, 28))
    named = {n[1]: n for n in cat.NAMED_2018}
    big_stages = _assign(rng, 113, {"开工": 27, "注册": 40}, "签约")  # + 2 named in production = 115
    small_stages = _assign(rng, 276, {"投产": 6, "开工": 54, "注册": 90}, "签约")
    spring = set(rng.choice(391, size=41, replace=False).tolist())
    for unit, *_ in cat.UNITS:
        for category, (b10, b1, small, total) in zip(("工业", "非工业"), cat.CELLS[unit]):
            fixed = named.get(unit) if category == "工业" else None
            big, mid, tiny = split_cell(rng, b10, b1, small, total, (fixed[2],) if fixed else ())
            for i, amount in enumerate(big + mid + tiny):
                is_named = bool(fixed) and i == len(big)
                stage = "投产" if is_named else (big_stages.pop() if amount >= BIG1[0] else small_stages.pop())
                source = cat.SOURCES[0] if len(f.records) in spring else None
                f.add(unit=unit, category=category, amount=amount, stage=stage, cohort="2018",
                      dates=f.lifecycle(stage, window), name=fixed[0] if is_named else None, source=source)


def projects_2017(f: ProjectFactory) -> None:
    """The 2017 cohort: 401 projects ≥1亿 (82 ≥10亿; 384 registered) and smaller ones, as of 2018-06-30."""
    rng = f.rng
    units = [u[0] for u in cat.UNITS]
    weights = np.array([u[5] for u in cat.UNITS], dtype=float)
    weights /= weights.sum()
    window = (date(2017, 1, 5), date(2017, 12, 28))
    h1 = (date(2018, 1, 5), date(2018, 6, 25))
    late = (date(2017, 2, 1), date(2017, 12, 28))
    for name, unit, amount, category in cat.NAMED_2017_PRODUCED:
        f.add(unit=unit, category=category, amount=amount, stage="投产", cohort="2017", name=name,
              dates=f.lifecycle("投产", (date(2017, 1, 5), date(2017, 6, 30)), late))
    big10 = _assign(rng, 72, {"开工": 26, "注册": 33, "停滞": 3, "终止": 1}, "签约")
    mid = _assign(rng, 319, {"投产": 60, "开工": 90, "注册": 165, "停滞": 2}, "签约")
    started_in_h1 = set(rng.choice(26 + 90, size=57, replace=False).tolist())
    started_seen = 0
    cohorts = [(big10, lambda n: draw(rng, 100_000, 600_000, n, 150_000)),
               (mid, lambda n: draw(rng, *BIG1, n, 25_000)),
               (_assign(rng, 150, {"投产": 25, "开工": 35, "注册": 40}, "签约"), lambda n: draw(rng, *SMALL, n, 2_500))]
    for stages, amounts in cohorts:
        for stage, amount in zip(stages, amounts(len(stages))):
            unit = units[int(rng.choice(len(units), p=weights))]
            category = "工业" if rng.random() < 0.6 else "非工业"
            start = None
            if stage in ("开工", "投产") and amount >= BIG1[0]:
                start = late
                if stage == "开工":
                    start = h1 if started_seen in started_in_h1 else late
                    started_seen += 1
            real = "签约" if stage in ("停滞", "终止") else stage
            rec = f.add(unit=unit, category=category, amount=amount, stage=stage, cohort="2017",
                        dates=f.lifecycle(real, window, start))
            if stage in ("停滞", "终止"):
                rec["stage_changed_on"] = rec["signed_on"] + timedelta(days=int(rng.integers(90, 300)))


def pipeline(f: ProjectFactory) -> None:
    """Projects not yet signed: 112 in negotiation (incl. the named ones) and 162 leads."""
    rng = f.rng
    units = [u[0] for u in cat.UNITS]
    for name, unit, amount, category in cat.NAMED_NEGOTIATING:
        f.add(unit=unit, category=category, amount=amount, stage="在谈", cohort="P", name=name, dates={})
    for stage, n in (("在谈", 112 - len(cat.NAMED_NEGOTIATING)), ("线索", 162)):
        for amount in draw(rng, 1_000, 500_000, n, 30_000):
            unit = units[int(rng.integers(len(units)))]
            f.add(unit=unit, category="工业" if rng.random() < 0.6 else "非工业", amount=amount,
                  stage=stage, cohort="P", dates={})


def generate(seed: int = 20180630) -> list[dict]:
    """All demo project records (deterministic for a seed)."""
    f = ProjectFactory(np.random.default_rng(seed))
    projects_2018h1(f)
    projects_2017(f)
    pipeline(f)
    return f.records
