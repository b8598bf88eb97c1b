"""Map benchmark: our workbench component against naive folium maps of the same data, in one run.

For each scale (county ×1, province ×20) and each map, a real ``streamlit run`` server on loopback and
Debian Chromium through Playwright measure:

* first map drawn: from navigation until the map has drawn its features (ms), for the first visitor after
  the server started ("cold": server caches empty), for a second visitor with an empty browser cache ("warm")
  and for that visitor opening the page again ("returning": the browser has cached the app's static files);
* bytes on an unchanged rerun: websocket frames received after pressing ``r`` (same page, same data);
* bytes per point: websocket bytes received until the map was drawn, divided by the located points;
* server rerun time: the script's own run time on that rerun (ms).

"ours" is a bare page holding only the map (no warm-up: "cold" is truly cold); "ours: app … page" are the
product's own pages served as ``./parkmap.sh run`` serves them (``serve.py``: the KPIs and tables around the
map included, and the caches warmed at start, so "cold" is the first visitor after a restart once the
warm-up has finished), whose rerun is measured as the browser's round trip from pressing ``r`` until idle.

Baselines: folium ``GeoJson`` of every feature, and folium ``Marker`` per point (capped at 10 000 points).
At national scale (×200, optional) only our maps are measured. Prints figures and ratios; asserts nothing.
``python -m benchmarks.bench_map [county] [province] [national]``
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
MARKER_CAP = 10_000
BASELINE_SCALES = ("county", "province")
TIMEOUT_S = 300
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning'][data-test-connection-state='CONNECTED']"

OURS = '''
import os, time
import streamlit as st
t0 = time.perf_counter()
from ui import mapkit
st.set_page_config(layout="wide")
layers = mapkit.map_layers(None)
bounds = tuple(mapkit.county_regions(None).total_bounds)
mapkit.workbench_map(layers, key="bench", bounds=bounds, height=700)
with open(os.environ["BENCH_TIMING"], "a") as fh:
    fh.write(f"{(time.perf_counter() - t0) * 1000:.1f}\\n")
'''

NAIVE = '''
import os, time
import streamlit as st
t0 = time.perf_counter()
import folium
from streamlit_folium import st_folium
from ui import assets, data, mapkit
st.set_page_config(layout="wide")
KIND = os.environ["BENCH_KIND"]
CAP = int(os.environ["BENCH_CAP"])
frames = mapkit.map_frames(None)
w, s, e, n = frames["regions"].total_bounds
m = folium.Map(location=[(s + n) / 2, (w + e) / 2], zoom_start=7, tiles=None, prefer_canvas=True)
m.fit_bounds([[s, w], [n, e]])
folium.GeoJson(frames["regions"][["name", "geometry"]].to_json()).add_to(m)
folium.GeoJson(frames["parks"][["name", "geometry"]].to_json()).add_to(m)
points = [f[["name", "geometry"]] for k, f in frames.items() if k in ("factories", "assets", "projects")]
import pandas as pd, geopandas as gpd
pts = gpd.GeoDataFrame(pd.concat(points, ignore_index=True), crs="EPSG:4326")
pts = pts[pts.geometry.notna()]
pts = pts.assign(geometry=pts.geometry.representative_point())
if KIND == "markers":
    for geom, name in list(zip(pts.geometry, pts["name"]))[:CAP]:
        folium.Marker([geom.y, geom.x], tooltip=str(name)).add_to(m)
else:
    folium.GeoJson(pts.to_json(), marker=folium.CircleMarker(radius=4), tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
assets.localise(m)
st_folium(m, key="bench", height=700, use_container_width=True, returned_objects=[])
with open(os.environ["BENCH_TIMING"], "a") as fh:
    fh.write(f"{(time.perf_counter() - t0) * 1000:.1f}\\n")
'''

DRAWN_OURS = "() => { const f = document.querySelector('iframe[title*=workbench_map]'); const w = f && f.contentWindow; " \
             "return !!(w && w.workbench && w.workbench.ready()); }"
DRAWN_FOLIUM = """(n) => { const f = document.querySelector('iframe[title*="st_folium"]'); const d = f && f.contentDocument;
    if (!d) return false; const m = d.querySelectorAll('.leaflet-marker-icon').length;
    const c = d.querySelector('canvas.leaflet-zoom-animated'); return m >= n || (n === 0 && !!c); }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(script: Path, db: Path, timing: Path, extra_env: dict):
    port = _free_port()
    env = dict(os.environ, PARKMAP_DB=str(db), BENCH_TIMING=str(timing), PYTHONPATH=str(ROOT), **extra_env)
    with open(OUT / f"{script.stem}.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                                 "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        import urllib.request

        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def wait_for_warm_up(log: Path) -> None:
    """The product's server (serve.py) warms its caches at start; a first visitor after a restart arrives later."""
    deadline = time.monotonic() + TIMEOUT_S
    while "缓存预热完成" not in log.read_text(encoding="utf-8", errors="replace") and time.monotonic() < deadline:
        time.sleep(0.2)


def _rerun(page, frames: list[int], timing: Path | None) -> float:
    """Press ``r`` (Streamlit's rerun: same page, same data) and wait for that run to end. Returns the run's
    own time from ``timing`` (bench scripts write it), else the browser's round trip until the app is idle."""
    runs_before = len(timing.read_text().split()) if timing and timing.exists() else 0
    before = len(frames)
    t0 = time.perf_counter()
    page.keyboard.press("r")
    deadline = time.monotonic() + TIMEOUT_S
    if timing:
        while (len(timing.read_text().split()) if timing.exists() else 0) <= runs_before and time.monotonic() < deadline:
            page.wait_for_timeout(20)
    else:  # a rerun sends at least a few deltas and the "finished" message
        while len(frames) < before + 3 and time.monotonic() < deadline:
            page.wait_for_timeout(10)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=TIMEOUT_S * 1000)
    round_trip = (time.perf_counter() - t0) * 1000
    return float(timing.read_text().split()[-1]) if timing else round_trip


