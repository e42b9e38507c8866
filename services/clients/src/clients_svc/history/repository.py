"""Queries of a client's history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import HistoryEntry
from crm_platform.pagination import decode_cursor


class HistoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def history(
        self,
        tenant_id: uuid.UUID,
        client_id: uuid.UUID,
        sections: Sequence[str],
        cursor: str | None,
        limit: int,
    ) -> list[HistoryEntry]:
        """Newest first: ids are UUIDv7 of when each thing happened."""
        query = select(HistoryEntry).where(
            HistoryEntry.tenant_id == tenant_id,
            HistoryEntry.client_id == client_id,
            HistoryEntry.section.in_(list(sections)),
        )
        if cursor:
            query = query.where(HistoryEntry.id < decode_cursor(cursor))
        rows = await self.session.execute(query.order_by(HistoryEntry.id.desc()).limit(limit + 1))
        return list(rows.scalars().all())

    async def move_to(self, tenant_id: uuid.UUID, from_id: uuid.UUID, to_id: uuid.UUID) -> None:
        """A lead's lines become its client's (the ids differ, the history is one)."""
        await self.session.execute(
            update(HistoryEntry)
            .where(HistoryEntry.tenant_id == tenant_id, HistoryEntry.client_id == from_id)
            .values(client_id=to_id)
        )

    async def insert_many(self, rows: list[dict[str, Any]]) -> None:
        await self.session.execute(insert(HistoryEntry), rows)
