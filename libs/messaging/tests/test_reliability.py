"""Broker and process failures on the real PostgreSQL and RabbitMQ: nothing lost, nothing doubled.

Each test counts effects in the database and what the inbox reported, so a redelivery that
was absorbed by the inbox shows up as a DUPLICATE outcome rather than as a second effect.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, cast

import aio_pika
import pytest
from aio_pika.abc import AbstractChannel, AbstractRobustConnection
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from yarl import URL

from crm_contracts.envelope import EventEnvelope
from crm_messaging import Handlers, InboxConsumer, Outbox, Outcome
from crm_messaging.amqp import ATTEMPT_HEADER, ERROR_HEADER, AmqpConsumer, AmqpPublisher
from crm_messaging.inbox import Result
from crm_messaging.outbox import encode
from crm_messaging.publisher import OutgoingMessage
from crm_messaging.relay import OutboxRelay
from crm_messaging.topology import EVENTS_EXCHANGE, QueueNames, RetryPolicy
from crm_platform.db import Database

from .conftest import Schema
from .events import TENANT, Counted, Exploded
from .test_outbox_to_consumer import counting_handlers, effect_count

pytestmark = pytest.mark.reliability

# Tiny retry delays keep the retry -> parking path fast.
FAST = RetryPolicy(delays_ms=(20, 40))


async def wait_until(predicate: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    """Poll a condition on the real system; fails the test when it never holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await predicate():
        assert loop.time() < deadline, f"condition not reached within {within} s"
        await asyncio.sleep(0.02)


def named(url: str, name: str) -> str:
    """The broker URL with a client-provided connection name (shown by rabbitmqctl)."""
    return str(URL(url).update_query(name=name))


class ObservedInbox(InboxConsumer):
    """An inbox that tallies what it reported and can act right after a batch has committed."""

    def __init__(self, name: str, database: Database, schema: Schema, handlers: Handlers) -> None:
        super().__init__(name, database, schema.tables.inbox, handlers)
        self.outcomes: Counter[Outcome] = Counter()
        self.deliveries: Counter[uuid.UUID] = Counter()
        self.after_commit: Callable[[], Awaitable[None]] | None = None

    async def handle_batch(self, envelopes: Sequence[EventEnvelope]) -> list[Result]:
        results = await super().handle_batch(envelopes)
        for envelope, result in zip(envelopes, results, strict=True):
            self.outcomes[result.outcome] += 1
            self.deliveries[envelope.id] += 1
        if self.after_commit is not None:
            # Effects and inbox rows are committed; the messages are not acked yet.
            await self.after_commit()
        return results

    @property
    def done(self) -> int:
        return self.outcomes[Outcome.DONE]

    @property
    def duplicates(self) -> int:
        return self.outcomes[Outcome.DUPLICATE]


class CountingPublisher:
    """Passes publishes through and counts every attempt, so republishes are visible."""

    def __init__(self, inner: AmqpPublisher) -> None:
        self.inner = inner
        self.attempts = 0

    async def publish_many(
        self, messages: Sequence[OutgoingMessage]
    ) -> Sequence[BaseException | None]:
        self.attempts += len(messages)
        return await self.inner.publish_many(messages)


class Reconnects:
    """Counts reconnections of a robust connection."""

    def __init__(self, connection: AbstractRobustConnection | None) -> None:
        assert connection is not None
        self.count = 0
        connection.reconnect_callbacks.add(self)

    def __call__(self, *_: object) -> None:
        self.count += 1