def measure(browser, url: str, timing: Path | None, drawn_js: str, arg) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: frames.append(len(p))))
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(drawn_js, arg=arg, timeout=TIMEOUT_S * 1000, polling=50)
    first_ms = (time.perf_counter() - t0) * 1000
    first_bytes = sum(frames)
    parts = _component_timeline(page) if drawn_js == DRAWN_OURS else None
    page.wait_for_selector(APP_IDLE, state="attached", timeout=TIMEOUT_S * 1000)
    page.wait_for_timeout(1500)  # let the have-report rerun of our component finish
    page.wait_for_selector(APP_IDLE, state="attached", timeout=TIMEOUT_S * 1000)
    before = len(frames)
    rerun_ms = _rerun(page, frames, timing)
    page.wait_for_timeout(500)
    rerun_bytes = sum(frames[before:])
    page.close()
    # A second visitor (new browser context: empty browser cache) while the server's caches are warm, as for
    # everyone but the first user after a restart.
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(drawn_js, arg=arg, timeout=TIMEOUT_S * 1000, polling=50)
    warm_ms = (time.perf_counter() - t0) * 1000
    # The same visitor opening the page again the next morning: the browser has cached the app's static files.
    page.goto("about:blank")
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_function(drawn_js, arg=arg, timeout=TIMEOUT_S * 1000, polling=50)
    returning_ms = (time.perf_counter() - t0) * 1000
    page.close()
    return {"first_ms": first_ms, "warm_ms": warm_ms, "returning_ms": returning_ms, "first_bytes": first_bytes,
            "rerun_bytes": rerun_bytes, "rerun_ms": rerun_ms, "parts": parts}


def _component_timeline(page) -> dict | None:
    """Where the first visitor's time went, from the page's navigation start: the map's frame created (Streamlit's
    page booted, the script ran, the element arrived), its scripts loaded, its first data drawn, and the
    component's own work in that render (unzip+parse, decode, draw) in ms."""
    frame = page.query_selector("iframe[title*=workbench_map]").content_frame()
    stats = frame.evaluate("""() => ({origin: performance.timeOrigin, loaded: performance.getEntriesByType('navigation')[0].loadEventEnd,
                                       first: window.workbench.stats().firstMs})""")
    page_origin = page.evaluate("() => performance.timeOrigin")
    if not stats["first"]:
        return None
    created = stats["origin"] - page_origin
    return {"frame_created": created, "scripts_loaded": created + stats["loaded"], "drawn": created + stats["first"]["drawnAt"],
            **{k: stats["first"][k] for k in ("inflate", "decode", "draw")}}


