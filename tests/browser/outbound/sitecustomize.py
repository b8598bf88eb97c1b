"""Loaded by the server under test through PYTHONPATH: every socket connection, name lookup and urllib request the
process makes is written, one per line, to ``$PARKMAP_OUTBOUND_LOG`` (Python audit events; nothing is blocked)."""

import os
import sys

_LOG = os.environ.get("PARKMAP_OUTBOUND_LOG")
_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request"}


def _hook(event, args):
    if event not in _EVENTS:
        return
    target = args[1] if event == "socket.connect" else args[0]
    with open(_LOG, "a", encoding="utf-8") as out:
        out.write(f"{event}\t{target!r}\n")


if _LOG:
    with open(_LOG, "a", encoding="utf-8") as started:
        started.write("hook\tinstalled\n")
    sys.addaudithook(_hook)
