"""A minimal reverse proxy for the browser tests, doing what the README's nginx sample does for the ``header`` identity
method: every request (the WebSocket upgrade included) reaches the app with the proxy's own user header, whatever
the browser sent. HTTP requests go one per connection (``Connection: close``); an upgraded connection is piped as is."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator


def _rewrite(head: bytes, header: str, value: str | None) -> bytes:
    lines = head.split(b"\r\n")
    name = header.lower().encode()
    kept = [line for line in lines[1:] if line and not line.lower().startswith(name + b":")]
    upgrade = any(line.lower().startswith(b"upgrade:") for line in kept)
    if not upgrade:
        kept = [line for line in kept if not line.lower().startswith(b"connection:")] + [b"Connection: close"]
    if value is not None:
        kept.append(f"{header}: {value}".encode())
    return b"\r\n".join([lines[0], *kept]) + b"\r\n\r\n"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(Exception):
        writer.close()


@contextlib.contextmanager
def header_proxy(port: int, header: str, value: str | None) -> Iterator[str]:
    """Serve on a free loopback port, forwarding to ``127.0.0.1:port`` with ``header: value`` set (None: removed)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    state: dict = {"writers": set()}

    async def handle(client_r, client_w):
        state["writers"].add(client_w)
        try:
            head = await client_r.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            client_w.close()
            return
        up_r, up_w = await asyncio.open_connection("127.0.0.1", port)
        state["writers"].add(up_w)
        up_w.write(_rewrite(head[:-4], header, value))
        await up_w.drain()
        await asyncio.gather(_pipe(client_r, up_w), _pipe(up_r, client_w))

    async def start():
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        state["server"] = server
        state["port"] = server.sockets[0].getsockname()[1]
        ready.set()

    async def stop():
        state["server"].close()
        for writer in list(state["writers"]):
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await state["server"].wait_closed()

    thread = threading.Thread(target=lambda: (asyncio.set_event_loop(loop), loop.run_until_complete(start()), loop.run_forever()),
                              daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield f"http://127.0.0.1:{state['port']}"
    finally:
        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])
