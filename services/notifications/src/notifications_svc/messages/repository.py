"""Every query on messages and their attempts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.ids import uuid7
from crm_platform.pagination import keyset
from notifications_svc.models import (
    Attempt,
    Balance,
    Broadcast,
    Client,
    Invoice,
    Message,
    OptOut,
    Organisation,
    PushDevice,
    Template,
)

WAITING = ("queued", "deferred")


class MessagesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_unique(self, values: dict[str, Any]) -> uuid.UUID | None:
        """Inserts the message unless its dedup key is taken; its id, or None if it was."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(Message)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(Message.id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    def log(self, message_id: uuid.UUID, at: datetime, status: str, detail: str | None) -> None:
        self.session.add(
            Attempt(id=uuid7(), message_id=message_id, at=at, status=status, detail=detail)
        )

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[uuid.UUID]:
        """Takes up to `limit` messages whose time has come and no live sender holds; rows
        another transaction is taking are skipped, not waited for."""
        found = (
            await self.session.execute(
                select(Message.id)
                .where(
                    Message.status.in_(WAITING),
                    Message.next_attempt_at <= now,
                    or_(Message.lease_until.is_(None), Message.lease_until < now),
                )
                .order_by(Message.next_attempt_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
        ids = list(found)
        if ids:
            await self.session.execute(
                update(Message).where(Message.id.in_(ids)).values(lease_until=lease_until)
            )
        return ids

    async def message(self, message_id: uuid.UUID) -> Message | None:
        return await self.session.get(Message, message_id)

    async def messages(self, ids: list[uuid.UUID]) -> list[Message]:
        """A batch of messages in one query, in the order of `ids`."""
        if not ids:
            return []
        found = await self.session.execute(select(Message).where(Message.id.in_(ids)))
        by_id = {m.id: m for m in found.scalars()}
        return [by_id[i] for i in ids if i in by_id]

    async def clients(self, ids: list[uuid.UUID]) -> None:
        """Loads these clients into the session in one query: the lookups that follow in
        this unit of work find them there."""
        if ids:
            (await self.session.execute(select(Client).where(Client.id.in_(set(ids))))).all()

    async def organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, tenant_id)

    async def client(self, client_id: uuid.UUID) -> Client | None:
        return await self.session.get(Client, client_id)

    async def invoice_status(self, invoice_id: str) -> str | None:
        row = await self.session.get(Invoice, uuid.UUID(invoice_id))
        return row.status if row else None

    async def balance(self, client_id: uuid.UUID) -> int | None:
        row = await self.session.get(Balance, client_id)
        return row.balance_minor if row else None

    async def template(
        self, tenant_id: uuid.UUID, trigger: str, channel: str, locale: str
    ) -> Template | None:
        return await self.session.get(Template, (tenant_id, trigger, channel, locale))

    async def news_count(self, client_id: uuid.UUID, since: datetime) -> int:
        """News queued or sent to the client since `since` (the daily cap)."""
        query = select(func.count()).where(
            Message.client_id == client_id,
            Message.category == "news",
            Message.created_at >= since,
            Message.status.in_(("queued", "deferred", "sent")),
        )
        return int((await self.session.execute(query)).scalar_one())

    async def sms_count(self, tenant_id: uuid.UUID, since: datetime) -> int:
        """SMS queued or sent by the organisation since `since` (the monthly cap)."""
        query = select(func.count()).where(
            Message.tenant_id == tenant_id,
            Message.channel == "sms",
            Message.created_at >= since,
            Message.status.in_(("queued", "deferred", "sent")),
        )
        return int((await self.session.execute(query)).scalar_one())

    async def broadcast(self, broadcast_id: str) -> Broadcast | None:
        return await self.session.get(Broadcast, uuid.UUID(broadcast_id))

    async def templates(self, tenant_id: uuid.UUID) -> list[Template]:
        query = select(Template).where(Template.tenant_id == tenant_id)
        return list((await self.session.execute(query)).scalars())

    async def has_push_device(self, client_id: uuid.UUID) -> bool:
        query = select(PushDevice.id).where(PushDevice.client_id == client_id).limit(1)
        return (await self.session.execute(query)).first() is not None

    async def opted_out(self, client_id: uuid.UUID, category: str, channel: str) -> bool:
        found = await self.session.get(OptOut, (client_id, category, channel))
        return found is not None

    async def forget_address(self, msg: Message) -> None:
        """The channel said the address is dead for good: stop using it."""
        if msg.channel == "telegram" and msg.client_id is not None:
            await self.session.execute(
                update(Client)
                .where(Client.tenant_id == msg.tenant_id, Client.telegram_chat_id == msg.address)
                .values(telegram_blocked=True)
            )

    async def add_opt_out(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, category: str, channel: str, **kw: Any
    ) -> None:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(
            insert(OptOut)
            .values(
                tenant_id=tenant_id, client_id=client_id, category=category, channel=channel, **kw
            )
            .on_conflict_do_nothing()
        )

    async def listed(
        self,
        scope: ColumnElement[bool],
        filters: Sequence[ColumnElement[bool]],
        cursor: str | None,
        limit: int,
    ) -> list[Message]:
        query = select(Message).where(and_(scope, *filters))
        return list(
            (await self.session.execute(keyset(query, Message.id, cursor, limit))).scalars()
        )

    async def visible(self, scope: ColumnElement[bool], message_id: uuid.UUID) -> Message | None:
        query = select(Message).where(scope, Message.id == message_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def attempts(self, message_id: uuid.UUID) -> list[Attempt]:
        query = select(Attempt).where(Attempt.message_id == message_id).order_by(Attempt.id)
        return list((await self.session.execute(query)).scalars())