async def rabbitmqctl(*args: str, attempts: int = 3) -> str:
    """Run a rabbitmqctl command; a busy node can refuse one, so it is tried a few times."""
    for attempt in range(1, attempts + 1):
        process = await asyncio.create_subprocess_exec(
            "rabbitmqctl",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        if process.returncode == 0:
            return out.decode()
        if attempt == attempts:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {err.decode()}")
    raise AssertionError("unreachable")


async def cut_connections(prefix: str) -> int:
    """Force-close every broker connection whose client name starts with `prefix`.

    Like `rabbitmqctl close_all_connections`, but only this test's connections, so other
    clients of the same broker (another test run, a dev stack) are left alone.
    """
    listing = await rabbitmqctl("list_connections", "-s", "pid", "client_properties")
    pids = [
        line.split("\t", 1)[0]
        for line in listing.splitlines()
        if f'{{"connection_name","{prefix}' in line
    ]
    await asyncio.gather(*(rabbitmqctl("close_connection", pid, "test") for pid in pids))
    return len(pids)


class Broker:
    """A plain connection for the test's own looks at the broker (never cut)."""

    def __init__(self, channel: AbstractChannel, names: QueueNames) -> None:
        self.channel = channel
        self.names = names

    async def depth(self, queue: str) -> int:
        """Ready messages in a queue (passive declare)."""
        declared = await self.channel.declare_queue(queue, passive=True)
        result = declared.declaration_result
        return int(result.message_count or 0)

    async def drained(self) -> bool:
        return await self.depth(self.names.main) == 0


@pytest.fixture
async def broker(broker_url: str, consumer_name: str) -> AsyncIterator[Broker]:
    names = QueueNames(consumer_name)
    connection = await aio_pika.connect(named(broker_url, f"inspect-{consumer_name}"))
    try:
        channel = await connection.channel()
        yield Broker(channel, names)
        # Leave no queues behind: RabbitMQ keeps durable queues until deleted.
        channel = await connection.channel()
        for queue in (
            names.main,
            names.parking,
            *(names.retry(level) for level in range(1, len(FAST.delays_ms) + 1)),
        ):
            await channel.queue_delete(queue)
    finally:
        await connection.close()


async def unpublished(database: Database, schema: Schema) -> int:
    outbox = schema.tables.outbox
    async with database.unit_of_work() as session:
        query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        return int((await session.execute(query)).scalar_one())


async def effect_ids(database: Database, schema: Schema) -> tuple[int, int]:
    """(effect rows, distinct event ids among them)."""
    c = schema.effects.c
    async with database.unit_of_work() as session:
        query = select(func.count(), func.count(c.event_id.distinct()))
        rows, distinct = (await session.execute(query)).one()
    return int(rows), int(distinct)


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="needs rabbitmqctl on this host")
async def test_connection_cuts_lose_and_duplicate_nothing(
    database: Database, schema: Schema, broker_url: str, consumer_name: str, broker: Broker
) -> None:
    total, per_transaction, ahead = 2_000, 100, 300
    cut_after = [400, 1_200]
    outbox = Outbox(consumer_name, schema.tables)
    inbox = ObservedInbox(consumer_name, database, schema, counting_handlers(schema))
    consumer = AmqpConsumer(named(broker_url, f"{consumer_name}-consumer"), inbox, policy=FAST)
    publisher = CountingPublisher(AmqpPublisher(named(broker_url, f"{consumer_name}-relay")))
    relay = OutboxRelay(consumer_name, database, schema.tables, publisher, poll_seconds=0.5)
    cuts: list[int] = []
    problems: list[Exception] = []

    await consumer.start()
    await publisher.inner.start()
    consumer_reconnects = Reconnects(consumer._connection)
    relay_reconnects = Reconnects(publisher.inner._connection)

    async def cut_when_due() -> None:
        # Runs inside the consumer right after a batch committed and before its acks, so
        # those acks are lost with the connection and the broker must redeliver the batch.
        # Failures are kept for the test to report: raised here, the consumer would take
        # them for a failed commit.
        if not cut_after or inbox.done < cut_after[0]:
            return
        cut_after.pop(0)
        before = (consumer_reconnects.count, relay_reconnects.count)

        async def both_back() -> bool:
            return consumer_reconnects.count > before[0] and relay_reconnects.count > before[1]

        try:
            closed = await cut_connections(consumer_name)
            cuts.append(inbox.done)
            assert closed == 2, f"closed {closed} connections, expected the consumer's and relay's"
            await wait_until(both_back, within=60)
        except Exception as exc:
            problems.append(exc)

    inbox.after_commit = cut_when_due
    await relay.start()
    try:
        for start in range(0, total, per_transaction):
            # Stay at most `ahead` events in front of the consumer, so writing goes on
            # across both cuts instead of finishing before the first one.
            async def caught_up(start: int = start) -> bool:
                return start - inbox.done <= ahead

            await wait_until(caught_up, within=120)
            async with database.unit_of_work() as session:
                await outbox.add(
                    session,
                    [
                        outbox.envelope(Counted(n=n), tenant_id=TENANT, subject=str(n))
                        for n in range(start, start + per_transaction)
                    ],
                )

        async def all_done() -> bool:
            return inbox.done >= total

        async def settled() -> bool:
            return await unpublished(database, schema) == 0 and await broker.drained()

        await wait_until(all_done, within=120)
        await wait_until(settled, within=60)
        rows, distinct = await effect_ids(database, schema)
    finally:
        await relay.stop()
        await publisher.inner.stop()
        await consumer.stop()

    assert not problems, problems
    assert len(cuts) == 2, f"connections cut after {cuts} effects"
    assert all(cut < total for cut in cuts)
    assert consumer_reconnects.count >= 2
    assert relay_reconnects.count >= 2
    assert rows == total, "lost or doubled effects"
    assert distinct == total
    assert inbox.done == total
    assert inbox.duplicates > 0, "the cuts caused no redelivery"
    assert publisher.attempts >= total


