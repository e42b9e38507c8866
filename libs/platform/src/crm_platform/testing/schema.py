"""Comparing a migrated database with the models that describe it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


async def schema_differences(url: str, metadata: MetaData) -> tuple[list[object], set[str]]:
    """What autogenerate would still change to make the database match `metadata`, and
    the tables present."""

    def compare(conn: Connection) -> tuple[list[object], set[str]]:
        diff = list(compare_metadata(MigrationContext.configure(conn), metadata))
        return diff, set(inspect(conn).get_table_names())

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()
