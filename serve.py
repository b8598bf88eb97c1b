"""Server entry point: ``streamlit run serve.py`` serves ``app.py`` and its ``pages/`` exactly as ``streamlit run
app.py`` would, warms the caches in the background as soon as the server starts (``ui.warmup``), writes the daily
backup, and turns any page error into a Chinese message with a reference number (``ui.errors``)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading

import streamlit as st
from streamlit import config


def _refuse_an_open_server_without_sign_in() -> None:
    """Secure by default: listening beyond this machine needs an identity method (ui.identity.startup_problem)."""
    from ui import identity

    problem = identity.startup_problem(config.get_option("server.address"))
    if problem:
        print(f"拒绝启动：{problem}", file=sys.stderr, flush=True)
        raise SystemExit(2)


_refuse_an_open_server_without_sign_in()


def _address_line() -> str:
    """Where the app listens, said without asking anyone: Streamlit's own welcome message (switched off in
    .streamlit/config.toml) asks checkip.amazonaws.com for the external address and routes a socket towards 8.8.8.8."""
    address = config.get_option("server.address")  # unset: Streamlit listens on every interface
    port = config.get_option("server.port")
    if not address or address in {"0.0.0.0", "::"}:  # noqa: S104 - what the operator asked for, refused above without sign-in
        return f"园区承载力与项目地图已启动：本机所有网卡的 {port} 端口（http://本机地址:{port}）"
    return f"园区承载力与项目地图已启动：http://{address}:{port}"


def _stacks_on_signal() -> None:
    """``kill -USR1 <pid>`` writes every thread's stack to the log (stderr): what a server that stopped answering is
    waiting on, without stopping it (deploy/README.md)."""
    import faulthandler
    import signal

    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)


@contextlib.asynccontextmanager
async def lifespan(_app):
    from ui import backups, warmup  # nothing that declares a component: those are declared inside a script run

    print(_address_line(), flush=True)
    _stacks_on_signal()
    task = asyncio.get_running_loop().run_in_executor(None, warmup.run)  # connections are accepted meanwhile
    stop = threading.Event()
    backups = threading.Thread(target=backups.daily_backups, args=(stop,), name="daily-backup", daemon=True)
    backups.start()
    yield None
    stop.set()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(task, timeout=1)


def on_script_error(ex: Exception) -> bool:
    from ui import errors

    return errors.on_script_error(ex)


app = st.App("app.py", lifespan=lifespan, on_script_error=on_script_error)
