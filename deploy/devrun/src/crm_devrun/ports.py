"""Choosing TCP ports: the usual one when it is free, else any free one."""

from __future__ import annotations

import socket


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


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago, for a child process to bind."""
    with _bound(host, 0) as sock:
        return int(sock.getsockname()[1])


def choose_port(preferred: int, host: str = "127.0.0.1") -> int:
    try:
        with _bound(host, preferred):
            return preferred
    except OSError:
        return free_port(host)
