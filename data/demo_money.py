"""Deterministic split of a cell total (万元) into project amounts with given size classes.

Size classes: ≥10亿 (≥ 100,000 万), 1–10亿 (10,000–99,000 万), small (500–9,900 万). Amounts are
multiples of 100 万 and add up to the total exactly, so per-unit sums reproduce a published table.
"""

from __future__ import annotations

import numpy as np

STEP = 100
BIG10_MIN = 100_000
BIG1 = (10_000, 99_000)
SMALL = (500, 9_900)


def _fill(rng: np.random.Generator, lows: np.ndarray, highs: np.ndarray, weights: np.ndarray, total: int) -> np.ndarray:
    """Integers in [lows, highs] (multiples of STEP) summing to ``total``, spread by ``weights``."""
    out = lows.astype(np.int64).copy()
    slack = total - int(out.sum())
    if slack < 0 or slack > int((highs - lows).sum()):
        raise ValueError("cell total outside the feasible range")
    room = (highs - lows).astype(np.int64)
    while slack >= STEP:
        open_ = room > 0
        share = weights * open_
        share = share / share.sum()
        add = np.minimum((np.floor(share * slack / STEP) * STEP).astype(np.int64), room)
        if add.sum() == 0:  # hand out single steps to the heaviest open items
            order = np.argsort(-share)
            add = np.zeros_like(add)
            for i in order[: slack // STEP]:
                if room[i] >= STEP:
                    add[i] = STEP
        out += add
        room -= add
        slack -= int(add.sum())
    return out


def split_cell(rng: np.random.Generator, n_big10: int, n_big1: int, n_small: int, total: int,
               fixed_big1: tuple[int, ...] = ()) -> tuple[list[int], list[int], list[int]]:
    """Amounts for each size class; ``fixed_big1`` are amounts already decided (counted in ``n_big1``)."""
    free_big1 = n_big1 - len(fixed_big1)
    rest = total - sum(fixed_big1)
    lows = np.array([BIG1[0]] * free_big1 + [SMALL[0]] * n_small)
    highs = np.array([BIG1[1]] * free_big1 + [SMALL[1]] * n_small)
    weights = np.concatenate([rng.gamma(2.0, 1.0, free_big1), rng.gamma(1.5, 0.15, n_small)]) + 1e-6
    if n_big10:
        share = rng.uniform(0.3, 0.55) * rest
        mid = int(np.clip(share, lows.sum(), highs.sum()))
        mid = min(mid, rest - n_big10 * BIG10_MIN)
        mid -= mid % STEP
        filled = _fill(rng, lows, highs, weights, mid)
        big_total = rest - int(filled.sum())
        parts = rng.dirichlet(np.full(n_big10, 1.5)) * (big_total - n_big10 * BIG10_MIN)
        big = [BIG10_MIN + int(p // STEP * STEP) for p in parts]
        big[-1] += big_total - sum(big)
    else:
        filled = _fill(rng, lows, highs, weights, rest)
        big = []
    big1 = list(fixed_big1) + [int(x) for x in filled[:free_big1]]
    small = [int(x) for x in filled[free_big1:]]
    return big, big1, small


def draw(rng: np.random.Generator, low: int, high: int, size: int, median: float) -> list[int]:
    """``size`` log-normal amounts around ``median`` clipped to [low, high], multiples of STEP."""
    raw = np.clip(rng.lognormal(np.log(median), 0.6, size), low, high)
    return [int(x // STEP * STEP) for x in raw]
