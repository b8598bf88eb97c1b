"""analysis.siting: feasibility never ignores a lacking resource, ranking, reasons, what-if without writing, push lists."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from analysis import capacity as cap
from analysis import siting
from analysis.siting import Need

COLUMNS = ["park_id", "name", "county_adcode", "positioning", "planned_area_mu", "built_area_mu", "available_land_mu",
           "power_total_kva", "power_used_kva", "water_total_t_d", "water_used_t_d", "gas_total_m3_d", "gas_used_m3_d",
           "energy_quota_tce", "energy_used_tce"]
NAMES = {"990101": "甲县", "990102": "乙县"}


def parks_frame() -> pd.DataFrame:
    # remaining after the pipeline below: A land 300, power 4,000, water 500, energy 2,000
    #                                     B land 1,000, power 500, water 2,000, energy 10,000
    #                                     C land 200 but water not reported
    return pd.DataFrame([
        ["A", "甲园区", "990101", "电子信息、新材料", 3000, 2000, 400, 10_000, 5_000, 1_000, 400, None, None, 5_000, 3_000],
        ["B", "乙园区", "990102", "食品加工、现代农业", 5000, 3000, 1000, 2_000, 1_500, 3_000, 1_000, None, None, 20_000, 10_000],
        ["C", "丙园区", "990101", "电子信息", 800, 500, 200, 5_000, 1_000, None, None, None, None, 5_000, 1_000],
    ], columns=COLUMNS).astype({c: float for c in COLUMNS[4:]})


def projects_frame() -> pd.DataFrame:
    rows = [("x1", "A", "签约", 100.0, 1000.0, 100.0, 0.0), ("x2", "A", "在谈", 250.0, 0.0, 0.0, 0.0)]
    return pd.DataFrame(rows, columns=["project_id", "park_id", "stage", "land_mu", "power_kva", "water_t_d", "energy_tce"]).assign(
        name=lambda f: f["project_id"], investment_wan=1.0, industry_chain=None, county_adcode="990101")


def rank(need: Need) -> pd.DataFrame:
    parks, projects = parks_frame(), projects_frame()
    return siting.rank_parks(cap.capacity(parks, projects), parks, need, county_names=NAMES)


def test_reasons_per_resource_and_feasibility():
    ranked = rank(Need(land_mu=120, power_kva=1000)).set_index("park_id")
    assert ranked.loc["A", "reasons"][0] == "用地：需 120 亩，剩余 300 亩 ✓（若在谈项目落地仅剩 50 亩）"
    assert ranked.loc["A", "reasons"][1] == "用电：需 1,000 kVA，剩余 4,000 kVA ✓"
    assert ranked.loc["B", "reasons"][1] == "用电：需 1,000 kVA，剩余 500 kVA，缺 500 kVA ✗"
    assert bool(ranked.loc["A", "feasible"]) and not bool(ranked.loc["B", "feasible"]) and bool(ranked.loc["C", "feasible"])
    assert not bool(ranked.loc["A", "fits_if_negotiating"])


# every combination of needs where exactly one resource is too large for park A
LIMITS_A = {"land_mu": 300.0, "power_kva": 4000.0, "water_t_d": 500.0, "energy_tce": 2000.0}


@pytest.mark.parametrize("short", list(LIMITS_A))
@pytest.mark.parametrize("others", [0.0, 0.5, 1.0])
def test_never_feasible_when_any_resource_lacks(short, others):
    values = {k: (v + 1 if k == short else v * others) for k, v in LIMITS_A.items()}
    ranked = rank(Need(**values)).set_index("park_id")
    assert not bool(ranked.loc["A", "feasible"])
    assert any("✗" in r for r in ranked.loc["A", "reasons"])


def test_exact_fit_is_feasible():
    assert bool(rank(Need(**LIMITS_A)).set_index("park_id").loc["A", "feasible"])


def test_unreported_resource_is_not_feasible():
    ranked = rank(Need(land_mu=10, water_t_d=1)).set_index("park_id")
    assert not bool(ranked.loc["C", "feasible"])
    assert ranked.loc["C", "reasons"][1] == "用水：需 1 吨/日，园区未填报供给或已用量 ✗"


def test_oversize_need_has_no_feasible_park_with_reasons():
    ranked = rank(Need(land_mu=1_000_000))
    assert not ranked["feasible"].any()
    assert all(r[0].startswith("用地：需 1,000,000 亩") and r[0].endswith("✗") for r in ranked["reasons"])


def test_feasible_first_then_score_with_positioning_and_preference():
    ranked = rank(Need(land_mu=100, industry="电子信息", counties=("990102",)))
    assert list(ranked["feasible"]) == [True, True, True]
    scores = ranked.set_index("park_id")
    assert scores.at["A", "positioning_score"] == 30 and scores.at["B", "positioning_score"] == 0
    assert scores.at["B", "preference_score"] == 20 and scores.at["A", "preference_score"] == 0
    assert list(ranked["score"]) == sorted(ranked["score"], reverse=True)
    assert "产业定位：电子信息 / 主导产业 电子信息、新材料 ✓" in scores.at["A", "reasons"]
    assert "意向县区：乙县 ✓" in scores.at["B", "reasons"]
    # an infeasible park with a high score still ranks after every feasible one
    mixed = rank(Need(land_mu=250, power_kva=600, industry="电子信息"))
    assert list(mixed["feasible"]) == sorted(mixed["feasible"], reverse=True)


@pytest.mark.parametrize("industry,positioning,score", [("电子信息", "电子信息、新材料", 1.0), ("电子", "电子信息", 0.7),
                                                        ("纺织", "电子信息、新材料", 0.0), (None, "电子信息", 0.0)])
def test_positioning_match(industry, positioning, score):
    assert siting.positioning_match(industry, positioning) == score


def test_what_if_gives_every_park_remaining_with_the_project():
    table = siting.what_if(parks_frame(), projects_frame(), Need(land_mu=250, power_kva=600)).set_index(["park_id", "resource"])
    assert table.loc[("A", "land"), "remaining_now"] == 300 and table.loc[("A", "land"), "remaining_with"] == 50
    assert table.loc[("B", "power"), "remaining_with"] == 0 and table.loc[("B", "power"), "over_committed_with"] == 100
    assert not bool(table.loc[("B", "power"), "fits"]) and bool(table.loc[("A", "power"), "fits"])
    assert table.loc[("C", "land"), "over_committed_with"] == 50
    assert bool(table.loc[("C", "water"), "fits"])  # not needed


def test_what_if_does_not_write(con, toy):
    from layers import parks, projects

    park = parks_frame().iloc[:1].assign(geometry=[toy.park_a])
    parks.insert(con, park, user="测试")
    projects.insert(con, projects_frame().iloc[:1].drop(columns=["industry_chain"]), user="测试")

    def state():
        rows = [con.execute(f"SELECT count(*), max(updated_at) FROM {t}").fetchone() for t in ("parks", "projects")]
        return rows + [con.execute("SELECT count(*), max(logged_at) FROM audit_log").fetchone()]

    before = state()
    park_frame, project_frame = cap.load_inputs(con)
    table = siting.what_if(park_frame, project_frame, Need(land_mu=10_000))
    assert table.set_index("resource").loc["land", "over_committed_with"] == 10_000 - 300
    assert state() == before
    assert cap.capacity(*cap.load_inputs(con)).set_index("resource").loc["land", "remaining"] == 300


def test_push_list_reserves_as_it_goes():
    candidates = pd.DataFrame([
        {"project_id": "n1", "name": "大项目", "stage": "在谈", "park_id": None, "county_adcode": "990101", "investment_wan": 900.0,
         "land_mu": 250.0, "power_kva": 0.0, "water_t_d": 0.0, "energy_tce": 0.0, "industry_chain": "电子信息"},
        {"project_id": "n2", "name": "小项目", "stage": "在谈", "park_id": None, "county_adcode": "990101", "investment_wan": 100.0,
         "land_mu": 250.0, "power_kva": 0.0, "water_t_d": 0.0, "energy_tce": 0.0, "industry_chain": "电子信息"},
        {"project_id": "n3", "name": "巨型项目", "stage": "在谈", "park_id": None, "county_adcode": "990101", "investment_wan": 50.0,
         "land_mu": 5000.0, "power_kva": 0.0, "water_t_d": 0.0, "energy_tce": 0.0, "industry_chain": "电子信息"},
    ])
    pushed = siting.push_list(parks_frame(), projects_frame(), candidates, county_names=NAMES).set_index("project_id")
    assert pushed.at["n1", "park_id"] == "A"  # 300 left, own county, positioning match
    assert pushed.at["n2", "park_id"] == "B"  # A has only 50 left after n1; C has 200
    assert not pushed.at["n3", "feasible"] and pd.isna(pushed.at["n3", "park_id"])
    assert pushed.at["n3", "reasons"][0].endswith("✗")


def test_candidates_without_park():
    frame = pd.DataFrame({"stage": ["在谈", "在谈", "签约", "开工", "在谈"], "park_id": [None, "A", None, None, None],
                          "land_mu": [10.0, 10.0, 0.0, 10.0, 10.0], "power_kva": [0.0, 0.0, 5.0, 0.0, 0.0],
                          "category": ["工业", "工业", "工业", "工业", "非工业"]})
    assert list(siting.candidates_without_park(frame).index) == [0, 2]
    assert list(siting.candidates_without_park(frame, industrial_only=False).index) == [0, 2, 4]


def test_need_amounts_only_positive():
    assert Need(land_mu=1, power_kva=0).amounts() == {"land": 1.0}
    assert list(itertools.islice(siting.need_of({"land_mu": 2.0, "power_kva": None, "industry_chain": "x"}).amounts(), 5)) == ["land"]


def test_demo_120_mu_project_has_room_in_most_parks(demo_con):
    """The demo's pipeline leaves room: a 120 亩 project (with the page's default 2,000 kVA) fits in ≥ 5 of the 9 parks
    under the default counting rule, and the rule that counts 开工 land again leaves fewer."""
    parks, projects = cap.load_inputs(demo_con)
    need = Need(land_mu=120, power_kva=2000)
    feasible = siting.rank_parks(cap.capacity(parks, projects, started_land="granted"), parks, need)["feasible"]
    counted = siting.rank_parks(cap.capacity(parks, projects, started_land="reserve"), parks, need)["feasible"]
    assert len(feasible) == 9 and feasible.sum() >= 5
    assert counted.sum() < feasible.sum()
    assert siting.rank_parks(cap.capacity(parks, projects), parks, Need(land_mu=120))["feasible"].sum() >= 5  # configured rule
