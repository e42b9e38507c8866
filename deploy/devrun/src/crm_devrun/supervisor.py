"""Keeps the distributed run's processes up, as honcho or systemd would.

A process that exits on its own is started again after a back-off that doubles with each
fast failure (one within `fast_failure_seconds` of its start); a run that lasted longer
resets it. Only after `max_fast_failures` fast failures in a row does the supervisor give
up, and then everything is stopped with a message saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from crm_devrun.processes import ManagedProcess

MONITOR_INTERVAL_SECONDS = 0.5


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    fast_failure_seconds: float = 30.0
    max_fast_failures: int = 5

    def delay(self, fast_failures: int) -> float:
        """The back-off before a restart, after `fast_failures` fast failures in a row."""
        return min(self.max_delay, self.first_delay * float(2**fast_failures))


@dataclass
class _Watch:
    process: ManagedProcess
    fast_failures: int = 0
    restarts: int = 0
    restart_at: float | None = None


class GaveUpError(RuntimeError):
    pass


class Supervisor:
    def __init__(
        self,
        processes: Sequence[ManagedProcess],
        policy: RestartPolicy | None = None,
        *,
        say: Callable[[str], None] | None = None,
        interval: float = MONITOR_INTERVAL_SECONDS,
    ) -> None:
        self.policy = policy or RestartPolicy()
        self._watches = [_Watch(p) for p in processes]
        self._say = say or (lambda line: print(f"crm_devrun: {line}", flush=True))
        self._interval = interval

    def restarts(self, name: str) -> int:
        return next(w.restarts for w in self._watches if w.process.name == name)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; GaveUpError when a process keeps failing fast."""
        while not stop.is_set():
            now = time.monotonic()
            for watch in self._watches:
                self._check(watch, now)
            waits = [w.restart_at - now for w in self._watches if w.restart_at is not None]
            timeout = max(0.0, min([self._interval, *waits]))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout)

    def _check(self, watch: _Watch, now: float) -> None:
        process = watch.process
        if watch.restart_at is not None:
            if now >= watch.restart_at:
                watch.restart_at = None
                watch.restarts += 1
                process.start()
                self._say(f"{process.name} restarted (pid {process.pid}, restart {watch.restarts})")
            return
        if process.running:
            return
        code = process.returncode
        lived = now - (process.started_at or now)
        watch.fast_failures = (
            watch.fast_failures + 1 if lived < self.policy.fast_failure_seconds else 0
        )
        if watch.fast_failures >= self.policy.max_fast_failures:
            raise GaveUpError(
                f"{process.name} exited with code {code} {watch.fast_failures} times in a row, "
                f"each within {self.policy.fast_failure_seconds:.0f}s of starting; "
                "giving up and stopping everything"
            )
        delay = self.policy.delay(watch.fast_failures)
        watch.restart_at = now + delay
        self._say(
            f"{process.name} exited with code {code} after {lived:.1f}s; restarting in {delay:.1f}s"
        )
