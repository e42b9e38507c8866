"""Queries of the inbox, scoped by organisation and one client."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import exists, func, select

from crm_platform.db import dialect_insert
from portal_svc.models import Message, MessageRead
from portal_svc.repository import Shared

INBOX_LIMIT = 100


class MessagesRepository(Shared):
    async def inbox(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, limit: int = INBOX_LIMIT
    ) -> list[tuple[Message, datetime | None]]:
        rows = await self.session.execute(
            select(Message, MessageRead.read_at)
            .outerjoin(MessageRead, MessageRead.message_id == Message.message_id)
            .where(Message.tenant_id == tenant_id, Message.client_id == client_id)
            .order_by(Message.sent_at.desc(), Message.message_id.desc())
            .limit(limit)
        )
        return [(message, read_at) for message, read_at in rows]

    async def unread(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.tenant_id == tenant_id,
                Message.client_id == client_id,
                ~exists().where(MessageRead.message_id == Message.message_id),
            )
        )
        return int(count or 0)

    async def unread_ids(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self.session.scalars(
            select(Message.message_id).where(
                Message.tenant_id == tenant_id,
                Message.client_id == client_id,
                ~exists().where(MessageRead.message_id == Message.message_id),
            )
        )
        return list(rows)

    async def message(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, message_id: uuid.UUID
    ) -> Message | None:
        message = await self.session.get(Message, message_id)
        if message is None or message.tenant_id != tenant_id or message.client_id != client_id:
            return None
        return message

    async def mark_read(self, tenant_id: uuid.UUID, ids: list[uuid.UUID], at: datetime) -> None:
        """Marks the messages read at `at`; one read before keeps its time."""
        await self.session.execute(
            dialect_insert(self.session, MessageRead).on_conflict_do_nothing(),
            [{"message_id": i, "tenant_id": tenant_id, "read_at": at} for i in ids],
        )
