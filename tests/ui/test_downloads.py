"""ui.downloads: a deferred export survives the runs that forget it for GRACE_S seconds, then goes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from ui import downloads


@pytest.fixture()
def manager(monkeypatch):
    assert downloads.install(), "this Streamlit no longer has what ui/downloads.py patches"
    now = [1000.0]
    monkeypatch.setattr(downloads, "clock", lambda: now[0])
    return MediaFileManager(MemoryMediaFileStorage("/media")), now


def run(mgr: MediaFileManager, *, draws: bool) -> str | None:
    """One script run of a page: refs cleared at its start, the button drawn (or not: stopped early), orphans
    collected at its end — what Streamlit's ScriptRunner does."""
    mgr.clear_session_refs()
    file_id = mgr.add_deferred(lambda: b"PK-data", "application/zip", "1.2.3", file_name="x.zip") if draws else None
    mgr.remove_orphaned_files()
    return file_id


def test_a_run_stopped_before_the_buttons_keeps_the_file_the_browser_shows(manager):
    mgr, now = manager
    shown = run(mgr, draws=True)
    run(mgr, draws=False)  # interrupted by a newer rerun before it reached the button
    now[0] += 5
    run(mgr, draws=False)
    assert mgr.execute_deferred(shown).startswith("/media/")


def test_an_unreferenced_file_goes_after_the_grace_and_a_drawn_one_stays(manager):
    mgr, now = manager
    old = run(mgr, draws=True)
    new = run(mgr, draws=True)  # the redraw: `old` is unreferenced from here
    now[0] += downloads.GRACE_S + 1
    latest = run(mgr, draws=True)  # `new` is unreferenced from here, `old` for longer than the grace
    with pytest.raises(MediaFileStorageError):
        mgr.execute_deferred(old)
    assert mgr.execute_deferred(new) and mgr.execute_deferred(latest)
    now[0] += downloads.GRACE_S + 1
    run(mgr, draws=True)
    with pytest.raises(MediaFileStorageError):
        mgr.execute_deferred(new)


def test_every_page_installs_it():
    """ui.page (imported by every page's one setup call) installs it on import, in a fresh interpreter."""
    code = ("import ui.page; from streamlit.runtime.media_file_manager import MediaFileManager as M; "
            f"assert getattr(M._remove_orphaned_deferred_callables, {downloads._FLAG!r}, False)")
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])
