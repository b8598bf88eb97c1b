"""Month reports the 通报 tests share: the demo's 2018-06, a 商洛市 store made by an earlier release (2024-06, not the
demo's city, units or months) and the demo's month with hostile names in every text a 通报 prints."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import layers
import store
from reports import sections
from reports.monthly import collect

STORES = Path(__file__).resolve().parent.parent / "fixtures" / "stores"
#: a formula, markup, an XML-breaking control character, an ampersand and a very long tail
HOSTILE = '=HYPERLINK("http://x")<script>alert(1)</script>&amp;\x07\x0b' + "长" * 400 + "A" * 300


@pytest.fixture(scope="session")
def demo_report(demo_con):
    return collect(demo_con, "2018-06")


@pytest.fixture(scope="session")
def demo_place(demo_con):
    return sections.place(demo_con)


@pytest.fixture(scope="session")
def shangluo(tmp_path_factory):
    """(report of 2024-06, place) from a copy of the 商洛市 fixture store, upgraded on open."""
    path = tmp_path_factory.mktemp("shangluo") / "shangluo.duckdb"
    shutil.copyfile(STORES / "shangluo.duckdb", path)
    con = store.connect(path)
    try:
        layers.create_all(con)
        yield collect(con, "2024-06"), sections.place(con)
    finally:
        con.close()


@pytest.fixture(scope="session")
def hostile_report(demo_report):
    """The demo month with one unit, the projects and the 督办 items named :data:`HOSTILE`."""
    r = demo_report
    unit = r.units["unit_id"].iloc[0]
    units = r.units.assign(name=r.units["name"].where(r.units["unit_id"] != unit, HOSTILE))
    summary = {**r.summary, "by_unit": [{**u, "unit": HOSTILE if u["unit_id"] == unit else u["unit"]} for u in r.summary["by_unit"]]}
    rankings = {k: f.assign(unit=f["unit"].where(f["unit_id"] != unit, HOSTILE)) for k, f in r.rankings.items()}
    return dataclasses.replace(
        r, units=units, summary=summary, rankings=rankings,
        late=r.late.assign(name=HOSTILE, leader=HOSTILE), funding=r.funding.assign(name=HOSTILE),
        supervision=r.supervision.assign(subject=HOSTILE, unit=HOSTILE, reason=HOSTILE, responsible_unit=HOSTILE),
        progress=r.progress.assign(indicator_label=r.progress["indicator_label"] + HOSTILE[:40]),
        regions=r.regions.assign(name=HOSTILE),
    )
