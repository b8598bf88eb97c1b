"""The server never calls out, even listening on every interface for an office network: no usage statistics, no
external-address lookup (Streamlit's welcome message asks checkip.amazonaws.com), no connection to anything but this
machine while a visitor signs in and opens pages. Every connect, name lookup and urllib request of the server process is
recorded by an audit hook (tests/browser/outbound/sitecustomize.py)."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys

import pytest

from tests.browser.browsing import ROOT, wait_idle
from tests.browser.conftest import serve

pytestmark = pytest.mark.browser

HOOK = ROOT / "tests" / "browser" / "outbound"


def _local(target: str) -> bool:
    """Whether a recorded target (an address tuple, a host name, a URL) is this machine."""
    text = target.strip("'\"()[] ")
    host = text.split(",")[0].strip("'\" ")
    if host in {"localhost", "", "None"} or host.startswith("/"):  # unix sockets
        return True
    if host.startswith(("http://127.0.0.1", "http://localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def test_the_server_calls_nobody_on_an_open_address(tmp_path, chromium):
    db = tmp_path / "city.duckdb"
    made = subprocess.run([sys.executable, "cli.py", "load-region", "商洛市", "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert made.returncode == 0, made.stderr
    calls = tmp_path / "outbound.log"
    env = {"PARKMAP_AUTH": "local", "PARKMAP_OUTBOUND_LOG": str(calls),
           "PYTHONPATH": os.pathsep.join([str(HOOK), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    log = tmp_path / "server.log"
    with serve(db, log, env, address="0.0.0.0") as base:  # noqa: S104 - the office-network case, with sign-in
        context = chromium.new_context(locale="zh-CN")
        try:
            tab = context.new_page()
            tab.goto(base + "/")
            tab.get_by_role("heading", name="登录").wait_for(timeout=90_000)
            wait_idle(tab)
            tab.goto(base + "/项目进度")
            tab.get_by_role("heading", name="登录").wait_for(timeout=90_000)
        finally:
            context.close()
    recorded = calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []
    assert "hook\tinstalled" in recorded, "the audit hook did not run: the check below would be vacuous"
    outward = [line for line in recorded if not line.startswith("hook\t") and not _local(line.split("\t", 1)[1])]
    assert not outward, outward
    printed = log.read_text(encoding="utf-8", errors="replace")
    assert "园区承载力与项目地图已启动" in printed and "External URL" not in printed, printed[-2000:]
