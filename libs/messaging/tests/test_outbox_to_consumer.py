"""Outbox -> relay -> RabbitMQ -> consumer with inbox, end to end on the real servers."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_messaging import Handlers, InboxConsumer, Outbox, Outcome
from crm_messaging.amqp import AmqpConsumer, AmqpPublisher
from crm_messaging.relay import OutboxRelay
from crm_messaging.topology import RetryPolicy
from crm_platform.db import Database

from .conftest import Schema
from .events import TENANT, Counted


def counting_handlers(schema: Schema) -> Handlers:
    handlers = Handlers()

    @handlers.on(Counted)
    async def on_counted(session: AsyncSession, envelope: EventEnvelope, payload: Counted) -> None:
        await session.execute(
            insert(schema.effects).values(event_id=envelope.id, note=f"n={payload.n}")
        )

    return handlers


async def effect_count(database: Database, schema: Schema) -> int:
    async with database.unit_of_work() as session:
        return int(
            (await session.execute(select(func.count()).select_from(schema.effects))).scalar_one()
        )


async def wait_until(predicate, within: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Poll a condition on the real system; fails the test when it never holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_events_committed_through_outbox_reach_consumer_once(
    database: Database, schema: Schema, broker_url: str, consumer_name: str
) -> None:
    outbox = Outbox(consumer_name, schema.tables)
    inbox = InboxConsumer(consumer_name, database, schema.tables.inbox, counting_handlers(schema))
    consumer = AmqpConsumer(broker_url, inbox, policy=RetryPolicy(delays_ms=(50,)))
    publisher = AmqpPublisher(broker_url)
    relay = OutboxRelay(consumer_name, database, schema.tables, publisher, poll_seconds=5)
    await consumer.start()
    await publisher.start()
    await relay.start()
    try:
        async with database.unit_of_work() as session:
            for n in range(50):
                await outbox.emit(session, Counted(n=n), tenant_id=TENANT, subject=str(n))
        # A rolled-back transaction leaves nothing in the outbox and publishes nothing.
        try:
            async with database.unit_of_work() as session:
                await outbox.emit(session, Counted(n=999), tenant_id=TENANT, subject="x")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass

        async def all_seen() -> bool:
            return await effect_count(database, schema) >= 50

        await wait_until(all_seen)
        async with database.unit_of_work() as session:
            notes = (await session.execute(select(schema.effects.c.note))).scalars().all()
            unpublished = (
                await session.execute(
                    select(func.count())
                    .select_from(schema.tables.outbox)
                    .where(schema.tables.outbox.c.published_at.is_(None))
                )
            ).scalar_one()
        assert sorted(notes) == sorted(f"n={n}" for n in range(50))
        assert unpublished == 0
    finally:
        await relay.stop()
        await publisher.stop()
        await consumer.stop()


async def test_redelivered_event_has_no_second_effect(database: Database, schema: Schema) -> None:
    inbox = InboxConsumer("dedupe", database, schema.tables.inbox, counting_handlers(schema))
    envelope = Outbox("dedupe", schema.tables).envelope(Counted(n=1), tenant_id=TENANT, subject="s")
    first = await inbox.handle_batch([envelope, envelope])
    second = await inbox.handle_batch([envelope])
    assert [r.outcome for r in first] == [Outcome.DONE, Outcome.DUPLICATE]
    assert [r.outcome for r in second] == [Outcome.DUPLICATE]
    assert await effect_count(database, schema) == 1


async def test_failing_handler_does_not_undo_the_rest_of_its_batch(
    database: Database, schema: Schema
) -> None:
    handlers = Handlers()

    @handlers.on(Counted)
    async def on_counted(session: AsyncSession, envelope: EventEnvelope, payload: Counted) -> None:
        await session.execute(insert(schema.effects).values(event_id=envelope.id, note="x"))
        if payload.n == 2:
            raise ValueError("bad")

    inbox = InboxConsumer("isolate", database, schema.tables.inbox, handlers)
    outbox = Outbox("isolate", schema.tables)
    batch = [outbox.envelope(Counted(n=n), tenant_id=TENANT, subject="s") for n in range(4)]
    results = await inbox.handle_batch(batch)
    assert [r.outcome for r in results] == [
        Outcome.DONE,
        Outcome.DONE,
        Outcome.FAILED,
        Outcome.DONE,
    ]
    assert await effect_count(database, schema) == 3
    assert not await inbox.seen(batch[2].id)
    assert await inbox.seen(batch[3].id)
