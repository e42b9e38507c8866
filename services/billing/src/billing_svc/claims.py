"""Once-only work held by the database: a row whose primary key lets one transaction in."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def claim(session: AsyncSession, model: Any, **values: Any) -> bool:
    """Inserts the row unless one with its key exists; True when this transaction did.
    A concurrent transaction inserting the same key waits for this one and gets False."""
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
    stmt = (
        insert.values(**values)
        .on_conflict_do_nothing()
        .returning(*model.__table__.primary_key.columns)
    )
    return (await session.execute(stmt)).first() is not None
