"""Demo 2017 park figures (税收, 产值, 建筑面积, 固定资产投资) for the 亩均 metrics of :mod:`analysis.intensity`.

Each park gets fixed per-mu rates (below), multiplied by its built area, so the figures are deterministic,
plausible for Hubei county-level parks in 2017 and spread around the 标准地 thresholds of
``config/standards.toml`` (投资强度 150 万元/亩, 亩均税收 8 万元/亩): the 高新区 is well above, 潘家湾 and
通山 fall short. Uses no random numbers, so it never shifts the rest of the demo.
"""

from __future__ import annotations

import pandas as pd

from layers import park_metrics, parks
from layers.vocab import MU_M2

YEAR = 2017
#: park_id → (亩均税收 万元/亩, 亩均产值 万元/亩, 投资强度 万元/亩, 容积率)
RATES = {
    "P-GX": (14.6, 520.0, 265.0, 1.25),
    "P-XA": (9.2, 360.0, 185.0, 1.05),
    "P-JY": (8.4, 330.0, 172.0, 0.98),
    "P-JYP": (4.1, 150.0, 98.0, 0.72),
    "P-CB": (10.3, 410.0, 210.0, 1.10),
    "P-CBM": (8.9, 380.0, 240.0, 0.95),
    "P-TC": (7.6, 300.0, 160.0, 0.92),
    "P-CY": (8.1, 295.0, 156.0, 0.88),
    "P-TS": (5.3, 210.0, 128.0, 0.81),
}


def frame(park_frame: pd.DataFrame) -> pd.DataFrame:
    """One 2017 row per demo park that has rates: figures = rate × built area (亩)."""
    rows = []
    for park in park_frame.itertuples(index=False):
        if park.park_id not in RATES or not park.built_area_mu:
            continue
        tax, output, invest, far = RATES[park.park_id]
        mu = float(park.built_area_mu)
        rows.append({"metric_id": park_metrics.metric_id(park.park_id, YEAR), "park_id": park.park_id, "year": YEAR,
                     "tax_wan": round(tax * mu, 0), "output_wan": round(output * mu, 0),
                     "floor_area_m2": round(far * mu * MU_M2, 0), "fixed_investment_wan": round(invest * mu, 0)})
    return pd.DataFrame(rows)


def write(con, *, user: str) -> int:
    """Insert the figures for the parks already in the store; returns the row count."""
    rows = frame(parks.load(con))
    return park_metrics.insert(con, rows, user=user) if len(rows) else 0
