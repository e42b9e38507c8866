"""Waiting in tests for a real system to reach a state: bounded polls that fail with what
was awaited, never a fixed sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], within: float = 30.0, interval: float = 0.02) -> T:
    """Calls `predicate` until it gives something truthy, and returns that; fails after
    `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within:.0f}s")
        time.sleep(interval)


async def eventually(
    probe: Callable[[], Awaitable[bool]], within: float = 30.0, interval: float = 0.05
) -> None:
    """Awaits `probe` until it holds; fails after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await probe():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within:.0f}s")
        await asyncio.sleep(interval)
