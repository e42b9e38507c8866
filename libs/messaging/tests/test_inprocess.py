"""Embedded mode: SQLite files and the in-process bus, through the same outbox and inbox code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_messaging import Handlers, InboxConsumer, Outbox, RetryPolicy
from crm_messaging.inprocess import InProcessBus
from crm_messaging.relay import OutboxRelay
from crm_platform.db import Database

from .conftest import Schema
from .events import TENANT, Counted


@pytest.fixture
async def sqlite_dbs(tmp_path: Path, schema: Schema) -> AsyncIterator[tuple[Database, Database]]:
    producer = Database(f"sqlite+aiosqlite:///{tmp_path / 'producer.sqlite3'}")
    consumer = Database(f"sqlite+aiosqlite:///{tmp_path / 'consumer.sqlite3'}")
    for db in (producer, consumer):
        async with db.engine.begin() as conn:
            await conn.run_sync(schema.metadata.create_all)
    yield producer, consumer
    await producer.dispose()
    await consumer.dispose()


async def test_outbox_rows_reach_in_process_consumer_once_and_failures_retry(
    sqlite_dbs: tuple[Database, Database], schema: Schema
) -> None:
    producer_db, consumer_db = sqlite_dbs
    failures = {"left": 2}
    handlers = Handlers()

    @handlers.on(Counted)
    async def on_counted(session: AsyncSession, envelope: EventEnvelope, payload: Counted) -> None:
        if payload.n == 3 and failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("transient")
        await session.execute(insert(schema.effects).values(event_id=envelope.id, note="x"))

    bus = InProcessBus(policy=RetryPolicy(delays_ms=(1, 1, 1)))
    bus.subscribe(InboxConsumer("consumer", consumer_db, schema.tables.inbox, handlers))
    relay = OutboxRelay("producer", producer_db, schema.tables, bus)
    outbox = Outbox("producer", schema.tables)
    async with producer_db.unit_of_work() as session:
        for n in range(10):
            await outbox.emit(session, Counted(n=n), tenant_id=TENANT, subject="s")

    assert await relay.publish_pending() == 10
    assert await relay.publish_pending() == 0  # marked: nothing is published twice
    await bus.drain()
    async with consumer_db.unit_of_work() as session:
        count = (
            await session.execute(select(func.count()).select_from(schema.effects))
        ).scalar_one()
    assert count == 10
    assert failures["left"] == 0
    assert bus.parked == []


async def test_a_consumer_whose_database_is_gone_holds_up_neither_publisher_nor_others(
    sqlite_dbs: tuple[Database, Database], schema: Schema, tmp_path: Path
) -> None:
    producer_db, consumer_db = sqlite_dbs
    handlers = Handlers()

    @handlers.on(Counted)
    async def on_counted(session: AsyncSession, envelope: EventEnvelope, payload: Counted) -> None:
        await session.execute(insert(schema.effects).values(event_id=envelope.id, note="x"))

    gone = Database(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'gone.sqlite3'}")
    bus = InProcessBus(policy=RetryPolicy(delays_ms=(1,)))
    broken = InboxConsumer("broken", gone, schema.tables.inbox, handlers)
    bus.subscribe(broken)
    bus.subscribe(InboxConsumer("healthy", consumer_db, schema.tables.inbox, handlers))
    relay = OutboxRelay("producer", producer_db, schema.tables, bus)
    async with producer_db.unit_of_work() as session:
        await Outbox("producer", schema.tables).emit(
            session, Counted(n=1), tenant_id=TENANT, subject="s"
        )
    assert await relay.publish_pending() == 1
    await bus.drain()
    async with consumer_db.unit_of_work() as session:
        count = (
            await session.execute(select(func.count()).select_from(schema.effects))
        ).scalar_one()
    assert count == 1
    assert [p.consumer for p in bus.parked] == ["broken"]
    bus.unsubscribe(broken)
    assert broken not in bus.consumers
    await gone.dispose()