async def test_poison_messages_are_parked_and_do_not_block_the_queue(
    database: Database, schema: Schema, broker_url: str, consumer_name: str, broker: Broker
) -> None:
    handlers = counting_handlers(schema)

    @handlers.on(Exploded)
    async def on_exploded(
        session: AsyncSession, envelope: EventEnvelope, payload: Exploded
    ) -> None:
        await session.execute(insert(schema.effects).values(event_id=envelope.id, note="boom"))
        raise RuntimeError(payload.reason)

    outbox = Outbox(consumer_name, schema.tables)
    inbox = ObservedInbox(consumer_name, database, schema, handlers)
    consumer = AmqpConsumer(broker_url, inbox, policy=FAST)
    publisher = AmqpPublisher(broker_url)
    relay = OutboxRelay(consumer_name, database, schema.tables, publisher, poll_seconds=0.5)
    unreadable = [b"\x00 not json at all", b'{"id": "not-a-uuid", "type": "testing.counted"}']
    await consumer.start()
    await publisher.start()
    try:
        # Straight to the exchange, with the routing key the consumer is bound to.
        exchange = await broker.channel.get_exchange(EVENTS_EXCHANGE)
        for body in unreadable:
            await exchange.publish(aio_pika.Message(body), routing_key=Counted.event_type)
        async with database.unit_of_work() as session:
            before = [
                outbox.envelope(Counted(n=n), tenant_id=TENANT, subject="s") for n in range(20)
            ]
            poison = outbox.envelope(Exploded(reason="always"), tenant_id=TENANT, subject="s")
            after = [
                outbox.envelope(Counted(n=n), tenant_id=TENANT, subject="s") for n in range(20, 40)
            ]
            await outbox.add(session, [*before, poison, *after])
        await relay.start()

        async def all_parked() -> bool:
            return await broker.depth(broker.names.parking) == len(unreadable) + 1

        async def later_events_done() -> bool:
            return await effect_count(database, schema) >= 40

        await wait_until(later_events_done)
        await wait_until(all_parked)
        parked = []
        queue = await broker.channel.declare_queue(broker.names.parking, passive=True)
        while (message := await queue.get(fail=False)) is not None:
            parked.append(message)
            await message.ack()
        rows, distinct = await effect_ids(database, schema)
        assert await broker.drained()
    finally:
        await relay.stop()
        await publisher.stop()
        await consumer.stop()

    assert rows == distinct == 40
    assert inbox.done == 40
    # The failing event was tried once and retried for each delay, then parked.
    assert inbox.outcomes[Outcome.FAILED] == FAST.max_attempts
    assert not await inbox.seen(poison.id)
    assert len(parked) == 3
    by_body = {m.body: m for m in parked}
    assert set(unreadable) <= set(by_body)
    for body in unreadable:
        assert str(by_body[body].headers[ERROR_HEADER]).startswith("unreadable:")
    failed = next(m for m in parked if m.body not in unreadable)
    assert failed.message_id == str(poison.id)
    assert failed.headers[ATTEMPT_HEADER] == FAST.max_attempts
    assert str(failed.headers[ERROR_HEADER]).startswith("handler_failed:")
    assert "always" in str(failed.headers[ERROR_HEADER])