def run(scales: list[str]) -> None:
    import shutil

    from playwright.sync_api import sync_playwright

    import store
    from benchmarks.scale import build_scaled_store

    OUT.mkdir(parents=True, exist_ok=True)
    static = OUT / "static"
    if not static.exists():
        static.symlink_to(ROOT / "static", target_is_directory=True)  # the app's /app/static for scripts in OUT
    (OUT / "map_ours.py").write_text(OURS, encoding="utf-8")
    (OUT / "map_naive.py").write_text(NAIVE, encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                     args=["--no-sandbox", "--disable-gpu"])
        for scale in scales:
            db = OUT / f"{scale}.duckdb"
            counts = build_scaled_store(db, scale)
            con = store.connect(db, read_only=True)
            points = sum(con.execute(f"SELECT count(*) FROM {t} WHERE geom IS NOT NULL").fetchone()[0]
                         for t in ("projects", "standard_factories", "idle_assets"))
            con.close()
            print(f"\n== {scale}: {counts} — located points {points}")
            results = {}
            runs = [
                ("ours", OUT / "map_ours.py", "", DRAWN_OURS, None, {}),
                ("ours: app 总览 page", ROOT / "serve.py", "", DRAWN_OURS, None, {}),
                ("ours: app 地图工作台 page", ROOT / "serve.py", quote("地图工作台"), DRAWN_OURS, None, {}),
            ]
            if scale in BASELINE_SCALES:  # a folium map of a national store would not finish in a browser
                runs += [
                    ("folium GeoJson", OUT / "map_naive.py", "", DRAWN_FOLIUM, 0, {"BENCH_KIND": "geojson", "BENCH_CAP": "0"}),
                    (f"folium Marker (≤{MARKER_CAP})", OUT / "map_naive.py", "", DRAWN_FOLIUM, min(points, MARKER_CAP),
                     {"BENCH_KIND": "markers", "BENCH_CAP": str(MARKER_CAP)}),
                ]
            for label, script, path, drawn, arg, env in runs:
                timing = OUT / f"timing_{scale}_{script.stem}_{env.get('BENCH_KIND', 'ours')}.txt" if script.parent == OUT else None
                if timing:
                    timing.unlink(missing_ok=True)
                try:
                    with serve(script, db, timing or OUT / "timing_unused.txt", env) as base:
                        if script.name == "serve.py":
                            wait_for_warm_up(OUT / "serve.log")
                        r = measure(browser, base + path, timing, drawn, arg)
                except Exception as exc:  # a baseline that cannot finish is a result too
                    print(f"{label:28s} did not finish: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
                    continue
                n = min(points, MARKER_CAP) if "Marker" in label else points
                r["bytes_per_point"] = r["first_bytes"] / max(n, 1)
                results[label] = r
                server = "server" if timing else "round trip"
                if r.get("parts"):
                    p = r["parts"]
                    print(f"{'':28s} (cold: map frame created at {p['frame_created']:.0f} ms, its scripts loaded at "
                          f"{p['scripts_loaded']:.0f} ms, drawn at {p['drawn']:.0f} ms; unzip+parse {p['inflate']} ms, decode "
                          f"{p['decode']} ms, draw {p['draw']} ms)")
                print(f"{label:28s} first map {r['first_ms']:6.0f} ms cold, {r['warm_ms']:6.0f} ms warm, {r['returning_ms']:6.0f} ms returning | first load {r['first_bytes'] / 1e3:9.1f} kB "
                      f"({r['bytes_per_point']:6.1f} B/point of {n}) | unchanged rerun {r['rerun_bytes'] / 1e3:8.1f} kB, "
                      f"{server} {r['rerun_ms']:7.0f} ms")
            ours = results.get("ours")
            for label, r in results.items():
                if ours and not label.startswith("ours"):
                    print(f"   ours vs {label}: first map ×{r['first_ms'] / ours['first_ms']:.1f} (cold) "
                          f"×{r['warm_ms'] / ours['warm_ms']:.1f} (warm) ×{r['returning_ms'] / ours['returning_ms']:.1f} (returning) faster, first-load bytes ×{r['first_bytes'] / ours['first_bytes']:.0f} fewer, unchanged rerun "
                          f"{ours['rerun_bytes'] / 1e3:.1f} kB vs {r['rerun_bytes'] / 1e3:.1f} kB, server rerun ×{r['rerun_ms'] / ours['rerun_ms']:.0f} faster")
        browser.close()


if __name__ == "__main__":
    run(sys.argv[1:] or ["county", "province"])
