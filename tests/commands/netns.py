"""Run inside a fresh network namespace (``unshare -n``) by test_bundle, with the system ``python3``: bring the
loopback interface up (a new namespace has it down, and no other), prove there is no route out, and probe a server."""

from __future__ import annotations

import fcntl
import socket
import struct
import sys
import time
import urllib.request

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sH14s", fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH14s", b"lo", 0, b"")))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b""))


def network_is_off() -> bool:
    try:
        socket.create_connection(("1.1.1.1", 443), timeout=3).close()
    except OSError:
        return True
    return False


def probe(base: str, wait_s: float = 120) -> None:
    """Print health=…, leaflet=<status>, page=<1 if Streamlit's page came back>."""
    deadline = time.monotonic() + wait_s
    health = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                health = r.read().decode().strip()
                break
        except OSError:
            time.sleep(1)
    print(f"health={health}")
    with urllib.request.urlopen(f"{base}/app/static/vendor/node_modules/leaflet/dist/leaflet.js", timeout=10) as r:
        print(f"leaflet={r.status}")
    with urllib.request.urlopen(f"{base}/", timeout=10) as r:
        drawn = '<div id="root">' in r.read().decode()
    print(f"page={int(drawn)}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "up":
        loopback_up()
        print("network=off" if network_is_off() else "network=ON")
    else:
        probe(sys.argv[2])
