"""Deferred downloads that survive an interrupted run.

Every export button passes its data as a function (made when pressed, so a page at province scale draws in seconds).
Streamlit registers that function under an id that is new on every run, and forgets the old id at the end of each
run that did not draw it — also a run stopped early by a newer rerun request (the map's first report, a widget
changed mid-run). Such a run clears the page's references before it reaches the buttons, so it drops the ids the
browser still shows: the visitor presses 导出 and nothing comes ("Deferred file … not found" in the server log).

:func:`install` keeps an unreferenced deferred download for :data:`GRACE_S` seconds after it was first seen
unreferenced, as Streamlit does for ready-made download files (kept one run longer). Within that time the browser
has the redrawn button with its new id; the old function still gives the file the visitor saw on screen.
"""

from __future__ import annotations

import time

GRACE_S = 60.0
_FLAG = "_parkmap_deferred_grace"
clock = time.monotonic  # a module global, read at each pass (tests move it)


def install() -> bool:
    """Patch Streamlit's media file manager once per process. False if this Streamlit lacks what it relies on
    (tests/ui/test_downloads.py fails then, so an upgrade is noticed)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    current = getattr(MediaFileManager, "_remove_orphaned_deferred_callables", None)
    if current is None or not hasattr(MediaFileManager, "_drop_deferred_id"):
        return False
    if getattr(current, _FLAG, False):
        return True

    def remove_orphaned_deferred_callables(self) -> None:  # called by Streamlit with self._lock held
        since: dict[str, float] = self.__dict__.setdefault("_parkmap_unreferenced_since", {})
        active = {fid for by_coord in self._files_by_session_and_coord.values() for fid in by_coord.values()}
        now = clock()
        for file_id in list(self._deferred_callables):
            if file_id in active:
                since.pop(file_id, None)
            elif now - since.setdefault(file_id, now) >= GRACE_S:
                since.pop(file_id, None)
                self._drop_deferred_id(file_id)
        for file_id in [f for f in since if f not in self._deferred_callables]:  # dropped elsewhere (a disabled button)
            del since[file_id]

    setattr(remove_orphaned_deferred_callables, _FLAG, True)
    MediaFileManager._remove_orphaned_deferred_callables = remove_orphaned_deferred_callables
    return True
