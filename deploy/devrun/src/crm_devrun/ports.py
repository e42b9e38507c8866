"""Choosing TCP ports: the usual one when it is free, else any free one."""

from __future__ import annotations

import random
import socket
from pathlib import Path

# Ports for child processes come from below the kernel's ephemeral range: a port picked from
# inside it can be taken by any outgoing connection before the child binds it.
CHILD_PORTS = (20_000, 32_000)
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
# Handed out by this process already: children that have not bound yet must not share one.
_handed_out: set[int] = set()


def _bound(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # As uvicorn does: a port left in TIME_WAIT by a stopped server is free again.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def listening_socket(host: str, preferred: int) -> socket.socket:
    """A socket bound to `preferred`, or to a free port when that one is taken.

    The caller hands it to the server, so no other process can take the port in between.
    """
    try:
        return _bound(host, preferred)
    except OSError:
        return _bound(host, 0)


def _child_range() -> tuple[int, int]:
    low, high = CHILD_PORTS
    try:
        ephemeral_low = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return low, high
    return min(low, ephemeral_low - 2_000), min(high, ephemeral_low)


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago, for a child process to bind, chosen outside the
    ephemeral range so that no outgoing connection takes it in the meantime."""
    low, high = _child_range()
    for port in random.sample(range(low, high), 200):
        if port in _handed_out:
            continue
        try:
            with _bound(host, port):
                _handed_out.add(port)
                return port
        except OSError:
            continue
    with _bound(host, 0) as sock:
        return int(sock.getsockname()[1])


def choose_port(preferred: int, host: str = "127.0.0.1") -> int:
    try:
        with _bound(host, preferred):
            return preferred
    except OSError:
        return free_port(host)
