"""A full disk during an upload fails that upload with a Chinese message and leaves the app serving everyone else.

The store lives on a small tmpfs that the test fills (needs the right to mount, as root in CI; skipped otherwise)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path

import pytest

import store
from layers import projects
from ui import data, uploads

LEDGER = "项目名称,县（市、区）,合同投资（万元）,项目进度,签约时间\n" + "\n".join(f"项目{i},商州区,{1000 + i},已签约,2024-03-15" for i in range(3000))


@contextlib.contextmanager
def small_disk(path: Path, size: str = "24m"):
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): " + done.stderr.decode(errors="replace").strip())
    try:
        yield path
    finally:
        data._connection.clear()
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb") as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * (256 * 1024))
            fh.flush()
    return filler


def test_a_full_disk_fails_the_upload_in_chinese_and_the_app_keeps_serving(shangluo_store, tmp_path, monkeypatch):
    with small_disk(tmp_path / "disk") as disk:
        db = disk / "parkmap.duckdb"
        shutil.copyfile(shangluo_store, db)
        monkeypatch.setenv(store.ENV_VAR, str(db))
        regions_before = len(data.load_layer("regions", None))
        filler = fill(disk)
        result, error = uploads.run("projects", LEDGER.encode("utf-8"), "大台账.csv")
        assert result is None and "磁盘空间已满" in error, error
        data.written()
        assert len(data.load_layer("regions", None)) == regions_before  # reads still work: the app keeps serving
        assert data.load_layer("projects", None).empty  # nothing of the failed upload was stored
        filler.unlink()
        result, error = uploads.run("projects", LEDGER.encode("utf-8"), "大台账.csv")
        assert error is None and result["imported"] == 3000, error  # once there is room, the same upload works
        with data.cursor() as con:
            assert len(projects.load(con)) == 3000
