"""Import direction between packages, checked by parsing the source with ``ast`` (nothing is imported).

    store  ←  layers  ←  analysis  ←  ui / pages / app.py
    geo, data: no UI

Files that do not exist yet (pages/, ui/, app.py are being written) are simply not checked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SQL = re.compile(r"\b(SELECT|INSERT INTO|INSERT|UPDATE|DELETE FROM|CREATE TABLE|DROP TABLE|ALTER TABLE)\s")


def package_of(path: Path) -> str:
    """Dotted module name of a file under ROOT: ``layers/parks.py`` → ``layers.parks``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(source: str, module: str = "", is_package: bool = False) -> set[str]:
    """Every absolute module name imported anywhere in ``source`` (also inside functions), relative imports resolved."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join(p for p in base if p)
                target = ".".join(p for p in (prefix, node.module or "") if p)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" if target else alias.name for alias in node.names)
    return found


def file_imports(path: Path) -> set[str]:
    return imported_modules(path.read_text(encoding="utf-8"), package_of(path), path.name == "__init__.py")


def top_level(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names if n}


def python_files(*folders: str) -> list[Path]:
    out: list[Path] = []
    for folder in folders:
        base = ROOT / folder
        if base.is_file():
            out.append(base)
        elif base.is_dir():
            out += sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)
    return out


def violations(folders: tuple[str, ...], forbidden: set[str]) -> list[str]:
    return [f"{p.relative_to(ROOT)} imports {sorted(top_level(file_imports(p)) & forbidden)}"
            for p in python_files(*folders) if top_level(file_imports(p)) & forbidden]


# --- the checker itself -----------------------------------------------------------------

def test_checker_sees_all_import_forms():
    source = (
        "import streamlit as st\n"
        "import os.path\n"
        "from layers import parks\n"
        "from . import sibling\n"
        "from ..store import tables\n"
        "def f():\n"
        "    import duckdb\n"
        "    from analysis.kpis import summarize\n"
    )
    names = imported_modules(source, "layers.sub.mod")
    assert top_level(names) == {"streamlit", "os", "layers", "duckdb", "analysis"}
    assert "layers.sub.sibling" in names
    assert "layers.store.tables" in names
    assert "analysis.kpis.summarize" in names
    assert imported_modules("from . import x", "ui", is_package=True) == {"ui", "ui.x"}


def test_checker_flags_sql_text():
    assert SQL.search('con.execute("SELECT * FROM parks")')
    assert SQL.search("q = 'INSERT INTO t VALUES (1)'")
    assert not SQL.search('st.selectbox("选择", options)')
    assert not SQL.search("# 选择 SELECTED items")


def test_core_packages_exist():
    for folder in ("store", "layers", "analysis", "geo", "data"):
        assert python_files(folder), folder


# --- rules --------------------------------------------------------------------------------

def test_core_never_imports_streamlit():
    core = ("store", "layers", "analysis", "geo", "data", "imports", "commands", "cli.py")  # missing ones are skipped
    assert violations(core, {"streamlit", "streamlit_folium", "folium", "pydeck"}) == []


def test_store_is_the_bottom_layer():
    assert violations(("store",), {"layers", "analysis", "ui", "pages", "app", "data", "cli"}) == []


def test_layers_do_not_import_analysis_or_ui():
    assert violations(("layers",), {"analysis", "ui", "pages", "app", "data", "cli"}) == []


def test_analysis_does_not_import_ui():
    assert violations(("analysis",), {"ui", "pages", "app", "cli"}) == []


def ui_entry_files() -> list[Path]:
    return python_files("pages", "app.py")


@pytest.mark.parametrize("path", ui_entry_files() or [None], ids=lambda p: str(p.relative_to(ROOT)) if p else "none-yet")
def test_pages_and_app_do_not_touch_the_database(path):
    if path is None:
        return  # pages/ and app.py not written yet: nothing to check
    source = path.read_text(encoding="utf-8")
    assert not top_level(file_imports(path)) & {"duckdb"}, "use store/layers instead of duckdb"
    strings = [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    sql = [s for s in strings if SQL.search(s)]
    assert sql == [], f"SQL text in {path.relative_to(ROOT)}: {sql[:3]}"


def download_buttons_that_rerun(source: str) -> list[int]:
    """Lines of ``download_button`` calls without ``on_click="ignore"``."""
    return [n.lineno for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "download_button"
            and not any(k.arg == "on_click" and isinstance(k.value, ast.Constant) and k.value.value == "ignore" for k in n.keywords)]


def test_checker_sees_download_buttons_that_rerun():
    assert download_buttons_that_rerun('st.download_button("a", b"x")\nst.download_button("b", b"y", on_click="ignore")') == [1]


def files_made_on_every_run(source: str) -> list[int]:
    """Lines of ``download_button`` calls whose file is computed as the page runs (a call as the data argument) rather
    than when pressed (a lambda, ``partial``, a function or a bound method)."""
    def eager(call: ast.Call) -> bool:
        data = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "data"), None)
        return isinstance(data, ast.Call) and getattr(data.func, "id", getattr(data.func, "attr", None)) != "partial"
    return [n.lineno for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "download_button" and eager(n)]


def test_checker_sees_files_made_on_every_run():
    assert files_made_on_every_run('st.download_button("a", make(x))\nst.download_button("b", lambda: make(x))\n'
                                   'st.download_button("c", data=f.read_bytes())\nst.download_button("d", partial(make, x))\n'
                                   'st.download_button("e", f.read_bytes)') == [1, 3]


def test_every_download_is_made_when_pressed():
    """Every run of a page would otherwise build its Excel, GeoJSON and Word files — seconds at province scale, for a
    button most visits never press (项目选址's 推送台账 took 4.5 s of each rerun)."""
    found = [f"{p.relative_to(ROOT)}:{line}" for p in python_files("ui", "pages") + [ROOT / "app.py"]
             for line in files_made_on_every_run(p.read_text(encoding="utf-8"))]
    assert not found, found


def test_no_download_reruns_the_page():
    """A download that reruns the page replaces the files the page's other buttons make when pressed (Streamlit drops a
    run's deferred files at the next run): pressing 导出 Excel then GeoJSON would find the second file gone."""
    found = [f"{p.relative_to(ROOT)}:{line}" for p in python_files("ui", "pages") + [ROOT / "app.py"]
             for line in download_buttons_that_rerun(p.read_text(encoding="utf-8"))]
    assert not found, found
