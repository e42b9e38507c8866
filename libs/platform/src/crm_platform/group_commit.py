"""Group commit: concurrent requests' writes share one transaction and one commit.

A request hands its item to `submit` and awaits its outcome. Items that arrive while a
batch is being written form the next batch, so under load one commit carries many writes,
while a lone request is written at once (a batch of one); nothing waits on a timer. A
second batch is written beside a running one only when enough items wait for it.

`write(session, items)` runs inside one unit of work and returns one outcome per item: a
result, or an exception for that item alone, which `write` must have refused before writing
anything of it. When the batch's transaction fails as a whole (a deadlock, a constraint, a
bug), every item of it is written again alone, so one bad item fails only itself and the
others are not lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from prometheus_client import Histogram
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import Database
from crm_platform.logs import get_logger

T = TypeVar("T")
R = TypeVar("R")
Writer = Callable[[AsyncSession, Sequence[T]], Awaitable[Sequence[R | Exception]]]

log = get_logger(__name__)
BATCH_SIZE = Histogram(
    "group_commit_batch_size",
    "Items written by one transaction",
    ["name"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)


class GroupCommit(Generic[T, R]):
    """Also a component of the app (start/stop/ready): stopping waits for batches in flight."""

    def __init__(
        self,
        name: str,
        database: Database,
        write: Writer[T, R],
        *,
        max_batch: int = 64,
        max_in_flight: int = 2,
        min_beside: int = 10,
    ) -> None:
        self.name = name
        self.database = database
        self.write = write
        self.max_batch = max_batch
        self.max_in_flight = max_in_flight
        self.min_beside = min_beside
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        """The item's result; raises the item's exception."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._start_batches()
        return await future

    def _start_batches(self) -> None:
        """A batch starts at once when none is being written; beside a running one only
        with `min_beside` items waiting (a transaction's own cost is paid for enough
        items), else those wait for the running batch to end and go next, whatever
        their number."""
        while (
            self._pending
            and len(self._running) < self.max_in_flight
            and (not self._running or len(self._pending) >= self.min_beside)
        ):
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            task = asyncio.create_task(self._run(batch), name=f"{self.name}-batch")
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._start_batches()

    async def _run(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        BATCH_SIZE.labels(self.name).observe(len(batch))
        try:
            outcomes = await self._write([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            log.warning(
                "group_commit_batch_failed", name=self.name, size=len(batch), error=str(exc)
            )
            for item, future in batch:
                try:
                    (outcome,) = await self._write([item])
                except Exception as alone:
                    outcome = alone
                _settle(future, outcome)
            return
        except BaseException as exc:  # cancelled while writing: nobody's answer is known
            for _, future in batch:
                _settle(future, RuntimeError(f"{self.name}: stopped while writing ({exc!r})"))
            raise
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            _settle(future, outcome)

    async def _write(self, items: list[T]) -> Sequence[R | Exception]:
        async with self.database.unit_of_work() as session:
            outcomes = await self.write(session, items)
        if len(outcomes) != len(items):
            raise RuntimeError(f"{self.name}: {len(outcomes)} outcomes for {len(items)} items")
        return outcomes

    async def start(self) -> None:
        return None

    async def ready(self) -> None:
        return None

    async def stop(self) -> None:
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)


def _settle(future: asyncio.Future[R], outcome: R | Exception) -> None:
    if future.done():  # the request went away; its write stands, like any committed request
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
