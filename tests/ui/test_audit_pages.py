"""操作记录 and 数据管理 in AppTest on a new city's store (商洛市, not the demo): a re-imported ledger row shows who, when,
which batch and old → new; a batch is undone from the page; boundaries are loaded from the page."""

from __future__ import annotations

import gc
import re

import streamlit as st

import store
from imports.projects import import_projects
from layers import projects
from tests.ui.test_pages import PAGES_DIR, app_test
from ui import audit_views, backups, identity
from ui.text import t

AUDIT_PAGE = PAGES_DIR / "10_操作记录.py"
ADMIN_PAGE = PAGES_DIR / "9_数据管理.py"
LEDGER = "商洛市2024年1-6月招商项目台账\n项目名称,县（市、区）,合同投资（万元）,到位资金（万元）,项目进度,签约时间\n{rows}"


def unescaped(markdown: str) -> str:
    """Text as a reader sees it: the Markdown escapes of ui.safe_html.md removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def ledger(funds: int) -> bytes:
    rows = f"核桃深加工项目,商州区,12000,{funds},已开工,2024-03-15\n光伏支架项目,山阳县,8000,,已签约,2024-05-02\n"
    return LEDGER.format(rows=rows).encode("utf-8")


def write_with(db, fn):
    st.cache_data.clear()
    st.cache_resource.clear()
    gc.collect()
    con = store.connect(db)
    try:
        return fn(con)
    finally:
        con.close()


def test_a_reimported_row_shows_who_when_batch_and_old_to_new(shangluo_env):
    write_with(shangluo_env, lambda con: import_projects(con, ledger(3000), filename="一月.csv", user="王科员"))
    second = write_with(shangluo_env, lambda con: import_projects(con, ledger(4500), filename="二月.csv", user="李科长"))
    assert (second.updated, second.unchanged) == (1, 1)
    at = app_test(AUDIT_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "修改内容" in d.value.columns)
    update = table[(table["操作"] == "修改") & (table["数据"] == "招商项目")]
    assert len(update) == 1
    row = update.iloc[0]
    assert row["操作人"] == "李科长" and row["批次"].startswith(second.batch_id) and "台账导入" in row["批次"]
    assert row["修改内容"] == "到位资金：3,000 → 4,500"
    assert row["时间"][:4] == str(__import__("datetime").date.today().year)
    # filter by who: only 王科员's first import (two projects, their history, the new units …)
    next(x for x in at.text_input if x.label == t("al_user")).set_value("王科员").run()
    table = next(d.value for d in at.dataframe if "修改内容" in d.value.columns)
    assert set(table["操作人"]) == {"王科员"} and "新增" in set(table["操作"])


def test_a_batch_is_undone_from_the_admin_page(shangluo_env):
    write_with(shangluo_env, lambda con: import_projects(con, ledger(3000), filename="一月.csv", user="王科员"))
    second = write_with(shangluo_env, lambda con: import_projects(con, ledger(4500), filename="二月.csv", user="李科长"))
    at = app_test(ADMIN_PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    picker = next(s for s in at.selectbox if s.label == t("dm_undo_pick"))
    picker.set_value(second.batch_id)
    next(c for c in at.checkbox if c.label == t("dm_undo_sure")).check()
    next(b for b in at.button if b.label == t("dm_undo_go")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(second.batch_id in unescaped(s.value) for s in at.success), [s.value for s in at.success]
    funds = write_with(shangluo_env, lambda con: projects.load(con).set_index("name").at["核桃深加工项目", "funds_in_place_wan"])
    assert funds == 3000.0  # back to the first import's value
    batches = write_with(shangluo_env, lambda con: con.execute("SELECT status, undone_by FROM batches WHERE batch_id = ?",
                                                              [second.batch_id]).fetchone())
    assert batches[0] == "undone" and batches[1]


def test_undo_refuses_when_a_record_changed_since(shangluo_env):
    first = write_with(shangluo_env, lambda con: import_projects(con, ledger(3000), filename="一月.csv", user="王科员"))
    write_with(shangluo_env, lambda con: import_projects(con, ledger(4500), filename="二月.csv", user="李科长"))
    ok, message = audit_views.undo_batch(first.batch_id)
    assert not ok and "之后又被修改" in message
    assert write_with(shangluo_env, lambda con: len(projects.load(con))) == 2  # nothing was taken back


def test_boundaries_are_loaded_from_the_admin_page(parks_without_regions_env):
    at = app_test(ADMIN_PAGE).run()
    assert any("行政区边界" in w.value for w in at.warning)
    next(s for s in at.selectbox if s.label == t("ob_province")).set_value("610000").run()
    next(s for s in at.selectbox if s.label == t("ob_city")).set_value("611000").run()
    next(b for b in at.button if b.label == t("dm_regions_go")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已加载" in s.value for s in at.success)
    assert not any("行政区边界" in w.value for w in at.warning)
    assert write_with(parks_without_regions_env, lambda con: con.execute("SELECT count(*) FROM parks").fetchone()[0]) == 1


def test_describe_changes():
    labels = audit_views.field_labels()
    assert audit_views.describe({"funds_in_place_wan": [3000.0, 4500.0]}, labels) == "到位资金：3,000 → 4,500"
    assert audit_views.describe({"name": [None, "甲"], "tenant": ["乙", None]}, labels) == "项目名称：甲；承租企业：乙 → （空）"
    assert audit_views.describe({"geom": [None, "WKB:0101"]}, labels) == "位置/边界：（图形）"


def test_the_page_user_is_named():
    assert identity.user() == "本机用户"


def test_the_server_writes_todays_backup_and_keeps_the_newest(shangluo_env, tmp_path, monkeypatch):
    import threading

    from store import backup

    folder = tmp_path / "daily"
    folder.mkdir()
    for day in ("20240101", "20240102", "20240103"):
        (folder / f"parkmap-{day}.duckdb").write_bytes(b"old")
    monkeypatch.setenv("PARKMAP_BACKUP_DIR", str(folder))
    monkeypatch.setenv("PARKMAP_BACKUP_KEEP", "2")
    stop = threading.Event()
    worker = threading.Thread(target=backups.daily_backups, args=(stop,), kwargs={"every_s": 0.05})
    worker.start()
    try:
        deadline = __import__("time").monotonic() + 30
        while backups.latest_backup() is None or backups.latest_backup().name == "parkmap-20240103.duckdb":
            assert __import__("time").monotonic() < deadline, "no backup written"
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(timeout=30)
    names = sorted(p.name for p in folder.glob("*.duckdb"))
    assert len(names) == 2 and names[0] == "parkmap-20240103.duckdb"  # the two newest kept
    assert backup.check(folder / names[1])["rows"]["regions"] == 8  # 商洛市 and its 7 counties
