"""reports: the 月通报 workbook is reproducible after later edits, never writes formulas from data; printable page."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from layers import months, project_history, projects, targets
from reports import monthly, printable
from reports.monthly import collect

USER = "测试"


def cells(data: bytes) -> dict:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {(ws.title, c.coordinate): (c.value, c.data_type) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None}


def test_report_for_a_past_month_is_reproducible_after_edits(demo_copy):
    first = monthly.to_bytes(collect(demo_copy, "2018-05"))
    before = cells(first)
    assert before[("指标完成", "A1")][0] == "2018年5月招商引资项目推进情况通报"
    pid = projects.load(demo_copy).query("stage == '签约'")["project_id"].iloc[0]
    projects.update(demo_copy, pid, {"stage": "投产", "started_on": date(2018, 5, 2), "produced_on": date(2018, 5, 20),
                                     "investment_wan": 9_999_999.0, "name": "改名后的项目"}, user="编辑")
    projects.delete(demo_copy, projects.load(demo_copy)["project_id"].iloc[-1], user="编辑")
    again = monthly.to_bytes(collect(demo_copy, "2018-05"))
    assert cells(again) == before
    assert again == first  # fixed properties and zip timestamps: byte-identical


def test_freezing_makes_a_month_reproducible_after_edits_of_projects_and_targets(demo_copy):
    live = collect(demo_copy, "2018-06")
    assert not live.frozen
    assert months.freeze(demo_copy, "2018-06", user=USER).already is False
    frozen = collect(demo_copy, "2018-06")
    assert frozen.frozen and frozen.figures | {"frozen": False} == live.figures  # the same numbers, now published
    first = monthly.to_bytes(frozen)
    pid = projects.load(demo_copy).query("stage == '签约'")["project_id"].iloc[0]
    projects.update(demo_copy, pid, {"stage": "开工", "started_on": date(2018, 6, 10), "investment_wan": 5_000_000.0}, user="编辑")
    targets.save(demo_copy, targets.load(demo_copy, year=2018).head(3).assign(target_value=1.0), [], user="编辑")
    assert monthly.to_bytes(collect(demo_copy, "2018-06")) == first
    assert collect(demo_copy, "2018-06").figures == frozen.figures
    assert months.freeze(demo_copy, "2018-06", user=USER).already is True  # freezing twice changes nothing
    assert monthly.to_bytes(collect(demo_copy, "2018-06")) == first


def test_reading_a_month_never_writes(demo_copy):
    before = demo_copy.execute("SELECT count(*) FROM audit_log").fetchone()
    for month in ("2018-05", "2018-06", "2018-07"):
        collect(demo_copy, month)
    assert demo_copy.execute("SELECT count(*) FROM audit_log").fetchone() == before
    assert "2018-07" not in project_history.snapshot_months(demo_copy)


def test_workbook_contents(demo_copy):
    report = collect(demo_copy, "2018-06")
    got = cells(monthly.to_bytes(report))
    wb_sheets = {sheet for sheet, _ in got}
    assert wb_sheets == {"指标完成", "排名", "红黄灯", "督办"}
    rows = {v[0] for (sheet, coord), v in got.items() if sheet == "指标完成" and coord.startswith("A")}
    assert {"咸宁高新区", "通山县", "合计"} <= rows
    total_row = next(c[1:] for (s, c), v in got.items() if s == "指标完成" and v[0] == "合计")
    assert got[("指标完成", f"B{total_row}")][0] == 391 and got[("指标完成", f"C{total_row}")][0] == 845.6  # seed 003, Jan–Jun
    assert not report.frozen and len(report.supervision) > 0
    assert any(v[0] in ("↑1", "↓1", "—") for (s, _), v in got.items() if s == "排名")
    assert got[("督办", "B4")][0] == "督办事项"


def test_formula_injection_is_stored_as_text(demo_copy):
    names = ["=1+1", '=HYPERLINK("http://example.com","点我")', "@SUM(A1)"]
    current = projects.load(demo_copy)
    late = current[(current["stage"] == "签约") & current["planned_start"].notna()]["project_id"].head(3).tolist()
    for pid, name in zip(late, names, strict=True):
        projects.update(demo_copy, pid, {"name": name, "planned_start": date(2018, 1, 1), "leader": "=cmd|' /C calc'!A0"},
                        user="编辑")
    report = collect(demo_copy, "2018-07")  # not frozen: live from the current data
    got = cells(monthly.to_bytes(report))
    written = {v for v in got.values() if isinstance(v[0], str) and v[0][:1] in "=@"}
    assert {n for n, _ in written} >= set(names) | {"=cmd|' /C calc'!A0"}
    assert {t for _, t in written} == {"s"}  # string cells, never formulas


def test_unfrozen_month_is_live_and_says_so(demo_copy):
    report = collect(demo_copy, "2018-08")
    assert not report.frozen and "2018-08" not in project_history.snapshot_months(demo_copy)
    assert cells(monthly.to_bytes(report))[("指标完成", "A3")][0].startswith("注：本月未冻结")


def test_a_month_not_over_cannot_be_frozen(demo_copy):
    with pytest.raises(months.FreezeError, match="尚未结束"):
        months.freeze(demo_copy, "2018-07", user=USER)
    assert not months.is_frozen(demo_copy, "2018-07")


def test_printable_page_is_self_contained_and_escaped(demo_copy):
    pid = projects.load(demo_copy).query("stage == '签约'")["project_id"].iloc[0]
    projects.update(demo_copy, pid, {"leader": "<script>alert(1)</script>", "planned_start": date(2017, 1, 1)}, user="编辑")
    report = collect(demo_copy, "2018-07")
    page = printable.render(report, paper="A3")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "size: A3 landscape" in page and "<svg" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    located = int(report.projects["lon"].notna().sum())
    assert page.count("<circle cx=") == located + len(printable.STAGE_COLORS)  # one per located project + the legend
    assert page.count("<polygon") >= 6  # the county outlines


@pytest.mark.slow
def test_pdf_with_local_chromium(demo_copy, tmp_path):
    if printable.shutil.which("chromium") is None:
        pytest.skip("no chromium")
    out = printable.to_pdf(printable.render(collect(demo_copy, "2018-06")), tmp_path / "r.pdf")
    assert out.read_bytes()[:5] == b"%PDF-" and out.stat().st_size > 10_000
