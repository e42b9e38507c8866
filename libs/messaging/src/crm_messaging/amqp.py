"""RabbitMQ transport: confirmed publisher and the batching consumer with retries and parking."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)
from prometheus_client import Counter
from pydantic import ValidationError

from crm_messaging.inbox import InboxConsumer, Outcome
from crm_messaging.outbox import decode
from crm_messaging.publisher import OutgoingMessage
from crm_messaging.topology import (
    QueueNames,
    RetryPolicy,
    declare_consumer_queues,
    declare_exchanges,
)
from crm_platform.logs import get_logger

log = get_logger(__name__)

ATTEMPT_HEADER = "x-crm-attempt"
ERROR_HEADER = "x-crm-error"

CONSUMED = Counter("events_consumed_total", "Events consumed", ["consumer", "outcome"])
PARKED = Counter("events_parked_total", "Events sent to the parking queue", ["consumer", "reason"])
RETRIED = Counter("events_retried_total", "Events scheduled for a retry", ["consumer"])


async def connect(url: str) -> AbstractRobustConnection:
    return await aio_pika.connect_robust(url, reconnect_interval=0.5, fail_fast=True)


class AmqpPublisher:
    """Confirmed, persistent, mandatory publishes; a whole batch is in flight at once."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self._connection = await connect(self.url)
        self._channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        self._exchange = await declare_exchanges(self._channel)

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = self._exchange = None

    async def ready(self) -> None:
        if self._connection is None or self._connection.is_closed:
            raise ConnectionError("broker connection is closed")

    async def publish_many(
        self, messages: Sequence[OutgoingMessage]
    ) -> Sequence[BaseException | None]:
        exchange = self._exchange
        if exchange is None:
            return [ConnectionError("publisher not started")] * len(messages)
        publishes = [
            exchange.publish(
                aio_pika.Message(
                    m.body,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=str(m.event_id),
                    type=m.event_type,
                    headers={"tenant_id": str(m.tenant_id)},
                ),
                routing_key=m.event_type,
                mandatory=True,
            )
            for m in messages
        ]
        results = await asyncio.gather(*publishes, return_exceptions=True)
        return [r if isinstance(r, BaseException) else None for r in results]


class AmqpConsumer:
    """Consumes `<name>.events`, hands batches to the inbox, acks only after the commit."""

    def __init__(
        self,
        url: str,
        inbox: InboxConsumer,
        *,
        policy: RetryPolicy | None = None,
        prefetch: int = 256,
        batch_max: int = 128,
    ) -> None:
        self.url = url
        self.inbox = inbox
        self.name = f"consumer:{inbox.name}"
        self.names = QueueNames(inbox.name)
        self.policy = policy or RetryPolicy()
        self.prefetch = prefetch
        self.batch_max = batch_max
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._pending: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._connection = await connect(self.url)
        self._channel = await self._connection.channel(publisher_confirms=True)
        await self._channel.set_qos(prefetch_count=self.prefetch)
        declared = await declare_consumer_queues(
            self._channel, self.names, self.inbox.handlers.event_types, self.policy
        )
        assert declared.main is not None
        await declared.main.consume(self._pending.put)
        self._worker = asyncio.create_task(self._work(), name=self.name)

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if self._connection is not None:
            await self._connection.close()
        self._worker = None
        self._connection = self._channel = None

    async def ready(self) -> None:
        if self._connection is None or self._connection.is_closed:
            raise ConnectionError("broker connection is closed")

    async def _work(self) -> None:
        while True:
            batch = [await self._pending.get()]
            while len(batch) < self.batch_max and not self._pending.empty():
                batch.append(self._pending.get_nowait())
            try:
                await self._process(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer_batch_crashed", consumer=self.inbox.name, size=len(batch))
                await asyncio.sleep(0.5)
                for message in batch:
                    with contextlib.suppress(Exception):
                        await message.nack(requeue=True)

    async def _process(self, batch: list[AbstractIncomingMessage]) -> None:
        parsed = []
        for message in batch:
            try:
                parsed.append((message, decode(message.body)))
            except (ValidationError, ValueError) as exc:
                await self._park(message, "unreadable", repr(exc))
        if not parsed:
            return
        try:
            results = await self.inbox.handle_batch([e for _, e in parsed])
        except Exception:
            # The database is unreachable or the commit failed: nothing took effect.
            log.exception("consumer_commit_failed", consumer=self.inbox.name, size=len(parsed))
            await asyncio.sleep(1.0)
            for message, _ in parsed:
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)
            return
        for (message, _), result in zip(parsed, results, strict=True):
            CONSUMED.labels(self.inbox.name, result.outcome.value).inc()
            if result.outcome is Outcome.FAILED:
                await self._retry_or_park(message, repr(result.error))
            else:
                await message.ack()

    async def _retry_or_park(self, message: AbstractIncomingMessage, error: str) -> None:
        attempt = int(message.headers.get(ATTEMPT_HEADER, 1) or 1)  # type: ignore[arg-type]
        if attempt >= self.policy.max_attempts:
            await self._park(message, "handler_failed", error)
            return
        await self._republish(message, self.names.retry(attempt), attempt + 1, error)
        RETRIED.labels(self.inbox.name).inc()

    async def _park(self, message: AbstractIncomingMessage, reason: str, error: str) -> None:
        log.error(
            "event_parked",
            consumer=self.inbox.name,
            message_id=message.message_id,
            reason=reason,
            error=error,
        )
        attempt = int(message.headers.get(ATTEMPT_HEADER, 1) or 1)  # type: ignore[arg-type]
        await self._republish(message, self.names.parking, attempt, f"{reason}: {error}")
        PARKED.labels(self.inbox.name, reason).inc()

    async def _republish(
        self, message: AbstractIncomingMessage, queue: str, attempt: int, error: str
    ) -> None:
        assert self._channel is not None
        headers = dict(message.headers or {})
        headers[ATTEMPT_HEADER] = attempt
        headers[ERROR_HEADER] = error[:1000]
        await self._channel.default_exchange.publish(
            aio_pika.Message(
                message.body,
                content_type=message.content_type,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message.message_id,
                type=message.type,
                headers=headers,
            ),
            routing_key=queue,
            mandatory=True,
        )
        await message.ack()
