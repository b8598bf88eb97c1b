"""A frozen month's 月通报 must not change after later edits — including a reporting unit that appears later.

``layers.months.freeze`` stores the month's projects, its comparison base and its targets, but
``reports.monthly.collect`` takes the reporting units as they are now: a county whose first ledger arrives after the
month was published gets a row (all zeros, a rank and a rank change) in that month's workbook, which then differs
from the one published. Found with the fixture store of release 04b27cc (tests/store/test_old_stores.py).
"""

from __future__ import annotations

import csv
import io
import shutil

import pytest

import layers
import store
from imports.projects import import_projects
from layers import months, regions
from reports import monthly

USER = "测试"


def ledger(rows, title) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[title], ["项目名称", "县区", "合同投资（万元）", "项目进度", "签约时间"], *rows])
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def regions_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("units") / "regions.duckdb"
    con = store.connect(path)
    layers.create_all(con)
    regions.import_region(con, "商洛市", user=USER)
    con.close()
    return path


@pytest.fixture
def published(regions_file, tmp_path):
    shutil.copyfile(regions_file, tmp_path / "s.duckdb")
    con = store.connect(tmp_path / "s.duckdb")
    import_projects(con, ledger([["光伏支架项目", "商州区", 12000, "已签约", "2024-03-15"],
                                 ["电子玻璃项目", "山阳县", 150000, "已签约", "2024-04-01"]], "台账（截至2024年5月31日）"),
                    filename="may.csv", user=USER)
    assert months.freeze(con, "2024-05", user=USER).already is False
    yield con
    con.close()


def test_later_edits_to_known_units_leave_the_frozen_workbook_alone(published):
    before = monthly.to_bytes(monthly.collect(published, "2024-05"))
    import_projects(published, ledger([["光伏支架项目", "商州区", 20000, "已开工", None]], "台账（截至2024年6月30日）"),
                    filename="june.csv", user=USER)
    assert monthly.to_bytes(monthly.collect(published, "2024-05")) == before


def test_a_unit_added_after_freezing_does_not_appear_in_the_frozen_month(published):
    before = monthly.collect(published, "2024-05")
    import_projects(published, ledger([["中药材加工项目", "商南县", 15000, "已签约", "2024-06-05"]], "台账（截至2024年6月30日）"),
                    filename="june.csv", user=USER)
    after = monthly.collect(published, "2024-05")
    assert [u["unit"] for u in after.summary["by_unit"]] == [u["unit"] for u in before.summary["by_unit"]]
    assert monthly.to_bytes(after) == monthly.to_bytes(before)
