"""Warm-up at server start (``serve.py``): import the heavy modules and fill the caches the overview and the map
use, so that the first visitor after a restart waits no longer than the next one.

Runs in a worker thread inside the server process, outside any script run: it only calls cached loaders with the
same arguments the pages pass (the whole-city scope, the overview's default period), never a widget.
"""

from __future__ import annotations

import logging
import time

import pandas as pd
from streamlit.logger import get_logger

_LOG = get_logger(__name__)
# Cached loaders called outside a script run log "missing ScriptRunContext" once per call: expected here.
_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


def overview_period(as_of: pd.Timestamp) -> tuple[int, str, str]:
    """The overview's default period: the data's year from January to the as-of month (year, first, last)."""
    return int(as_of.year), f"{as_of.year}-01", f"{as_of.year}-{as_of.month:02d}"


def run(counties: tuple[str, ...] | None = None) -> float:
    """Fill the caches for ``counties`` (None: everything); returns the seconds it took. Never raises: a failed
    warm-up only means the first visitor computes what it would have."""
    started = time.perf_counter()
    context_log = logging.getLogger(_CONTEXT_LOGGER)
    level = context_log.level
    context_log.setLevel(logging.ERROR)
    try:
        from ui import data, mapkit

        if data.store_state() != "ready":  # an empty store (the first visit chooses demo or local data): nothing to warm
            return 0.0
        year, first, last = overview_period(data.as_of())
        data.kpi_summary(first, last, counties)
        data.target_completion(year, first, last, counties)
        mapkit.map_frames(counties)
        mapkit.map_layers(counties)
    except Exception:  # noqa: BLE001 - logged; the app works without a warm cache
        _LOG.exception("warm-up failed")
    finally:
        context_log.setLevel(level)
    seconds = time.perf_counter() - started
    _LOG.info("缓存预热完成，用时 %.1f 秒", seconds)
    return seconds
