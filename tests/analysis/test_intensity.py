"""analysis.intensity: 亩均 metrics per park and project against configurable 标准地 thresholds."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import intensity
from analysis.intensity import Standards, Thresholds, load_standards
from layers.vocab import MU_M2


def parks_frame() -> pd.DataFrame:
    return pd.DataFrame({"park_id": ["A", "B", "C"], "name": ["甲", "乙", "丙"], "county_adcode": ["990101", "990102", "990101"],
                         "built_area_mu": [1000.0, 500.0, 0.0]})


def metrics_frame() -> pd.DataFrame:
    return pd.DataFrame([
        {"park_id": "A", "year": 2016, "tax_wan": 1.0, "output_wan": 1.0, "floor_area_m2": 1.0, "fixed_investment_wan": 1.0},
        {"park_id": "A", "year": 2017, "tax_wan": 10_000.0, "output_wan": 400_000.0, "floor_area_m2": 1000 * MU_M2 * 1.2,
         "fixed_investment_wan": 200_000.0},
        {"park_id": "B", "year": 2017, "tax_wan": 3_000.0, "output_wan": 100_000.0, "floor_area_m2": 500 * MU_M2 * 0.5,
         "fixed_investment_wan": 50_000.0},
    ])


STANDARDS = Standards(Thresholds(investment_wan_per_mu=150, tax_wan_per_mu=8, output_wan_per_mu=300, floor_area_ratio=1.0),
                      counties={"990102": {"tax_wan_per_mu": 5.0}}, industries={"电子信息": {"investment_wan_per_mu": 250.0}})


def test_park_intensity_latest_year_and_thresholds():
    table = intensity.park_intensity(parks_frame(), metrics_frame(), STANDARDS).set_index("park_id")
    a, b = table.loc["A"], table.loc["B"]
    assert a["year"] == 2017
    assert (a["investment_wan_per_mu"], a["tax_wan_per_mu"], a["output_wan_per_mu"]) == (200, 10, 400)
    assert a["floor_area_ratio"] == pytest.approx(1.2)
    assert a["meets_investment_wan_per_mu"] and a["meets_tax_wan_per_mu"] and a["meets_floor_area_ratio"]
    assert (b["investment_wan_per_mu"], b["tax_wan_per_mu"]) == (100, 6)
    assert b["min_tax_wan_per_mu"] == 5  # county override
    assert not b["meets_investment_wan_per_mu"] and b["meets_tax_wan_per_mu"] and not b["meets_floor_area_ratio"]


def test_park_without_land_or_figures_is_unknown_not_failing():
    table = intensity.park_intensity(parks_frame(), metrics_frame(), STANDARDS).set_index("park_id")
    assert pd.isna(table.at["C", "tax_wan_per_mu"])
    assert pd.isna(table.at["C", "meets_tax_wan_per_mu"])


def test_park_intensity_for_a_given_year():
    table = intensity.park_intensity(parks_frame(), metrics_frame(), STANDARDS, year=2016).set_index("park_id")
    assert table.at["A", "tax_wan_per_mu"] == pytest.approx(0.001)
    assert pd.isna(table.at["B", "tax_wan_per_mu"])


def projects_frame() -> pd.DataFrame:
    rows = [
        # id, stage, county, industry, land, investment, funds
        ("p1", "投产", "990101", "电子信息", 100.0, 30_000.0, 20_000.0),  # committed 300, actual 200 → short by 100
        ("p2", "投产", "990101", "食品", 100.0, 20_000.0, 20_000.0),  # committed = actual → fine
        ("p3", "开工", "990101", "食品", 100.0, 10_000.0, 1_000.0),  # not producing: never short; below 150 standard
        ("p4", "投产", "990101", "食品", 0.0, 10_000.0, 5_000.0),  # no land: no intensity
    ]
    return pd.DataFrame(rows, columns=["project_id", "stage", "county_adcode", "industry_chain", "land_mu", "investment_wan",
                                       "funds_in_place_wan"]).assign(name=lambda f: f["project_id"], park_id="A")


def test_project_intensity_and_commitment():
    table = intensity.project_intensity(projects_frame(), STANDARDS).set_index("project_id")
    assert table.at["p1", "committed_wan_per_mu"] == 300 and table.at["p1", "actual_wan_per_mu"] == 200
    assert table.at["p1", "min_investment_wan_per_mu"] == 250  # industry override
    assert table.at["p3", "min_investment_wan_per_mu"] == 150
    assert list(table["short_of_commitment"]) == [True, False, False, False]
    assert table.at["p1", "shortfall_wan_per_mu"] == 100
    assert bool(table.at["p1", "meets_standard"]) and not bool(table.at["p3", "meets_standard"])
    assert pd.isna(table.at["p4", "committed_wan_per_mu"]) and pd.isna(table.at["p4", "meets_standard"])
    short = intensity.short_of_commitment(projects_frame(), STANDARDS)
    assert list(short["project_id"]) == ["p1"]


def test_commitment_share_is_configurable():
    lenient = Standards(Thresholds(commitment_share=0.6))
    assert intensity.short_of_commitment(projects_frame(), lenient).empty  # 200 ≥ 0.6 × 300


def test_config_file_overrides(tmp_path):
    path = tmp_path / "standards.toml"
    path.write_text('[default]\ninvestment_wan_per_mu = 180\n[industry."电子信息"]\ntax_wan_per_mu = 20\n'
                    '[county."990101"]\ntax_wan_per_mu = 6\n', encoding="utf-8")
    standards = load_standards(path)
    assert standards.for_().investment_wan_per_mu == 180 and standards.for_().tax_wan_per_mu == 8
    assert standards.for_(county="990101").tax_wan_per_mu == 6
    assert standards.for_(county="990101", industry="电子信息").tax_wan_per_mu == 20
    assert standards.for_(industry="电子信息元器件").tax_wan_per_mu == 20  # contained name matches


def test_config_rejects_unknown_keys(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[default]\ntax_per_mu = 8\n", encoding="utf-8")
    with pytest.raises(ValueError, match="未知指标"):
        load_standards(path)


def test_shipped_config_has_the_usual_thresholds():
    standards = load_standards()
    assert standards.default.investment_wan_per_mu == 150 and standards.default.tax_wan_per_mu == 8


def test_demo_parks_have_2017_figures(demo_con):
    from analysis.capacity import load_inputs, load_metrics

    parks, _ = load_inputs(demo_con)
    table = intensity.park_intensity(parks, load_metrics(demo_con)).set_index("park_id")
    assert set(table["year"]) == {2017}
    assert table.at["P-GX", "tax_wan_per_mu"] == pytest.approx(14.6, abs=0.01)
    assert not table.at["P-JYP", "meets_investment_wan_per_mu"]
