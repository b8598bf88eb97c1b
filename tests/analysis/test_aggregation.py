"""DuckDB grid/county/park aggregation and county KPIs, on hand-built points with known answers."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from analysis import aggregation
from analysis.kpis import Period
from layers import projects


@pytest.fixture
def placed(con, toy):
    rows = [  # (id, county, lon, lat, investment 万元, stage, signed)
        ("P1", toy.a, 114.01, 29.01, 100.0, "签约", date(2018, 2, 1)),
        ("P2", toy.a, 114.02, 29.02, 300.0, "开工", date(2018, 3, 1)),
        ("P3", toy.a, 114.09, 29.09, 50.0, "在谈", None),
        ("P4", toy.b, 114.15, 29.05, 20000.0, "开工", date(2018, 5, 1)),
        ("P5", toy.b, None, None, 7.0, "签约", date(2018, 1, 1)),  # location pending
    ]
    frame = gpd.GeoDataFrame(
        {"project_id": [r[0] for r in rows], "name": [f"项目{r[0]}" for r in rows], "county_adcode": [r[1] for r in rows],
         "investment_wan": [r[4] for r in rows], "stage": [r[5] for r in rows], "signed_on": [r[6] for r in rows],
         "park_id": ["K1", "K1", None, "K2", None]},
        geometry=[Point(r[2], r[3]) if r[2] else None for r in rows], crs=toy.crs)
    projects.insert(con, frame, user="测试")
    return con


def test_grid_counts_and_positions(placed):
    cells = aggregation.aggregates.grid(placed, "projects", 0.05)
    assert cells["n"].sum() == 4  # the pending project has no cell
    first = cells[(cells["gx"] == 2280) & (cells["gy"] == 580)].iloc[0]  # 114.00–114.05, 29.00–29.05
    assert first["n"] == 2 and first["total"] == 400.0
    assert first["x"] == pytest.approx(114.015) and first["y"] == pytest.approx(29.015)
    assert aggregation.aggregates.grid(placed, "projects", 0.05, county=[placed and "990102"])["n"].sum() == 1


def test_county_and_park_totals(placed, toy):
    by_county = aggregation.county_totals(placed, "projects").set_index("county_adcode")
    assert by_county.loc[toy.a, "n"] == 3 and by_county.loc[toy.b, "total"] == 20000.0
    by_park = aggregation.park_totals(placed, "projects").set_index("park_id")
    assert by_park.loc["K1", "n"] == 2 and by_park.loc["K2", "total"] == 20000.0
    assert aggregation.located_count(placed, "projects", county=toy.a) == 3
    with pytest.raises(KeyError):
        aggregation.county_totals(placed, "regions")


def test_cell_size_fits_the_extent():
    assert aggregation.cell_size((114.0, 29.0, 114.2, 29.1)) == 0.005
    assert aggregation.cell_size((108.3, 29.0, 116.2, 33.3)) == 0.2  # 湖北 ~8°: 40 cells
    assert aggregation.cell_size((73, 18, 135, 54)) == 2.0


def test_county_kpi_uses_the_kpi_formulas(placed, toy):
    frame = pd.DataFrame(projects.load(placed).drop(columns="geometry"))
    signed = aggregation.county_kpi(frame, "signed", Period.from_months("2018-01", "2018-06"))
    assert signed.to_dict() == {toy.a: 2, toy.b: 2}
    rate = aggregation.county_kpi(frame, "start_rate", Period.from_months("2018-01", "2018-06"))
    assert rate[toy.a] == 0.5 and rate[toy.b] == 0.5
    assert aggregation.format_kpi("start_rate", 0.5) == "50.0%" and aggregation.format_kpi("signed", None) == "—"
    with pytest.raises(KeyError):
        aggregation.county_kpi(frame, "bogus")