async def test_consumer_dying_between_commit_and_ack_has_no_second_effect(
    database: Database, schema: Schema, broker_url: str, consumer_name: str, broker: Broker
) -> None:
    inbox = ObservedInbox(consumer_name, database, schema, counting_handlers(schema))
    first = AmqpConsumer(broker_url, inbox, policy=FAST)
    died = asyncio.Event()

    async def die_before_ack() -> None:
        # The effect is committed; the connection goes down before the ack can be sent,
        # as when the process is killed at this point.
        inbox.after_commit = None
        assert first._connection is not None
        await first._connection.close()
        died.set()

    inbox.after_commit = die_before_ack
    await first.start()
    envelope = Outbox(consumer_name, schema.tables).envelope(
        Counted(n=7), tenant_id=TENANT, subject="s"
    )
    publisher = AmqpPublisher(broker_url)
    await publisher.start()
    try:
        message = OutgoingMessage(envelope.id, envelope.type, envelope.tenant_id, encode(envelope))
        assert await publisher.publish_many([message]) == [None]

        async def has_died() -> bool:
            return died.is_set()

        await wait_until(has_died)
        await first.stop()
        assert await effect_count(database, schema) == 1
        assert inbox.outcomes == Counter({Outcome.DONE: 1})

        second = AmqpConsumer(broker_url, inbox, policy=FAST)
        await second.start()
        try:

            async def redelivered() -> bool:
                return inbox.duplicates >= 1 and await broker.drained()

            await wait_until(redelivered)
        finally:
            await second.stop()
    finally:
        await publisher.stop()

    assert inbox.deliveries[envelope.id] == 2
    assert inbox.outcomes == Counter({Outcome.DONE: 1, Outcome.DUPLICATE: 1})
    assert await effect_count(database, schema) == 1
    assert await inbox.seen(envelope.id)


class KilledMidBatch:
    """Publishes the first part of its first batch, then hangs with the rest in flight."""

    def __init__(self, inner: AmqpPublisher, confirmed_first: int) -> None:
        self.inner = inner
        self.confirmed_first = confirmed_first
        self.in_flight = asyncio.Event()
        self.calls = 0

    async def publish_many(
        self, messages: Sequence[OutgoingMessage]
    ) -> Sequence[BaseException | None]:
        self.calls += 1
        if self.calls > 1:
            return await self.inner.publish_many(messages)
        head = await self.inner.publish_many(messages[: self.confirmed_first])
        assert all(result is None for result in head)
        rest = asyncio.ensure_future(self.inner.publish_many(messages[self.confirmed_first :]))
        self.in_flight.set()
        await asyncio.Event().wait()  # the relay is cancelled here
        return [*head, *await rest]


