"""Senders of this process, woken when a commit gave them work (no wait for the next poll)."""

from __future__ import annotations

from collections.abc import Callable

_senders: set[Callable[[], None]] = set()


def register(wake: Callable[[], None]) -> None:
    _senders.add(wake)


def unregister(wake: Callable[[], None]) -> None:
    _senders.discard(wake)


def wake_senders() -> None:
    for wake in list(_senders):
        wake()
