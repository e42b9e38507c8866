"""Feeds the access map from events: a queue of this replica's own on RabbitMQ, or the
in-process bus in embedded mode. Updates are idempotent (whole states, newest wins), so no
inbox is needed; a replica that starts empty asks the owners for what it has not seen."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from pydantic import ValidationError

from crm_contracts.envelope import EventEnvelope
from crm_messaging.amqp import connect
from crm_messaging.inbox import Outcome, Result
from crm_messaging.outbox import decode
from crm_messaging.runtime import embedded_bus
from crm_messaging.topology import declare_exchanges
from crm_platform.logs import get_logger
from gateway_app.accessmap import AccessMap

log = get_logger(__name__)


class _Types:
    def __init__(self, event_types: Sequence[str]) -> None:
        self.event_types = set(event_types)


class AccessMapFeed:
    name = "access-map-feed"

    def __init__(self, access: AccessMap, amqp_url: str) -> None:
        self.access = access
        self.amqp_url = amqp_url
        self.handlers = _Types(access.EVENT_TYPES)
        self._connection: AbstractRobustConnection | None = None

    async def start(self) -> None:
        if not self.amqp_url:
            embedded_bus.subscribe(self)  # type: ignore[arg-type]
            return
        self._connection = await connect(self.amqp_url)
        # Whatever was published while the connection was down never reaches this queue:
        # drop what was learnt, and ask the owners again (see AccessMap).
        self._connection.close_callbacks.add(self._resynchronise)
        self._connection.reconnect_callbacks.add(self._resynchronise)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=256)
        events = await declare_exchanges(channel)
        # Exclusive, gone with this replica: every replica sees every event. Named here
        # (the broker refuses to re-declare a server-made amq.gen-* name after a reconnect).
        queue = await channel.declare_queue(
            f"gateway.access.{uuid.uuid4().hex}", exclusive=True, auto_delete=True
        )
        for event_type in self.handlers.event_types:
            await queue.bind(events, routing_key=event_type)
        await queue.consume(self._on_message)

    def _resynchronise(self, *_: object) -> None:
        log.info("access_map_resynchronised")
        self.access.forget_all()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            self.access.apply(decode(message.body))
        except (ValidationError, ValueError, KeyError) as exc:
            log.error("access_event_unreadable", error=repr(exc), message_id=message.message_id)
        with contextlib.suppress(aio_pika.exceptions.AMQPError, RuntimeError):
            await message.ack()

    # the in-process bus calls this like an inbox consumer
    async def handle_batch(self, envelopes: Sequence[EventEnvelope]) -> list[Result]:
        for envelope in envelopes:
            self.access.apply(envelope)
        return [Result(Outcome.DONE) for _ in envelopes]

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
        else:
            embedded_bus.unsubscribe(self)  # type: ignore[arg-type]

    async def ready(self) -> None:
        if self.amqp_url and (self._connection is None or self._connection.is_closed):
            raise ConnectionError("broker connection is closed")
