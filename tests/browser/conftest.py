"""Browser fixtures: the demo database, real ``streamlit run`` servers on loopback, Debian Chromium via Playwright.

Every server gets its own copy of one demo database (DuckDB lets one process write a file), runs in
its own process group and is killed with that group when its fixture ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEALTH_TIMEOUT_S = 60
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT = {"width": 1600, "height": 2000}  # tall enough for the whole overview (Streamlit scrolls inside the page)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, SIGKILL it if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    else:  # the leader is gone; make sure nothing it started survives
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def serve(db: Path, log: Path, extra_env: dict | None = None, *, address: str = "127.0.0.1") -> Iterator[str]:
    """``streamlit run serve.py`` (the app as ``./parkmap.sh run`` serves it) on a free port of ``address`` (loopback
    unless told) with ``PARKMAP_DB=db`` (and ``extra_env``); yields the loopback base URL once healthy."""
    port = _free_port()
    env = dict(os.environ, PARKMAP_DB=str(db), PYTHONUNBUFFERED="1", **(extra_env or {}))
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "serve.py",
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with status {proc.returncode} before answering /_stcore/health:\n{_tail(log)}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200 and resp.read().strip() == b"ok":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer /_stcore/health within {HEALTH_TIMEOUT_S} s:\n{_tail(log)}")
            time.sleep(0.2)
        yield base
    finally:
        if sys.exc_info()[0] is not None and proc.poll() is None:  # the test failed inside `with serve(...)`
            _print_stacks(proc, log)
        _stop(proc)


def _print_stacks(proc: subprocess.Popen, log: Path) -> None:
    """Ask the server for every thread's stack (serve.py: SIGUSR1) and print them into the failing test's output:
    a page that never finished its run shows what the server was waiting on."""
    with contextlib.suppress(OSError):
        proc.send_signal(signal.SIGUSR1)
        time.sleep(1.5)
    text = _tail(log, 400)
    start = text.find("Thread 0x")
    print("server threads when the test failed:\n" + (text[start:] if start >= 0 else text[-4000:]))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium (installed by ./parkmap.sh test and .ci/run); skip the browser tests without it."""
    path = shutil.which("chromium")
    if not path:
        pytest.skip("Debian chromium is not installed (apt-get install chromium, or run ./parkmap.sh test)")
    pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed (requirements.txt)")
    return path


@pytest.fixture(scope="session")
def demo_template(chromium_path, tmp_path_factory) -> SimpleNamespace:
    """The demo database built by ``cli.py init-demo`` (never served itself: servers get copies).

    ``project_names``: project_id → name, read before any server opens a copy.
    """
    import store

    folder = tmp_path_factory.mktemp("browser_demo")
    path = folder / "template.duckdb"
    done = subprocess.run(
        [sys.executable, "cli.py", "init-demo", "--db", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env=dict(os.environ, PARKMAP_DB=str(path)),
    )
    assert done.returncode == 0, done.stderr
    con = store.connect(path, read_only=True)
    try:
        names = dict(con.execute("SELECT project_id, name FROM projects").fetchall())
    finally:
        con.close()
    return SimpleNamespace(path=path, folder=folder, project_names=names)


def _copy(template: SimpleNamespace, folder: Path, name: str) -> Path:
    target = folder / f"{name}.duckdb"
    shutil.copyfile(template.path, target)
    return target


@pytest.fixture(scope="session")
def server(demo_template, tmp_path_factory) -> Iterator[str]:
    """One server for the whole session (base URL)."""
    folder = tmp_path_factory.mktemp("server")
    with serve(_copy(demo_template, folder, "served"), folder / "streamlit.log") as base:
        yield base


@pytest.fixture
def cold_server(demo_template, tmp_path) -> Iterator[str]:
    """A brand-new server process that no browser has talked to yet (base URL)."""
    with serve(_copy(demo_template, tmp_path, "cold"), tmp_path / "streamlit.log") as base:
        yield base


@pytest.fixture(scope="session")
def chromium(chromium_path):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        pw.stop()


@pytest.fixture
def tab(chromium):
    """A fresh browser context and page (Chinese locale, tall viewport)."""
    context = chromium.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def hostile_server(demo_template, tmp_path_factory) -> Iterator[SimpleNamespace]:
    """A server whose data holds names that would run script if they were ever treated as HTML: three
    projects signed in the demo's default period (so every project view shows them), a park (name and
    positioning), a vacant factory, an idle asset and a county. ``ids``: layer → the hostile records' ids."""
    import store
    from layers import idle_assets, parks, projects, standard_factories
    from tests.browser.browsing import XSS_NAMES

    folder = tmp_path_factory.mktemp("xss")
    db = _copy(demo_template, folder, "xss")
    con = store.connect(db)
    try:
        frame = projects.load(con)
        signed = frame["signed_on"].astype(str).between("2018-01-01", "2018-06-30")
        first = frame[signed & frame.geometry.notna() & frame["county_adcode"].notna()].sort_values("project_id").iloc[:3]
        for pid, geom, name in zip(first["project_id"], first.geometry, XSS_NAMES):
            projects.update(con, pid, {"name": name, "geometry": geom}, user="测试")
        park_id = parks.load(con)["park_id"].iloc[0]
        parks.update(con, park_id, {"name": XSS_NAMES[0], "positioning": XSS_NAMES[1]}, user="测试")
        factories = standard_factories.load(con)
        factory_id = factories[factories["status"] == "空置"]["factory_id"].iloc[0]
        standard_factories.update(con, factory_id, {"name": XSS_NAMES[1]}, user="测试")
        asset_id = idle_assets.load(con)["asset_id"].iloc[0]
        idle_assets.update(con, asset_id, {"name": XSS_NAMES[2]}, user="测试")
        con.execute("UPDATE regions SET name = ? WHERE adcode = '421202'", [XSS_NAMES[0]])
    finally:
        con.close()
    ids = {"projects": list(first["project_id"]), "parks": [park_id], "factories": [factory_id], "assets": [asset_id]}
    with serve(db, folder / "streamlit.log") as base:
        yield SimpleNamespace(base=base, ids=ids)
