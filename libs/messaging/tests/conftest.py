"""Fixtures: a fresh PostgreSQL database with the messaging tables, and unique queue names."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid

from crm_messaging.tables import MessagingTables
from crm_platform.db import Database, new_metadata
from crm_platform.testing import amqp_url, fresh_database


class Schema:
    """Messaging tables plus an `effects` table a test handler writes to."""

    def __init__(self) -> None:
        self.metadata: MetaData = new_metadata()
        self.tables = MessagingTables(self.metadata)
        self.effects = Table(
            "effects",
            self.metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", Uuid, nullable=False),
            Column("note", String(100), nullable=False),
        )


@pytest.fixture
def schema() -> Schema:
    return Schema()


@pytest.fixture
async def database(schema: Schema) -> AsyncIterator[Database]:
    async with fresh_database("msg") as url:
        db = Database(url, pool_size=5)
        async with db.engine.begin() as conn:
            await conn.run_sync(schema.metadata.create_all)
        try:
            yield db
        finally:
            await db.dispose()


@pytest.fixture
def broker_url() -> str:
    return amqp_url()


@pytest.fixture
def consumer_name() -> str:
    return f"test_{uuid.uuid4().hex[:8]}"
