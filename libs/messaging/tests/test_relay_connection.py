"""The relay writes its batches on a connection of its own (PostgreSQL): when that
connection dies, the batch in hand is not marked, and the next pass opens a new one and
publishes every row once."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import asyncpg

from crm_messaging import Outbox
from crm_messaging.publisher import OutgoingMessage
from crm_messaging.relay import OutboxRelay
from crm_platform.db import Database

from .conftest import Schema
from .events import TENANT, Counted


class Recording:
    """A publisher that confirms everything and remembers what it was given."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    async def publish_many(
        self, messages: Sequence[OutgoingMessage]
    ) -> Sequence[BaseException | None]:
        self.sent.extend(messages)
        return [None] * len(messages)


async def _emit(database: Database, schema: Schema, count: int) -> None:
    outbox = Outbox("relayconn", schema.tables)
    async with database.unit_of_work() as session:
        for n in range(count):
            await outbox.emit(session, Counted(n=n), tenant_id=TENANT, subject="s")


async def test_a_dead_relay_connection_is_replaced_and_nothing_is_lost_or_doubled(
    database: Database, schema: Schema
) -> None:
    publisher = Recording()
    relay = OutboxRelay("relayconn", database, schema.tables, publisher)
    try:
        await _emit(database, schema, 3)
        assert await relay.publish_pending() == 3
        assert relay._own is not None
        first_pid = relay._own.get_server_pid()
        killer = await asyncpg.connect(database.url.replace("+asyncpg", ""))
        try:
            assert await killer.fetchval("SELECT pg_terminate_backend($1)", first_pid)
        finally:
            await killer.close()
        await _emit(database, schema, 2)
        published = 0
        # The pass on the dead connection fails (as a closed socket, the server's error or
        # asyncpg's broken protocol state), unless it is found closed beforehand.
        failures = (
            OSError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.exceptions.InternalClientError,
        )
        with contextlib.suppress(*failures):
            published = await relay.publish_pending()
        if published == 0:
            published = await relay.publish_pending()
        assert published == 2
        assert relay._own is not None
        assert relay._own.get_server_pid() != first_pid
        assert await relay.publish_pending() == 0
        ids = [m.event_id for m in publisher.sent]
        assert len(set(ids)) == 5
        assert len(ids) == 5
    finally:
        await relay.stop()
