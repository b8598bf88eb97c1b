"""Helpers shared by the browser tests: where screenshots go, what counts as loopback, waiting for a rerun,
opening a page whose map is the workbench component (ui/mapkit)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"data", "blob", "about"}
#: Names that would run script if any page ever treated text from data as HTML or as a JS template.
XSS_NAMES = ("<img src=x onerror=alert(1)>", "${alert(1)}", "项目`${alert(2)}`</script><script>alert(3)</script>")
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning'][data-test-connection-state='CONNECTED']"


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (loopback http/ws, or data:/blob:/about:)."""
    parsed = urlparse(url)
    return parsed.scheme in LOCAL_SCHEMES or (parsed.scheme in {"http", "https", "ws", "wss"} and parsed.hostname in LOOPBACK)


def watch(tab) -> list[str]:
    """Start recording every request and websocket URL of ``tab``; returns the live list."""
    requests: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("websocket", lambda ws: requests.append(ws.url))
    return requests


def wait_idle(page, timeout_ms: int = 90_000) -> None:
    """Wait until the Streamlit script has finished its run and the socket is connected."""
    page.wait_for_timeout(300)  # let a rerun that was just triggered start before checking for idle
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)


WORKBENCH_FRAME = 'iframe[title*="workbench_map"]'


def open_workbench(page, url: str, timeout_ms: int = 60_000):
    """Go to ``url`` and return the map component's frame once it has drawn its layers and the run is over."""
    page.goto(url)
    page.wait_for_selector(WORKBENCH_FRAME, timeout=timeout_ms)
    frame = page.query_selector(WORKBENCH_FRAME).content_frame()
    frame.wait_for_function("() => window.workbench && window.workbench.ready()", timeout=timeout_ms)
    wait_idle(page)
    page.locator(WORKBENCH_FRAME).first.scroll_into_view_if_needed()  # below the KPI cards: a click needs it on screen
    return frame


def page_url(base: str, script: str) -> str:
    """Classic pages/ discovery: pages/1_图层数据.py is served at /图层数据; the entry point at /."""
    if script == "app.py":
        return base + "/"
    name = re.sub(r"^\d+_", "", Path(script).stem)
    return f"{base}/{quote(name)}"
