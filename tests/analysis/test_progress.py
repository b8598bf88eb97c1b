"""analysis.progress: the DOMAIN.md rates against seed figures, priority share, funnel, monthly trend."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analysis import progress
from analysis.kpis import Period, rate

COLUMNS = ["project_id", "unit_id", "category", "sign_type", "stage", "investment_wan", "funds_in_place_wan", "industry_chain",
           "signed_on", "registered_on", "started_on", "produced_on"]


def cohort(n: int, counts: dict[str, int], *, unit="U1", prefix="p", signed=date(2018, 3, 1), chain="其他", inv=10_000.0,
           funds=0.0) -> list[list]:
    """``n`` signed projects; ``counts`` of them at 投产/开工/注册 (stage only, as imported ledgers give)."""
    stages = [s for s, k in counts.items() for _ in range(k)]
    stages += ["签约"] * (n - len(stages))
    return [[f"{prefix}{i}", unit, "工业", "合同", s, inv, funds, chain, signed, None, None, None] for i, s in enumerate(stages)]


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def test_seed_000_performance_rate():
    """履约率/实施率: 110 of the 148 projects signed at the events are implemented → 74.3%."""
    r = progress.rates(frame(cohort(148, {"投产": 30, "开工": 80, "注册": 20})))
    assert (r["signed"], r["started"]) == (148, 110)
    assert r["performance_rate"] == 0.7432 and f"{r['performance_rate']:.1%}" == "74.3%"


def test_seed_004_start_rate():
    """商洛: 49 of 106 new signings started → 46.23%."""
    r = progress.rates(frame(cohort(106, {"开工": 49})))
    assert r["start_rate"] == 0.4623 and f"{r['start_rate']:.2%}" == "46.23%"


def test_seed_003_registration_and_start_rates():
    """咸宁 2018 H1, the 115 ≥1亿 projects: 69 registered (60%), 29 started (25.2%), 2 in production."""
    r = progress.rates(frame(cohort(115, {"投产": 2, "开工": 27, "注册": 40})), Period.from_months("2018-01", "2018-06"))
    assert (r["registered"], r["started"], r["in_production"]) == (69, 29, 2)
    assert r["registration_rate"] == 0.6 and r["landing_rate"] == 0.6
    assert f"{r['start_rate']:.1%}" == "25.2%"
    assert r["production_rate"] == round(2 / 115, 4)


def test_seed_000_funds_and_target_rates():
    assert f"{rate(518.81, 615):.2%}" == "84.36%"  # 目标完成率
    r = progress.rates(frame(cohort(1, {}, inv=1_057_900.0, funds=55_750.0)))
    assert f"{r['funds_in_place_rate']:.2%}" == "5.27%"  # 55.75亿 of the signed contracts' 1,057.9亿


def test_rates_for_a_period_and_a_unit():
    rows = cohort(10, {"开工": 4}, unit="U1", prefix="a") + cohort(5, {"开工": 5}, unit="U2", prefix="b")
    rows += cohort(3, {"开工": 3}, unit="U1", prefix="old", signed=date(2017, 6, 1))
    h1 = Period.from_months("2018-01", "2018-06")
    assert progress.rates(frame(rows), h1, "U1")["start_rate"] == 0.4
    assert progress.rates(frame(rows), h1, "U2")["start_rate"] == 1.0
    assert progress.rates(frame(rows), h1)["signed"] == 15
    assert progress.rates(frame(rows))["signed"] == 18  # all time
    assert progress.rates(frame(rows), h1, "U9")["start_rate"] is None


def test_priority_share_seed_000(tmp_path):
    """“三新” 298 of 545 projects → 54.68%; the list comes from configuration."""
    rows = cohort(298, {}, chain="新能源", prefix="x") + cohort(247, {}, chain="商贸", prefix="y")
    share = progress.priority_share(frame(rows), industries=("新能源", "新材料"))
    assert (share["projects"], share["signed"]) == (298, 545) and f"{share['share']:.2%}" == "54.68%"
    cfg = tmp_path / "indicators.toml"
    cfg.write_text('priority_industries = ["商贸"]\n', encoding="utf-8")
    assert progress.priority_industries(cfg) == ("商贸",)
    assert progress.priority_share(frame(rows), industries=progress.priority_industries(cfg))["projects"] == 247
    assert "电子信息" in progress.priority_industries()  # the shipped config/indicators.toml


def test_funnel_counts_reached_stages():
    rows = cohort(10, {"投产": 1, "开工": 2, "注册": 3})
    rows += [["n1", "U1", "工业", None, "在谈", 5_000.0, 0.0, "其他", None, None, None, None],
             ["n2", "U1", "工业", None, "线索", 5_000.0, 0.0, "其他", None, None, None, None]]
    f = progress.funnel(frame(rows)).set_index("stage")
    assert f["reached"].tolist() == [12, 11, 10, 6, 3, 1]
    assert f.loc["签约", "now"] == 4 and f.loc["在谈", "now"] == 1
    assert f.loc["签约", "investment_yi"] == 10.0


def test_monthly_trend_from_snapshots():
    may = frame(cohort(3, {}, signed=date(2018, 5, 3), prefix="m"))
    june = pd.concat([may.assign(stage="开工", started_on=date(2018, 6, 2)), frame(cohort(2, {}, signed=date(2018, 6, 9), prefix="j"))])
    t = progress.monthly_trend({"2018-06": june, "2018-05": may}).set_index("month")
    assert t.index.tolist() == ["2018-05", "2018-06"]
    assert t.loc["2018-05", ["signed", "started", "ytd_signed"]].tolist() == [3, 0, 3]
    assert t.loc["2018-06", ["signed", "started", "ytd_signed"]].tolist() == [2, 3, 5]
    assert t.loc["2018-06", "investment_yi"] == 2.0 and t.loc["2018-06", "ytd_start_rate"] == 0.6
