"""The offline installation, as a county's IT department does it: ``./parkmap.sh bundle`` on this (connected)
machine, then — in a network namespace with no network at all (``unshare -n``) — extract the archive, ``./parkmap.sh
setup``, load a city and serve it: the health check answers, a page and Leaflet come from the server itself, and
none of the test tools were installed. No curl or iproute2 needed: tests/commands/netns.py does that."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVE_AND_PROBE = r"""
set -u
python3 "$NETNS" up
./parkmap.sh setup
PARKMAP_DB="$DB" .venv/bin/python cli.py load-region 商洛市 >/dev/null
(PARKMAP_DB="$DB" PORT=8765 timeout 120 ./parkmap.sh serve > "$LOG" 2>&1 &)
python3 "$NETNS" probe http://127.0.0.1:8765
echo "tools=$(ls .venv/lib/python3*/site-packages | grep -ciE '^(pytest|playwright|ruff)')"
pkill -f "server.port 8765" || true
"""


def _can_cut_the_network() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not shutil.which("git") or not (ROOT / ".git").exists(), reason="the bundle packs the git HEAD")
@pytest.mark.skipif(not _can_cut_the_network(), reason="unshare -n (a network namespace) is not allowed here")
def test_a_bundle_installs_and_serves_with_no_network(tmp_path):
    made = subprocess.run(["./parkmap.sh", "bundle"], cwd=ROOT, env={**_env(), "BUNDLE_DIR": str(tmp_path / "dist")},
                          capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    archives = list((tmp_path / "dist").glob("parkmap-*-offline.tar.gz"))
    assert len(archives) == 1, made.stdout
    checked = subprocess.run(["sha256sum", "-c", archives[0].name + ".sha256"], cwd=archives[0].parent,
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with tarfile.open(archives[0]) as archive:
        names = archive.getnames()
        archive.extractall(tmp_path / "server", filter="tar")
    top = names[0].split("/")[0]
    assert any(n.startswith(f"{top}/wheelhouse/duckdb-") for n in names)
    assert f"{top}/static/vendor/node_modules/leaflet/dist/leaflet.js" in names
    assert not any("/wheelhouse/pytest-" in n or "/wheelhouse/playwright-" in n for n in names)  # runtime only
    server = tmp_path / "server" / top
    env = {**_env(), "DB": str(tmp_path / "city.duckdb"), "LOG": str(tmp_path / "serve.log"),
           "NETNS": str(Path(__file__).with_name("netns.py")),
           "PIP_CONFIG_FILE": "/dev/null"}  # this machine's pip configuration names local indexes: not on the server
    env.pop("PIP_FIND_LINKS", None)
    run = subprocess.run(["unshare", "-n", "bash", "-c", SERVE_AND_PROBE], cwd=server, env=env,
                         capture_output=True, text=True, timeout=900)
    out = run.stdout
    assert "network=off" in out, out + run.stderr[-3000:]
    log = (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace") if (tmp_path / "serve.log").exists() else ""
    assert "offline, from wheelhouse/" in out, out + run.stderr[-3000:]
    assert "health=ok" in out and "leaflet=200" in out and "page=1" in out, out + run.stderr[-3000:] + log[-2000:]
    assert "tools=0" in out, out
    assert "园区承载力与项目地图已启动：http://127.0.0.1:8765" in log, log[-2000:]


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PARKMAP_"))}
