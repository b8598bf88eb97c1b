"""Backups from the running app: the server's daily backup loop (``serve.py``), a backup on demand and the latest
one for download (数据管理). Imported by the server's lifespan, outside any script run, so it imports nothing that
declares a Streamlit component (streamlit_folium, the map component): those must be declared inside a run."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import store
from store import backup
from ui import data

_LOG = logging.getLogger("parkmap.backup")


def backup_folder() -> Path:
    """Where the server keeps its daily backups: ``$PARKMAP_BACKUP_DIR``, else ``backups/daily`` beside the database."""
    configured = os.environ.get("PARKMAP_BACKUP_DIR")
    return Path(configured) if configured else store.default_db_path().parent / "backups" / "daily"


def keep_backups() -> int:
    """How many daily backups are kept: ``$PARKMAP_BACKUP_KEEP`` (default 14)."""
    try:
        return max(1, int(os.environ.get("PARKMAP_BACKUP_KEEP", "14")))
    except ValueError:
        return 14


def latest_backup() -> Path | None:
    return backup.latest(backup_folder())


def backup_now() -> Path:
    """Today's backup (made now if the server has not made it yet)."""
    with data.cursor() as con:
        backup.daily(con, backup_folder(), keep=keep_backups())
    return latest_backup()


def daily_backups(stop, *, every_s: float = 3600.0) -> None:
    """The server's backup loop (``serve.py`` runs it in a thread): today's backup when missing, checked every hour,
    keeping the newest :func:`keep_backups`. Never raises: a failed backup is logged and tried again next hour."""
    while not stop.is_set():
        try:
            if data.store_state() != "empty":
                with data.cursor() as con:
                    made = backup.daily(con, backup_folder(), keep=keep_backups())
                if made:
                    _LOG.info("已写入每日备份 %s", made)
        except Exception:  # noqa: BLE001 - logged; the app keeps serving
            _LOG.exception("每日备份失败")
        stop.wait(every_s)
