"""The embedded-mode bus: the same outbox and inbox code, with delivery inside one process."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from crm_contracts.envelope import EventEnvelope
from crm_messaging.inbox import InboxConsumer, Outcome, Result
from crm_messaging.outbox import decode
from crm_messaging.publisher import OutgoingMessage
from crm_messaging.topology import RetryPolicy
from crm_platform.logs import get_logger

log = get_logger(__name__)


@dataclass
class Parked:
    consumer: str
    envelope: EventEnvelope
    error: str


@dataclass
class InProcessBus:
    """Publish returns once every subscribed consumer has committed (or scheduled a retry)."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    consumers: list[InboxConsumer] = field(default_factory=list)
    parked: list[Parked] = field(default_factory=list)
    _retries: set[asyncio.Task[None]] = field(default_factory=set)

    def subscribe(self, consumer: InboxConsumer) -> None:
        self.consumers.append(consumer)

    def unsubscribe(self, consumer: InboxConsumer) -> None:
        """A stopped service hears nothing more; its pending retries are dropped."""
        if consumer in self.consumers:
            self.consumers.remove(consumer)

    async def publish_many(
        self, messages: Sequence[OutgoingMessage]
    ) -> Sequence[BaseException | None]:
        decoded: dict[int, EventEnvelope] = {}
        for consumer in self.consumers:
            types = consumer.handlers.event_types
            wanted = [
                decoded.get(n) or decoded.setdefault(n, decode(m.body))
                for n, m in enumerate(messages)
                if m.event_type in types
            ]
            if wanted:
                await self._deliver(consumer, wanted, attempt=1)
        return [None] * len(messages)

    async def _deliver(
        self, consumer: InboxConsumer, envelopes: list[EventEnvelope], attempt: int
    ) -> None:
        if consumer not in self.consumers:
            return
        try:
            results = await consumer.handle_batch(envelopes)
        except Exception as exc:
            # Its database is unreachable or its commit failed: nothing took effect there.
            # Retry for this consumer only; the others and the publisher are not held up.
            results = [Result(Outcome.FAILED, exc)] * len(envelopes)
        failed = [
            (e, r.error)
            for e, r in zip(envelopes, results, strict=True)
            if r.outcome is Outcome.FAILED
        ]
        if not failed:
            return
        if attempt >= self.policy.max_attempts:
            for envelope, error in failed:
                log.error(
                    "event_parked",
                    consumer=consumer.name,
                    event_id=str(envelope.id),
                    error=repr(error),
                )
                self.parked.append(Parked(consumer.name, envelope, repr(error)))
            return
        delay = self.policy.delays_ms[attempt - 1] / 1000
        retry = self._later(consumer, [e for e, _ in failed], attempt + 1, delay)
        task: asyncio.Task[None] = asyncio.create_task(retry)
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    async def _later(
        self, consumer: InboxConsumer, envelopes: list[EventEnvelope], attempt: int, delay: float
    ) -> None:
        await asyncio.sleep(delay)
        await self._deliver(consumer, envelopes, attempt)

    async def drain(self) -> None:
        """Wait until every scheduled retry has run (and any retries those scheduled)."""
        while self._retries:
            await asyncio.gather(*list(self._retries), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._retries):
            task.cancel()
        await asyncio.gather(*self._retries, return_exceptions=True)
