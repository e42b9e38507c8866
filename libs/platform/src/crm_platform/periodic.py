"""A job beside the app (a Component): a pass at start, then every `poll_seconds`, and at once
when woken: wake() from this process, or a commit that gave it work
(`crm_platform.wakeups.wake_on_commit(session, wake_on)`).

A pass that raises is logged and the loop goes on; `run_once` returns how much it did, and a
pass that did something is followed by another at once, so a backlog drains without waiting
for the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from crm_platform.logs import get_logger
from crm_platform.wakeups import wakeups

log = get_logger(__name__)


async def wait_awhile(wake: asyncio.Event, seconds: float) -> None:
    """Until `wake` is set or `seconds` pass. Not `asyncio.wait_for`: on Python 3.11 it
    swallows a cancellation that arrives together with the wake, and a loop waiting so
    is never stopped (a service's shutdown hung on its relay)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wake.wait()


class PeriodicJob:
    def __init__(
        self,
        name: str,
        run_once: Callable[[], Awaitable[int]],
        poll_seconds: float,
        *,
        wake_on: str | None = None,
    ) -> None:
        self.name = name
        self.run_once = run_once
        self.poll_seconds = poll_seconds
        self.wake_on = wake_on
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self.wake_on is not None:
            wakeups.register(self.wake_on, self._wake)
        self._task = asyncio.create_task(self._loop(), name=self.name)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            done = 0
            try:
                done = await self.run_once()
            except Exception:
                log.exception("periodic_job_failed", job=self.name)
            if done:
                continue
            await wait_awhile(self._wake, self.poll_seconds)

    async def stop(self) -> None:
        if self.wake_on is not None:
            wakeups.unregister(self.wake_on, self._wake)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def ready(self) -> None:
        if self._task is None or self._task.done():
            raise RuntimeError(f"the {self.name} job is not running")