async def test_relay_killed_mid_batch_loses_nothing(
    database: Database, schema: Schema, broker_url: str, consumer_name: str, broker: Broker
) -> None:
    total, batch, confirmed_first = 300, 100, 50
    outbox = Outbox(consumer_name, schema.tables)
    inbox = ObservedInbox(consumer_name, database, schema, counting_handlers(schema))
    consumer = AmqpConsumer(broker_url, inbox, policy=FAST)
    amqp = AmqpPublisher(broker_url)
    killed = KilledMidBatch(amqp, confirmed_first)
    await consumer.start()
    await amqp.start()
    try:
        for start in range(0, total, batch):
            async with database.unit_of_work() as session:
                await outbox.add(
                    session,
                    [
                        outbox.envelope(Counted(n=n), tenant_id=TENANT, subject="s")
                        for n in range(start, start + batch)
                    ],
                )
        doomed = OutboxRelay(
            consumer_name, database, schema.tables, killed, batch_size=batch, poll_seconds=0.5
        )
        await doomed.start()

        async def in_flight() -> bool:
            return killed.in_flight.is_set()

        await wait_until(in_flight)
        await doomed.stop()
        # Nothing was marked: the batch's transaction never committed.
        assert await unpublished(database, schema) == total

        relay = OutboxRelay(
            consumer_name, database, schema.tables, amqp, batch_size=batch, poll_seconds=0.5
        )
        await relay.start()
        try:

            async def all_done() -> bool:
                # The confirmed head was published by both relays: its second copy must
                # come back as a duplicate before the run is complete.
                return inbox.done >= total and inbox.duplicates >= confirmed_first

            async def settled() -> bool:
                return await unpublished(database, schema) == 0 and await broker.drained()

            await wait_until(all_done)
            await wait_until(settled)
        finally:
            await relay.stop()
        rows, distinct = await effect_ids(database, schema)
    finally:
        await amqp.stop()
        await consumer.stop()

    assert killed.calls == 1
    assert rows == distinct == total
    assert inbox.done == total
    assert inbox.duplicates >= confirmed_first
    assert await unpublished(database, schema) == 0


class ConfirmsLost:
    """Lets the broker take the first batch, drops its confirms, and cuts the connection.

    So the relay never learns the broker has the batch: it must report every message of it
    failed, keep the rows unpublished and send them again on the new connection.
    """

    def __init__(self, inner: AmqpPublisher, prefix: str, arrived: Callable[[], Awaitable[bool]]):
        self.inner = inner
        self.prefix = prefix
        self.arrived = arrived
        self.calls = 0
        self.attempts = 0
        self.first: Sequence[BaseException | None] = []

    async def publish_many(
        self, messages: Sequence[OutgoingMessage]
    ) -> Sequence[BaseException | None]:
        self.calls += 1
        self.attempts += len(messages)
        if self.calls > 1:
            return await self.inner.publish_many(messages)
        assert self.inner._channel is not None
        channel = await self.inner._channel.get_underlay_channel()

        async def drop(_: object) -> None:
            return None

        cast(Any, channel)._on_confirm_frame = drop  # the reader finds no confirm
        publishing = asyncio.ensure_future(self.inner.publish_many(messages))
        await wait_until(self.arrived)  # the consumer already has every message
        assert not publishing.done()
        assert await cut_connections(self.prefix) == 1
        self.first = await publishing
        return self.first


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="needs rabbitmqctl on this host")
async def test_publishes_whose_confirms_are_lost_are_sent_again(
    database: Database, schema: Schema, broker_url: str, consumer_name: str, broker: Broker
) -> None:
    total = 50
    outbox = Outbox(consumer_name, schema.tables)
    inbox = ObservedInbox(consumer_name, database, schema, counting_handlers(schema))
    consumer = AmqpConsumer(broker_url, inbox, policy=FAST)

    async def all_arrived() -> bool:
        return inbox.done >= total

    amqp = AmqpPublisher(named(broker_url, f"{consumer_name}-relay"))
    publisher = ConfirmsLost(amqp, f"{consumer_name}-relay", all_arrived)
    relay = OutboxRelay(consumer_name, database, schema.tables, publisher, poll_seconds=0.5)
    await consumer.start()
    await amqp.start()
    try:
        async with database.unit_of_work() as session:
            await outbox.add(
                session,
                [
                    outbox.envelope(Counted(n=n), tenant_id=TENANT, subject="s")
                    for n in range(total)
                ],
            )
        await relay.start()

        async def republished() -> bool:
            return inbox.duplicates >= total and await unpublished(database, schema) == 0

        await wait_until(republished)
        await wait_until(broker.drained)
        rows, distinct = await effect_ids(database, schema)
    finally:
        await relay.stop()
        await amqp.stop()
        await consumer.stop()

    assert len(publisher.first) == total
    assert all(result is not None for result in publisher.first), "reported confirmed"
    assert publisher.calls >= 2
    assert publisher.attempts >= 2 * total
    assert rows == distinct == total
    assert inbox.outcomes == Counter({Outcome.DONE: total, Outcome.DUPLICATE: total})
