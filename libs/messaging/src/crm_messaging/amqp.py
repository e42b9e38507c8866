"""RabbitMQ transport: confirmed publisher and the batching consumer with retries and parking."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from functools import partial
from typing import Any, TypeGuard

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)
from aio_pika.exceptions import ChannelInvalidStateError
from aiormq import spec
from aiormq.abc import ChannelFrame
from pamqp.body import ContentBody
from pamqp.header import ContentHeader
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

CONTENT_TYPE = "application/json"
PERSISTENT = int(aio_pika.DeliveryMode.PERSISTENT)
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
        exchange, channel = self._exchange, self._channel
        if exchange is None or channel is None:
            return [ConnectionError("publisher not started")] * len(messages)
        if not messages:
            return []
        try:
            underlay = await channel.get_underlay_channel()
        except Exception as exc:  # reconnecting: nothing was sent
            return [exc] * len(messages)
        if _can_write_batches(underlay):
            return await _publish_in_one_write(underlay, exchange.name, messages)
        publishes = [
            exchange.publish(
                aio_pika.Message(
                    m.body,
                    content_type=CONTENT_TYPE,
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


def _can_write_batches(channel: object) -> TypeGuard[aiormq.Channel]:
    """Whether the aiormq channel has the confirm bookkeeping `_publish_in_one_write` uses."""
    return (
        isinstance(channel, aiormq.Channel)
        and channel.publisher_confirms
        and all(
            hasattr(channel, name)
            for name in ("confirmations", "message_id_delivery_tag", "delivery_tag", "write_queue")
        )
    )


async def _publish_in_one_write(
    channel: aiormq.Channel, exchange: str, messages: Sequence[OutgoingMessage]
) -> list[BaseException | None]:
    """Publish a batch as one socket write, then wait for every confirm.

    What `basic_publish` does for one message, done for the whole batch under one hold of
    the channel lock: the broker numbers publishes on a channel in the order it reads them,
    so each message gets the next delivery tag and a confirmation future the channel's
    reader resolves (ack), fails (nack, return of a mandatory message) or rejects when the
    channel closes. One write instead of one per message: on loopback each socket write
    costs as much as the rest of a publish.
    """
    frames: list[Any] = []
    for m in messages:
        frames.append(
            spec.Basic.Publish(exchange=exchange, routing_key=m.event_type, mandatory=True)
        )
        frames.append(
            ContentHeader(
                properties=spec.Basic.Properties(
                    content_type=CONTENT_TYPE,
                    delivery_mode=PERSISTENT,
                    message_id=str(m.event_id),
                    message_type=m.event_type,
                    headers={"tenant_id": str(m.tenant_id)},
                ),
                body_size=len(m.body),
            )
        )
        frames.extend(_split_body(m.body, channel.max_content_size))
    confirmations: list[asyncio.Future[Any]] = []
    try:
        async with channel.lock:
            # No await from here to the enqueue: tags follow the order the frames are written.
            drained = channel.create_future()
            payload = ChannelFrame.marshall(
                channel_number=channel.number, frames=frames, drain_future=drained
            )
            for m in messages:
                channel.delivery_tag += 1
                confirmation = channel.create_future()
                channel.confirmations[channel.delivery_tag] = confirmation
                message_id = str(m.event_id)
                channel.message_id_delivery_tag[message_id] = channel.delivery_tag
                confirmation.add_done_callback(
                    partial(_forget_message_id, channel, message_id, channel.delivery_tag)
                )
                confirmations.append(confirmation)
            channel.write_queue.put_nowait(payload)
    except Exception as exc:  # the channel is closed: nothing was sent
        return [exc] * len(messages)
    # A closing channel rejects the drain and every pending confirmation, so this ends;
    # gather reports those rejections (even a CancelledError set on a future) as results,
    # and cancels the confirmations when the relay itself is cancelled.
    _, *results = await asyncio.gather(drained, *confirmations, return_exceptions=True)
    return [r if isinstance(r, BaseException) else None for r in results]


def _forget_message_id(
    channel: aiormq.Channel, message_id: str, delivery_tag: int, _: asyncio.Future[Any]
) -> None:
    if channel.message_id_delivery_tag.get(message_id) == delivery_tag:
        channel.message_id_delivery_tag.pop(message_id)


def _split_body(body: bytes, size: int) -> list[ContentBody]:
    return [ContentBody(body[i : i + size]) for i in range(0, len(body), size)]


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
            # Deliveries from a channel that has closed since are back in the queue and come
            # again on the new channel: handling them now would only be wasted work.
            batch = [message for message in batch if _channel_of(message) is not None]
            if not batch:
                continue
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
        done: list[AbstractIncomingMessage] = []
        for (message, _), result in zip(parsed, results, strict=True):
            CONSUMED.labels(self.inbox.name, result.outcome.value).inc()
            if result.outcome is Outcome.FAILED:
                await self._retry_or_park(message, repr(result.error))
            else:
                done.append(message)
        await self._ack(done)

    async def _ack(self, messages: list[AbstractIncomingMessage]) -> None:
        """One `multiple` ack per channel, for the batch's last delivery on it.

        Deliveries are handled in order, one batch at a time, and every earlier one on the
        channel is settled by now (acked, retried, parked, or nacked after a crash), so the
        multiple ack covers exactly this batch.
        """
        last: dict[int, AbstractIncomingMessage] = {}
        lost = 0
        for message in messages:
            channel = _channel_of(message)
            if channel is None:
                lost += 1  # the broker redelivers these; the inbox absorbs the repeat
                continue
            latest = last.get(id(channel))
            if latest is None or (message.delivery_tag or 0) > (latest.delivery_tag or 0):
                last[id(channel)] = message
        for message in last.values():
            try:
                await message.ack(multiple=True)
            except Exception:
                if _channel_of(message) is not None:
                    raise
                # Closed under us: unacked deliveries go back to the queue by themselves.
                lost = len(messages)
        if lost:
            log.warning("consumer_acks_lost", consumer=self.inbox.name, size=lost)

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


def _channel_of(message: AbstractIncomingMessage) -> object | None:
    """The channel a message was delivered on, or None once that channel has closed."""
    try:
        return message.channel
    except ChannelInvalidStateError:
        return None
